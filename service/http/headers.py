"""The FHIR-specific request headers: Prefer, If-Match/ETag versions, content negotiation."""

import re
from dataclasses import dataclass
from typing import Literal

from service.outcome import FhirError

FHIR_JSON = "application/fhir+json"
JSON_TYPES = ("application/fhir+json", "application/json", "application/json+fhir", "text/json")
XML_TYPES = ("application/fhir+xml", "application/xml", "application/xml+fhir", "text/xml")
FORMAT_ALIASES = {"json": FHIR_JSON, "xml": "application/fhir+xml", **{t: t for t in JSON_TYPES}}

ReturnPreference = Literal["minimal", "representation", "OperationOutcome"]
Handling = Literal["strict", "lenient"]

_RETURNS: dict[str, ReturnPreference] = {
    "minimal": "minimal",
    "representation": "representation",
    "OperationOutcome": "OperationOutcome",
}
_WEAK_ETAG = re.compile(r'^\s*(?:W/)?"?([^"\s]+)"?\s*$')


@dataclass(frozen=True)
class Prefer:
    return_: ReturnPreference = "representation"
    handling: Handling = "lenient"
    respond_async: bool = False


def parse_prefer(header: str | None) -> Prefer:
    """Unknown or malformed preferences are ignored, as RFC 7240 asks."""
    if not header:
        return Prefer()
    values: dict[str, str] = {}
    flags: set[str] = set()
    for part in header.split(","):
        for token in part.split(";"):
            name, _, value = token.strip().partition("=")
            if value:
                values[name.strip().lower()] = value.strip().strip('"')
            elif name.strip():
                flags.add(name.strip().lower())
    return Prefer(
        return_=_RETURNS.get(values.get("return", ""), "representation"),
        handling="strict" if values.get("handling") == "strict" else "lenient",
        respond_async="respond-async" in flags,
    )


def parse_version_tag(header: str | None, name: str) -> str | None:
    """The version id in an ETag-style header (`W/"3"`, `"3"` or `3`)."""
    if header is None:
        return None
    match = _WEAK_ETAG.match(header)
    if match is None:
        raise FhirError.of(400, "invalid", f"{name} header {header!r} is not a version ETag")
    return match.group(1)


def etag(version_id: str) -> str:
    return f'W/"{version_id}"'


def check_content_type(header: str | None) -> None:
    """Request bodies must be FHIR JSON; XML is a known format we do not take (415)."""
    mime = (header or "").split(";", 1)[0].strip().lower()
    if mime in JSON_TYPES:
        return
    if mime in XML_TYPES:
        raise FhirError.of(415, "not-supported", "XML is not supported; send application/fhir+json")
    raise FhirError.of(
        415,
        "not-supported",
        f"Content-Type {mime or '(none)'} is not FHIR JSON (application/fhir+json)",
    )


def check_accept(accept: str | None, format_param: str | None) -> None:
    """`_format` wins over Accept; anything that rules out JSON is 406."""
    if format_param:
        if FORMAT_ALIASES.get(format_param.lower(), "") in JSON_TYPES:
            return
        raise FhirError.of(
            406, "not-supported", f"_format={format_param} is not supported; use json"
        )
    if not accept:
        return
    accepted = [part.split(";", 1)[0].strip().lower() for part in accept.split(",")]
    if any(a in JSON_TYPES or a in ("*/*", "application/*") for a in accepted):
        return
    raise FhirError.of(406, "not-supported", f"cannot answer in {accept}; only FHIR JSON is served")
