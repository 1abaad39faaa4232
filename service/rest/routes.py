"""HTTP routes of the FHIR base `/fhir`: header handling, then the interaction engine.

Route handlers are async only to read the body; all database work runs in the thread pool.
"""

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Header, Request
from fastapi.responses import Response
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from service.delivery.state import delivery_state
from service.fhirtime import parse_range, stamp
from service.http.headers import check_accept, check_content_type, parse_prefer, parse_version_tag
from service.outcome import FhirError, issue, operation_outcome
from service.rest import responses
from service.rest.body import check_resource, check_type, parse_json, parse_resource
from service.rest.bundles import history, searchset
from service.rest.capabilities import capability_statement
from service.rest.delivery_status import delivery_parameters
from service.rest.engine import Result
from service.rest.services import Services
from service.rest.validate_operation import validate_operation
from service.rest.websocket import websocket_url
from service.search import execute
from service.search.request import integer_parameter
from service.storage.store import Stored
from service.subscriptions import operations as subscriptions

router = APIRouter(prefix="/fhir")
OptionalHeader = Annotated[str | None, Header()]


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _params(request: Request) -> list[tuple[str, str]]:
    return list(request.query_params.multi_items())


async def _body(request: Request, services: Services, json_patch: bool = False) -> bytes:
    if not json_patch:
        check_content_type(request.headers.get("content-type"))
    raw = await request.body()
    limit = services.settings.max_request_bytes
    if len(raw) > limit:
        raise FhirError.of(413, "too-costly", f"request body exceeds the limit of {limit} bytes")
    return raw


def _negotiate(request: Request) -> None:
    check_accept(request.headers.get("accept"), request.query_params.get("_format"))


@router.get("/metadata")
async def metadata(request: Request) -> Response:
    _negotiate(request)
    services = _services(request)
    return responses.fhir(
        capability_statement(services.base(request), services.clock, services.operations)
    )


@router.post("")
@router.post("/")
async def transaction(request: Request, prefer: OptionalHeader = None) -> Response:
    services = _services(request)
    raw = await _body(request, services)
    settings = services.settings
    bundle = check_resource(
        parse_json(raw, settings.max_request_bytes, settings.max_nesting), "Bundle"
    )
    strict = parse_prefer(prefer).handling == "strict"
    result = await run_in_threadpool(services.processor(request).process, bundle, strict)
    return responses.fhir(result)


@router.post("/$process-message")
async def process_message(request: Request) -> Response:
    services = _services(request)
    raw = await _body(request, services)
    settings = services.settings
    bundle = parse_json(raw, settings.max_request_bytes, settings.max_nesting)
    processed = await run_in_threadpool(services.messages.process, bundle, services.base(request))
    return responses.fhir(processed.response, processed.status)


@router.get("/_history")
async def system_history(request: Request) -> Response:
    return await _history(request, None, None)


@router.get("/Subscription/$status")
async def subscriptions_status(request: Request) -> Response:
    """Backport $status at type level: the `id` parameters, or every subscription."""
    ids = request.query_params.getlist("id") or None
    return await _subscription_read(request, partial(subscriptions.status, ids=ids))


@router.get("/Subscription/{res_id}/$status")
async def subscription_status(request: Request, res_id: str) -> Response:
    return await _subscription_read(request, partial(subscriptions.status, ids=[res_id]))


@router.get("/Subscription/{res_id}/$events")
async def subscription_events(request: Request, res_id: str) -> Response:
    params = dict(request.query_params)
    operation = partial(subscriptions.events, sub_id=res_id, params=params)
    return await _subscription_read(request, operation)


async def _subscription_read(request: Request, operation: Callable[..., Any]) -> Response:
    _negotiate(request)
    services = _services(request)

    def run() -> Any:
        with services.store.reading() as conn:
            base = services.base(request)
            return operation(conn, services.store, base=base, now=services.clock())

    return responses.fhir(await run_in_threadpool(run))


@router.get("/Subscription/{res_id}/$get-ws-binding-token")
async def subscription_binding_token(request: Request, res_id: str) -> Response:
    services = _services(request)
    url = websocket_url(services.base(request))

    def run() -> Any:
        with services.store.begin() as conn:
            return subscriptions.binding_token(conn, services.store, res_id, url, services.clock())

    return responses.fhir(await run_in_threadpool(run))


async def _history(request: Request, res_type: str | None, res_id: str | None) -> Response:
    _negotiate(request)
    services = _services(request)
    params = _params(request)
    args = dict(params)
    default_count = str(services.settings.default_page_size)
    count = min(
        integer_parameter("_count", args.get("_count", default_count), 0),
        services.settings.max_page_size,
    )
    offset = integer_parameter("_offset", args.get("_offset", "0"), 0)
    since = args.get("_since")

    def run() -> Response:
        with services.store.reading() as conn:
            if res_type and res_id:
                services.engine.read_any(conn, res_type, res_id)
            versions, total = services.store.history(
                conn, res_type, res_id, _since(since), count, offset
            )
        base = services.base(request)
        url = f"{base}/" + "/".join(p for p in (res_type, res_id, "_history") if p)
        return responses.fhir(
            history(base, url, params, versions, total, count, offset, services.clock)
        )

    return await run_in_threadpool(run)


def _since(value: str | None) -> str | None:
    if value is None:
        return None
    parsed = parse_range(value)
    if parsed is None:
        raise FhirError.of(400, "invalid", f"_since={value!r} is not a FHIR instant", "_since")
    return stamp(parsed[0])


async def _search(
    request: Request, res_type: str, params: list[tuple[str, str]], prefer: str | None
) -> Response:
    _negotiate(request)
    check_type(res_type)
    services = _services(request)
    strict = parse_prefer(prefer).handling == "strict"
    search = services.engine.search_request(res_type, params, strict)

    def run() -> Response:
        with services.store.reading() as conn:
            result = execute.run(conn, search)
        base = services.base(request)
        return responses.fhir(
            searchset(base, f"{base}/{res_type}", params, search, result, services.clock)
        )

    return await run_in_threadpool(run)


@router.get("/{res_type}")
async def search_type(request: Request, res_type: str, prefer: OptionalHeader = None) -> Response:
    return await _search(request, res_type, _params(request), prefer)


@router.post("/{res_type}/_search")
async def search_post(request: Request, res_type: str, prefer: OptionalHeader = None) -> Response:
    mime = request.headers.get("content-type", "").split(";")[0].strip()
    if mime != "application/x-www-form-urlencoded":
        raise FhirError.of(
            415, "not-supported", "POST _search takes application/x-www-form-urlencoded"
        )
    form = parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True)
    return await _search(request, res_type, _params(request) + form, prefer)


@router.post("/{res_type}/$validate")
async def validate_type(request: Request, res_type: str) -> Response:
    return await _validate(request, res_type, None)


@router.post("/{res_type}/{res_id}/$validate")
async def validate_instance(request: Request, res_type: str, res_id: str) -> Response:
    return await _validate(request, res_type, res_id)


async def _validate(request: Request, res_type: str, res_id: str | None) -> Response:
    check_type(res_type)
    services = _services(request)
    raw = await _body(request, services)
    settings = services.settings
    body = parse_json(raw, settings.max_request_bytes, settings.max_nesting)
    params = _params(request)
    outcome = await run_in_threadpool(validate_operation, services, res_type, res_id, body, params)
    return responses.fhir(outcome)


@router.post("/{res_type}")
async def create(
    request: Request,
    res_type: str,
    prefer: OptionalHeader = None,
    if_none_exist: OptionalHeader = None,
) -> Response:
    check_type(res_type)
    services = _services(request)
    resource = _resource(await _body(request, services), services, res_type)

    return await _write(
        request,
        services,
        prefer,
        lambda conn: services.engine.create(conn, res_type, resource, if_none_exist),
    )


async def _write(
    request: Request, services: Services, prefer: str | None, action: Callable[[Connection], Result]
) -> Response:
    """Run one write in its own transaction and answer as `Prefer: return` asks."""

    def run() -> Result:
        with services.store.begin() as conn:
            return action(conn)

    result = await run_in_threadpool(run)
    assert result.stored is not None
    return responses.written(
        services.base(request), result.status, result.stored, parse_prefer(prefer), result.outcome
    )


async def _read(
    request: Request, services: Services, action: Callable[[Connection], Stored]
) -> Response:
    """Run one read and answer with the version's headers."""

    def run() -> Stored:
        with services.store.reading() as conn:
            return action(conn)

    stored = await run_in_threadpool(run)
    headers = responses.version_headers(services.base(request), stored)
    if _not_modified(request.headers.get("if-none-match"), stored):
        return Response(status_code=304, headers=headers)
    return responses.fhir(stored.resource, 200, headers)


def _not_modified(if_none_match: str | None, stored: Stored) -> bool:
    """Conditional read: `If-None-Match: W/"3"` (or `*`) matching the version answers 304."""
    if not if_none_match:
        return False
    tags = [t.strip() for t in if_none_match.split(",")]
    return "*" in tags or any(
        parse_version_tag(t, "If-None-Match") == str(stored.version_id) for t in tags
    )


def _resource(raw: bytes, services: Services, res_type: str) -> dict[str, Any]:
    settings = services.settings
    return parse_resource(raw, settings.max_request_bytes, settings.max_nesting, res_type)


@router.put("/{res_type}")
async def conditional_update(
    request: Request, res_type: str, prefer: OptionalHeader = None, if_match: OptionalHeader = None
) -> Response:
    check_type(res_type)
    services = _services(request)
    resource = _resource(await _body(request, services), services, res_type)
    criteria = str(request.url.query)
    if not criteria:
        raise FhirError.of(
            400, "invalid", f"PUT {res_type} needs an id in the URL or search criteria"
        )
    version = parse_version_tag(if_match, "If-Match")

    return await _write(
        request,
        services,
        prefer,
        lambda conn: services.engine.conditional_update(
            conn, res_type, criteria, resource, version
        ),
    )


@router.get("/{res_type}/_history")
async def type_history(request: Request, res_type: str) -> Response:
    check_type(res_type)
    return await _history(request, res_type, None)


@router.get("/{res_type}/{res_id}")
async def read(request: Request, res_type: str, res_id: str) -> Response:
    _negotiate(request)
    check_type(res_type)
    services = _services(request)

    return await _read(request, services, lambda conn: services.engine.read(conn, res_type, res_id))


@router.put("/{res_type}/{res_id}")
async def update(
    request: Request,
    res_type: str,
    res_id: str,
    prefer: OptionalHeader = None,
    if_match: OptionalHeader = None,
) -> Response:
    check_type(res_type)
    services = _services(request)
    resource = _resource(await _body(request, services), services, res_type)
    version = parse_version_tag(if_match, "If-Match")

    return await _write(
        request,
        services,
        prefer,
        lambda conn: services.engine.update(conn, res_type, res_id, resource, version),
    )


@router.patch("/{res_type}/{res_id}")
async def patch(
    request: Request,
    res_type: str,
    res_id: str,
    prefer: OptionalHeader = None,
    if_match: OptionalHeader = None,
) -> Response:
    check_type(res_type)
    services = _services(request)
    mime = request.headers.get("content-type", "").split(";")[0].strip()
    if mime != "application/json-patch+json":
        raise FhirError.of(
            415, "not-supported", "PATCH takes application/json-patch+json (JSON Patch)"
        )
    raw = await _body(request, services, json_patch=True)
    operations = parse_json(raw, services.settings.max_request_bytes, services.settings.max_nesting)
    version = parse_version_tag(if_match, "If-Match")

    return await _write(
        request,
        services,
        prefer,
        lambda conn: services.engine.patch(conn, res_type, res_id, operations, version),
    )


@router.delete("/{res_type}/{res_id}")
async def delete(request: Request, res_type: str, res_id: str) -> Response:
    check_type(res_type)
    services = _services(request)

    def run() -> Any:
        with services.store.begin() as conn:
            return services.engine.delete(conn, res_type, res_id)

    result = await run_in_threadpool(run)
    headers = {"ETag": result.stored.etag} if result.stored else {}
    if result.status == 204:
        return Response(status_code=204, headers=headers)
    text = f"{res_type}/{res_id} deleted"
    return responses.fhir(
        operation_outcome(issue("information", "informational", text)), 200, headers
    )


@router.get("/{res_type}/{res_id}/$delivery-status")
async def delivery_status(request: Request, res_type: str, res_id: str) -> Response:
    """Per receiver: where the notification was sent, whether it arrived and was acknowledged."""
    check_type(res_type)
    services = _services(request)

    def run() -> Any:
        with services.store.reading() as conn:
            services.engine.read_any(conn, res_type, res_id)
            return delivery_parameters(delivery_state(conn, f"{res_type}/{res_id}"))

    return responses.fhir(await run_in_threadpool(run))


@router.get("/{res_type}/{res_id}/_history")
async def instance_history(request: Request, res_type: str, res_id: str) -> Response:
    check_type(res_type)
    return await _history(request, res_type, res_id)


@router.get("/{res_type}/{res_id}/_history/{version}")
async def vread(request: Request, res_type: str, res_id: str, version: str) -> Response:
    _negotiate(request)
    check_type(res_type)
    services = _services(request)

    return await _read(
        request, services, lambda conn: services.engine.vread(conn, res_type, res_id, version)
    )
