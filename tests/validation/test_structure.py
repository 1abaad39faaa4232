"""Structure: JSON shape, unknown elements, primitive formats, empties, resource types."""

import json
from typing import Any

import pytest

from service.validation import Validator
from tests.validation import conftest as c


def test_unknown_element(v: Validator) -> None:
    resource = c.patient()
    resource["favouriteColour"] = "blue"
    resource["name"][0]["nickname"] = "T"
    assert c.errors(v.validate(resource)) == [
        ("structure.unknown-element", "Patient"),
        ("structure.unknown-element", "Patient.name[0]"),
    ]


@pytest.mark.parametrize(
    ("element", "value", "code"),
    [
        ("birthDate", "1912-13-12", "structure.primitive-format"),
        ("birthDate", "12/12/1912", "structure.primitive-format"),
        ("birthDate", 19121212, "structure.json-type"),
        ("active", "true", "structure.json-type"),
        ("id", "tolvan tolvansson", "structure.primitive-format"),
        ("id", "x" * 65, "structure.primitive-format"),
        ("gender", "", "structure.empty"),
        ("deceasedDateTime", "2020-01-01T25:00:00Z", "structure.primitive-format"),
        ("deceasedDateTime", "2020-01-01T10:00:00", "structure.primitive-format"),
        ("multipleBirthInteger", 1.5, "structure.json-type"),
        ("multipleBirthInteger", True, "structure.json-type"),
        ("implicitRules", 5, "structure.json-type"),
    ],
)
def test_primitive_values(v: Validator, element: str, value: Any, code: str) -> None:
    resource = c.patient()
    resource[element] = value
    expression = (
        f"Patient.{element[:-8]}.ofType(dateTime)"
        if element == "deceasedDateTime"
        else f"Patient.{element[:-7]}.ofType(integer)"
        if element.startswith("multipleBirth")
        else f"Patient.{element}"
    )
    assert (code, expression) in c.errors(v.validate(resource))


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2026", True),
        ("2026-11", True),
        ("2026-11-01T08:30:00+01:00", True),
        ("2026-11-01T08:30:00.123Z", True),
        ("2026-11-01T08:30+01:00", False),
        ("2026-1-01", False),
    ],
)
def test_date_time_formats(v: Validator, value: str, ok: bool) -> None:
    resource = c.encounter()
    resource["period"]["start"] = value
    problems = c.errors(v.validate(resource))
    assert (problems == []) is ok
    if not ok:
        assert problems == [("structure.primitive-format", "Encounter.period.start")]


@pytest.mark.parametrize(
    ("element", "value", "ok"),
    [
        ("valueDecimal", 1.5, True),
        ("valueDecimal", "1.5", False),
        ("valuePositiveInt", 0, False),
        ("valueUnsignedInt", 0, True),
        ("valueUnsignedInt", -1, False),
        ("valueOid", "urn:oid:1.2.752", True),
        ("valueOid", "1.2.752", False),
        ("valueUuid", "urn:uuid:0b1a6a52-1f5b-4b8e-9d0c-5a7d2d1e4f01", True),
        ("valueUuid", "urn:uuid:0B1A", False),
        ("valueBase64Binary", "aGVq", True),
        ("valueBase64Binary", "not base64!", False),
        ("valueTime", "08:30:00", True),
        ("valueTime", "8:30", False),
        ("valueInstant", "2026-11-01T08:30:00Z", True),
        ("valueInstant", "2026-11-01", False),
        ("valueCode", "has  two spaces", False),
        ("valueUri", "http://x", True),
    ],
)
def test_primitive_types_in_parameters(v: Validator, element: str, value: Any, ok: bool) -> None:
    resource = {"resourceType": "Parameters", "parameter": [{"name": "p", element: value}]}
    problems = c.errors(v.validate(resource))
    assert (problems == []) is ok, problems


def test_primitive_extension_element(v: Validator) -> None:
    resource = c.patient()
    del resource["birthDate"]
    resource["_birthDate"] = {
        "extension": [{"url": "https://vendor.invalid/fhir/unknown", "valueCode": "x"}]
    }
    resource["name"][0]["_given"] = [{"id": "g1"}]
    assert c.errors(v.validate(resource)) == [
        ("extension.unknown", "Patient.birthDate.extension[0]")
    ]
    resource["name"][0]["given"] = [None]
    assert c.errors(v.validate(resource))[1:] == [("invariant", "Patient.name[0].given[0]")]
    resource["_birthDate"] = {"unknown": 1}
    assert ("structure.unknown-element", "Patient.birthDate") in c.errors(v.validate(resource))
    resource["_gender"] = "x"
    assert ("structure.json-type", "Patient.gender") in c.errors(v.validate(resource))


def test_primitive_array_with_nulls_needs_extension_partner(v: Validator) -> None:
    resource = c.patient()
    resource["name"][0]["given"] = [None, "Tolvan"]
    assert c.errors(v.validate(resource)) == [("structure.json-type", "Patient.name[0].given[0]")]
    resource["name"][0]["_given"] = [{"id": "a", "extension": []}, None]
    assert ("structure.json-type", "Patient.name[0].given[0]") not in c.errors(v.validate(resource))


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda r: r.update(name=[]), ("structure.empty", "Patient.name")),
        (lambda r: r.update(name=[{}]), ("structure.empty", "Patient.name[0]")),
        (lambda r: r.update(maritalStatus={}), ("structure.empty", "Patient.maritalStatus")),
        (lambda r: r.update(name={"family": "x"}), ("structure.json-type", "Patient.name")),
        (lambda r: r.update(gender=["male"]), ("structure.json-type", "Patient.gender")),
        (lambda r: r.update(gender=None), ("structure.json-type", "Patient.gender")),
        (lambda r: r.update(maritalStatus="M"), ("structure.json-type", "Patient.maritalStatus")),
        (lambda r: r.update(maritalStatus={"id": "x"}), ("invariant", "Patient.maritalStatus")),
    ],
)
def test_shapes(v: Validator, mutate: Any, expected: tuple[str, str]) -> None:
    resource = c.patient()
    mutate(resource)
    assert expected in c.errors(v.validate(resource))


@pytest.mark.parametrize(
    "resource",
    [{"resourceType": "Patientt"}, {"id": "x"}, {"resourceType": 5}],
)
def test_resource_type(v: Validator, resource: dict[str, Any]) -> None:
    assert [code for code, _ in c.errors(v.validate(resource))] == ["structure.resource-type"]


def test_not_an_object(v: Validator) -> None:
    assert c.errors(v.validate([1, 2])) == [("structure.json", "")]


@pytest.mark.parametrize(
    "text",
    ["", "{", "[1,", '{"resourceType": "Patient",}', b"\xff\xfe", "nul"],
)
def test_json_parse_errors(v: Validator, text: str | bytes) -> None:
    assert [code for code, _ in c.errors(v.validate_json(text))] == ["structure.json"]


def test_deep_nesting_is_rejected(v: Validator) -> None:
    deep: dict[str, Any] = {"url": "http://example.org/x"}
    for _ in range(70):
        deep = {"url": "http://example.org/x", "extension": [deep]}
    resource = c.patient()
    resource["extension"] = [deep]
    assert c.errors(v.validate(resource)) == [("structure.json", "Patient")]
    text = "[" * 100_000 + "]" * 100_000
    assert [code for code, _ in c.errors(v.validate_json(text))] == ["structure.json"]
    assert [code for code, _ in c.errors(v.validate_json(json.dumps(resource)))] == [
        "structure.json"
    ]


def test_contained_resources_are_validated_against_their_base(v: Validator) -> None:
    resource = c.patient()
    resource["contained"] = [
        {"resourceType": "Organization", "id": "org", "name": "x", "nome": "x"}
    ]
    resource["managingOrganization"] = {"reference": "#org"}
    assert c.errors(v.validate(resource)) == [("structure.unknown-element", "Patient.contained[0]")]


def test_contained_must_be_referenced(v: Validator) -> None:
    resource = c.patient()
    resource["contained"] = [{"resourceType": "Organization", "id": "org", "name": "x"}]
    assert c.errors(v.validate(resource)) == [("invariant", "Patient")]
