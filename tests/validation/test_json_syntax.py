"""FHIR JSON syntax the parsed value does not show, and primitive rules beyond the regexes."""

import json

import pytest

from service.validation import Validator
from tests.validation import conftest as c


def test_duplicate_property_is_an_error_and_the_first_value_wins(v: Validator) -> None:
    text = json.dumps(c.patient()).replace('"gender": "male"', '"gender": "male", "gender": "x"')
    outcome = v.validate_json(text)
    assert c.errors(outcome) == [("structure.json", "Patient")]
    assert "'gender' is a duplicate" in outcome["issue"][0]["details"]["text"]
    nested = json.dumps(c.patient()).replace('"city": "Stockholm"', '"city": "A", "city": "B"')
    assert c.errors(v.validate_json(nested)) == [("structure.json", "Patient.address[0]")]


def test_nan_is_not_json(v: Validator) -> None:
    assert c.errors(v.validate_json('{"resourceType": "Patient", "id": "p", "x": NaN}')) == [
        ("structure.json", "")
    ]


@pytest.mark.parametrize(
    ("field", "value", "expression"),
    [
        ("birthDate", "1975-02-30", "Patient.birthDate"),
        ("birthDate", "1975-02-29", "Patient.birthDate"),
        ("id", "a" * 65, "Patient.id"),
    ],
)
def test_values_the_regexes_let_through(
    v: Validator, field: str, value: str, expression: str
) -> None:
    patient = c.patient()
    patient[field] = value
    assert c.errors(v.validate(patient)) == [("structure.primitive-format", expression)]


def test_integer_range_and_uri_whitespace(v: Validator) -> None:
    patient = c.patient()
    patient["telecom"][0]["rank"] = 3_000_000_000
    patient["identifier"][0]["system"] = "http://example.org/ x"
    assert c.errors(v.validate(patient)) == [
        ("structure.primitive-format", "Patient.identifier[0].system"),
        ("structure.primitive-format", "Patient.telecom[0].rank"),
    ]


def test_empty_array_of_primitives_is_a_warning(v: Validator) -> None:
    patient = c.patient()
    patient["name"][0]["given"] = []
    outcome = v.validate(patient)
    assert c.errors(outcome) == []
    assert ("structure.empty", "Patient.name[0].given") in c.found(outcome, "warning")


def test_required_code_given_only_as_extension(v: Validator) -> None:
    patient = c.patient()
    del patient["gender"]
    absent = {"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason"}
    patient["_gender"] = {"extension": [{**absent, "valueCode": "unknown"}]}
    assert c.errors(v.validate(patient)) == [("binding.required", "Patient.gender")]
