"""A settable clock and outbox rows the way the workflow writes them — shared by the delivery
tests and bench/delivery.py (the receiver is tests/support/receiver.py)."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert

from service.delivery import announce
from service.fhirtime import stamp
from service.storage.schema import outbox

T0 = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # a Friday afternoon


class FakeClock:
    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def task(task_id: str, patient: str = "Patient/tolvan") -> dict[str, Any]:
    return {
        "resourceType": "Task",
        "id": task_id,
        "status": "requested",
        "intent": "order",
        "for": {"reference": patient},
    }


def message(task_id: str, patient: str = "Patient/tolvan") -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "id": f"msg-{task_id}",
        "type": "message",
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{task_id}"},
        "entry": [
            {
                "fullUrl": "https://lus.example.se/fhir/MessageHeader/mh-1",
                "resource": {
                    "resourceType": "MessageHeader",
                    "id": "mh-1",
                    "focus": [{"reference": f"Task/{task_id}"}],
                },
            },
            {
                "fullUrl": f"https://lus.example.se/fhir/Task/{task_id}",
                "resource": task(task_id, patient),
            },
        ],
    }


@dataclass(frozen=True)
class Row:
    key: str
    ordering_key: str
    notification: str
    receiver: str
    address: str | None
    payload: dict[str, Any]
    connection_type: str = "hl7-fhir-rest"
    endpoint: str | None = "Endpoint/main"
    event: str = "utskrivningsmeddelande"


def row(
    n: int,
    patient: int,
    address: str | None,
    receiver_ref: str = "Organization/hemtjanst",
    kind: str = "hl7-fhir-rest",
) -> Row:
    """Notification n about patient p: ordering key = receiver + patient, like the workflow."""
    task_id = f"t{n}"
    patient_ref = f"Patient/p{patient}"
    return Row(
        key=f"{task_id}|{receiver_ref}",
        ordering_key=f"{receiver_ref}|{patient_ref}",
        notification=f"Task/{task_id}",
        receiver=receiver_ref,
        address=address,
        payload=task(task_id, patient_ref)
        if kind == "hl7-fhir-rest"
        else message(task_id, patient_ref),
        connection_type=kind,
    )


def enqueue(engine: Engine, rows: list[Row], now: datetime) -> None:
    """Insert the rows in one transaction (seq order = list order) and wake the workers."""
    with engine.begin() as conn:
        conn.execute(
            insert(outbox),
            [
                {
                    "idempotency_key": r.key,
                    "ordering_key": r.ordering_key,
                    "event": r.event,
                    "notification": r.notification,
                    "receiver": r.receiver,
                    "endpoint": r.endpoint if r.address else None,
                    "address": r.address,
                    "connection_type": r.connection_type,
                    "payload": json.dumps(r.payload, separators=(",", ":")),
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": stamp(now),
                    "created_at": stamp(now),
                }
                for r in rows
            ],
        )
        announce(conn)
