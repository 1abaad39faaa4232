"""Every error leaves the server as an OperationOutcome with the right status, including the ones
Starlette raises itself (unknown route 404, wrong method 405), the database's own failures (503
while it is unreachable, 507 when its disk is full: service/storage/failure.py) and the ones
nobody expected (500)."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.audit.event import MINOR_FAILURE, SERIOUS_FAILURE, AuditRecord, audited, subtype_of
from service.http.headers import FHIR_JSON
from service.outcome import FhirError, issue, operation_outcome
from service.storage.failure import unavailable

log = logging.getLogger(__name__)

_STARLETTE_CODES = {404: "not-found", 405: "not-supported", 413: "too-costly"}


def outcome_response(error: FhirError) -> JSONResponse:
    return JSONResponse(
        error.outcome, status_code=error.status, media_type=FHIR_JSON, headers=error.headers
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(FhirError)
    async def fhir_error(request: Request, error: FhirError) -> JSONResponse:
        await log_refusal(request, error)
        return outcome_response(error)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = _STARLETTE_CODES.get(error.status_code, "processing")
        text = str(error.detail)
        if error.status_code == 404:
            text = f"no FHIR endpoint at {request.url.path}"
        elif error.status_code == 405:
            text = f"{request.method} is not supported on {request.url.path}"
        headers = dict(error.headers) if error.headers else None
        return outcome_response(FhirError(error.status_code, _outcome(code, text), headers))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in error.errors()
        )
        return outcome_response(FhirError.of(400, "invalid", f"malformed request: {problems}"))

    @app.exception_handler(exc.DBAPIError)
    @app.exception_handler(exc.TimeoutError)
    async def database_failure(request: Request, error: Exception) -> JSONResponse:
        answer = _unavailable(request, error)
        if answer is None:
            raise error  # a bug after all: answered by `unexpected`
        return answer

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        answer = _unavailable(request, error)  # raised outside the routes (authentication)
        if answer is not None:
            return answer
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return outcome_response(
            FhirError.of(500, "exception", "internal server error; the request was not applied")
        )


async def log_refusal(request: Request, error: FhirError) -> None:
    """A refused or failed request is an access attempt too: logged with its reason (a write's
    rolled-back transaction logged nothing of it)."""
    principal = getattr(request.state, "principal", None)
    if principal is None or not audited(principal):
        return
    subtype = subtype_of(request.method, request.url.path)
    outcome = MINOR_FAILURE if error.status < 500 else SERIOUS_FAILURE
    record = AuditRecord.of(principal, subtype, outcome)
    record.detail = f"{error.status}: {error}"[:2000]
    services = request.app.state.services
    try:
        await run_in_threadpool(services.audit.submit, record)
    except Exception:  # the refusal is answered anyway; the log's own failure is logged
        log.exception("could not log a refused request")


def _unavailable(request: Request, error: Exception) -> JSONResponse | None:
    failure = unavailable(error)
    if failure is None:
        return None
    log.warning("%s %s: %s (%s)", request.method, request.url.path, failure, error)
    return outcome_response(failure)


def _outcome(code: str, text: str) -> dict[str, object]:
    return operation_outcome(issue("error", code, text))
