"""Bundles: entries, fullUrl, reference resolution, messages, transactions."""

from service.validation import Validator
from tests.validation import conftest as c


def test_entry_errors_carry_entry_expression(v: Validator) -> None:
    bundle = c.message_bundle()
    bundle["entry"][2]["resource"]["gender"] = "m"
    assert c.errors(v.validate(bundle)) == [("binding.required", "Bundle.entry[2].resource.gender")]


def test_urn_uuid_reference_must_resolve(v: Validator) -> None:
    bundle = c.message_bundle()
    bundle["entry"][1]["resource"]["for"] = {
        "reference": "urn:uuid:0b1a6a52-1f5b-4b8e-9d0c-5a7d2d1e4fff"
    }
    assert c.errors(v.validate(bundle)) == [
        ("reference.unresolved", "Bundle.entry[1].resource.for")
    ]


def test_resolved_reference_target_type(v: Validator) -> None:
    bundle = c.message_bundle()
    bundle["entry"][1]["resource"]["encounter"] = {
        "reference": "urn:uuid:0b1a6a52-1f5b-4b8e-9d0c-5a7d2d1e4f03"
    }
    assert c.errors(v.validate(bundle)) == [
        ("reference.target", "Bundle.entry[1].resource.encounter")
    ]


def test_message_header_first_and_focus_resolves(v: Validator) -> None:
    bundle = c.message_bundle()
    bundle["entry"].reverse()
    problems = c.errors(v.validate(bundle))
    assert ("bundle.message", "Bundle.entry[0]") in problems
    bundle = c.message_bundle()
    bundle["entry"][0]["resource"]["focus"] = [{"reference": "Task/elsewhere"}]
    assert c.errors(v.validate(bundle)) == [("bundle.message", "Bundle.entry[0].resource.focus[0]")]


def test_full_url_must_match_id(v: Validator) -> None:
    bundle = c.transaction_bundle()
    bundle["entry"][1]["fullUrl"] = "https://lus.example.se/fhir/Encounter/other"
    assert c.errors(v.validate(bundle)) == [("bundle.fullurl", "Bundle.entry[1].fullUrl")]


def test_transaction_entries_need_requests(v: Validator) -> None:
    bundle = c.transaction_bundle()
    del bundle["entry"][0]["request"]
    del bundle["entry"][1]["request"]["url"]
    problems = c.errors(v.validate(bundle))
    assert ("bundle.request", "Bundle.entry[0]") in problems
    assert ("bundle.request", "Bundle.entry[1].request") in problems


def test_nested_resource_without_type(v: Validator) -> None:
    bundle = c.transaction_bundle()
    del bundle["entry"][0]["resource"]["resourceType"]
    assert ("structure.resource-type", "Bundle.entry[0].resource") in c.errors(v.validate(bundle))
