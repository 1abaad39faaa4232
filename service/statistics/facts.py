"""From stored resources to a stay's facts (stay.py): pure mappings, no SQL and no rules.

The Patient is taken in the version current at discharge, so a move after discharge does not move
the stay; an identity number gives the birth date when birthDate is missing.
"""

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from fhir_profiles import CANONICAL
from service.fhirtime import stamp, start_of
from service.statistics.stay import Notice, Stay
from service.workflow.events import reference_id

Resource = dict[str, Any]
SD = f"{CANONICAL}/StructureDefinition"
KOMMUNKOD = f"{SD}/lus-kommunkod"
STADSDEL = f"{SD}/lus-stadsdel"
VARDFORM = f"{SD}/lus-vardform"
KVITTENS = f"{SD}/lus-kvittens"
DELTAGANDE = f"{SD}/lus-sip-deltagande"
PERSONNUMMER = "http://electronichealth.se/identifier/personnummer"
SAMORDNINGSNUMMER = "http://electronichealth.se/identifier/samordningsnummer"
CANCELLED_STATUSES = frozenset({"cancelled", "entered-in-error"})
Version = tuple[str, Resource]  # (last_updated, content)


def _code(concept: Any) -> str | None:
    codings = concept.get("coding", []) if isinstance(concept, dict) else []
    return next((str(c["code"]) for c in codings if isinstance(c, dict) and "code" in c), None)


def _extension(element: Resource, url: str) -> Any:
    for ext in element.get("extension", []):
        if ext.get("url") == url:
            return next((v for k, v in ext.items() if k.startswith("value")), None)
    return None


def version_at(versions: list[Version], moment: datetime) -> Resource | None:
    """The version current at `moment` (the first one when all are later: data sent late)."""
    if not versions:
        return None
    at = stamp(moment)
    current = versions[0][1]
    for last_updated, content in versions:
        if last_updated <= at:
            current = content
    return current


def home(patient: Resource) -> tuple[str | None, str | None]:
    """(kommunkod, stadsdel) of the first address that names a municipality."""
    for address in patient.get("address", []):
        kommun = _extension(address, KOMMUNKOD)
        if isinstance(kommun, dict) and kommun.get("code"):
            stadsdel = _extension(address, STADSDEL)
            return str(kommun["code"]), (stadsdel or {}).get("code")
    return None, None


def person_id(patient: Resource) -> tuple[str | None, str | None]:
    """(identity number, its system) — personnummer first, then samordningsnummer."""
    by_system = {i.get("system"): i.get("value") for i in patient.get("identifier", [])}
    for system in (PERSONNUMMER, SAMORDNINGSNUMMER):
        if by_system.get(system):
            return str(by_system[system]), system
    return None, None


def birth_date(patient: Resource) -> date | None:
    text = patient.get("birthDate")
    if isinstance(text, str) and len(text) == 10:
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    number, system = person_id(patient)
    if number is None or len(number) != 12:
        return None
    day = int(number[6:8]) - (60 if system == SAMORDNINGSNUMMER else 0)
    try:
        return date(int(number[:4]), int(number[4:6]), day)
    except ValueError:
        return None


def receipts(task: Resource) -> tuple[str, ...]:
    found = []
    for ext in task.get("extension", []):
        if ext.get("url") != KVITTENS:
            continue
        for part in ext.get("extension", []):
            if part.get("url") == "receiver":
                found.append(str(part.get("valueReference", {}).get("reference")))
    return tuple(found)


def notices(tasks: Iterable[tuple[Resource, str | None]]) -> dict[str, list[Notice]]:
    """Encounter id → its notifications, from each Task with its event (event_of, worked out once
    by the caller); a makulering marks the Task it cancels (basedOn)."""
    tasks = list(tasks)
    cancelled = {
        b.get("reference", "").removeprefix("Task/")
        for t, event in tasks
        if event == "makulering"
        for b in t.get("basedOn", [])
    }
    found: dict[str, list[Notice]] = {}
    for task, event in tasks:
        if event in (None, "makulering"):
            continue
        sent, encounter = (
            start_of(task.get("authoredOn")),
            reference_id(task.get("focus"), "Encounter"),
        )
        if sent is None or encounter is None:
            continue
        gone = task["id"] in cancelled or task.get("status") in CANCELLED_STATUSES
        notice = Notice(task["id"], event, sent, gone, receipts(task))
        found.setdefault(encounter, []).append(notice)
    return found


def invitation_stay(request: Resource) -> str | None:
    candidates = [request.get("encounter"), *request.get("about", [])]
    return next((e for e in (reference_id(c, "Encounter") for c in candidates) if e), None)


def participation(plan: Resource) -> frozenset[str]:
    codes = (_code(e.get("valueCodeableConcept")) for e in plan.get("extension", []))
    urls = (e.get("url") for e in plan.get("extension", []))
    return frozenset(c for c, url in zip(codes, urls, strict=True) if url == DELTAGANDE and c)


def vardform(encounter: Resource) -> str:
    """The stay's lus-care-type code ('' when missing)."""
    return _code(_extension(encounter, VARDFORM)) or ""


def admission(encounter: Resource) -> tuple[datetime, str | None] | None:
    start = start_of(encounter.get("period", {}).get("start"))
    return (start, _code(encounter.get("priority"))) if start else None


def stay(
    encounter: Resource,
    patient: Resource | None,
    notices: list[Notice],
    related: dict[str, Any],
) -> Stay | None:
    """The facts of one discharged stay; None for an Encounter without admission or discharge.

    `related` holds what other resources say about it: sip_invitations, sip_participation,
    home_care, later_admissions, deviations."""
    period = encounter.get("period", {})
    admitted, discharged = start_of(period.get("start")), start_of(period.get("end"))
    subject = reference_id(encounter.get("subject"), "Patient")
    if admitted is None or discharged is None or subject is None:
        return None
    kommun, stadsdel = home(patient) if patient else (None, None)
    hospitalization = encounter.get("hospitalization", {})
    return Stay(
        encounter=encounter["id"],
        patient=subject,
        ward=str(encounter.get("serviceProvider", {}).get("reference", "")),
        vardform=vardform(encounter),
        admitted=admitted,
        discharged=discharged,
        priority=_code(encounter.get("priority")),
        disposition=_code(hospitalization.get("dischargeDisposition")),
        kommun=kommun,
        stadsdel=stadsdel,
        birth_date=birth_date(patient) if patient else None,
        person_id=person_id(patient)[0] if patient else None,
        notices=tuple(notices),
        sip_invitations=tuple(related.get("sip_invitations", ())),
        sip_participation=tuple(related.get("sip_participation", ())),
        home_care=tuple(related.get("home_care", ())),
        later_admissions=tuple(related.get("later_admissions", ())),
        deviations=tuple(related.get("deviations", ())),
    )
