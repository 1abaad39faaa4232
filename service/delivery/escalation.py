"""The receiver's weekend/out-of-hours contact path (lus-helgkontaktvag), the escalation target.

When a delivery goes dead, or is delivered but not acknowledged in time, the notification is
re-queued to the Endpoint named in the receiver's HealthcareService extension, as a new outbox
row with its own idempotency key; when the contact path is only a telephone number or e-mail
address, that is named for a human in the deviation's mitigation.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, insert, select

from fhir_profiles import CANONICAL
from service.delivery.claim import Claim
from service.fhirtime import stamp
from service.storage.schema import outbox, search_index
from service.storage.store import Store

WEEKEND_PATH = f"{CANONICAL}/StructureDefinition/lus-helgkontaktvag"
SUFFIX = "#escalation"


@dataclass
class ContactPath:
    """What the directory offers out of hours: an Endpoint (address, type) and/or telecoms."""

    endpoint: str | None = None
    address: str | None = None
    connection_type: str | None = None
    telecoms: list[str] = field(default_factory=list)


def is_escalation(claim: Claim) -> bool:
    return claim.idempotency_key.endswith(SUFFIX)


def _sub(extension: dict[str, Any], url: str) -> list[dict[str, Any]]:
    return [
        e for e in extension.get("extension", []) if isinstance(e, dict) and e.get("url") == url
    ]


def contact_path(conn: Connection, store: Store, receiver: str) -> ContactPath:
    """The first weekend contact path among the receiver's HealthcareServices (by id order)."""
    ids = conn.execute(
        select(search_index.c.res_id)
        .where(
            and_(
                search_index.c.res_type == "HealthcareService",
                search_index.c.param == "organization",
                search_index.c.value == receiver,
            )
        )
        .order_by(search_index.c.res_id)
    ).scalars()
    path = ContactPath()
    for service_id in ids:
        stored = store.read(conn, "HealthcareService", service_id)
        if stored is None or stored.resource is None:
            continue
        for extension in stored.resource.get("extension", []):
            if not isinstance(extension, dict) or extension.get("url") != WEEKEND_PATH:
                continue
            for telecom in _sub(extension, "telecom"):
                point = telecom.get("valueContactPoint", {})
                if point.get("value"):
                    path.telecoms.append(f"{point.get('system', 'other')}: {point['value']}")
            for endpoint in _sub(extension, "endpoint"):
                reference = endpoint.get("valueReference", {}).get("reference")
                if path.endpoint is None and isinstance(reference, str):
                    _resolve(conn, store, reference, path)
    return path


def _resolve(conn: Connection, store: Store, reference: str, path: ContactPath) -> None:
    kind, _, rid = reference.partition("/")
    stored = store.read(conn, kind, rid) if kind == "Endpoint" and rid else None
    endpoint = stored.resource if stored else None
    if not endpoint or not endpoint.get("address") or endpoint.get("status", "active") != "active":
        return
    path.endpoint = reference
    path.address = endpoint["address"]
    path.connection_type = endpoint.get("connectionType", {}).get("code")


def _payload_for(claim: Claim, connection_type: str | None) -> tuple[str, str | None]:
    """The payload and type to send to the escalation endpoint.

    A message whose escalation endpoint takes REST is sent as its focus Task; otherwise the
    original payload and type are kept (re-wrapping a Task in a new message is the workflow's
    business, not the transport's).
    """
    if claim.connection_type == "hl7-fhir-msg" and connection_type == "hl7-fhir-rest":
        bundle = json.loads(claim.payload)
        header = bundle.get("entry", [{}])[0].get("resource", {})
        focus = [f.get("reference") for f in header.get("focus", [])]
        for entry in bundle.get("entry", []):
            resource = entry.get("resource", {})
            if f"{resource.get('resourceType')}/{resource.get('id')}" in focus:
                return json.dumps(
                    resource, ensure_ascii=False, separators=(",", ":")
                ), "hl7-fhir-rest"
    return claim.payload, claim.connection_type


def enqueue_escalation(conn: Connection, claim: Claim, path: ContactPath, now: datetime) -> str:
    """Insert the escalation row (idempotency key `{old}#escalation`) unless it exists; returns
    that key.

    Its ordering key is the original's plus the suffix: escalations keep their order among
    themselves without waiting behind a main endpoint that may be down for days.
    """
    key = f"{claim.idempotency_key}{SUFFIX}"
    if conn.execute(select(outbox.c.seq).where(outbox.c.idempotency_key == key)).first():
        return key
    payload, connection_type = _payload_for(claim, path.connection_type)
    conn.execute(
        insert(outbox).values(
            idempotency_key=key,
            ordering_key=f"{claim.ordering_key}{SUFFIX}"[:255],
            event=claim.event,
            notification=claim.notification,
            receiver=claim.receiver,
            endpoint=path.endpoint,
            address=path.address,
            connection_type=connection_type,
            payload=payload,
            status="pending",
            attempts=0,
            next_attempt_at=stamp(now),
            created_at=stamp(now),
        )
    )
    return key


def escalate(
    conn: Connection, store: Store, claim: Claim, now: datetime
) -> tuple[ContactPath, str | None]:
    """Queue the notification to the receiver's weekend endpoint (never an escalation's own);
    returns the contact path and the escalation's key, None when nothing could be queued."""
    path = contact_path(conn, store, claim.receiver)
    if is_escalation(claim) or not (path.endpoint and path.address):
        return path, None
    return path, enqueue_escalation(conn, claim, path, now)


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
