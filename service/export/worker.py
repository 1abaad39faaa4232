"""The export worker: claims a job, writes one NDJSON file per type, completes the job.

It runs as a background thread of `serve` and of `lus-fhir worker` (service/background.py), so a
job kicked off at one process may be run by any other. Every type is read as the job's caller
would search it (`limited_search`: the access rule), in pages by id, bounded by the job's
transaction time (what changed later belongs to the next `_since` export). Protected identities
leave without address, as forwarded messages do. The lease is renewed after every page; a
worker killed mid-job leaves it to be taken up again when the lease runs out, a clean stop gives
it back at once. The access log gets one entry per completed job, naming every resource and
patient it exported, in the transaction that completes it.
"""

import json
import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from sqlalchemy import and_, bindparam, func, select

from service.audit.event import AuditRecord, RequestInfo, audited, write
from service.export import jobs
from service.export.files import ExportFiles
from service.export.jobs import Job
from service.fhirtime import Clock
from service.rest.engine import limited_search
from service.search import query
from service.search.request import SearchRequest
from service.settings import Settings
from service.storage.schema import resources
from service.storage.store import Store
from service.workflow.payloads import without_address

log = logging.getLogger(__name__)


class Abandoned(Exception):
    """The job was deleted, taken over by another worker, or this worker is stopping."""


class Exporter:
    def __init__(self, store: Store, clock: Clock, settings: Settings) -> None:
        self.store = store
        self.clock = clock
        self.files = ExportFiles.under(settings.data_dir)
        self.lease = timedelta(seconds=settings.export_lease_seconds)
        self.retention = timedelta(hours=settings.export_retention_hours)
        self.batch = settings.export_batch
        self.poll = settings.export_poll_seconds
        self.stopping = threading.Event()

    def run_until(self, stopping: threading.Event) -> None:
        self.stopping = stopping
        while not stopping.is_set():
            try:
                worked = self.run_once()
            except Exception:  # a database hiccup must not end the thread
                log.exception("export round failed")
                worked = False
            if not worked:
                stopping.wait(self.poll)

    def run_once(self) -> bool:
        """Remove what has expired, then run one job; whether there was one."""
        self.sweep()
        with self.store.begin() as conn:
            job = jobs.claim(conn, self.clock(), self.lease)
        if job is None:
            return False
        self.run(job)
        return True

    def sweep(self) -> None:
        """Jobs past their retention, and folders of jobs deleted at another process."""
        with self.store.begin() as conn:
            expired = jobs.expire(conn, self.clock())
            folders = self.files.jobs()
            left_over = set(folders) - jobs.existing(conn, folders)
        for job_id in [*expired, *left_over]:
            self.files.remove(job_id)

    def run(self, job: Job) -> None:
        folder = self.files.folder(job.id, job.attempt)
        try:
            output, record = self._write(job, folder)
            with self.store.begin() as conn:
                if not jobs.finish(conn, job, self.clock(), self.retention, output):
                    raise Abandoned
                if audited(job.principal):
                    write(conn, [record], self.clock())
            self.files.keep_only(job.id, job.attempt)
        except Abandoned:
            self.files.remove(job.id, job.attempt)
            if self.stopping.is_set():
                with self.store.begin() as conn:
                    jobs.release(conn, job)
        except Exception as error:
            log.exception("export %s failed", job.id)
            self.files.remove(job.id, job.attempt)
            with self.store.begin() as conn:
                jobs.finish(conn, job, self.clock(), self.retention, None, str(error))

    def _searches(self, job: Job) -> list[tuple[str, SearchRequest]]:
        export = job.export
        return [
            (kind, limited_search(job.principal, kind, export.criteria(kind), True, 1, 1))
            for kind in export.types
        ]

    def _selection(self, job: Job, search: SearchRequest) -> Any:
        assert job.transaction_time is not None
        since = job.export.since
        conditions = [query.matches(search), resources.c.last_updated <= job.transaction_time]
        if since:
            conditions.append(resources.c.last_updated > since)
        return and_(*conditions)

    def _write(self, job: Job, folder: Path) -> tuple[list[dict[str, Any]], AuditRecord]:
        searches = [(kind, self._selection(job, s)) for kind, s in self._searches(job)]
        with self.store.reading() as conn:
            counted = [select(func.count()).select_from(resources).where(w) for _, w in searches]
            counts = [int(conn.execute(c).scalar_one()) for c in counted]
        total = sum(counts)
        record = AuditRecord.of(job.principal, "export")
        line = f"GET {job.request}"
        record.request = RequestInfo(job.request_id or job.id, None, line)
        folder.mkdir(parents=True, exist_ok=True)
        written = 0
        output = []

        def progressed(count: int) -> None:
            nonlocal written
            written += count
            with self.store.begin() as conn:
                held = jobs.renew(conn, job, self.clock(), self.lease, written, total)
            if not held or self.stopping.is_set():
                raise Abandoned

        progressed(0)
        for (kind, where), expected in zip(searches, counts, strict=True):
            if not expected:
                continue
            path = folder / f"{kind}.ndjson"
            with path.open("w", encoding="utf-8") as out:
                count = self._pages(kind, where, out, record, progressed)
            if count:
                output.append({"type": kind, "count": count})
            else:
                path.unlink()
        return output, record

    def _pages(
        self,
        kind: str,
        where: Any,
        out: IO[str],
        record: AuditRecord,
        progressed: Callable[[int], None],
    ) -> int:
        """Write the selected resources of one type in pages by id; how many."""
        count, after = 0, ""
        page = (
            select(resources.c.res_id, resources.c.content)
            .where(and_(where, resources.c.res_id > bindparam("k_after")))
            .order_by(resources.c.res_id)
            .limit(self.batch)
        )
        while True:
            with self.store.reading() as conn:
                rows = conn.execute(page, {"k_after": after}).all()
            if not rows:
                return count
            shown = [json.loads(row.content) for row in rows]
            for row, resource in zip(rows, shown, strict=True):
                kept = without_address(resource) if kind == "Patient" else resource
                out.write(row.content if kept is resource else _line(kept))
                out.write("\n")
            record.touched(shown)
            count += len(rows)
            after = rows[-1].res_id
            progressed(len(rows))


def _line(resource: dict[str, Any]) -> str:
    return json.dumps(resource, ensure_ascii=False, separators=(",", ":"))
