"""The resources of a simulated stay, shaped as the guide's profiles require: plain builders, so
the county simulator's story stays readable and every write it makes is one a real system could."""

from datetime import datetime
from typing import Any

from fhir_profiles import CANONICAL
from service.fhirtime import STOCKHOLM

Resource = dict[str, Any]
SD = f"{CANONICAL}/StructureDefinition"
EVENT = f"{CANONICAL}/CodeSystem/lus-event"
PROFILE = {
    "fast-vardkontakt": "lus-task",
    "andrat-beraknat-utskrivningsdatum": "lus-task",
    "informationsoverforing": "lus-task",
}


def when(moment: datetime) -> str:
    """As a ward's system writes it: local time with its offset."""
    return moment.astimezone(STOCKHOLM).isoformat(timespec="seconds")


def luhn(body: str) -> str:
    """The check digit of a personnummer's ten-digit form (without it): Luhn over the digits."""
    total = 0
    for i, digit in enumerate(int(d) for d in body):
        doubled = digit * 2 if i % 2 == 0 else digit
        total += doubled // 10 + doubled % 10
    return str((10 - total % 10) % 10)


def _coding(system: str, code: str) -> Resource:
    return {"coding": [{"system": system, "code": code}]}


def address(kommun: str, stadsdel: str | None) -> Resource:
    extensions: list[Resource] = [
        {
            "url": f"{SD}/lus-kommunkod",
            "valueCoding": {"system": "urn:oid:1.2.752.129.2.2.1.17", "code": kommun},
        }
    ]
    if stadsdel:
        extensions.append(
            {
                "url": f"{SD}/lus-stadsdel",
                "valueCoding": {
                    "system": f"{CANONICAL}/CodeSystem/stockholm-stadsdel",
                    "code": stadsdel,
                },
            }
        )
    return {"extension": extensions, "line": ["Simulerad gata 1"], "city": "Stockholms län"}


def patient(
    res_id: str, number: str, born: str, kommun: str, stadsdel: str | None, gp: str | None
) -> Resource:
    resource: Resource = {
        "resourceType": "Patient",
        "id": res_id,
        "meta": {"profile": [f"{SD}/lus-patient"]},
        "identifier": [
            {"system": "http://electronichealth.se/identifier/personnummer", "value": number}
        ],
        "name": [{"family": "Simulerad", "given": ["Patient"]}],
        "birthDate": born,
        "address": [address(kommun, stadsdel)],
    }
    if gp:
        resource["generalPractitioner"] = [{"reference": gp}]
    return resource


def care_team(res_id: str, patient_id: str, members: list[tuple[str, str]]) -> Resource:
    return {
        "resourceType": "CareTeam",
        "id": res_id,
        "meta": {"profile": [f"{SD}/lus-careteam"]},
        "status": "active",
        "subject": {"reference": f"Patient/{patient_id}"},
        "participant": [
            {
                "role": [_coding(f"{CANONICAL}/CodeSystem/lus-participant-role", role)],
                "member": {"reference": member},
            }
            for role, member in members
        ],
    }


def encounter(
    res_id: str, patient_id: str, ward: str, vardform: str, priority: str, admitted: datetime
) -> Resource:
    return {
        "resourceType": "Encounter",
        "id": res_id,
        "meta": {"profile": [f"{SD}/lus-encounter"]},
        "extension": [
            {
                "url": f"{SD}/lus-vardform",
                "valueCodeableConcept": _coding(f"{CANONICAL}/CodeSystem/lus-care-type", vardform),
            }
        ],
        "status": "in-progress",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"},
        "priority": _coding("http://terminology.hl7.org/CodeSystem/v3-ActPriority", priority),
        "subject": {"reference": f"Patient/{patient_id}"},
        "period": {"start": when(admitted)},
        "serviceProvider": {"reference": ward},
    }


def discharged(stay: Resource, at: datetime, deceased: bool) -> Resource:
    stay = {**stay, "status": "finished", "period": {**stay["period"], "end": when(at)}}
    if deceased:
        code = _coding("http://terminology.hl7.org/CodeSystem/discharge-disposition", "exp")
        stay["hospitalization"] = {"dischargeDisposition": code}
    return stay


def task(
    res_id: str, identifier: str, event: str, stay: Resource, sent: datetime, **extra: Any
) -> Resource:
    resource: Resource = {
        "resourceType": "Task",
        "id": res_id,
        "meta": {"profile": [f"{SD}/{PROFILE.get(event, f'lus-{event}')}"]},
        "identifier": [{"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{identifier}"}],
        "status": "requested",
        "intent": "order",
        "code": _coding(EVENT, event),
        "focus": {"reference": f"Encounter/{stay['id']}"},
        "for": stay["subject"],
        "authoredOn": when(sent),
        "requester": stay["serviceProvider"],
    }
    if event == "informationsoverforing":
        resource["input"] = [
            {"type": {"text": "epikris"}, "valueString": "Sammanfattning av vårdtillfället"}
        ]
    resource.update(extra)
    return resource


def acknowledged(notification: Resource, receiver: str, at: datetime) -> Resource:
    receipt = {
        "url": f"{SD}/lus-kvittens",
        "extension": [
            {"url": "receiver", "valueReference": {"reference": receiver}},
            {"url": "received", "valueInstant": at.isoformat(timespec="seconds")},
        ],
    }
    return {**notification, "status": "received", "extension": [receipt]}


def invitation(
    res_id: str,
    identifier: str,
    stay: Resource,
    sent: datetime,
    meeting: datetime,
    invited: list[str],
) -> Resource:
    return {
        "resourceType": "CommunicationRequest",
        "id": res_id,
        "meta": {"profile": [f"{SD}/lus-kallelse-sip"]},
        "identifier": [{"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{identifier}"}],
        "status": "active",
        "category": [_coding(EVENT, "kallelse-sip")],
        "subject": stay["subject"],
        "about": [{"reference": f"Encounter/{stay['id']}"}],
        "encounter": {"reference": f"Encounter/{stay['id']}"},
        "authoredOn": when(sent),
        "requester": {"reference": invited[0]},
        "recipient": [{"reference": r} for r in invited],
        "occurrenceDateTime": when(meeting),
    }


def sip(
    res_id: str, stay: Resource, team: str, start: datetime, author: str, took_part: list[str]
) -> Resource:
    return {
        "resourceType": "CarePlan",
        "id": res_id,
        "meta": {"profile": [f"{SD}/lus-sip"]},
        "extension": [
            {
                "url": f"{SD}/lus-sip-deltagande",
                "valueCodeableConcept": _coding(f"{CANONICAL}/CodeSystem/lus-sip-participation", c),
            }
            for c in took_part
        ],
        "status": "active",
        "intent": "plan",
        "category": [_coding(EVENT, "kallelse-sip")],
        "subject": stay["subject"],
        "encounter": {"reference": f"Encounter/{stay['id']}"},
        "period": {"start": when(start)},
        "author": {"reference": author},
        "careTeam": [{"reference": f"CareTeam/{team}"}],
        "activity": [
            {
                "detail": {
                    "status": "scheduled",
                    "description": "Insatser efter hemgång enligt SIP-mötet.",
                    "performer": [{"reference": author}],
                }
            }
        ],
    }
