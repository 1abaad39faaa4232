"""The implementation guide: consistency check, package, identifier rules, invalid cases."""

import copy
import json
import tarfile
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from fhirpathpy import compile as compile_fhirpath
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from fhir_profiles import CANONICAL, GENERATED, R4_DIR, consistency, package
from fhir_profiles.build import invalid_examples
from fhir_profiles.guide import Guide, guide, load
from service.cli.main import app

runner = CliRunner()


def _sd(id_: str) -> dict[str, Any]:
    return json.loads((GENERATED / f"StructureDefinition-{id_}.json").read_text())


def _constraint(key: str) -> str:
    for sd in guide().by_type("StructureDefinition"):
        for element in sd["differential"]["element"]:
            for constraint in element.get("constraint", []):
                if constraint["key"] == key:
                    return str(constraint["expression"])
    raise AssertionError(f"no constraint {key}")


def test_ig_check_passes_on_the_shipped_guide() -> None:
    result = runner.invoke(app, ["ig", "check"])
    assert result.exit_code == 0, result.output
    assert "is consistent" in result.output


def _broken_guide(mutate: Any) -> Guide:
    g = load()
    resources = copy.deepcopy(g.resources)
    mutate(resources)
    return Guide(resources)


def _find(resources: list[dict[str, Any]], rtype: str, id_: str) -> dict[str, Any]:
    return next(r for r in resources if r["resourceType"] == rtype and r["id"] == id_)


def test_check_reports_unknown_code() -> None:
    def mutate(resources: list[dict[str, Any]]) -> None:
        _find(resources, "Task", "tolvan-utskrivningsklar")["code"]["coding"][0]["code"] = "nope"

    problems = consistency.check(_broken_guide(mutate))
    assert any("Task/tolvan-utskrivningsklar" in p and "'nope'" in p for p in problems), problems


def test_check_reports_unresolved_canonical() -> None:
    def mutate(resources: list[dict[str, Any]]) -> None:
        msg = _find(resources, "Bundle", "meddelande-utskrivningsklar")
        msg["entry"][0]["resource"]["definition"] = f"{CANONICAL}/MessageDefinition/finns-inte"

    problems = consistency.check(_broken_guide(mutate))
    assert any("finns-inte does not resolve" in p for p in problems), problems


def test_check_reports_example_without_profile() -> None:
    def mutate(resources: list[dict[str, Any]]) -> None:
        del _find(resources, "Patient", "tolvan")["meta"]

    problems = consistency.check(_broken_guide(mutate))
    assert "Patient/tolvan: Patient declares no profile of the guide" in problems


def test_check_reports_profile_without_example() -> None:
    def mutate(resources: list[dict[str, Any]]) -> None:
        resources[:] = [r for r in resources if r["resourceType"] != "Consent"]
        for bundle in resources:
            if bundle["resourceType"] == "Bundle":
                bundle["entry"] = [
                    e for e in bundle["entry"] if e["resource"]["resourceType"] != "Consent"
                ]

    problems = consistency.check(_broken_guide(mutate))
    assert any("lus-consent: no example" in p for p in problems), problems


def test_pack_writes_a_loadable_npm_package(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ig", "pack", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "package" / "package.json").read_text())
    assert manifest["name"] == "se.lusfhir.ig"
    assert manifest["fhirVersions"] == ["4.0.1"]
    index = json.loads((tmp_path / "package" / ".index.json").read_text())
    listed = {f["filename"] for f in index["files"]}
    on_disk = {p.name for p in (tmp_path / "package").glob("*.json")} - {
        "package.json",
        ".index.json",
    }
    assert listed == on_disk
    assert "StructureDefinition-lus-patient.json" in listed
    with tarfile.open(tmp_path / "se.lusfhir.ig-0.1.0.tgz") as archive:
        names = archive.getnames()
    assert "package/package.json" in names
    assert "package/example/Patient-tolvan.json" in names


def test_every_packaged_resource_is_valid_r4_json() -> None:
    """The official R4 JSON schema, independent of our own validator."""
    schema = json.loads((R4_DIR / "fhir.schema.json").read_text())
    validator = jsonschema.Draft6Validator(schema)
    files = package.contents(guide())
    failures = []
    for name, data in files.items():
        if name.endswith(".json") and not name.endswith(("package.json", ".index.json")):
            errors = list(validator.iter_errors(json.loads(data)))
            failures += [f"{name}: {e.message[:200]}" for e in errors[:3]]
    assert failures == []


def test_patient_identifier_slices_use_the_swedish_systems() -> None:
    fixed = {
        e["id"]: e["fixedUri"]
        for e in _sd("lus-patient")["differential"]["element"]
        if "fixedUri" in e
    }
    assert fixed == {
        "Patient.identifier:personnummer.system": "http://electronichealth.se/identifier/personnummer",
        "Patient.identifier:samordningsnummer.system": "http://electronichealth.se/identifier/samordningsnummer",
        "Patient.identifier:reservnummer.system": "http://electronichealth.se/identifier/nationelltReservnummer",
    }
    hsa = {e["id"]: e.get("fixedUri") for e in _sd("lus-organization")["differential"]["element"]}
    assert hsa["Organization.identifier:hsaid.system"] == "urn:oid:1.2.752.29.4.19"


def _luhn_valid(number: str) -> bool:
    total = 0
    for index, char in enumerate(number[2:]):
        digit = int(char) * (2 if index % 2 == 0 else 1)
        total += digit // 10 + digit % 10
    return total % 10 == 0


@cache
def _invariant(key: str) -> Any:
    """Parsed once: parsing a FHIRPath expression costs a hundred times evaluating it."""
    return compile_fhirpath(_constraint(key))


def _holds(key: str, value: str) -> bool:
    return bool(_invariant(key)(value) == [True])


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("191212121212", True),
        ("191212121213", False),
        ("194809304829", True),
        ("19121212-1212", False),
        ("1212121212", False),
        ("191213321212", False),
    ],
)
def test_personnummer_invariant(number: str, valid: bool) -> None:
    assert _holds("lus-pnr-1", number) is valid


@settings(deadline=None)  # FHIRPath evaluation time varies with machine load
@given(
    year=st.integers(1900, 2025),
    month=st.integers(1, 12),
    day=st.integers(1, 28),
    serial=st.integers(0, 9999),
)
def test_personnummer_invariant_agrees_with_luhn(
    year: int, month: int, day: int, serial: int
) -> None:
    number = f"{year}{month:02}{day:02}{serial:04}"
    assert _holds("lus-pnr-1", number) is _luhn_valid(number)
    samordning = f"{year}{month:02}{day + 60:02}{serial:04}"
    assert _holds("lus-snr-1", samordning) is _luhn_valid(samordning)
    assert _holds("lus-snr-1", number) is False


def test_invalid_cases_are_distinct_and_well_formed() -> None:
    cases = invalid_examples.load()
    assert len(cases) >= 20
    codes_cs = json.loads((GENERATED / "CodeSystem-lus-validation-issue.json").read_text())
    known = {c["code"] for c in codes_cs["concept"]} | {
        sub["code"] for c in codes_cs["concept"] for sub in c.get("concept", [])
    }
    for case in cases:
        assert case.code in known, case.name
        broken = case.resource()
        valid = json.loads((GENERATED / case.base).read_text())
        assert broken != valid, case.name
        written = json.loads((invalid_examples.INVALID_DIR / f"{case.name}.json").read_text())
        assert written == broken, f"{case.name}.json is stale: run make ig"
    assert len({(c.base, json.dumps(c.patch)) for c in cases}) == len(cases)


def test_journey_covers_every_event_as_a_message() -> None:
    events = {
        c["code"]
        for c in json.loads((GENERATED / "CodeSystem-lus-event.json").read_text())["concept"]
    }
    messages = [b for b in guide().by_type("Bundle") if b["type"] == "message"]
    sent = {b["entry"][0]["resource"]["eventCoding"]["code"] for b in messages}
    assert sent == events
