"""Cardinality, choice types, references, fixed and pattern values."""

from service.validation import Validator
from service.validation.issues import Issues
from service.validation.patterns import MISSING, check_fixed_pattern
from tests.validation import conftest as c


def test_missing_required_element_is_reported_on_its_parent(v: Validator) -> None:
    resource = c.encounter()
    del resource["status"]
    outcome = v.validate(resource)
    assert c.errors(outcome) == [("cardinality.min", "Encounter")]
    assert "Encounter.status: minimum required = 1, but only found 0" in str(outcome)


def test_required_element_inside_backbone(v: Validator) -> None:
    resource = c.patient()
    resource["link"] = [{"type": "seealso"}]
    assert c.errors(v.validate(resource)) == [("cardinality.min", "Patient.link[0]")]


def test_choice_types(v: Validator) -> None:
    resource = c.patient()
    resource["deceasedBoolean"] = False
    assert c.errors(v.validate(resource)) == []
    resource["deceasedDateTime"] = "2020-01-01"
    assert c.errors(v.validate(resource)) == [("cardinality.max", "Patient")]
    resource = c.patient()
    resource["deceasedString"] = "yes"
    assert c.errors(v.validate(resource)) == [("type.not-allowed", "Patient.deceased")]
    resource = c.patient()
    resource["deceased"] = True
    assert c.errors(v.validate(resource)) == [("structure.unknown-element", "Patient")]


def test_reference_target_type(v: Validator) -> None:
    resource = c.encounter()
    resource["subject"] = {"reference": "Organization/sos-avd-51"}
    outcome = v.validate(resource)
    assert c.errors(outcome) == [("reference.target", "Encounter.subject")]
    resource["subject"] = {"reference": "https://lus.example.se/fhir/Group/g1/_history/2"}
    assert c.errors(v.validate(resource)) == []
    resource["subject"] = {"type": "Device", "identifier": {"value": "x"}}
    assert c.errors(v.validate(resource)) == [("reference.target", "Encounter.subject")]


def test_contained_reference_target_type(v: Validator) -> None:
    resource = c.encounter()
    resource["contained"] = [{"resourceType": "Organization", "id": "o", "name": "x"}]
    resource["subject"] = {"reference": "#o"}
    assert c.errors(v.validate(resource)) == [("reference.target", "Encounter.subject")]
    resource["subject"] = {"reference": "#missing"}
    assert ("invariant", "Encounter.subject") in c.errors(v.validate(resource))


def test_fixed_and_pattern() -> None:
    fixed = {"system": "s", "code": "c"}
    pattern = {"coding": [{"code": "c"}]}
    issues = Issues()
    check_fixed_pattern(fixed, MISSING, "X.a", {"system": "s", "code": "c"}, "X.a", issues)
    check_fixed_pattern(
        MISSING,
        pattern,
        "X.b",
        {"coding": [{"system": "s", "code": "c"}], "text": "t"},
        "X.b",
        issues,
    )
    assert issues.items == []
    check_fixed_pattern(fixed, MISSING, "X.a", {**fixed, "display": "d"}, "X.a", issues)
    check_fixed_pattern(MISSING, pattern, "X.b", {"coding": [{"code": "d"}]}, "X.b", issues)
    assert [i["details"]["coding"][0]["code"] for i in issues.items] == [
        "fixed.mismatch",
        "pattern.mismatch",
    ]


def test_fixed_uri_in_profile(v: Validator) -> None:
    resource = c.organization()
    resource["identifier"].append({"system": "urn:oid:2.5.4.97", "value": "2321000016"})
    assert c.errors(v.validate(resource)) == []
    extension = {"url": c.sd("lus-kommunkod"), "valueCoding": {"code": "0180"}}
    resource["extension"] = [extension]
    problems = c.errors(v.validate(resource))
    assert ("cardinality.min", "Organization.extension[0].value.ofType(Coding)") in problems
