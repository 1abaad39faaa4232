"""What each receiver is sent: the notification itself (REST endpoints) or a FHIR message Bundle
(messaging endpoints), addressed to that receiver.

As an intermediary the service issues a new Bundle id and MessageHeader id per forwarded copy, as
the Da Vinci Unsolicited Notifications IG describes; the ids are derived from the delivery key, so
a re-send after a crash is the same message.
"""

import copy
import uuid
from datetime import datetime
from typing import Any

from fhir_profiles import CANONICAL
from service.routing.directory import Destination
from service.workflow.events import EVENT_SYSTEM

Resource = dict[str, Any]
NAMESPACE = uuid.UUID("0b7c6f1e-2f35-4f0b-8e8e-7f3f5f0a9c21")
PROTECTED = ("http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "R")


def _for_receiver(notification: Resource, receiver: str) -> Resource:
    copy_ = copy.deepcopy(notification)
    if copy_.get("resourceType") == "Task" and "owner" not in copy_:
        copy_["owner"] = {"reference": receiver}
    copy_.pop("meta", None)
    copy_["meta"] = {"profile": notification.get("meta", {}).get("profile", [])}
    if not copy_["meta"]["profile"]:
        del copy_["meta"]
    return copy_


def is_protected(patient: Resource) -> bool:
    """A protected identity (skyddade personuppgifter): its address is never shown or sent."""
    security = patient.get("meta", {}).get("security", [])
    return any((s.get("system"), s.get("code")) == PROTECTED for s in security)


def without_address(patient: Resource) -> Resource:
    """A protected identity's copy keeps only the municipality code and district of its address
    (what the guide's invariant lus-pat-2 allows), for every copy that leaves the service: a
    forwarded message, an export file, a web page."""
    if not is_protected(patient):
        return patient
    stripped = copy.deepcopy(patient)
    stripped["address"] = [
        {"extension": a["extension"]} for a in patient.get("address", []) if a.get("extension")
    ]
    if not stripped["address"]:
        del stripped["address"]
    return stripped


def payload(
    event: str,
    key: str,
    notification: Resource,
    destination: Destination,
    related: list[Resource],
    sender: str | None,
    base: str,
    at: datetime,
) -> Resource:
    delivered = _for_receiver(notification, destination.organization)
    if destination.connection_type != "hl7-fhir-msg":
        return delivered
    entries = [delivered] + [
        without_address(r) if r.get("resourceType") == "Patient" else r for r in related
    ]
    header_id = str(uuid.uuid5(NAMESPACE, f"header|{key}"))
    header: Resource = {
        "resourceType": "MessageHeader",
        "id": header_id,
        "meta": {"profile": [f"{CANONICAL}/StructureDefinition/lus-messageheader"]},
        "eventCoding": {"system": EVENT_SYSTEM, "code": event},
        "destination": [
            {
                "endpoint": destination.address or "",
                "receiver": {"reference": destination.organization},
            }
        ],
        "source": {"name": "lus-fhir", "endpoint": base},
        "focus": [{"reference": f"{delivered['resourceType']}/{delivered['id']}"}],
        "definition": f"{CANONICAL}/MessageDefinition/{event}",
    }
    if sender:
        header["sender"] = {"reference": sender}
    bundle_id = str(uuid.uuid5(NAMESPACE, f"bundle|{key}"))
    return {
        "resourceType": "Bundle",
        "id": bundle_id,
        "meta": {"profile": [f"{CANONICAL}/StructureDefinition/lus-meddelande"]},
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{bundle_id}"},
        "type": "message",
        "timestamp": at.isoformat(timespec="seconds"),
        "entry": [
            {"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r}
            for r in [header, *entries]
        ],
    }
