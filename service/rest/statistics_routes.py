"""HTTP routes of the statistics operations on the guide's Measures:
`GET|POST /fhir/Measure/{id}/$evaluate-measure` (R4) and `POST /fhir/Measure/lus-betalningsansvar/
$invoice-basis`. Parameters come from the query string or, on POST, a Parameters body.

The caller's principal comes from one dependency (`principal`); every report function scopes by it.
"""

import base64
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from fhir_profiles import CANONICAL
from service.auth.principal import Principal
from service.http import routing
from service.http.headers import FHIR_JSON
from service.outcome import FhirError
from service.rest import responses
from service.rest.body import parse_json
from service.rest.services import Services
from service.statistics.basis import Basis, basis_for
from service.statistics.evaluate import evaluate_measure
from service.statistics.files import check_format, invoice_file
from service.statistics.issued import invoice, parse_version
from service.statistics.measures import measure
from service.statistics.period import parse_month, parse_period
from service.statistics.scope import COUNTY_AREA, area_of_subject, municipality

router = routing.router(prefix="/fhir")
INVOICE_MEASURE = "lus-betalningsansvar"
OPERATIONS = {
    "evaluate-measure": "http://hl7.org/fhir/OperationDefinition/Measure-evaluate-measure",
    "invoice-basis": f"{CANONICAL}/OperationDefinition/invoice-basis",
}
REPORT_TYPES = ("population",)  # a summary MeasureReport; per-subject reports are not offered


def principal(request: Request) -> Principal:
    """Who is asking: the request's principal (service.http.authentication found it)."""
    found: Principal = request.state.principal
    return found


Caller = Annotated[Principal, Depends(principal)]


def mount(app: FastAPI) -> None:
    """Serve the operations, list them in /metadata, and read the rules now (a bad rules file
    stops start-up instead of failing the first request)."""
    services: Services = app.state.services
    app.state.statistics = basis_for(services.settings)
    services.operations.update(OPERATIONS)
    routing.include(app, router)


def _context(request: Request) -> tuple[Services, Basis]:
    return request.app.state.services, request.app.state.statistics


def _value(parameter: dict[str, Any]) -> str:
    for key, value in parameter.items():
        if key.startswith("value"):
            return str(value)
    raise FhirError.of(
        400, "invalid", f"parameter {parameter.get('name')!r} has no value", "Parameters.parameter"
    )


async def _parameters(request: Request, services: Services) -> dict[str, str]:
    """The query parameters, and on POST those of a Parameters body."""
    params = dict(request.query_params)
    raw = await request.body() if request.method == "POST" else b""
    if raw.strip():
        settings = services.settings
        body = parse_json(raw, settings.max_request_bytes, settings.max_nesting)
        if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
            raise FhirError.of(400, "invalid", "the body of the operation must be a Parameters")
        for parameter in body.get("parameter", []):
            params[str(parameter.get("name"))] = _value(parameter)
    return params


@router.get("/Measure/{measure_id}/$evaluate-measure")
@router.post("/Measure/{measure_id}/$evaluate-measure")
async def evaluate_measure_operation(request: Request, measure_id: str, caller: Caller) -> Response:
    services, basis = _context(request)
    params = await _parameters(request, services)
    measure(measure_id)
    report_type = params.get("reportType", "population")
    if report_type not in REPORT_TYPES:
        raise FhirError.of(
            400,
            "not-supported",
            f"reportType={report_type!r} is not offered: only population (a summary MeasureReport)",
            "reportType",
        )
    now = services.clock()
    period = parse_period(params.get("periodStart"), params.get("periodEnd"), now)
    subject = params.get("subject")
    area = area_of_subject(subject, basis.areas) if subject else COUNTY_AREA

    def run() -> dict[str, Any]:
        with services.store.reading() as conn:
            report = evaluate_measure(conn, caller, basis, measure_id, period, area, now)
        services.log_access(caller, "evaluate-measure", [])
        return report

    return responses.fhir(await run_in_threadpool(run))


@router.post("/Measure/{measure_id}/$invoice-basis")
async def invoice_basis_operation(request: Request, measure_id: str, caller: Caller) -> Response:
    services, basis = _context(request)
    params = await _parameters(request, services)
    if measure_id != INVOICE_MEASURE:
        measure(measure_id)
        raise FhirError.of(
            404, "not-found", f"$invoice-basis is an operation of Measure/{INVOICE_MEASURE} only"
        )
    for name in ("kommun", "month"):
        if not params.get(name):
            raise FhirError.of(400, "required", f"{name} is required", name)
    now: datetime = services.clock()
    kommun = str(municipality(params["kommun"], basis.areas).kommun)
    period = parse_month(params["month"], now)
    fmt = check_format(params.get("format"))
    version = parse_version(params.get("version"))

    def run() -> dict[str, Any]:
        with services.store.begin() as conn:
            found = invoice(services.store, conn, caller, basis, kommun, period, now, version)
        stays = [{"resourceType": "Encounter", "id": line["encounter"]} for line in found["lines"]]
        services.log_access(caller, "invoice-basis", stays)  # each stay's line names its patient
        return found

    document = await run_in_threadpool(run)
    file = invoice_file(document, fmt)
    if FHIR_JSON in request.headers.get("accept", ""):
        binary = {
            "resourceType": "Binary",
            "contentType": file.media_type,
            "data": base64.b64encode(file.content).decode(),
        }
        return responses.fhir(binary)
    name = f"fakturaunderlag-{kommun}-{period.label}.{file.suffix}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(file.content, media_type=file.media_type, headers=headers)
