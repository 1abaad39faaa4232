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


def _document(*references: str) -> dict[str, object]:
    """A document: Composition on a RESTful base, the Patient beside it, one urn: entry."""
    base = "https://lus.example.se/fhir"
    composition = {
        "resourceType": "Composition",
        "id": "c1",
        "text": c.NARRATIVE,
        "status": "final",
        "type": {"text": "summary"},
        "subject": {"reference": "Patient/tolvan"},
        "date": "2026-11-01",
        "author": [{"reference": r} for r in references or ("Patient/tolvan",)],
        "title": "Sammanfattning",
    }
    return {
        "resourceType": "Bundle",
        "id": "d",
        "identifier": {"system": "urn:ietf:rfc:3986", "value": "urn:uuid:1"},
        "type": "document",
        "timestamp": "2026-11-01T10:00:00+01:00",
        "entry": [
            {"fullUrl": f"{base}/Composition/c1", "resource": composition},
            {"fullUrl": f"{base}/Patient/tolvan", "resource": c.patient()},
            {
                "fullUrl": "urn:uuid:0b1a6a52-1f5b-4b8e-9d0c-5a7d2d1e4f01",
                "resource": c.organization(),
            },
        ],
    }


def test_document_references_resolve_against_the_entry_base(v: Validator) -> None:
    ok = _document("Patient/tolvan", "urn:uuid:0b1a6a52-1f5b-4b8e-9d0c-5a7d2d1e4f01")
    problems = c.errors(v.validate(ok))
    assert [e for e in problems if e[1].startswith("Bundle.entry[0]")] == []
    # the Patient's managingOrganization is not in the document: in a document that is an error
    assert ("reference.unresolved", "Bundle.entry[1].resource.managingOrganization") in problems
    for missing in ("Patient/other", "https://elsewhere.example/fhir/Patient/tolvan"):
        problems = c.errors(v.validate(_document(missing)))
        assert ("reference.unresolved", "Bundle.entry[0].resource.author[0]") in problems


def test_full_url_required_and_absolute(v: Validator) -> None:
    bundle = _document()
    del bundle["entry"][1]["fullUrl"]  # type: ignore[index]
    assert ("bundle.fullurl", "Bundle.entry[1]") in c.errors(v.validate(bundle))
    bundle = _document()
    bundle["entry"][1]["fullUrl"] = "Patient/tolvan"  # type: ignore[index]
    assert ("bundle.fullurl", "Bundle.entry[1].fullUrl") in c.errors(v.validate(bundle))


def test_transaction_urn_reference_need_not_resolve(v: Validator) -> None:
    bundle = c.transaction_bundle()
    bundle["entry"][0]["resource"]["managingOrganization"] = {
        "reference": "urn:uuid:0b1a6a52-1f5b-4b8e-9d0c-5a7d2d1e4fff"
    }
    assert [e for e in c.errors(v.validate(bundle)) if e[0] == "reference.unresolved"] == []


def test_duplicate_element_and_contained_ids(v: Validator) -> None:
    patient = c.patient()
    patient["name"][0]["id"] = "x"
    patient["address"][0]["id"] = "x"
    assert c.errors(v.validate(patient)) == [("id.duplicate", "Patient.address[0]")]
    encounter = c.encounter()
    organization = {"resourceType": "Organization", "id": "o", "name": "x"}
    encounter["contained"] = [organization, dict(organization)]
    encounter["serviceProvider"] = {"reference": "#o"}
    assert ("id.duplicate", "Encounter.contained[1]") in c.errors(v.validate(encounter))


def test_hash_alone_points_to_the_container(v: Validator) -> None:
    encounter = c.encounter()
    encounter["contained"] = [
        {
            "resourceType": "Organization",
            "id": "o",
            "name": "x",
            "partOf": {"reference": "#"},
        }
    ]
    encounter["serviceProvider"] = {"reference": "#o"}
    assert ("reference.target", "Encounter.contained[0].partOf") in c.errors(v.validate(encounter))
