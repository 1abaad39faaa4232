"""HTTP routes of the Bulk Data export (Bulk Data Access IG 2.0, asynchronous request pattern):
kick-off at `[base]/$export`, `[base]/Patient/$export` and `[base]/Group/[id]/$export`; the
status URL the kick-off names in Content-Location (GET: progress or the manifest; DELETE:
cancel and remove); the NDJSON files the manifest lists.

A job belongs to the client that kicked it off: to any other caller its status, files and
delete answer 404, as if it did not exist. The files are written by an export worker
(service/export/worker.py), so any server process answers for any job.
"""

from email.utils import format_datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from service.audit.event import REQUEST
from service.auth.principal import Principal
from service.export import jobs
from service.export.files import ExportFiles
from service.export.jobs import Job
from service.export.request import group_kommun, parse_kickoff
from service.fhirtime import instant, parse_range
from service.http import routing
from service.http.headers import check_accept, parse_prefer
from service.outcome import FhirError, issue, operation_outcome
from service.rest import responses
from service.rest.services import Services

router = routing.router(prefix="/fhir")
BULK = "http://hl7.org/fhir/uv/bulkdata"
OPERATIONS = {
    "export": f"{BULK}/OperationDefinition/export",
    "patient-export": f"{BULK}/OperationDefinition/patient-export",
    "group-export": f"{BULK}/OperationDefinition/group-export",
}
NDJSON = "application/fhir+ndjson"
RETRY_AFTER_SECONDS = 2  # the worker writes a page of resources in well under this


def mount(app: FastAPI) -> None:
    """Serve the export and list its operations in /metadata."""
    services: Services = app.state.services
    services.operations.update(OPERATIONS)
    routing.include(app, router)


def _context(request: Request) -> tuple[Services, Principal]:
    principal: Principal = request.state.principal
    return request.app.state.services, principal


def _files(services: Services) -> ExportFiles:
    return ExportFiles.under(services.settings.data_dir)


@router.get("/$export")
async def export_system(request: Request) -> Response:
    return await _kick_off(request, "system")


@router.get("/Patient/$export")
async def export_patients(request: Request) -> Response:
    return await _kick_off(request, "patient")


@router.get("/Group/{group_id}/$export")
async def export_group(request: Request, group_id: str) -> Response:
    return await _kick_off(request, "group", group_kommun(group_id))


async def _kick_off(request: Request, level: str, kommun: str | None = None) -> Response:
    services, principal = _context(request)
    check_accept(request.headers.get("accept"), request.query_params.get("_format"))
    if not parse_prefer(request.headers.get("prefer")).respond_async:
        raise FhirError.of(
            400,
            "invalid",
            "$export runs asynchronously: send the header Prefer: respond-async",
            "Prefer",
        )
    params = list(request.query_params.multi_items())
    export = parse_kickoff(level, params, principal, kommun)
    info = REQUEST.get()

    def run() -> str:
        with services.store.begin() as conn:
            job_id = jobs.create(
                conn,
                principal,
                export,
                str(request.url),
                info.request_id if info else None,
                services.clock(),
            )
        services.log_access(principal, "export", [])
        return job_id

    job_id = await run_in_threadpool(run)
    status_url = f"{services.base(request)}/$export-status/{job_id}"
    text = f"export accepted: poll {status_url} for its progress and manifest"
    return responses.fhir(
        operation_outcome(issue("information", "informational", text)),
        202,
        {"Content-Location": status_url},
    )


async def _owned(request: Request, job_id: str, subtype: str) -> tuple[Services, Job]:
    """The caller's job, or 404 (another client's job reads as missing); logged."""
    services, principal = _context(request)

    def run() -> Job | None:
        with services.store.reading() as conn:
            found = jobs.find(conn, job_id, principal)
        services.log_access(principal, subtype, [])
        return found

    job = await run_in_threadpool(run)
    if job is None:
        raise FhirError.of(404, "not-found", f"export job {job_id} does not exist")
    return services, job


@router.get("/$export-status/{job_id}")
async def export_status(request: Request, job_id: str) -> Response:
    services, job = await _owned(request, job_id, "export-status")
    if job.status == jobs.FAILED:
        text = f"the export failed: {job.error}"
        return responses.fhir(operation_outcome(issue("error", "exception", text)), 500)
    if job.status != jobs.COMPLETED:
        return Response(
            status_code=202,
            headers={"X-Progress": _progress(job), "Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    base = services.base(request)
    headers = {}
    expires = parse_range(job.expires_at or "")
    if expires:
        headers["Expires"] = format_datetime(expires[0], usegmt=True)
    return JSONResponse(_manifest(base, job), headers=headers)


def _progress(job: Job) -> str:
    if job.status == jobs.QUEUED:
        return "queued"
    if not job.total:
        return "running"
    return f"{100 * job.progress // job.total}% ({job.progress} of {job.total} resources)"


def _manifest(base: str, job: Job) -> dict[str, Any]:
    assert job.transaction_time is not None
    moment = parse_range(job.transaction_time)
    assert moment is not None
    return {
        "transactionTime": instant(moment[0]),
        "request": job.request,
        "requiresAccessToken": True,
        "output": [
            {
                "type": entry["type"],
                "url": f"{base}/$export-file/{job.id}/{entry['type']}.ndjson",
                "count": entry["count"],
            }
            for entry in job.output
        ],
        "error": [],
    }


@router.delete("/$export-status/{job_id}")
async def export_delete(request: Request, job_id: str) -> Response:
    """Cancel a running job or remove a finished one, with its files."""
    services, job = await _owned(request, job_id, "export-delete")

    def run() -> None:
        with services.store.begin() as conn:
            jobs.remove(conn, job.id)
        _files(services).remove(job.id)

    await run_in_threadpool(run)
    text = f"export job {job_id} and its files are removed"
    return responses.fhir(operation_outcome(issue("information", "informational", text)), 202)


@router.get("/$export-file/{job_id}/{file_name}")
async def export_file(request: Request, job_id: str, file_name: str) -> Response:
    """One NDJSON file of a completed job, streamed from disk."""
    services, job = await _owned(request, job_id, "export-download")
    kind = file_name.removesuffix(".ndjson")
    listed = {entry["type"] for entry in job.output}
    path = _files(services).file(job.id, job.attempt, kind)
    if job.status != jobs.COMPLETED or kind not in listed or not path.is_file():
        raise FhirError.of(404, "not-found", f"export job {job_id} has no file {file_name}")
    return FileResponse(path, media_type=NDJSON)
