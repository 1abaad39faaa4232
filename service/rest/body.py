"""Request bodies: size limit, JSON parsing, nesting limit, and the resource-level rules of REST.

Malformed input is a 400 with an OperationOutcome that says what is wrong; nothing here raises
anything else.
"""

from typing import Any

from service.jsondepth import nesting_exceeds
from service.outcome import FhirError
from service.rest.resource_types import supported_types
from service.validation import json_syntax

Resource = dict[str, Any]


def parse_json(raw: bytes, max_bytes: int, max_nesting: int) -> Any:
    if len(raw) > max_bytes:
        raise FhirError.of(
            413, "too-costly", f"request body of {len(raw)} bytes exceeds the limit of {max_bytes}"
        )
    if not raw.strip():
        raise FhirError.of(
            400, "structure", "the request has no body; a FHIR resource was expected"
        )
    try:
        value, duplicates = json_syntax.loads(raw)
    except (ValueError, RecursionError) as error:
        raise FhirError.of(400, "structure", f"the body is not valid JSON: {error}") from None
    if duplicates:  # json.loads would keep the last and drop the first without a word
        where, name = duplicates[0]
        raise FhirError.of(
            400,
            "structure",
            f"the JSON has the property {name!r} twice in the same object; FHIR JSON allows "
            "each property once",
            where or None,
        )
    if nesting_exceeds(value, max_nesting):
        raise FhirError.of(400, "structure", f"JSON nesting deeper than {max_nesting} levels")
    nul = json_syntax.nul_path(value) if b"\\u0000" in raw else None  # only escaped in JSON
    if nul is not None:  # PostgreSQL's text takes no NUL: the write would fail with 500
        raise FhirError.of(
            400, "invalid", f"{nul or 'the body'} holds a NUL character (\\u0000)", nul or None
        )
    return value


def parse_resource(
    raw: bytes, max_bytes: int, max_nesting: int, expected_type: str | None
) -> Resource:
    value = parse_json(raw, max_bytes, max_nesting)
    return check_resource(value, expected_type)


def check_resource(value: Any, expected_type: str | None, where: str = "") -> Resource:
    if not isinstance(value, dict):
        raise FhirError.of(400, "structure", f"{where or 'the body'} is not a JSON object")
    kind = value.get("resourceType")
    if not isinstance(kind, str):
        raise FhirError.of(
            400, "structure", f"{where or 'the body'} has no resourceType", where or None
        )
    if kind not in supported_types():
        raise FhirError.of(
            400,
            "not-supported",
            f"resource type {kind!r} is not supported",
            f"{where}resourceType" if where else "resourceType",
        )
    if expected_type and kind != expected_type:
        raise FhirError.of(
            400,
            "invalid",
            f"resourceType {kind} does not match the URL's type {expected_type}",
            "resourceType",
        )
    return value


def check_type(res_type: str) -> None:
    if res_type not in supported_types():
        raise FhirError.of(
            404, "not-supported", f"resource type {res_type!r} is not supported by this server"
        )
