"""Reading and acknowledging delivery state, for the REST layer.

Acknowledgement comes from the receiver moving the Task to received/accepted: proof of receipt,
so it also settles a row still `pending` (the worker may have crashed after the receiver got it);
the worker's fenced update then finds the row no longer pending and leaves it alone.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, select, update

from service.fhirtime import stamp
from service.storage.schema import outbox

STATE_COLUMNS = (
    outbox.c.seq,
    outbox.c.idempotency_key,
    outbox.c.event,
    outbox.c.receiver,
    outbox.c.endpoint,
    outbox.c.address,
    outbox.c.status,
    outbox.c.attempts,
    outbox.c.created_at,
    outbox.c.next_attempt_at,
    outbox.c.delivered_at,
    outbox.c.acknowledged_at,
    outbox.c.last_error,
)


def delivery_state(conn: Connection, notification_ref: str) -> list[dict[str, Any]]:
    """One dict per outbox row of the notification (escalations included), oldest first.

    next_attempt_at is only meaningful while pending, so it is None otherwise.
    """
    rows = conn.execute(
        select(*STATE_COLUMNS)
        .where(outbox.c.notification == notification_ref)
        .order_by(outbox.c.seq)
    ).all()
    states = []
    for row in rows:
        state = dict(row._mapping)
        if state["status"] != "pending":
            state["next_attempt_at"] = None
        states.append(state)
    return states


def acknowledge(conn: Connection, notification_ref: str, receiver_ref: str, at: datetime) -> int:
    """Mark the receiver's rows of the notification acknowledged; returns how many changed."""
    moment = stamp(at)
    result = conn.execute(
        update(outbox)
        .where(
            and_(
                outbox.c.notification == notification_ref,
                outbox.c.receiver == receiver_ref,
                outbox.c.status.in_(("pending", "delivered")),
            )
        )
        .values(
            status="acknowledged",
            acknowledged_at=moment,
            delivered_at=func.coalesce(outbox.c.delivered_at, moment),
        )
    )
    return int(result.rowcount)
