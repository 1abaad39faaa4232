"""FHIR request headers: Prefer, version ETags and content negotiation."""

import pytest

from service.http.headers import (
    Prefer,
    check_accept,
    check_content_type,
    etag,
    parse_prefer,
    parse_version_tag,
)
from service.outcome import FhirError


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, Prefer()),
        ("return=minimal", Prefer(return_="minimal")),
        ("return=OperationOutcome", Prefer(return_="OperationOutcome")),
        ("handling=strict", Prefer(handling="strict")),
        ("return=minimal, handling=strict", Prefer(return_="minimal", handling="strict")),
        ("respond-async; return=representation", Prefer(respond_async=True)),
        ("return=nonsense", Prefer()),
    ],
)
def test_prefer(header: str | None, expected: Prefer) -> None:
    assert parse_prefer(header) == expected


@pytest.mark.parametrize(("header", "version"), [('W/"3"', "3"), ('"12"', "12"), ("7", "7")])
def test_version_tags(header: str, version: str) -> None:
    assert parse_version_tag(header, "If-Match") == version
    assert etag(version) == f'W/"{version}"'


def test_malformed_version_tag_is_400() -> None:
    with pytest.raises(FhirError) as raised:
        parse_version_tag('W/"1" "2"', "If-Match")
    assert raised.value.status == 400
    assert "If-Match" in str(raised.value)


@pytest.mark.parametrize(
    "content_type", ["application/fhir+json", "application/json; charset=utf-8"]
)
def test_json_bodies_are_accepted(content_type: str) -> None:
    check_content_type(content_type)


@pytest.mark.parametrize(
    ("content_type", "text"),
    [
        ("application/fhir+xml", "XML is not supported"),
        ("text/plain", "text/plain"),
        (None, "(none)"),
    ],
)
def test_other_bodies_are_415(content_type: str | None, text: str) -> None:
    with pytest.raises(FhirError) as raised:
        check_content_type(content_type)
    assert raised.value.status == 415
    assert text in str(raised.value)


def test_accept_and_format() -> None:
    check_accept("application/fhir+json", None)
    check_accept("*/*", None)
    check_accept("application/fhir+xml", "json")
    for accept, fmt in [("application/fhir+xml", None), (None, "xml")]:
        with pytest.raises(FhirError) as raised:
            check_accept(accept, fmt)
        assert raised.value.status == 406
