"""Guide profiles (SUSHI differentials): slicing, extensions, bindings, profile selection."""

from typing import Any

import pytest

from fhir_profiles import CANONICAL
from service.validation import Validator
from tests.validation import conftest as c

ORGANIZATION = c.sd("lus-organization")
ENDPOINT = c.sd("lus-endpoint")


@pytest.fixture(autouse=True)
def _guide_present(v: Validator) -> None:
    if not (v.knows_profile(ORGANIZATION) and v.knows_profile(ENDPOINT)):
        pytest.skip("the guide's generated profiles are not built")


def test_valid_organization(v: Validator) -> None:
    assert c.errors(v.validate(c.organization())) == []


def test_missing_hsaid_slice(v: Validator) -> None:
    resource = c.organization()
    resource["identifier"] = [{"system": "urn:oid:2.5.4.97", "value": "2321000016"}]
    outcome = v.validate(resource)
    assert c.errors(outcome) == [("cardinality.min", "Organization")]
    assert "Organization.identifier:hsaid: minimum required = 1" in str(outcome)


def test_slice_max_and_slice_constraints(v: Validator) -> None:
    resource = c.organization()
    resource["identifier"].append({"system": c.HSA, "value": "SE2321000016-9Z"})
    assert c.errors(v.validate(resource)) == [("cardinality.max", "Organization")]
    resource = c.organization()
    resource["identifier"][0]["value"] = "2321000016-1A2B"
    outcome = v.validate(resource)
    assert c.errors(outcome) == [("invariant", "Organization.identifier[0].value")]
    codes = [coding["code"] for coding in outcome["issue"][0]["details"]["coding"]]
    assert codes == ["invariant", "invariant.lus-hsa-1"]


def test_required_binding_slice_on_type(v: Validator) -> None:
    resource = c.organization()
    resource["type"][0]["coding"][0]["code"] = "bageri"
    problems = c.errors(v.validate(resource))
    assert ("cardinality.min", "Organization") in problems
    assert ("binding.unknown-code", "Organization.type[0].coding[0]") in problems


def test_explicit_profile_argument(v: Validator) -> None:
    resource = c.organization()
    del resource["meta"]
    del resource["name"]
    assert c.errors(v.validate(resource)) == []
    assert c.errors(v.validate(resource, [ORGANIZATION])) == [("cardinality.min", "Organization")]


def test_unknown_profiles(v: Validator) -> None:
    resource = c.patient()
    outcome = v.validate(resource, ["http://example.org/StructureDefinition/nope"])
    assert c.errors(outcome) == [("profile.unknown", "Patient")]
    assert outcome["issue"][0]["code"] == "not-supported"
    resource["meta"] = {"profile": ["http://example.org/StructureDefinition/nope"]}
    assert c.found(v.validate(resource), "warning") == [("profile.unknown", "Patient")]
    assert not v.knows_profile("http://example.org/StructureDefinition/nope")


def test_profile_of_another_type(v: Validator) -> None:
    assert c.errors(v.validate(c.patient(), [ORGANIZATION])) == [
        ("structure.resource-type", "Patient")
    ]


def endpoint(**changes: Any) -> dict[str, Any]:
    resource = {
        "resourceType": "Endpoint",
        "id": "ep",
        "meta": {"profile": [ENDPOINT]},
        "text": c.NARRATIVE,
        "status": "active",
        "connectionType": {
            "system": "http://terminology.hl7.org/CodeSystem/endpoint-connection-type",
            "code": "hl7-fhir-rest",
        },
        "managingOrganization": {"reference": "Organization/sos-avd-51"},
        "payloadType": [
            {"coding": [{"system": f"{CANONICAL}/CodeSystem/lus-event", "code": "kallelse-sip"}]}
        ],
        "address": "https://sos.example.se/fhir",
    }
    resource.update(changes)
    return resource


def test_endpoint(v: Validator) -> None:
    assert c.errors(v.validate(endpoint())) == []
    assert c.errors(v.validate(endpoint(address="ftp://x"))) == [("invariant", "Endpoint.address")]
    missing = endpoint()
    del missing["managingOrganization"]
    assert c.errors(v.validate(missing)) == [("cardinality.min", "Endpoint")]
    wrong = endpoint(managingOrganization={"reference": "Patient/tolvan"})
    assert c.errors(v.validate(wrong)) == [("reference.target", "Endpoint.managingOrganization")]
    connection = endpoint(
        connectionType={
            "system": "http://terminology.hl7.org/CodeSystem/endpoint-connection-type",
            "code": "direct-project",
        }
    )
    assert c.errors(v.validate(connection)) == [("binding.required", "Endpoint.connectionType")]


def test_extension_slices(v: Validator) -> None:
    resource = c.organization()
    resource["extension"] = [
        {
            "url": c.sd("lus-kommunkod"),
            "valueCoding": {"system": "urn:oid:1.2.752.129.2.2.1.17", "code": "0180"},
        }
    ]
    assert c.errors(v.validate(resource)) == []
    resource["extension"][0]["valueString"] = "0180"
    del resource["extension"][0]["valueCoding"]
    assert ("type.not-allowed", "Organization.extension[0].value") in c.errors(v.validate(resource))


def test_unknown_extension_and_context(v: Validator) -> None:
    resource = c.patient()
    resource["extension"] = [{"url": "https://vendor.invalid/fhir/shoe-size", "valueInteger": 42}]
    assert c.errors(v.validate(resource)) == [("extension.unknown", "Patient.extension[0]")]
    resource["extension"] = [{"url": "https://example.org/fhir/ext/shoe-size", "valueInteger": 42}]
    assert (
        c.errors(v.validate(resource)) == []
    )  # example urls are warnings, as in the Java validator
    resource["extension"] = [
        {
            "url": c.sd("lus-kommunkod"),
            "valueCoding": {"system": "urn:oid:1.2.752.129.2.2.1.17", "code": "0180"},
        }
    ]
    assert c.errors(v.validate(resource)) == [("extension.context", "Patient.extension[0]")]
    resource["extension"] = []
    resource["address"][0]["extension"] = [
        {
            "url": c.sd("lus-kommunkod"),
            "valueCoding": {"system": "urn:oid:1.2.752.129.2.2.1.17", "code": "0180"},
        }
    ]
    assert ("extension.context", "Patient.address[0].extension[0]") not in c.errors(
        v.validate(resource)
    )


def test_entry_resource_of_the_wrong_type(v: Validator) -> None:
    bundle = c.message_bundle()
    bundle["meta"] = {"profile": [c.sd("lus-meddelande")]}
    if not v.knows_profile(c.sd("lus-meddelande")):
        pytest.skip("lus-meddelande is not built")
    bundle["entry"].reverse()
    problems = c.errors(v.validate(bundle))
    assert ("slicing.order", "Bundle.entry[2]") in problems
    assert ("bundle.message", "Bundle.entry[0]") in problems


def test_cross_version_extensions_are_accepted(v: Validator) -> None:
    resource = c.patient()
    resource["extension"] = [
        {
            "url": "http://hl7.org/fhir/5.0/StructureDefinition/extension-Patient.x",
            "extension": [{"url": "part", "valueString": "x"}],
        }
    ]
    assert c.errors(v.validate(resource)) == []


@pytest.mark.parametrize("kind", ["Organization", "Endpoint", "Patient", "Task", "Bundle"])
def test_guide_examples_have_no_errors(v: Validator, kind: str) -> None:
    import json

    from fhir_profiles import GENERATED

    for path in sorted(GENERATED.glob(f"{kind}-*.json")):
        resource = json.loads(path.read_text(encoding="utf-8"))
        assert c.errors(v.validate(resource)) == [], path.name
