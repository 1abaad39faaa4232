"""`GET /fhir/AuditEvent` and `GET /fhir/AuditEvent/{id}`: the access log, for the region-wide
role. Registered before the generic routes, so these paths never reach the resource store; a
write to AuditEvent goes the generic way and is refused there (405)."""

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from service.access.facts import check_scope
from service.audit import search as audit
from service.http import routing
from service.rest import responses
from service.rest.bundles import searchset
from service.rest.routes import principal_of
from service.rest.services import Services

router = routing.router(prefix="/fhir")


@router.get("/AuditEvent")
async def search(request: Request) -> Response:
    services: Services = request.app.state.services
    principal = principal_of(request)
    check_scope(principal, "search-type", "AuditEvent")
    params = list(request.query_params.multi_items())
    settings = services.settings

    def run() -> Response:
        services.audit.flush()  # the region reads the log up to this request
        with services.store.reading() as conn:
            found, result = audit.search(
                conn, params, settings.default_page_size, settings.max_page_size
            )
        services.log_access(principal, "search-type", result.matches)
        base = services.base(request)
        url = f"{base}/AuditEvent"
        return responses.fhir(searchset(base, url, params, found, result, services.clock))

    return await run_in_threadpool(run)


@router.get("/AuditEvent/{audit_id}")
async def read(request: Request, audit_id: str) -> Response:
    services: Services = request.app.state.services
    principal = principal_of(request)
    check_scope(principal, "read", "AuditEvent")

    def run() -> Response:
        services.audit.flush()
        with services.store.reading() as conn:
            event = audit.read(conn, audit_id)
        services.log_access(principal, "read", [event])
        return responses.fhir(event)

    return await run_in_threadpool(run)
