"""Bindings and code systems."""

import pytest

from service.definitions import registry
from service.validation import Validator
from service.validation.terminology import Terminology
from tests.validation import conftest as c


def test_required_binding_on_code(v: Validator) -> None:
    resource = c.encounter()
    resource["status"] = "ongoing"
    outcome = v.validate(resource)
    assert c.errors(outcome) == [("binding.required", "Encounter.status")]
    assert "ongoing" in outcome["issue"][0]["details"]["text"]


def test_required_binding_on_codeable_concept(v: Validator) -> None:
    resource = c.task()
    resource["businessStatus"] = {"text": "ok"}
    assert c.errors(v.validate(resource)) == []
    resource = c.patient()
    resource["contact"] = [
        {
            "relationship": [{"text": "dotter"}],
            "name": {"family": "Tolvansson"},
            "gender": "female",
        }
    ]
    assert c.errors(v.validate(resource)) == []


def test_extensible_binding_is_a_warning(v: Validator) -> None:
    resource = c.patient()
    resource["maritalStatus"] = {"coding": [{"system": "http://example.org/cs", "code": "x"}]}
    outcome = v.validate(resource)
    assert c.errors(outcome) == []
    assert ("binding.extensible", "Patient.maritalStatus") in c.found(outcome, "warning")


def test_unknown_code_in_shipped_code_system(v: Validator) -> None:
    resource = c.encounter()
    resource["class"]["code"] = "NOPE"
    problems = c.errors(v.validate(resource))
    assert ("binding.unknown-code", "Encounter.class") in problems


def test_unshipped_code_system_is_skipped(v: Validator) -> None:
    resource = c.patient()
    resource["maritalStatus"] = {"coding": [{"system": "http://snomed.info/sct", "code": "1"}]}
    assert c.errors(v.validate(resource)) == []


def test_expansion() -> None:
    terminology = Terminology(registry())
    gender = terminology.expand("http://hl7.org/fhir/ValueSet/administrative-gender")
    assert gender is not None
    assert gender.codes == {"male", "female", "other", "unknown"}
    assert gender.has_coding("http://hl7.org/fhir/administrative-gender", "male")
    assert not gender.has_coding("http://example.org", "male")
    assert terminology.expand("http://example.org/ValueSet/none") is None


@pytest.mark.parametrize(
    "url",
    [
        "http://hl7.org/fhir/ValueSet/currencies",
        "http://hl7.org/fhir/ValueSet/consent-content-class",
    ],
)
def test_unexpandable_value_sets_are_unknown(url: str) -> None:
    assert Terminology(registry()).expand(url) is None
