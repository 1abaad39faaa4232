"""The lus-avvikelse DetectedIssue raised when a delivery goes dead.

Its id and identifier derive from the outbox idempotency key, so a dead-letter that is somehow
processed twice cannot raise two deviations about the same delivery.
"""

import uuid
from datetime import datetime
from typing import Any

from fhir_profiles import CANONICAL
from service.delivery.claim import Claim
from service.delivery.escalation import ContactPath

PROFILE = f"{CANONICAL}/StructureDefinition/lus-avvikelse"
DEVIATION_SYSTEM = f"{CANONICAL}/CodeSystem/lus-deviation-type"
NAMESPACE = uuid.UUID("3b0e6a52-2f7d-4f55-8f0e-1d7c9a4b6e21")
DISPLAY = {"leverans-misslyckad": "Leverans misslyckad", "ej-routbar": "Ej routbar"}

Resource = dict[str, Any]


def deviation_id(claim: Claim) -> str:
    return f"leverans-{uuid.uuid5(NAMESPACE, claim.idempotency_key).hex}"


def mitigation_text(path: ContactPath, escalated_to: str | None, was_escalation: bool) -> str:
    telecoms = ", ".join(path.telecoms)
    if escalated_to:
        return (
            f"Eskalerad till mottagarens helgkontaktväg: notifieringen skickas till "
            f"{path.endpoint} ({path.address}) med nyckeln {escalated_to}."
        )
    if was_escalation:
        prefix = "Leveransen till helgkontaktvägen misslyckades också."
    else:
        prefix = "Mottagarens helgkontaktväg har ingen endpoint."
    if telecoms:
        return f"{prefix} Endast telefon/e-post finns ({telecoms}); kontakta mottagaren manuellt."
    return f"{prefix} Ingen helgkontaktväg med telefon/e-post är registrerad; manuell uppföljning."


def build(
    claim: Claim,
    patient: str | None,
    receiver_name: str | None,
    error: str,
    mitigation: str,
    at: datetime,
) -> Resource:
    code = "ej-routbar" if not claim.address else "leverans-misslyckad"
    receiver = f"{receiver_name} ({claim.receiver})" if receiver_name else claim.receiver
    endpoint = f"{claim.endpoint or 'ingen endpoint'} ({claim.address or 'ingen adress'})"
    detail = (
        f"Notifieringen {claim.notification} (händelse {claim.event}) kunde inte levereras till "
        f"{receiver} via {endpoint} efter {claim.attempts} försök. Senaste fel: {error}"
    )
    when = at.isoformat(timespec="seconds")
    resource: Resource = {
        "resourceType": "DetectedIssue",
        "id": deviation_id(claim),
        "meta": {"profile": [PROFILE]},
        "identifier": [
            {
                "system": "urn:ietf:rfc:3986",
                "value": f"urn:uuid:{uuid.uuid5(NAMESPACE, claim.idempotency_key)}",
            }
        ],
        "status": "final",
        "code": {"coding": [{"system": DEVIATION_SYSTEM, "code": code, "display": DISPLAY[code]}]},
        "severity": "high",
        "identifiedDateTime": when,
        "implicated": [{"reference": claim.notification}],
        "detail": detail,
        "mitigation": [{"action": {"text": mitigation}, "date": when}],
    }
    if patient:
        resource["patient"] = {"reference": patient}
    return resource
