"""FHIR responses: media type, Location/ETag/Last-Modified headers and `Prefer: return`."""

import json
from email.utils import format_datetime
from typing import Any

from fastapi.responses import Response

from service.fhirtime import parse_range
from service.http.headers import FHIR_JSON, Prefer
from service.outcome import issue, operation_outcome
from service.storage.store import Stored


def fhir(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    content = b"" if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    return Response(content, status_code=status, media_type=FHIR_JSON, headers=headers)


def version_headers(base: str, stored: Stored) -> dict[str, str]:
    headers = {"ETag": stored.etag}
    parsed = parse_range(stored.last_updated)
    if parsed:
        headers["Last-Modified"] = format_datetime(parsed[0], usegmt=True)
    headers["Content-Location"] = (
        f"{base}/{stored.res_type}/{stored.res_id}/_history/{stored.version_id}"
    )
    return headers


def written(
    base: str, status: int, stored: Stored, prefer: Prefer, outcome: dict[str, Any] | None
) -> Response:
    """The answer to create/update/patch, shaped by `Prefer: return`."""
    headers = version_headers(base, stored)
    if status == 201:
        headers["Location"] = headers["Content-Location"]
    if prefer.return_ == "minimal":
        return fhir(None, status, headers)
    if prefer.return_ == "OperationOutcome":
        text = f"{stored.res_type}/{stored.res_id} version {stored.version_id} stored"
        issues = [i for i in (outcome or {}).get("issue", []) if i.get("severity") != "information"]
        return fhir(
            operation_outcome(issue("information", "informational", text), *issues), status, headers
        )
    return fhir(stored.resource, status, headers)
