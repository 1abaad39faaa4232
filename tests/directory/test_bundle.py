"""The generated directory Bundle: valid, in step with its source, complete and self-contained."""

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from fhir_profiles import GENERATED
from fhir_profiles.build import directory
from service.outcome import has_errors
from service.validation import validator
from tests.directory.conftest import (
    Resource,
    extension_value,
    kommunkod,
    of_type,
    partstyp,
    valid_on,
)

STOCKHOLM = "0180"
KOMMUNER = {
    c["code"] for c in json.loads((GENERATED / "CodeSystem-kommunkod.json").read_text())["concept"]
}
CURRENT_DISTRICTS = {
    "jarva", "hasselby-vallingby", "bromma", "kungsholmen", "norra-innerstaden", "sodermalm",
    "enskede-arsta-vantor", "skarpnack", "farsta", "hagersten-alvsjo", "skarholmen",
}  # fmt: skip
FORMER_DISTRICTS = {"rinkeby-kista", "spanga-tensta", "norrmalm", "ostermalm"}
BEFORE_2023_07 = (CURRENT_DISTRICTS - {"jarva", "norra-innerstaden"}) | FORMER_DISTRICTS


def test_every_resource_validates_against_its_lus_profile(bundle: Resource) -> None:
    checker = validator()
    failures = {}
    for entry in bundle["entry"]:
        resource = entry["resource"]
        assert resource["meta"]["profile"] == [directory.PROFILES[resource["resourceType"]]]
        outcome = checker.validate(resource)
        if has_errors(outcome):
            failures[resource["id"]] = [i["details"]["text"] for i in outcome["issue"]]
    assert not failures


def test_bundle_is_an_idempotent_transaction(bundle: Resource) -> None:
    assert bundle["type"] == "transaction"
    assert not has_errors(validator().validate(bundle))
    keys = []
    for entry in bundle["entry"]:
        resource = entry["resource"]
        key = f"{resource['resourceType']}/{resource['id']}"
        assert entry["request"] == {"method": "PUT", "url": key}
        assert entry["fullUrl"].endswith(f"/{key}")
        assert resource["id"] == resource["id"].lower()
        keys.append(key)
    assert len(keys) == len(set(keys))


def test_file_is_what_the_generator_produces() -> None:
    assert directory.OUTPUT.read_text(encoding="utf-8") == directory.render(directory.build())


def test_one_social_services_unit_per_municipality_outside_stockholm(bundle: Resource) -> None:
    orgs = of_type(bundle, "Organization")
    social = [o for o in orgs if partstyp(o) == "socialtjanst" and kommunkod(o) != STOCKHOLM]
    assert sorted(str(kommunkod(o)) for o in social) == sorted(KOMMUNER - {STOCKHOLM})
    health = [o for o in orgs if partstyp(o) == "kommunal-halso-och-sjukvard"]
    assert sorted(str(kommunkod(o)) for o in health) == sorted(KOMMUNER)
    municipalities = [o for o in orgs if partstyp(o) == "kommun"]
    assert sorted(str(kommunkod(o)) for o in municipalities) == sorted(KOMMUNER)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2024, 1, 1), CURRENT_DISTRICTS),
        (date(2023, 7, 1), CURRENT_DISTRICTS),
        (date(2023, 6, 30), BEFORE_2023_07),
        (date(2023, 1, 1), BEFORE_2023_07),
    ],
)
def test_stockholm_districts_valid_on_a_day(
    bundle: Resource, day: date, expected: set[str]
) -> None:
    for res_type in ("Organization", "HealthcareService"):
        districts = [
            r
            for r in of_type(bundle, res_type)
            if kommunkod(r) == STOCKHOLM and extension_value(r, "lus-stadsdel")
        ]
        valid = {extension_value(r, "lus-stadsdel")["code"] for r in districts if valid_on(r, day)}
        assert valid == expected, res_type
    assert len(expected) == (11 if day >= date(2023, 7, 1) else 13)


def test_former_districts_endpoints_end_with_them(bundle: Resource, by_ref: dict[str, Any]) -> None:
    for endpoint in of_type(bundle, "Endpoint"):
        org = by_ref[endpoint["managingOrganization"]["reference"]]
        validity = extension_value(org, "lus-giltighetsperiod")
        if validity and "end" in validity:
            assert endpoint["period"] == validity
        else:
            assert endpoint["period"] == {"start": "2024-01-01"}


def test_endpoints_are_active_http_and_managed_inside_the_bundle(
    bundle: Resource, by_ref: dict[str, Any]
) -> None:
    endpoints = of_type(bundle, "Endpoint")
    assert endpoints
    for endpoint in endpoints:
        assert endpoint["status"] == "active"
        assert endpoint["address"].startswith(("https://", "http://"))
        assert endpoint["payloadType"]
        assert endpoint["managingOrganization"]["reference"] in by_ref


def test_every_reference_resolves_inside_the_bundle(
    bundle: Resource, by_ref: dict[str, Any]
) -> None:
    def references(value: Any) -> list[str]:
        if isinstance(value, dict):
            own = [value["reference"]] if isinstance(value.get("reference"), str) else []
            return own + [r for v in value.values() for r in references(v)]
        if isinstance(value, list):
            return [r for v in value for r in references(v)]
        return []

    for service in of_type(bundle, "HealthcareService"):
        assert service["providedBy"]["reference"] in by_ref
        assert service["endpoint"]
    dangling = {
        (r["id"], ref)
        for e in bundle["entry"]
        for r in [e["resource"]]
        for ref in references(r)
        if ref not in by_ref
    }
    assert not dangling


def test_every_receiving_municipal_unit_has_a_service_with_weekend_contact(
    bundle: Resource,
) -> None:
    provided = {s["providedBy"]["reference"]: s for s in of_type(bundle, "HealthcareService")}
    for org in of_type(bundle, "Organization"):
        if partstyp(org) not in ("socialtjanst", "kommunal-halso-och-sjukvard"):
            continue
        service = provided[f"Organization/{org['id']}"]
        assert service["availableTime"][0]["availableStartTime"] == "08:00:00"
        assert service["availableTime"][0]["availableEndTime"] == "16:30:00"
        helg = extension_value(service, "lus-helgkontaktvag")
        assert any(part["url"] == "telecom" for part in helg), org["id"]
        assert kommunkod(service) == kommunkod(org)
        assert extension_value(service, "lus-giltighetsperiod") == extension_value(
            org, "lus-giltighetsperiod"
        )
    weekend_endpoints = [
        part
        for service in provided.values()
        for part in extension_value(service, "lus-helgkontaktvag")
        if part["url"] == "endpoint"
    ]
    assert 1 <= len(weekend_endpoints) < len(provided)


def test_identifiers_follow_swedish_conventions(bundle: Resource, by_ref: dict[str, Any]) -> None:
    def luhn(digits: str) -> bool:
        total = 0
        for i, char in enumerate(digits):
            product = int(char) * (2 if i % 2 == 0 else 1)
            total += product // 10 + product % 10
        return total % 10 == 0

    hsa_ids = []
    for org in of_type(bundle, "Organization"):
        ids = {i["system"]: i["value"] for i in org["identifier"]}
        hsa_ids.append(ids[directory.HSA_SYSTEM])
        if partstyp(org) == "kommun":
            assert ids[directory.ORGNR_SYSTEM].startswith("212000")
            assert luhn(ids[directory.ORGNR_SYSTEM])
        if partstyp(org) in ("socialtjanst", "kommunal-halso-och-sjukvard"):
            # a municipal unit's HSA-id is issued under its municipality's organisation number
            parent = by_ref[org["partOf"]["reference"]]
            orgnr = {i["system"]: i["value"] for i in parent["identifier"]}[directory.ORGNR_SYSTEM]
            assert ids[directory.HSA_SYSTEM].startswith(f"SE{orgnr}-")
    assert len(hsa_ids) == len(set(hsa_ids))


def test_region_units_hang_under_region_stockholm(bundle: Resource, by_ref: dict[str, Any]) -> None:
    def root(org: Resource) -> str:
        while "partOf" in org:
            org = by_ref[org["partOf"]["reference"]]
        return str(org["id"])

    orgs = of_type(bundle, "Organization")
    for kind, count in (("vardavdelning", 6), ("primarvard", 6), ("hemtjanstutforare", 4)):
        assert len([o for o in orgs if partstyp(o) == kind]) == count
    for org in orgs:
        if partstyp(org) in ("vardavdelning", "primarvard"):
            assert root(org) == "region-stockholm"
        if partstyp(org) == "vardavdelning":
            assert partstyp(by_ref[org["partOf"]["reference"]]) == "region"
        if partstyp(org) == "primarvard":
            assert kommunkod(org) in KOMMUNER


@pytest.mark.parametrize(
    "path",
    sorted(
        p
        for t in ("Organization", "HealthcareService", "Endpoint")
        for p in GENERATED.glob(f"{t}-*.json")
    ),
    ids=lambda p: p.stem,
)
def test_guide_examples_are_in_the_directory_unchanged(by_ref: dict[str, Any], path: Path) -> None:
    """The example journey routes against the directory, so the shared units must agree."""
    example = json.loads(path.read_text(encoding="utf-8"))
    assert by_ref[f"{example['resourceType']}/{example['id']}"] == example


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s["primarvard"][1].update(kod="0199"), "unknown kommunkod '0199'"),
        (lambda s: s["kommuner"].pop(0), "missing ['0114']"),
        (lambda s: s["kommuner"][16]["stadsdelar"].pop(0), "stadsdelar must list"),
        (lambda s: s["hospitals"][0]["wards"][1].update(events=["nope"]), "unknown or no"),
        (lambda s: s["primarvard"][1].update(id="vc-liljeholmen"), "duplicate"),
        (lambda s: s["region"].pop("hsa"), "missing or malformed field 'hsa'"),
    ],
)
def test_generator_rejects_an_inconsistent_source(
    tmp_path: Path, change: Any, message: str
) -> None:
    source = yaml.safe_load(directory.SOURCE.read_text(encoding="utf-8"))
    broken = copy.deepcopy(source)
    change(broken)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(broken, allow_unicode=True), encoding="utf-8")
    with pytest.raises(directory.DirectoryError, match=message.replace("[", r"\[")):
        directory.build(path)
