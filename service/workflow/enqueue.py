"""Writes outbox rows, one per (notification, receiver), in the caller's transaction."""

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select

from service.delivery.wakeup import announce
from service.fhirtime import stamp
from service.routing.directory import Destination
from service.storage.schema import outbox

_QUEUED = select(outbox.c.seq).where(outbox.c.idempotency_key == bindparam("k_key"))
_INSERT = insert(outbox)


def enqueue(
    conn: Connection,
    key: str,
    event: str,
    notification: str,
    patient: str,
    destination: Destination,
    payload: dict[str, Any],
    at: datetime,
) -> bool:
    """Queue one delivery; False when this key was queued before (re-processing is harmless)."""
    if conn.execute(_QUEUED, {"k_key": key}).first():
        return False
    conn.execute(
        _INSERT,
        {
            "idempotency_key": key,
            "ordering_key": f"{destination.organization}|{patient}",
            "event": event,
            "notification": notification,
            "receiver": destination.organization,
            "endpoint": destination.endpoint,
            "address": destination.address,
            "connection_type": destination.connection_type,
            "payload": json.dumps(payload, ensure_ascii=False),
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": stamp(at),
            "created_at": stamp(at),
        },
    )
    announce(conn)
    return True
