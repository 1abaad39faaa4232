"""*Vårdtillfälle*: one stay's timeline — every notification with each receiver's delivery and
acknowledgement, the SIP invitations and plans, the deviations — and, once discharged, the
statistics timeline (ready periods, dag 0, billable dates, exclusion) the figures rest on.

The stay is read as the principal: a stay it takes no part in is 404, as over FHIR; every
related resource shown passes the same visibility check. A protected identity is shown without
its address.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from fhir_profiles import CANONICAL
from service.access.participation import visible
from service.auth.principal import Principal
from service.delivery.state import delivery_state
from service.fhirtime import start_of
from service.rest.services import Services
from service.statistics import facts, selection
from service.statistics.basis import Basis
from service.statistics.timeline import Timeline, timeline
from service.web.labels import display, place
from service.web.pages import bad, context, names, page_router, render, who
from service.workflow.events import event_of, reference_id
from service.workflow.payloads import is_protected, without_address

router = page_router()
FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
EVENT_SYSTEM = f"{CANONICAL}/CodeSystem/lus-event"
DEVIATION_SYSTEM = f"{CANONICAL}/CodeSystem/lus-deviation-type"
CARE_TYPE_SYSTEM = f"{CANONICAL}/CodeSystem/lus-care-type"
DELIVERY_STATUS = {
    "pending": "väntar på leverans",
    "delivered": "levererat",
    "acknowledged": "kvitterat",
    "dead": "kunde inte levereras",
}
Resource = dict[str, Any]
DONE = {
    "samverkansbrist": "Samverkansbristen är rapporterad och skickas till de parter som tar "
    "emot avvikelser."
}


@dataclass
class Entry:
    """One line of the timeline."""

    at: datetime | None
    kind: str  # notification | sip | plan | deviation
    title: str
    reference: str
    status: str | None = None
    cancelled: bool = False
    sender: str | None = None
    step: int = 99  # the event's place in the process: orders notifications sent together
    details: list[str] = field(default_factory=list)
    receivers: list[dict[str, Any]] = field(default_factory=list)


def _sort_key(entry: Entry) -> tuple[str, int, str]:
    moment = entry.at.astimezone(UTC).isoformat() if entry.at else "9999"
    return (moment, entry.step, entry.reference)


def _receipts(task: Resource) -> dict[str, str | None]:
    """Receiver → when it confirmed receipt (lus-kvittens)."""
    found: dict[str, str | None] = {}
    for extension in task.get("extension", []):
        if extension.get("url") != facts.KVITTENS:
            continue
        parts = {p.get("url"): p for p in extension.get("extension", [])}
        receiver = (parts.get("receiver") or {}).get("valueReference", {}).get("reference")
        if receiver:
            found[str(receiver)] = (parts.get("received") or {}).get("valueDateTime")
    return found


def _notification(conn: Connection, task: Resource, cancelled: set[str]) -> Entry:
    event = event_of(task) or ""
    receipts = _receipts(task)
    receivers = []
    for state in delivery_state(conn, f"Task/{task['id']}"):
        receivers.append(
            {
                "organization": state["receiver"],
                "status": DELIVERY_STATUS.get(state["status"], state["status"]),
                "delivered": state["delivered_at"],
                "acknowledged": state["acknowledged_at"],
                "receipt": receipts.pop(state["receiver"], None),
            }
        )
    receivers += [
        {
            "organization": r,
            "status": "kvitterat",
            "delivered": None,
            "acknowledged": None,
            "receipt": at,
        }
        for r, at in receipts.items()
    ]
    details = []
    if event == "makulering":
        details += [f"Makulerar {b.get('reference')}" for b in task.get("basedOn", [])]
    return Entry(
        start_of(task.get("authoredOn")),
        "notification",
        display(EVENT_SYSTEM, event),
        f"Task/{task['id']}",
        task.get("status"),
        cancelled=task["id"] in cancelled or task.get("status") in facts.CANCELLED_STATUSES,
        sender=task.get("requester", {}).get("reference"),
        step=place(EVENT_SYSTEM, event),
        details=details,
        receivers=receivers,
    )


def _deviation(issue: Resource) -> Entry:
    code = next((c.get("code") for c in issue.get("code", {}).get("coding", [])), "")
    details = [issue["detail"]] if issue.get("detail") else []
    return Entry(
        start_of(issue.get("identifiedDateTime")),
        "deviation",
        f"Avvikelse: {display(DEVIATION_SYSTEM, code)}",
        f"DetectedIssue/{issue['id']}",
        issue.get("status"),
        details=details,
    )


def _sip(request: Resource) -> Entry:
    recipients = [r.get("reference", "") for r in request.get("recipient", [])]
    return Entry(
        start_of(request.get("authoredOn")),
        "sip",
        "Kallelse till SIP",
        f"CommunicationRequest/{request['id']}",
        request.get("status"),
        details=[f"Kallade: {', '.join(recipients)}"] if recipients else [],
    )


def _plan(plan: Resource) -> Entry:
    taking_part = sorted(facts.participation(plan))
    moment = (plan.get("period") or {}).get("start") or plan.get("created")
    return Entry(
        start_of(moment),
        "plan",
        "SIP (samordnad individuell plan)",
        f"CarePlan/{plan['id']}",
        plan.get("status"),
        details=[f"Deltagande: {', '.join(taking_part)}"] if taking_part else [],
    )


def _shown(conn: Connection, principal: Principal, resources: list[Resource]) -> list[Resource]:
    return [r for r in resources if visible(conn, principal, r["resourceType"], r["id"])]


def _statistics(conn: Connection, encounter: Resource, basis: Basis) -> Timeline | None:
    """The statistics timeline of a discharged stay, from the same facts the figures read."""
    discharged = start_of((encounter.get("period") or {}).get("end"))
    subject = reference_id(encounter.get("subject"), "Patient")
    if discharged is None or subject is None:
        return None
    versions = selection.patient_versions(conn, [subject]).get(subject, [])
    stays = selection.stays_of(conn, [(encounter, facts.version_at(versions, discharged))])
    if not stays or stays[0].vardform not in basis.rules.care_groups:
        return None  # a stay without a known care type has no free days to count with
    return timeline(stays[0], basis)


def stay_view(
    conn: Connection, services: Services, principal: Principal, basis: Basis, encounter_id: str
) -> dict[str, Any]:
    engine = services.engine
    encounter = engine.read(conn, principal, "Encounter", encounter_id).resource
    assert encounter is not None
    reference = f"Encounter/{encounter_id}"
    patient_id = reference_id(encounter.get("subject"), "Patient")
    patient = engine.read(conn, principal, "Patient", patient_id).resource if patient_id else None
    tasks = _shown(conn, principal, selection.by_reference(conn, "Task", "focus", [reference]))
    cancelled = {
        b.get("reference", "").removeprefix("Task/")
        for t in tasks
        if event_of(t) == "makulering"
        for b in t.get("basedOn", [])
    }
    implicated = [reference, *(f"Task/{t['id']}" for t in tasks)]
    issues = selection.by_reference(conn, "DetectedIssue", "implicated", implicated)
    requests = selection.by_reference(
        conn, "CommunicationRequest", "subject", [f"Patient/{patient_id}"]
    )
    plans = selection.by_reference(conn, "CarePlan", "encounter", [reference])
    entries = [_notification(conn, t, cancelled) for t in tasks]
    entries += [_deviation(i) for i in _shown(conn, principal, issues)]
    entries += [
        _sip(r)
        for r in _shown(conn, principal, requests)
        if event_of(r) == "kallelse-sip" and facts.invitation_stay(r) == encounter_id
    ]
    entries += [_plan(p) for p in _shown(conn, principal, plans)]
    entries.sort(key=_sort_key)
    organizations = [encounter.get("serviceProvider", {}).get("reference", "")]
    for entry in entries:
        organizations += [r["organization"] for r in entry.receivers]
        organizations += [entry.sender] if entry.sender else []
    return {
        "encounter": encounter,
        "patient": without_address(patient) if patient else None,
        "protected": bool(patient) and is_protected(patient or {}),
        "person_id": facts.person_id(patient)[0] if patient else None,
        "care_type": display(CARE_TYPE_SYSTEM, facts.vardform(encounter)),
        "entries": entries,
        "names": names(conn, organizations),
        "statistics": _statistics(conn, encounter, basis),
        "who": who(conn, principal),
    }


@router.get("/vardtillfalle")
async def stay_search(request: Request, id: str | None = None) -> Response:
    """A form to open a stay by its id (the Encounter id the notifications name)."""
    if id:
        wanted = id.strip().removeprefix("Encounter/")
        if not FHIR_ID.match(wanted):
            raise bad(f"{id!r} är inget giltigt id för ett vårdtillfälle (Encounter)")
        return RedirectResponse(f"/app/vardtillfalle/{wanted}", status_code=303)
    services, _, principal = context(request)

    def run() -> str:
        with services.store.reading() as conn:
            return who(conn, principal)

    name = await run_in_threadpool(run)
    return render(
        request,
        "vardtillfalle-sok.html",
        {"page": "vardtillfalle", "title": "Vårdtillfälle", "who": name},
    )


@router.get("/vardtillfalle/{encounter_id}")
async def stay_page(request: Request, encounter_id: str) -> HTMLResponse:
    services, basis, principal = context(request)
    if not FHIR_ID.match(encounter_id):
        raise bad(f"{encounter_id!r} är inget giltigt id för ett vårdtillfälle", 404)

    def run() -> dict[str, Any]:
        with services.store.reading() as conn:
            view = stay_view(conn, services, principal, basis, encounter_id)
        shown = [view["encounter"], view["patient"]]
        services.log_access(principal, "web-stay", shown)
        return view

    view = await run_in_threadpool(run)
    title = f"Vårdtillfälle {encounter_id}"
    done = DONE.get(request.query_params.get("klart", ""))
    return render(
        request,
        "vardtillfalle.html",
        {"page": "vardtillfalle", "title": title, "done": done, **view},
    )
