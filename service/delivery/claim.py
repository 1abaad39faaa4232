"""Claiming due outbox rows with a lease, safely across several worker processes.

A row is due when it is `pending`, its next_attempt_at has passed, and no earlier row with the
same ordering key is still pending (strict order per receiver and patient). A claim takes a *run*:
the due head of a key and the due rows right behind it (up to `run` of them), which one worker
sends one after another, each only after the one before was answered with a 2xx — the order
holds, and a backlog costs one claim per run instead of one per row.
Claiming bumps `attempts` and moves next_attempt_at to the end of a lease; the row stays
`pending`, so a worker killed mid-delivery only delays it. `attempts` doubles as a fencing token:
a worker records its result only if the row still carries the attempt number it claimed.
On PostgreSQL, FOR UPDATE SKIP LOCKED lets concurrent workers take disjoint rows without waiting.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, select, update

from service.delivery.batch import PENDING, Held, all_held, held_params, per_dialect, seq_in
from service.fhirtime import stamp
from service.storage.schema import outbox


def _per_key(window_function: Any) -> Any:
    return window_function.over(partition_by=outbox.c.ordering_key, order_by=outbox.c.seq)


# Built once (every round of every worker runs them; see service/storage/store.py).
_RANKED = (
    select(
        outbox.c.ordering_key,
        outbox.c.seq,
        _per_key(func.row_number()).label("place"),
        _per_key(func.first_value(outbox.c.seq)).label("head"),
        _per_key(func.first_value(outbox.c.next_attempt_at)).label("head_at"),
    )
    .where(outbox.c.status == PENDING)
    .subquery()
)
_FRONTS = (
    select(_RANKED.c.ordering_key, _RANKED.c.seq)
    .where(and_(_RANKED.c.place <= bindparam("k_run"), _RANKED.c.head_at <= bindparam("k_now")))
    .order_by(_RANKED.c.head, _RANKED.c.seq)
    .limit(bindparam("k_rows"))
)


def _lease(postgres: bool) -> Any:
    """Lease the due rows among `k_seqs` in one statement: attempts bumped (the fencing token)
    and next_attempt_at moved to `k_lease`, returned as leased. On PostgreSQL rows another
    worker is claiming are skipped (FOR UPDATE SKIP LOCKED) instead of waited for."""
    candidate = outbox.alias("candidate")  # not correlated with the UPDATE's own outbox
    due = select(candidate.c.seq).where(
        and_(
            seq_in(postgres, candidate),
            candidate.c.status == PENDING,
            candidate.c.next_attempt_at <= bindparam("k_now"),
        )
    )
    if postgres:
        due = due.with_for_update(skip_locked=True)
    return (
        update(outbox)
        .where(outbox.c.seq.in_(due))
        .values(attempts=outbox.c.attempts + 1, next_attempt_at=bindparam("k_lease"))
        .returning(*outbox.c)
    )


_LEASE = per_dialect(_lease)
_RELEASE = per_dialect(
    lambda postgres: (
        update(outbox)
        .where(all_held(postgres))
        .values(attempts=outbox.c.attempts - 1, next_attempt_at=bindparam("k_at"))
    )
)


@dataclass(frozen=True)
class Claim:
    """A row this worker holds until `lease_until`, on attempt number `attempts`."""

    seq: int
    idempotency_key: str
    ordering_key: str
    event: str
    notification: str
    receiver: str
    endpoint: str | None
    address: str | None
    connection_type: str | None
    payload: str
    attempts: int
    created_at: str
    lease_until: str
    headers: str | None = None  # JSON object of extra HTTP headers (subscription rest-hook rows)
    timeout_seconds: int | None = None  # HTTP timeout of this row, else the worker's (rest-hook)

    @classmethod
    def of(cls, row: Any, lease_until: str) -> "Claim":
        """The claim a worker would make of an unclaimed `row` (its next attempt)."""
        return replace(cls.leased(row), attempts=row.attempts + 1, lease_until=lease_until)

    @classmethod
    def leased(cls, row: Any) -> "Claim":
        """The claim of a row as the claiming UPDATE returned it (attempts bumped, leased)."""
        return cls(
            seq=row.seq,
            idempotency_key=row.idempotency_key,
            ordering_key=row.ordering_key,
            event=row.event,
            notification=row.notification,
            receiver=row.receiver,
            endpoint=row.endpoint,
            address=row.address,
            connection_type=row.connection_type,
            payload=row.payload,
            attempts=row.attempts,
            created_at=row.created_at,
            lease_until=row.next_attempt_at,
            headers=row.headers,
            timeout_seconds=row.timeout_seconds,
        )


def fronts(conn: Connection, now: datetime, limit: int, run: int) -> list[list[int]]:
    """The first `run` pending seqs of the `limit` ordering keys with the oldest due heads.

    A standalone scan (linear in the pending rows, ranked inside the database) on purpose:
    folded into the claiming query as an anti- or semi-join, PostgreSQL plans a quadratic nested
    loop whenever its statistics were taken while the outbox had no pending rows — exactly when
    a burst arrives. Only the rows wanted cross to Python, not every pending one.
    """
    by_key: dict[str, list[int]] = {}
    params = {"k_run": run, "k_now": stamp(now), "k_rows": limit * run}
    for key, seq in conn.execute(_FRONTS, params).all():
        by_key.setdefault(key, []).append(seq)
    return list(by_key.values())[:limit]


def _run_of(front: list[int], leased: dict[int, Any]) -> list[Any]:
    """The key's leased rows from its head on, stopping at the first one not leased (not due,
    or locked by another worker)."""
    taken = []
    for seq in front:
        if seq not in leased:
            break
        taken.append(leased[seq])
    return taken


def release(conn: Connection, claims: Sequence[Held], now: datetime) -> None:
    """Give back claimed rows that were never sent (a run stopped before them, or a claim
    leased them behind a gap): due again at once, with the attempt count they had, so backoff
    and the horizon see no attempt."""
    if claims:
        conn.execute(_RELEASE.on(conn), held_params(claims) | {"k_at": stamp(now)})


def claim_due(
    conn: Connection, now: datetime, lease: timedelta, limit: int, run: int = 1
) -> list[Claim]:
    """Take up to `limit` runs of up to `run` rows each (oldest heads first) in the caller's
    write transaction; a run's rows are consecutive in the result, in seq order.

    Two statements: the fronts, then one UPDATE that leases those still due and unlocked and
    returns them. Fronts read here may be stale by the time rows are locked; that only errs on
    the safe side: a run starts at the key's first front row, which is no longer pending (so not
    leased here) if another worker settled it meanwhile. Rows another worker has locked are
    skipped, so a round may take fewer runs than `limit`; the next round takes the rest. A row
    leased behind one that was not (rare: a race with another worker) is given back at once.
    """
    if limit <= 0:
        return []
    keys = fronts(conn, now, limit, run)
    if not keys:
        return []
    seqs = [seq for front in keys for seq in front]
    params = {"k_seqs": seqs, "k_now": stamp(now), "k_lease": stamp(now + lease)}
    leased = {r.seq: r for r in conn.execute(_LEASE.on(conn), params).all()}
    rows = [row for front in keys for row in _run_of(front, leased)]
    if len(rows) < len(leased):
        taken = {r.seq for r in rows}
        release(conn, [r for seq, r in leased.items() if seq not in taken], now)
    return [Claim.leased(r) for r in rows]


def still_held(claim: Claim) -> Any:
    """The WHERE clause that fences a result to the claim that produced it."""
    return and_(
        outbox.c.seq == claim.seq,
        outbox.c.status == PENDING,
        outbox.c.attempts == claim.attempts,
    )
