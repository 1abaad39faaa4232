"""The life of an export job in the database: kicked off (queued), claimed by one export worker
(running, under a lease), completed or failed, and removed when the client deletes it or its
retention ends.

A claim bumps `attempt`, which fences everything the worker writes later: a worker that was
presumed dead (its lease ran out) and another took the job over, or whose job was deleted,
finds its update matching no row and gives up. On PostgreSQL, FOR UPDATE SKIP LOCKED lets
several workers claim disjoint jobs without waiting; SQLite runs one writer at a time, and the
claiming UPDATE repeats the claimable condition, so a job is never claimed twice.
"""

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, delete, or_, select, update

from service.auth.principal import Principal
from service.auth.scopes import Scopes
from service.export.request import ExportRequest
from service.export.schema import export_jobs
from service.fhirtime import stamp
from service.storage.database import is_postgres

QUEUED, RUNNING, COMPLETED, FAILED = "queued", "running", "completed", "failed"


@dataclass(frozen=True)
class Job:
    id: str
    client_id: str
    principal: Principal
    request: str
    request_id: str | None
    export: ExportRequest
    status: str
    attempt: int
    transaction_time: str | None
    progress: int
    total: int | None
    output: list[dict[str, Any]]
    error: str | None
    expires_at: str | None

    @staticmethod
    def of(row: Any) -> "Job":
        return Job(
            row.id,
            row.client_id,
            _principal(row.organization, row.client_id, row.principal),
            row.request,
            row.request_id,
            ExportRequest.loads(row.parameters),
            row.status,
            row.attempt,
            row.transaction_time,
            row.progress,
            row.total,
            json.loads(row.output) if row.output else [],
            row.error,
            row.expires_at,
        )

    def owned_by(self, principal: Principal) -> bool:
        """Only the client that kicked a job off sees, downloads or deletes it."""
        return (self.client_id, self.principal.organization) == (
            principal.client_id,
            principal.organization,
        )


def _principal(organization: str, client_id: str, text: str) -> Principal:
    kept = json.loads(text)
    return Principal(
        organization,
        frozenset(kept["units"]),
        client_id,
        Scopes.parse(kept["scopes"]),
        region=kept["region"],
        internal=kept["internal"],
        token_id=kept["token_id"],
        method=kept["method"],
    )


def _principal_text(principal: Principal) -> str:
    """What a job keeps of its caller: enough to apply the same access rule later, when the
    token that kicked it off has long expired."""
    return json.dumps(
        {
            "units": sorted(principal.units),
            "scopes": str(principal.scopes),
            "region": principal.region,
            "internal": principal.internal,
            "token_id": principal.token_id,
            "method": principal.method,
        }
    )


def create(
    conn: Connection,
    principal: Principal,
    export: ExportRequest,
    request: str,
    request_id: str | None,
    now: datetime,
) -> str:
    job_id = str(uuid.uuid4())
    conn.execute(
        export_jobs.insert().values(
            id=job_id,
            client_id=principal.client_id,
            organization=principal.organization,
            principal=_principal_text(principal),
            request=request,
            request_id=request_id,
            parameters=export.dumps(),
            status=QUEUED,
            attempt=0,
            created_at=stamp(now),
            progress=0,
        )
    )
    return job_id


def find(conn: Connection, job_id: str, principal: Principal) -> Job | None:
    """The job, if it exists and belongs to the principal (another's reads as missing)."""
    row = conn.execute(select(export_jobs).where(export_jobs.c.id == job_id)).first()
    job = Job.of(row) if row else None
    return job if job is not None and job.owned_by(principal) else None


def remove(conn: Connection, job_id: str) -> None:
    conn.execute(delete(export_jobs).where(export_jobs.c.id == job_id))


def _claimable(now: str) -> Any:
    return or_(
        export_jobs.c.status == QUEUED,
        and_(export_jobs.c.status == RUNNING, export_jobs.c.lease_until < now),
    )


def claim(conn: Connection, now: datetime, lease: timedelta) -> Job | None:
    """Take the oldest queued job, or a running one whose worker stopped renewing its lease."""
    at = stamp(now)
    query = (
        select(export_jobs.c.id, export_jobs.c.attempt)
        .where(_claimable(at))
        .order_by(export_jobs.c.created_at)
        .limit(1)
    )
    if is_postgres(conn.engine):
        query = query.with_for_update(skip_locked=True)
    found = conn.execute(query).first()
    if found is None:
        return None
    taken = conn.execute(
        update(export_jobs)
        .where(and_(export_jobs.c.id == found.id, _claimable(at)))
        .values(
            status=RUNNING,
            attempt=found.attempt + 1,
            lease_until=stamp(now + lease),
            transaction_time=at,
            progress=0,
            total=None,
        )
    )
    if taken.rowcount != 1:
        return None
    return Job.of(conn.execute(select(export_jobs).where(export_jobs.c.id == found.id)).one())


def _held(job: Job) -> Any:
    return and_(
        export_jobs.c.id == job.id,
        export_jobs.c.attempt == job.attempt,
        export_jobs.c.status == RUNNING,
    )


def renew(
    conn: Connection, job: Job, now: datetime, lease: timedelta, progress: int, total: int
) -> bool:
    """Record progress and extend the lease; False: the job was deleted or taken over."""
    values = {"lease_until": stamp(now + lease), "progress": progress, "total": total}
    return conn.execute(update(export_jobs).where(_held(job)).values(**values)).rowcount == 1


def release(conn: Connection, job: Job) -> None:
    """Give a job back at a clean stop, so the next worker starts it at once."""
    conn.execute(update(export_jobs).where(_held(job)).values(status=QUEUED, lease_until=None))


def finish(
    conn: Connection,
    job: Job,
    now: datetime,
    retention: timedelta,
    output: list[dict[str, Any]] | None,
    error: str | None = None,
) -> bool:
    """Completed with its output (or failed with the reason); its retention starts now."""
    values = {
        "status": FAILED if error else COMPLETED,
        "lease_until": None,
        "output": json.dumps(output) if output is not None else None,
        "error": error,
        "expires_at": stamp(now + retention),
    }
    return conn.execute(update(export_jobs).where(_held(job)).values(**values)).rowcount == 1


def expire(conn: Connection, now: datetime) -> list[str]:
    """Remove the jobs whose retention has ended; their ids, so their files go too."""
    ended = export_jobs.c.expires_at < stamp(now)
    ids = list(conn.execute(select(export_jobs.c.id).where(ended)).scalars())
    if ids:
        conn.execute(delete(export_jobs).where(export_jobs.c.id.in_(ids)))
    return ids


def existing(conn: Connection, ids: list[str]) -> set[str]:
    """Which of these job ids still have a row (a folder without one is left over)."""
    if not ids:
        return set()
    return set(conn.execute(select(export_jobs.c.id).where(export_jobs.c.id.in_(ids))).scalars())
