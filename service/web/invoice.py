"""*Fakturaunderlag*: a municipality's invoice basis for a month, line by line with the reason for
every billable or excluded day, its issued versions and downloads (the files of `lus-fhir report
invoice`), and the disputes of its lines: the municipality files one (reason + text), the region
answers. An issued basis is never edited; issuing after late data makes the next version.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from service.auth.principal import Principal
from service.fhirtime import STOCKHOLM, start_of
from service.statistics import disputes
from service.statistics.basis import Basis
from service.statistics.billing import WITHIN_AVERAGE
from service.statistics.evaluate import evaluate
from service.statistics.files import check_format, invoice_file
from service.statistics.invoice import invoice_basis
from service.statistics.issued import invoice, parse_version, versions
from service.statistics.period import Period, parse_month
from service.statistics.scope import Area, municipality, permitted
from service.statistics.timeline import LATE_ADMISSION_NOTICE, NO_INFORMATION_TRANSFER
from service.storage.store import Store
from service.web.overview import last_complete_month
from service.web.pages import bad, context, form, names, page_router, render, who

router = page_router()
Resource = dict[str, Any]
EXCLUSIONS = {
    LATE_ADMISSION_NOTICE: "Inskrivningsmeddelandet saknas eller skickades mer än 24 timmar "
    "efter inskrivningen: inga dagar debiteras",
    NO_INFORMATION_TRANSFER: "Ingen informationsöverföring senast utskrivningsdagen: inga dagar "
    "debiteras",
    WITHIN_AVERAGE: "Kommunens medelvärde ligger inom den avtalade nivån: inga dagar debiteras",
}
DONE = {
    "utfardat": "Fakturaunderlaget är utfärdat.",
    "bestritt": "Bestridandet är registrerat. Regionen svarar på det här.",
    "besvarat": "Svaret är registrerat.",
}


@dataclass(frozen=True)
class Wanted:
    kommun: str | None
    period: Period
    version: int | None


def _wanted(params: dict[str, str], basis: Basis, own: list[str], now: datetime) -> Wanted:
    code = params.get("kommun") or (own[0] if own else None)
    kommun = municipality(code, basis.areas).kommun if code else None
    month = params.get("manad")
    period = parse_month(month, now, "manad") if month else last_complete_month(now)
    return Wanted(kommun, period, parse_version(params.get("version")))


def _own(conn: Connection, principal: Principal, basis: Basis) -> list[str] | None:
    """The municipalities whose basis the caller may see; None: all of them."""
    allowed = permitted(conn, principal, basis.rules.municipal_party_types)
    if allowed is None:
        return None
    return sorted({a.kommun for a in allowed if a.kommun and a.stadsdel is None})


def _sent_before_noon(sent: str | None, basis: Basis) -> bool | None:
    moment = start_of(sent)
    return None if moment is None else moment.astimezone(STOCKHOLM).time() < basis.rules.noon


def reasons(line: Resource, basis: Basis) -> list[str]:
    """Why each day of the line is or is not billed, from the line's own timestamps."""
    if not line["periods"]:
        return ["Ingen underrättelse om utskrivningsklar: inga dagar att debitera"]
    said = []
    notices = line["utskrivningsklar"]
    for index, period in enumerate(line["periods"]):
        sent = notices[index]["sent"] if index < len(notices) else None
        noon = _sent_before_noon(sent, basis)
        when = "före 12:00" if noon else "efter 12:00 (dag 0 blir nästa dag)"
        said.append(
            f"Utskrivningsklar {period['from']}–{period['to']} ({period['days']} dagar): "
            f"underrättelsen skickades {when}, dag 0 {period['dag_0']}, första debiterbara dag "
            f"{period['first_billable_date']}"
        )
    if line["exclusion"]:
        code = str(line["exclusion"])
        said.append(EXCLUSIONS.get(code, code))
    elif line["billable_dates"]:
        said.append(f"Debiteras: {', '.join(line['billable_dates'])}")
    else:
        said.append("Patienten skrevs ut före första debiterbara dag: inga dagar debiteras")
    return said


def _view(
    store: Store,
    conn: Connection,
    principal: Principal,
    basis: Basis,
    params: dict[str, str],
    now: datetime,
) -> dict[str, Any]:
    """The page's content: the chosen version (default the latest issued), or while none is
    issued the preliminary basis; whether late data would change it; the lines' disputes."""
    own = _own(conn, principal, basis)
    wanted = _wanted(params, basis, own or [], now)
    listed = own if own is not None else list(basis.areas.kommuner)
    view: dict[str, Any] = {
        "wanted": wanted,
        "kommuner": [(k, basis.areas.name(k)) for k in listed],
        "document": None,
        "issued": [],
        "changed": False,
        "disputes": {},
        "region": principal.reads_everything,
        "files": False,
        "names": {},
    }
    if wanted.kommun is None:
        return view
    label = wanted.period.label
    fresh = invoice_basis(
        evaluate(conn, principal, basis, wanted.period, Area(wanted.kommun), now), basis
    )
    issued = versions(conn, wanted.kommun, label)
    number = wanted.version or (issued[0][0] if issued else None)
    document = fresh
    if number is not None:
        document = invoice(store, conn, principal, basis, wanted.kommun, wanted.period, now, number)
    found: dict[str, list[disputes.Dispute]] = {}
    for dispute in disputes.disputes(conn, principal, basis, wanted.kommun, label):
        found.setdefault(dispute.encounter, []).append(dispute)
    view.update(
        document=document,
        issued=issued,
        changed=bool(issued) and fresh["header"]["hash"] != issued[0][1],
        disputes=found,
        names=names(
            conn,
            [d.filed_by for ds in found.values() for d in ds]
            + [d.answered_by or "" for ds in found.values() for d in ds],
        ),
        files=number is not None,
        reasons={line["encounter"]: reasons(line, basis) for line in document["lines"]},
    )
    return view


def _page(
    kommun: str, month: str, version: int | None = None, done: str | None = None, anchor: str = ""
) -> str:
    query = {"kommun": kommun, "manad": month}
    if version is not None:
        query["version"] = str(version)
    if done:
        query["klart"] = done
    return f"/app/fakturaunderlag?{urlencode(query)}{anchor}"


@router.get("/fakturaunderlag")
async def invoice_page(request: Request) -> HTMLResponse:
    services, basis, principal = context(request)
    now = services.clock()
    params = dict(request.query_params)

    def run() -> dict[str, Any]:
        with services.store.reading() as conn:
            view = _view(services.store, conn, principal, basis, params, now)
            view["who"] = who(conn, principal)
        document = view["document"]
        if document is not None:
            stays = [
                {"resourceType": "Encounter", "id": line["encounter"]} for line in document["lines"]
            ]
            services.log_access(principal, "web-invoice-basis", stays)
        return view

    view = await run_in_threadpool(run)
    done = DONE.get(params.get("klart", ""))
    return render(
        request,
        "fakturaunderlag.html",
        {
            "page": "fakturaunderlag",
            "title": "Fakturaunderlag",
            "done": done,
            "dispute_reasons": disputes.REASONS,
            "decisions": disputes.DECISIONS,
            **view,
        },
    )


@router.get("/fakturaunderlag/fil")
async def invoice_download(request: Request) -> Response:
    """An issued version as the CLI writes it (`lus-fhir report invoice --version N`)."""
    services, basis, principal = context(request)
    now = services.clock()
    params = dict(request.query_params)
    fmt = check_format(params.get("format") or "csv")
    wanted = _wanted(params, basis, [], now)
    if wanted.kommun is None or wanted.version is None:
        raise bad("kommun, manad och version behövs för att ladda ner ett fakturaunderlag")
    kommun, version = wanted.kommun, wanted.version

    def run() -> Resource:
        with services.store.reading() as conn:
            document = invoice(
                services.store, conn, principal, basis, kommun, wanted.period, now, version
            )
        stays = [
            {"resourceType": "Encounter", "id": line["encounter"]} for line in document["lines"]
        ]
        services.log_access(principal, "invoice-basis", stays)
        return document

    file = invoice_file(await run_in_threadpool(run), fmt)
    name = f"fakturaunderlag-{kommun}-{wanted.period.label}-v{version}.{file.suffix}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return Response(file.content, media_type=file.media_type, headers=headers)


@router.post("/fakturaunderlag/utfarda")
async def issue_invoice(request: Request) -> RedirectResponse:
    services, basis, principal = context(request)
    fields = await form(request)
    now = services.clock()
    wanted = _wanted(fields, basis, [], now)
    if wanted.kommun is None:
        raise bad("kommun behövs")
    kommun = wanted.kommun

    def run() -> Resource:
        with services.store.begin() as conn:
            document = invoice(services.store, conn, principal, basis, kommun, wanted.period, now)
        stays = [
            {"resourceType": "Encounter", "id": line["encounter"]} for line in document["lines"]
        ]
        services.log_access(principal, "invoice-basis", stays)
        return document

    header = (await run_in_threadpool(run))["header"]
    return RedirectResponse(_page(kommun, wanted.period.label, header["version"], "utfardat"), 303)


@router.post("/fakturaunderlag/bestrid")
async def file_dispute(request: Request) -> RedirectResponse:
    services, basis, principal = context(request)
    fields = await form(request)
    now = services.clock()
    wanted = _wanted(fields, basis, [], now)
    if wanted.kommun is None or wanted.version is None:
        raise bad("kommun, manad och version behövs för att bestrida en rad")
    kommun, version = wanted.kommun, wanted.version
    encounter = fields.get("vardtillfalle", "")

    def run() -> None:
        with services.store.begin() as conn:
            disputes.file(
                conn,
                principal,
                basis,
                kommun,
                wanted.period.label,
                version,
                encounter,
                fields.get("skal"),
                fields.get("text"),
                now,
            )
        services.log_access(
            principal, "web-dispute", [{"resourceType": "Encounter", "id": encounter}]
        )

    await run_in_threadpool(run)
    page = _page(kommun, wanted.period.label, version, "bestritt", f"#rad-{encounter}")
    return RedirectResponse(page, 303)


@router.post("/fakturaunderlag/svar")
async def answer_dispute(request: Request) -> RedirectResponse:
    services, basis, principal = context(request)
    fields = await form(request)
    now = services.clock()
    wanted = _wanted(fields, basis, [], now)
    if wanted.kommun is None:
        raise bad("kommun behövs")
    kommun = wanted.kommun

    def run() -> None:
        with services.store.begin() as conn:
            disputes.answer(
                conn,
                principal,
                fields.get("bestridande", ""),
                fields.get("beslut"),
                fields.get("svar"),
                now,
            )
        services.log_access(principal, "web-dispute-answer", [])

    await run_in_threadpool(run)
    return RedirectResponse(_page(kommun, wanted.period.label, wanted.version, "besvarat"), 303)
