"""Data-type rules: DTM in Stockholm time, CX identifiers and national numbers, HD, XPN, XAD,
XTN."""

import pytest

from mappers.hl7v2.datatypes import (
    PERSONNUMMER,
    SAMORDNINGSNUMMER,
    address,
    contact_point,
    dtm,
    hd_uri,
    human_name,
    identifier,
)
from mappers.hl7v2.er7 import Field, Message
from mappers.hl7v2.errors import Location, MappingError

HERE = Location("PV1", 44)


def field(text: str, codec: str = "utf-8") -> Field:
    """Field 1 of a ZZZ segment holding `text`."""
    return Message(f"MSH|^~\\&|A|B\rZZZ|{text}\r", codec).segments[1][1]


@pytest.mark.parametrize(
    ("raw", "fhir"),
    [
        ("20261102143000", "2026-11-02T14:30:00+01:00"),  # winter: CET
        ("20260615080000", "2026-06-15T08:00:00+02:00"),  # summer: CEST
        ("20260329023000", "2026-03-29T02:30:00+01:00"),  # the hour that does not exist
        ("20261025023000", "2026-10-25T02:30:00+02:00"),  # the hour that comes twice: first
        ("20261025023000+0100", "2026-10-25T02:30:00+01:00"),  # an offset given is kept
        ("20261102143000-0600", "2026-11-02T14:30:00-06:00"),
        ("202611021430", "2026-11-02T14:30:00+01:00"),
        ("2026110214", "2026-11-02T14:00:00+01:00"),  # hours only: FHIR needs minutes
        ("20261102143000.12", "2026-11-02T14:30:00.12+01:00"),
        ("20261102", "2026-11-02"),  # precision kept
        ("202611", "2026-11"),
        ("2026", "2026"),
    ],
)
def test_dtm_becomes_fhir_datetime_in_stockholm_time(raw: str, fhir: str) -> None:
    moment = dtm(field(raw), HERE)
    assert moment is not None and moment.text == fhir


@pytest.mark.parametrize("raw", ["20261332", "2026110225", "20261102146100", "2026-11-02", "x"])
def test_an_impossible_dtm_is_a_data_type_error_at_its_field(raw: str) -> None:
    with pytest.raises(MappingError) as error:
        dtm(field(raw), HERE)
    assert error.value.problem.code == "102" and str(error.value.problem.location) == "PV1-44"


def test_an_empty_dtm_is_no_value() -> None:
    assert dtm(field(""), HERE) is None


@pytest.mark.parametrize(
    ("cx", "system", "value"),
    [
        ("191212121212^^^&1.2.752.129.2.1.3.1&ISO", PERSONNUMMER, "191212121212"),
        ("19121212-1212^^^1.2.752.129.2.1.3.1", PERSONNUMMER, "191212121212"),
        ("121212-1212^^^&1.2.752.129.2.1.3.1&ISO", PERSONNUMMER, "191212121212"),
        ("197010632391^^^&1.2.752.129.2.1.3.3&ISO", SAMORDNINGSNUMMER, "197010632391"),
        ("4488-12^^^SOSJ", "urn:oid:1.2.752.97.3.1.4", "4488-12"),  # the sender's table
        ("X-1^^^&1.2.752.97.99&ISO", "urn:oid:1.2.752.97.99", "X-1"),  # HD[uri]
    ],
)
def test_cx_becomes_an_identifier_with_the_guides_systems(cx: str, system: str, value: str) -> None:
    authorities = {"SOSJ": "urn:oid:1.2.752.97.3.1.4"}
    found = identifier(field(cx), Location("PID", 3), authorities, "1912-12-12")
    assert (found["system"], found["value"]) == (system, value)


def test_cx_type_and_an_unknown_namespace_follow_the_ig() -> None:
    found = identifier(field("77^^^LOCAL^MR"), Location("PID", 3), {}, None)
    assert "system" not in found and found["assigner"] == {"display": "LOCAL"}
    assert found["type"]["coding"][0]["code"] == "MR"


@pytest.mark.parametrize(
    ("number", "birth"), [("121212-1212", None), ("121212-1212", "1913-12-12"), ("1212", None)]
)
def test_a_national_number_without_a_century_needs_a_matching_birth_date(
    number: str, birth: str | None
) -> None:
    with pytest.raises(MappingError) as error:
        identifier(field(f"{number}^^^&1.2.752.129.2.1.3.1&ISO"), Location("PID", 3, 2), {}, birth)
    assert str(error.value.problem.location) == "PID-3(2)"


def test_hd_uri() -> None:
    assert hd_uri("", "1.2.3", "ISO") == "urn:oid:1.2.3"
    assert hd_uri("", "0f8c2a9e-1111-4c1b-9d21-8b7c6e5d4f3a", "UUID").startswith("urn:uuid:")
    assert hd_uri("https://example.se/id", "", "") == "https://example.se/id"
    assert hd_uri("SOS", "", "") is None


def test_xpn_components_and_name_type() -> None:
    name = human_name(field("Öberg^Märta^Elsa^jr^dr^^M"))
    assert name == {
        "use": "maiden",
        "family": "Öberg",
        "given": ["Märta", "Elsa"],
        "suffix": ["jr"],
        "prefix": ["dr"],
    }


def test_xad_keeps_kommunkod_and_district_apart() -> None:
    found, kommun, district = address(field("Götgatan 9^lgh 3^Stockholm^^118 46^SE^H^^0180^12"))
    assert found == {
        "use": "home",
        "line": ["Götgatan 9", "lgh 3"],
        "city": "Stockholm",
        "postalCode": "11846",
        "country": "SE",
    }
    assert (kommun, district) == ("0180", "12")


@pytest.mark.parametrize(
    ("xtn", "default", "point"),
    [
        (
            "08-121 21 21^PRN^PH",
            "home",
            {"system": "phone", "value": "08-121 21 21", "use": "home"},
        ),
        (
            "^WPN^PH^^^^^^^^^+4681212",
            "home",
            {"system": "phone", "value": "+4681212", "use": "work"},
        ),
        (
            "^PRN^CP^^^^^^^^^+4670121",
            "home",
            {"system": "phone", "value": "+4670121", "use": "mobile"},
        ),
        ("^NET^Internet^a@b.se", "work", {"system": "email", "value": "a@b.se", "use": "work"}),
        ("^^FX^^^^^^^^^0812", "work", {"system": "fax", "value": "0812", "use": "work"}),
    ],
)
def test_xtn_becomes_a_contact_point(xtn: str, default: str, point: dict[str, str]) -> None:
    assert contact_point(field(xtn), default) == point


def test_an_empty_xtn_is_no_contact_point() -> None:
    assert contact_point(field("^PRN^PH"), "home") is None
