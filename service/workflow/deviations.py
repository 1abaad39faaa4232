"""Deviations (avvikelser) raised by the service itself, as lus-avvikelse DetectedIssues.

Each has a deterministic identifier, so a deviation about the same thing is raised once however
often the monitor or the workflow looks at it.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from fhir_profiles import CANONICAL
from service.search import execute
from service.search.request import parse
from service.storage.store import Store, Stored
from service.workflow.events import DEVIATION_SYSTEM

PROFILE = f"{CANONICAL}/StructureDefinition/lus-avvikelse"
IDENTIFIER_SYSTEM = "urn:ietf:rfc:3986"  # business ids are urn:uuid values, as in the guide
NAMESPACE = uuid.UUID("8f0d9f5c-3c3e-4c56-9a0e-6f3b2a1d0c11")
DISPLAY = {
    "sent-inskrivningsmeddelande": "Sent inskrivningsmeddelande",
    "sen-kallelse-sip": "Sen kallelse till SIP",
    "sen-informationsoverforing": "Sen informationsöverföring",
    "ej-kvitterad": "Ej kvitterad",
    "leverans-misslyckad": "Leverans misslyckad",
    "ej-routbar": "Ej routbar",
    "otillaten-ordning": "Otillåten ordning",
}


def raise_deviation(
    conn: Connection,
    store: Store,
    code: str,
    key: str,
    patient: str,
    implicated: list[str],
    detail: str,
    at: datetime,
    mitigation: str | None = None,
) -> Stored | None:
    """Store the deviation unless one with the same `key` exists; returns it when new."""
    identifier = f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{code}|{key}')}"
    existing = execute.run(
        conn,
        parse("DetectedIssue", [("identifier", f"{IDENTIFIER_SYSTEM}|{identifier}")], 1, 1, True),
    )
    if existing.total:
        return None
    resource: dict[str, Any] = {
        "resourceType": "DetectedIssue",
        "id": str(uuid.uuid4()),
        "meta": {"profile": [PROFILE]},
        "identifier": [{"system": IDENTIFIER_SYSTEM, "value": identifier}],
        "status": "final",
        "code": {
            "coding": [
                {"system": DEVIATION_SYSTEM, "code": code, "display": DISPLAY.get(code, code)}
            ]
        },
        "severity": "moderate",
        "patient": {"reference": patient},
        "identifiedDateTime": at.isoformat(timespec="seconds"),
        "implicated": [{"reference": r} for r in implicated],
        "detail": detail,
    }
    if mitigation:
        resource["mitigation"] = [
            {"action": {"text": mitigation}, "date": at.isoformat(timespec="seconds")}
        ]
    return store.write(conn, resource, None, "POST")
