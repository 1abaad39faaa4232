"""Rest-hook notifications as outbox rows, so the delivery worker's guarantees apply to them.

One ordering key per subscription (`Subscription/{id}`) keeps handshake, events and heartbeats in
order. While a subscription is in error or off its event rows are `held` (never claimed); a
successful handshake after re-activation turns them, and the ones that went dead, back into
`pending` in their original order. A deleted subscription's rows are void for good: `dead` with
a `void:` error, which re-activation never resumes.
"""

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, literal, not_, or_, update

from service.fhirtime import stamp
from service.storage.schema import outbox
from service.subscriptions.state import State

REST_HOOK = "rest-hook"
HANDSHAKE, HEARTBEAT, EVENT = "handshake", "heartbeat", "event-notification"
HELD = "held"
VOID = "void: "  # last_error prefix of rows the server cancelled rather than failed to send
_INSERT = insert(outbox)  # built once: every event of every rest-hook listener runs it


def enqueue(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Queue notifications (`row`s) in one INSERT: an event's whole fan-out; the caller announces
    (wakes the workers) once per transaction."""
    if rows:
        conn.execute(_INSERT, rows)


def row(
    state: State,
    kind: str,
    key: str,
    body: dict[str, Any],
    now: datetime,
    held: bool = False,
) -> dict[str, Any]:
    """The outbox row of one notification, `held` while its subscription is not delivering."""
    spec = state.spec
    return {
        "idempotency_key": f"{state.reference}|{key}",
        "ordering_key": state.reference,
        "event": kind,
        "notification": state.reference,
        "receiver": spec.subscriber or state.reference,
        "endpoint": None,
        "address": spec.endpoint,
        "connection_type": REST_HOOK,
        "payload": json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        "headers": json.dumps({"Content-Type": spec.mime, **spec.headers}),
        "timeout_seconds": spec.timeout_seconds,
        "status": HELD if held else "pending",
        "attempts": 0,
        "next_attempt_at": stamp(now),
        "created_at": stamp(now),
    }


def hold(conn: Connection, reference: str, why: str) -> None:
    """Stop delivering: pending events wait, pending handshakes and heartbeats are void."""
    mine = and_(outbox.c.ordering_key == reference, outbox.c.status == "pending")
    conn.execute(update(outbox).where(and_(mine, outbox.c.event == EVENT)).values(status=HELD))
    conn.execute(
        update(outbox)
        .where(and_(mine, outbox.c.event != EVENT))
        .values(status="dead", last_error=f"{VOID}{why}")
    )


def cancel(conn: Connection, reference: str, why: str) -> None:
    """Void every row not yet delivered, for good: pending and held ones, and dead events that a
    re-activation would otherwise resume (their error is kept after the reason)."""
    mine = outbox.c.ordering_key == reference
    conn.execute(
        update(outbox)
        .where(and_(mine, outbox.c.status.in_(("pending", HELD))))
        .values(status="dead", last_error=f"{VOID}{why}")
    )
    conn.execute(
        update(outbox)
        .where(and_(mine, outbox.c.event == EVENT, outbox.c.status == "dead", _resumable()))
        .values(last_error=literal(f"{VOID}{why}; ") + func.coalesce(outbox.c.last_error, ""))
    )


def _resumable() -> Any:
    """Not voided by the server (a held row that was never attempted has no error at all)."""
    return or_(outbox.c.last_error.is_(None), not_(outbox.c.last_error.startswith(VOID)))


def resume(conn: Connection, reference: str, now: datetime) -> int:
    """Deliver the held and dead events again (fresh retry horizon), but never void ones;
    returns how many."""
    done = conn.execute(
        update(outbox)
        .where(
            and_(
                outbox.c.ordering_key == reference,
                outbox.c.event == EVENT,
                outbox.c.status.in_((HELD, "dead")),
                _resumable(),
            )
        )
        .values(status="pending", next_attempt_at=stamp(now), created_at=stamp(now))
    )
    return int(done.rowcount)
