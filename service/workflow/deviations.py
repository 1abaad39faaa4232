"""Deviations (avvikelser) raised by the service itself, as lus-avvikelse DetectedIssues.

Each has a deterministic identifier derived from its code and key, so a deviation about the same
thing is raised once however often the monitor, the workflow or a delivery worker looks at it.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from fhir_profiles import CANONICAL
from service.search import query
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


@dataclass(frozen=True)
class Deviation:
    """What went wrong, about whom, and what was done about it; `key` makes it unique per code."""

    code: str
    key: str
    patient: str | None
    implicated: list[str]
    detail: str
    mitigation: str | None = None
    severity: str = "moderate"

    @property
    def identifier(self) -> str:
        return identifier(self.code, self.key)


def identifier(code: str, key: str) -> str:
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{code}|{key}')}"


def exists(conn: Connection, code: str, key: str) -> bool:
    """By the identifier's exact index row (`query.holding`), so the check does not grow with
    the deviations already stored."""
    found = query.holding("DetectedIssue", "identifier", identifier(code, key), IDENTIFIER_SYSTEM)
    return conn.execute(found.limit(1)).first() is not None


def raise_deviation(
    conn: Connection, store: Store, deviation: Deviation, at: datetime
) -> Stored | None:
    """Store the deviation unless one with the same code and key exists; returns it when new.

    The lock makes the check-then-insert safe when several processes run the deadline monitor."""
    store.lock(conn, f"deviation:{deviation.identifier}")
    if exists(conn, deviation.code, deviation.key):
        return None
    when = at.isoformat(timespec="seconds")
    code = deviation.code
    resource: dict[str, Any] = {
        "resourceType": "DetectedIssue",
        "id": str(uuid.uuid4()),
        "meta": {"profile": [PROFILE]},
        "identifier": [{"system": IDENTIFIER_SYSTEM, "value": deviation.identifier}],
        "status": "final",
        "code": {"coding": [{"system": DEVIATION_SYSTEM, "code": code, "display": DISPLAY[code]}]},
        "severity": deviation.severity,
        "identifiedDateTime": when,
        "implicated": [{"reference": r} for r in deviation.implicated],
        "detail": deviation.detail,
    }
    if deviation.patient:
        resource["patient"] = {"reference": deviation.patient}
    if deviation.mitigation:
        resource["mitigation"] = [{"action": {"text": deviation.mitigation}, "date": when}]
    return store.write(conn, resource, None, "POST")


COOPERATION_FAILURE = "samverkansbrist"
SEVERITIES = ("high", "moderate", "low")


def reported_failure(
    stay: str, patient: str, detail: str, severity: str, at: datetime
) -> dict[str, Any]:
    """A cooperation failure a party reports about a stay, as a lus-avvikelse DetectedIssue to
    write through the engine in the reporter's name (the access log says who wrote it; no
    PractitionerRole author, which an organization's credentials do not name)."""
    return {
        "resourceType": "DetectedIssue",
        "meta": {"profile": [PROFILE]},
        "identifier": [{"system": IDENTIFIER_SYSTEM, "value": f"urn:uuid:{uuid.uuid4()}"}],
        "status": "final",
        "code": {
            "coding": [
                {
                    "system": DEVIATION_SYSTEM,
                    "code": COOPERATION_FAILURE,
                    "display": "Samverkansbrist",
                }
            ]
        },
        "severity": severity,
        "patient": {"reference": patient},
        "identifiedDateTime": at.isoformat(timespec="seconds"),
        "implicated": [{"reference": stay}],
        "detail": detail,
    }
