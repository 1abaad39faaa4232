"""The guide on a real HAPI FHIR JPA server (R4): installed from its NPM package, its examples
validated by HAPI's `$validate` and compared with our own validator (report in build/interop/)."""

import json
from typing import Any

import pytest

from fhir_profiles import CANONICAL
from fhir_profiles.build import invalid_examples
from fhir_profiles.guide import guide
from tests.interop.compare import MUST, RECORD, REPORT_NAME, Hapi, Row, expectation, report_dir

pytestmark = pytest.mark.hapi

EXAMPLES = guide().examples
CASES = invalid_examples.load()
MUST_CATCH = [c for c in CASES if expectation(c.code)[0] == MUST]
INSTALLED_TYPES = ("StructureDefinition", "ValueSet", "CodeSystem", "SearchParameter")


def _name(resource: dict[str, Any]) -> str:
    return f"{resource['resourceType']}/{resource['id']}"


def _search_urls(hapi: Hapi, resource_type: str, urls: list[str]) -> set[str]:
    response = hapi.get(resource_type, {"url": ",".join(urls), "_elements": "url", "_count": "500"})
    assert response.status_code == 200, response.text[:500]
    bundle = response.json()
    return {entry["resource"]["url"] for entry in bundle.get("entry", [])}


def test_metadata_is_fhir_r4(hapi: Hapi) -> None:
    response = hapi.get("metadata")
    assert response.status_code == 200
    statement = response.json()
    assert statement["resourceType"] == "CapabilityStatement"
    assert statement["fhirVersion"] == "4.0.1"


def test_lus_patient_profile_is_installed(hapi: Hapi) -> None:
    url = f"{CANONICAL}/StructureDefinition/lus-patient"
    assert _search_urls(hapi, "StructureDefinition", [url]) == {url}


@pytest.mark.parametrize("resource_type", INSTALLED_TYPES)
def test_every_conformance_resource_of_the_guide_is_installed(
    hapi: Hapi, resource_type: str
) -> None:
    """HAPI's package installer stores these types (it leaves Basic, MessageDefinition and
    CapabilityStatement in the package: not among the types it installs by default)."""
    urls = sorted({r["url"] for r in guide().definitions if r["resourceType"] == resource_type})
    assert urls, f"the guide has no {resource_type}"
    assert set(urls) - _search_urls(hapi, resource_type, urls) == set()


@pytest.mark.parametrize("example", EXAMPLES, ids=_name)
def test_valid_example_has_no_errors_on_hapi(
    comparison: dict[str, Row], example: dict[str, Any]
) -> None:
    row = comparison[_name(example)]
    assert row.hapi == "accept", f"HAPI ({row.hapi_status}): {row.hapi_messages}"


@pytest.mark.parametrize("case", MUST_CATCH, ids=lambda c: c.name)
def test_hapi_rejects_generic_invalid_case(
    comparison: dict[str, Row], case: invalid_examples.InvalidCase
) -> None:
    row = comparison[case.name]
    assert row.hapi == "reject", (
        f"HAPI accepted {case.name} ({case.code} @ {case.expression}: {case.rule})"
    )


def test_comparison_report_lists_every_example_with_reasons(
    comparison: dict[str, Row],
) -> None:
    report = json.loads((report_dir() / f"{REPORT_NAME}.json").read_text(encoding="utf-8"))
    rows = {row["example"]: row for row in report["rows"]}
    assert set(rows) == {_name(e) for e in EXAMPLES} | {c.name for c in CASES}
    for case in CASES:
        row = rows[case.name]
        assert row["expectation"] in (MUST, RECORD)
        assert row["reason"], f"{case.name} has no reason"
    assert (report_dir() / f"{REPORT_NAME}.md").read_text(encoding="utf-8").startswith("# ")
