"""The stays discharged in a period, read in bulk: a few indexed queries per period whose cost grows
with the period's stays, not with the whole history.

The Encounters come from the search index's `date` rows by their end (index from migration 0007);
everything about them (notifications, SIP, deviations, the Patient's versions, later admissions,
deliveries to home care) is read by reference in chunks. Rules are applied later, in timeline.py.

A month's figures read only the elements facts.py maps (`LEAN`, picked out by the database, see
elements.py); a stay's page reads whole resources (`picked=None`), which is also the reference the
lean reading is tested against.
"""

import json
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, select

from service.fhirtime import STOCKHOLM, stamp, start_of
from service.routing.router import rules as routing_rules
from service.statistics import facts
from service.statistics.elements import Elements, resource
from service.statistics.period import Period
from service.statistics.stay import Stay
from service.storage.schema import outbox, resources, search_index, versions
from service.workflow.events import event_of, reference_id

Resource = dict[str, Any]
CHUNK = 500
HOME_CARE = "hemtjanstutforare"
Picked = dict[str, tuple[str, ...]] | None  # per resource type the elements read; None: all
# The elements facts.py and _related read of each kind.
LEAN: Picked = {
    "Encounter": (
        "id",
        "subject",
        "period",
        "extension",
        "priority",
        "hospitalization",
        "serviceProvider",
    ),
    "Patient": ("address", "identifier", "birthDate"),
    "Task": ("id", "code", "status", "authoredOn", "focus", "basedOn", "extension"),
    "CommunicationRequest": ("category", "authoredOn", "encounter", "about"),
    "CarePlan": ("encounter", "extension"),
    "DetectedIssue": ("code", "implicated"),
}
# What a patient's other Encounters say about a stay: whether one is a readmission after it.
ADMISSIONS: tuple[str, ...] = ("subject", "period", "priority")


def chunks(values: Iterable[str]) -> Iterator[list[str]]:
    """The distinct values in sorted chunks small enough for one IN list."""
    items = sorted(set(values))
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def _content(column: Any, res_type: str, picked: Picked) -> Any:
    return column if picked is None else Elements(column, picked[res_type])


def _parsed(text: str, res_type: str, picked: Picked) -> Resource:
    if picked is None:
        found: Resource = json.loads(text)
        return found
    return resource(res_type, picked[res_type], text)


def _joined(res_type: str, param: str, picked: Picked) -> Any:
    """A resource comes once per index row that matches (callers keep the first)."""
    return (
        select(resources.c.res_id, _content(resources.c.content, res_type, picked).label("content"))
        .select_from(
            search_index.join(
                resources,
                and_(
                    resources.c.res_type == search_index.c.res_type,
                    resources.c.res_id == search_index.c.res_id,
                ),
            )
        )
        .where(
            search_index.c.res_type == res_type,
            search_index.c.param == param,
            resources.c.content.is_not(None),
        )
    )


def by_reference(
    conn: Connection, res_type: str, param: str, refs: Iterable[str], picked: Picked = None
) -> list[Resource]:
    """Current resources of `res_type` whose reference parameter `param` names one of `refs`."""
    found: dict[str, Resource] = {}
    for chunk in chunks(refs):
        query = _joined(res_type, param, picked).where(search_index.c.value.in_(chunk))
        for res_id, content in conn.execute(query):  # unpacked: no Row attribute per row
            if res_id not in found:
                found[res_id] = _parsed(content, res_type, picked)
    return list(found.values())


def discharged_encounters(
    conn: Connection, period: Period, picked: Picked = None
) -> list[Resource]:
    """Encounters whose period.end falls on a local date of `period`."""
    # date_end is the end of period.end's precision (a date-only end: the next midnight)
    lo, hi = stamp(period.start()), stamp(period.end() + timedelta(days=1))
    query = _joined("Encounter", "date", picked).where(
        search_index.c.date_end >= lo, search_index.c.date_end <= hi
    )
    found, seen = [], set()
    for row in conn.execute(query):
        if row.res_id in seen:
            continue
        seen.add(row.res_id)
        encounter = _parsed(row.content, "Encounter", picked)
        if _discharged_in(encounter, period):
            found.append(encounter)
    return found


def _discharged_in(encounter: Resource, period: Period) -> bool:
    end = start_of(encounter.get("period", {}).get("end"))
    return end is not None and period.contains(end.astimezone(STOCKHOLM).date())


def encounters_by_id(
    conn: Connection, period: Period, ids: Iterable[str], picked: Picked = None
) -> list[Resource]:
    """Those of the Encounters `ids` that are discharged in `period` (the others, and ids that
    name no current Encounter, are left out)."""
    found = []
    content = _content(resources.c.content, "Encounter", picked).label("content")
    for chunk in chunks(ids):
        query = select(content).where(
            resources.c.res_type == "Encounter",
            resources.c.res_id.in_(chunk),
            resources.c.content.is_not(None),
        )
        for row in conn.execute(query):
            encounter = _parsed(row.content, "Encounter", picked)
            if _discharged_in(encounter, period):
                found.append(encounter)
    return found


def patient_versions(
    conn: Connection, ids: Iterable[str], picked: Picked = None
) -> dict[str, list[facts.Version]]:
    found: dict[str, list[facts.Version]] = {}
    content = _content(versions.c.content, "Patient", picked).label("content")
    for chunk in chunks(ids):
        query = (
            select(versions.c.res_id, versions.c.last_updated, content)
            .where(versions.c.res_type == "Patient", versions.c.res_id.in_(chunk))
            .order_by(versions.c.res_id, versions.c.version_id)
        )
        for row in conn.execute(query):
            if row.content is not None:
                patient = _parsed(row.content, "Patient", picked)
                found.setdefault(row.res_id, []).append((row.last_updated, patient))
    return found


def deliveries(
    conn: Connection, notifications: Iterable[str], receivers: frozenset[str] | None = None
) -> dict[str, list[str]]:
    """Notification reference → the organizations it was routed to (with `receivers`, only
    those among them: the month's discharge notices go mostly elsewhere)."""
    found: dict[str, list[str]] = {}
    for chunk in chunks(notifications):
        query = select(outbox.c.notification, outbox.c.receiver).where(
            outbox.c.notification.in_(chunk)
        )
        if receivers is not None:
            query = query.where(outbox.c.receiver.in_(sorted(receivers)))
        for row in conn.execute(query):
            found.setdefault(row.notification, []).append(row.receiver)
    return found


def home_care_providers(conn: Connection) -> frozenset[str]:
    query = select(search_index.c.res_id).where(
        search_index.c.res_type == "Organization",
        search_index.c.param == "partstyp",
        search_index.c.value == HOME_CARE,
    )
    return frozenset(f"Organization/{row.res_id}" for row in conn.execute(query))


def responsible(code: str | None) -> str:
    """The party a deviation is routed to (the routing rules name who answers for each kind)."""
    table = routing_rules()
    roles = table.deviations.get(code or "") or table.events.get("avvikelse", [])
    return "+".join(roles)


def _related(
    conn: Connection, kept: list[tuple[Resource, Resource | None]], picked: Picked
) -> dict[str, Any]:
    """What other resources say about the kept stays, keyed per stay; the Tasks come with their
    event, worked out once (event_of was a third of the Tasks' reading in cProfile)."""
    encounter_refs = [f"Encounter/{e['id']}" for e, _ in kept]
    patient_refs = {e["subject"]["reference"] for e, _ in kept}
    related: dict[str, dict[str, list[Any]]] = {e["id"]: {} for e, _ in kept}

    def add(encounter: str | None, kind: str, value: Any) -> None:
        if encounter in related:
            related[encounter].setdefault(kind, []).append(value)

    tasks = [(t, event_of(t)) for t in by_reference(conn, "Task", "focus", encounter_refs, picked)]
    for request in by_reference(conn, "CommunicationRequest", "subject", patient_refs, picked):
        sent = start_of(request.get("authoredOn"))
        if event_of(request) == "kallelse-sip" and sent is not None:
            add(facts.invitation_stay(request), "sip_invitations", sent)
    for plan in by_reference(conn, "CarePlan", "encounter", encounter_refs, picked):
        add(
            reference_id(plan.get("encounter"), "Encounter"),
            "sip_participation",
            facts.participation(plan),
        )
    for issue in by_reference(conn, "DetectedIssue", "implicated", encounter_refs, picked):
        code = next((c.get("code") for c in issue.get("code", {}).get("coding", [])), None)
        for ref in {reference_id(i, "Encounter") for i in issue.get("implicated", [])}:
            add(ref, "deviations", (str(code), responsible(code)))
    later: dict[str, list[tuple[datetime, str | None]]] = {}
    admissions: Picked = None if picked is None else {"Encounter": ADMISSIONS}
    for encounter in by_reference(conn, "Encounter", "subject", patient_refs, admissions):
        started = facts.admission(encounter)
        if started is not None:
            later.setdefault(encounter["subject"]["reference"], []).append(started)
    for encounter, _ in kept:
        discharged = start_of(encounter["period"]["end"])
        for started in later.get(encounter["subject"]["reference"], []):
            if discharged is not None and started[0] > discharged:
                add(encounter["id"], "later_admissions", started)
    discharge_notices = {
        f"Task/{t['id']}": reference_id(t.get("focus"), "Encounter")
        for t, event in tasks
        if event == "utskrivningsmeddelande"
    }
    for ref, receivers in deliveries(conn, discharge_notices, home_care_providers(conn)).items():
        for receiver in receivers:
            add(discharge_notices[ref], "home_care", receiver)
    return {"tasks": tasks, "related": related}


def discharged_stays(
    conn: Connection,
    period: Period,
    kommuner: frozenset[str] | None = None,
    picked: Picked = LEAN,
    among: Iterable[str] | None = None,
) -> list[Stay]:
    """The stays discharged in `period`; with `kommuner`, only those of these municipalities (by
    the Patient version current at discharge); with `among`, only those of these Encounter ids
    (read by id instead of the month's whole date range)."""
    if among is None:
        listed = discharged_encounters(conn, period, picked)
    else:
        listed = encounters_by_id(conn, period, among, picked)
    encounters = [e for e in listed if "subject" in e]
    patients = patient_versions(
        conn, {reference_id(e["subject"], "Patient") or "" for e in encounters}, picked
    )
    kept: list[tuple[Resource, Resource | None]] = []
    for encounter in encounters:
        subject = reference_id(encounter["subject"], "Patient") or ""
        discharged = start_of(encounter["period"]["end"])
        assert discharged is not None
        patient = facts.version_at(patients.get(subject, []), discharged)
        if kommuner is not None and (patient is None or facts.home(patient)[0] not in kommuner):
            continue
        kept.append((encounter, patient))
    return stays_of(conn, kept, picked)


def stays_of(
    conn: Connection, kept: list[tuple[Resource, Resource | None]], picked: Picked = None
) -> list[Stay]:
    """The facts of these discharged Encounters, each with its Patient version at discharge (an
    Encounter still in hospital has none and is left out), in discharge order."""
    if not kept:
        return []
    found = _related(conn, kept, picked)
    notices = facts.notices(found["tasks"])
    stays = []
    for encounter, patient in kept:
        stay = facts.stay(
            encounter, patient, notices.get(encounter["id"], []), found["related"][encounter["id"]]
        )
        if stay is not None:
            stays.append(stay)
    return sorted(stays, key=lambda s: (s.discharged, s.encounter))
