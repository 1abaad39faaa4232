"""HTTP routes of the FHIR base `/fhir`: header handling, then the interaction engine.

Route handlers are async only to read the body; database work runs in the thread pool (but a read
by id on SQLite: Services.read). Each takes the request's principal (set by
service.http.authentication) and hands it to the engine; what a read, search or operation showed
is logged before it is answered (writes are logged in their own transaction by the engine's
write hook).
"""

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import Header, Request
from fastapi.responses import Response
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from service.access.links import PUBLIC
from service.access.visibility import visible_condition
from service.auth.principal import Principal
from service.delivery.state import delivery_state
from service.http import routing
from service.http.headers import check_accept, check_content_type, parse_prefer, parse_version_tag
from service.http.url import check_parameters
from service.outcome import FhirError, issue, operation_outcome
from service.rest import responses, smart
from service.rest.body import check_resource, check_type, parse_json, parse_resource
from service.rest.bundles import history, searchset
from service.rest.capabilities import capability_statement
from service.rest.delivery_status import delivery_parameters
from service.rest.engine import Result
from service.rest.resource_types import supported_types
from service.rest.services import Services
from service.rest.validate_operation import validate_operation
from service.rest.websocket import websocket_url
from service.search import execute
from service.search.request import integer_parameter, since_parameter
from service.storage.schema import versions
from service.storage.store import Stored
from service.subscriptions import operations as subscriptions

router = routing.router(prefix="/fhir")
OptionalHeader = Annotated[str | None, Header()]


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def principal_of(request: Request) -> Principal:
    principal: Principal = request.state.principal
    return principal


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
    base = services.base(request)
    security = smart.security(services, request)
    return responses.fhir(capability_statement(base, services.clock, services.operations, security))


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
    principal = principal_of(request)

    def run() -> Any:
        result = services.processor(request).process(bundle, principal, strict)
        shown = [e.get("resource") for e in result.get("entry", [])]
        services.log_access(principal, str(bundle.get("type")), shown)
        return result

    return responses.fhir(await run_in_threadpool(run))


@router.post("/$process-message")
async def process_message(request: Request) -> Response:
    services = _services(request)
    raw = await _body(request, services)
    settings = services.settings
    bundle = parse_json(raw, settings.max_request_bytes, settings.max_nesting)
    principal = principal_of(request)
    base = services.base(request)
    processed = await run_in_threadpool(services.messages.process, bundle, base, principal)
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
    principal = principal_of(request)

    def run() -> Any:
        with services.store.reading() as conn:
            base = services.base(request)
            now = services.clock()
            answer = operation(conn, services.store, principal, base=base, now=now)
        services.log_access(principal, "subscription-status", [])
        return answer

    return responses.fhir(await run_in_threadpool(run))


@router.get("/Subscription/{res_id}/$get-ws-binding-token")
async def subscription_binding_token(request: Request, res_id: str) -> Response:
    services = _services(request)
    url = websocket_url(services.base(request))
    principal = principal_of(request)

    def run() -> Any:
        with services.store.begin() as conn:
            now = services.clock()
            return subscriptions.binding_token(conn, services.store, principal, res_id, url, now)

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
    principal = principal_of(request)
    action = "history-instance" if res_id else "history-type" if res_type else "history-system"

    def run() -> Response:
        with services.store.reading() as conn:
            readable = None
            if res_type and res_id:
                services.engine.read_any(conn, principal, res_type, res_id, action)
            else:
                if res_type:
                    services.engine.search_request(principal, res_type, [], False, action)
                if not principal.reads_everything:
                    readable = _readable_versions(principal, res_type)
            found, total = services.store.history(
                conn, res_type, res_id, _since(since), count, offset, readable
            )
        services.log_access(principal, action, [v.resource for v in found])
        base = services.base(request)
        url = f"{base}/" + "/".join(p for p in (res_type, res_id, "_history") if p)
        return responses.fhir(
            history(base, url, params, found, total, count, offset, services.clock)
        )

    return await run_in_threadpool(run)


def _readable_versions(principal: Principal, res_type: str | None) -> Any:
    """Type and system history show only the versions of resources the principal may read (a
    system history also needs the scope of each type it shows)."""
    readable = visible_condition(principal.units, versions.c.res_type, versions.c.res_id)
    public = versions.c.res_type.in_(sorted(PUBLIC))
    condition = public | readable
    if res_type is None and not principal.scopes.permits("*", "s"):
        allowed = [t for t in supported_types() if principal.scopes.permits(t, "s")]
        condition = condition & versions.c.res_type.in_(allowed)
    return condition


def _since(value: str | None) -> str | None:
    return None if value is None else since_parameter("_since", value)


async def _search(
    request: Request, res_type: str, params: list[tuple[str, str]], prefer: str | None
) -> Response:
    _negotiate(request)
    check_type(res_type)
    services = _services(request)
    strict = parse_prefer(prefer).handling == "strict"
    principal = principal_of(request)
    search = services.engine.search_request(principal, res_type, params, strict)

    def run() -> Response:
        with services.store.reading() as conn:
            result = execute.run(conn, search)
        services.log_access(principal, "search-type", [*result.matches, *result.included])
        base = services.base(request)
        return responses.fhir(
            searchset(base, f"{base}/{res_type}", params, search, result, services.clock)
        )

    return await services.search(search, run)


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
    try:
        text = (await request.body()).decode("utf-8")
    except UnicodeDecodeError:
        raise FhirError.of(400, "invalid", "the form of POST _search is not UTF-8") from None
    form = parse_qsl(text, keep_blank_values=True)
    check_parameters(form)
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
    principal = principal_of(request)

    def run() -> Any:
        outcome = validate_operation(services, principal, res_type, res_id, body, params)
        services.log_access(principal, "validate", [])
        return outcome

    return responses.fhir(await run_in_threadpool(run))


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
        lambda conn, who: services.engine.create(conn, who, res_type, resource, if_none_exist),
    )


async def _write(
    request: Request,
    services: Services,
    prefer: str | None,
    action: Callable[[Connection, Principal], Result],
) -> Response:
    """Run one write (see Services.write) and answer as `Prefer: return` asks."""
    principal = principal_of(request)
    result = await services.write(lambda conn: action(conn, principal))
    assert result.stored is not None
    return responses.written(
        services.base(request), result.status, result.stored, parse_prefer(prefer), result.outcome
    )


async def _read(
    request: Request,
    services: Services,
    action: Callable[[Connection, Principal], Stored],
    subtype: str,
) -> Response:
    """Run one read and answer with the version's headers."""
    principal = principal_of(request)

    def run() -> Stored:
        with services.store.reading() as conn:
            stored = action(conn, principal)
        services.log_access(principal, subtype, [stored.resource])
        return stored

    stored = await services.read(run)
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
        lambda conn, who: services.engine.conditional_update(
            conn, who, res_type, criteria, resource, version
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

    return await _read(
        request,
        services,
        lambda conn, who: services.engine.read(conn, who, res_type, res_id),
        "read",
    )


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
        lambda conn, who: services.engine.update(conn, who, res_type, res_id, resource, version),
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
        lambda conn, who: services.engine.patch(conn, who, res_type, res_id, operations, version),
    )


@router.delete("/{res_type}/{res_id}")
async def delete(request: Request, res_type: str, res_id: str) -> Response:
    check_type(res_type)
    services = _services(request)
    principal = principal_of(request)
    result = await services.write(
        lambda conn: services.engine.delete(conn, principal, res_type, res_id)
    )
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
    principal = principal_of(request)

    def run() -> Any:
        with services.store.reading() as conn:
            stored = services.engine.read_any(conn, principal, res_type, res_id, "operation")
            answer = delivery_parameters(delivery_state(conn, f"{res_type}/{res_id}"))
        services.log_access(principal, "delivery-status", [stored.resource])
        return answer

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
        request,
        services,
        lambda conn, who: services.engine.vread(conn, who, res_type, res_id, version),
        "vread",
    )
