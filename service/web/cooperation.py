"""*Rapportera samverkansbrist*: a party reports a cooperation failure about a stay it takes part
in. It is stored as a `samverkansbrist` deviation written through the engine in the reporter's
name (validated, routed to the parties the routing rules name for deviations, published to
subscribers, logged), shows in the stay's timeline and is counted by Uppföljning."""

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from service.web.pages import bad, context, form, names, page_router, render, who
from service.web.stay import FHIR_ID
from service.workflow.deviations import SEVERITIES, reported_failure
from service.workflow.events import reference_id

router = page_router()
SEVERITY_TEXT = {"high": "Allvarlig", "moderate": "Måttlig", "low": "Lindrig"}
MAX_TEXT = 4000


def _stay_id(value: str | None) -> str:
    wanted = (value or "").strip().removeprefix("Encounter/")
    if not FHIR_ID.match(wanted):
        raise bad("ange vårdtillfällets id (Encounter) som samverkansbristen gäller")
    return wanted


@router.get("/samverkansbrist")
async def report_form(request: Request) -> HTMLResponse:
    services, _, principal = context(request)
    stay = request.query_params.get("vardtillfalle", "")

    def run() -> str:
        with services.store.reading() as conn:
            return who(conn, principal)

    values: dict[str, Any] = {
        "page": "samverkansbrist",
        "title": "Rapportera samverkansbrist",
        "who": await run_in_threadpool(run),
        "stay": stay,
        "severities": SEVERITY_TEXT,
    }
    return render(request, "samverkansbrist.html", values)


@router.post("/samverkansbrist")
async def report(request: Request) -> RedirectResponse:
    services, _, principal = context(request)
    fields = await form(request)
    stay = _stay_id(fields.get("vardtillfalle"))
    what = (fields.get("beskrivning") or "").strip()
    if not what:
        raise bad("beskriv vad som hände")
    parties = (fields.get("parter") or "").strip()
    if len(what) + len(parties) > MAX_TEXT:
        raise bad(f"beskrivningen och parterna får vara högst {MAX_TEXT} tecken")
    severity = fields.get("allvarlighet") or "moderate"
    if severity not in SEVERITIES:
        raise bad(f"allvarlighet={severity!r}: välj {', '.join(SEVERITIES)}")
    now = services.clock()

    def run() -> None:
        with services.store.begin() as conn:
            encounter = services.engine.read(conn, principal, "Encounter", stay).resource or {}
            patient = reference_id(encounter.get("subject"), "Patient")
            if patient is None:
                raise bad(f"vårdtillfället {stay} har ingen patient")
            reporter = names(conn, [principal.organization]).get(principal.organization)
            detail = (
                f"{what}\n\nBerörda parter: {parties or 'ej angivna'}\nRapporterad av: {reporter}"
            )
            resource = reported_failure(
                f"Encounter/{stay}", f"Patient/{patient}", detail, severity, now
            )
            services.engine.create(conn, principal, "DetectedIssue", resource)

    await run_in_threadpool(run)
    return RedirectResponse(f"/app/vardtillfalle/{stay}?klart=samverkansbrist", 303)
