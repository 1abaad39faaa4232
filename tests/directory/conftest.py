"""Shared look-ups over the generated directory Bundle."""

import json
from datetime import date
from typing import Any

import pytest

from fhir_profiles.build import directory

Resource = dict[str, Any]
PARTY_TYPE = "https://lus-fhir.se/fhir/CodeSystem/lus-party-type"
SD = "https://lus-fhir.se/fhir/StructureDefinition"


@pytest.fixture(scope="session")
def bundle() -> Resource:
    loaded: Resource = json.loads(directory.OUTPUT.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="session")
def by_ref(bundle: Resource) -> dict[str, Resource]:
    """`Type/id` → resource, for resolving references inside the Bundle."""
    return {
        f"{e['resource']['resourceType']}/{e['resource']['id']}": e["resource"]
        for e in bundle["entry"]
    }


def of_type(bundle: Resource, res_type: str) -> list[Resource]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == res_type]


def partstyp(org: Resource) -> str:
    codes = [c["code"] for t in org["type"] for c in t["coding"] if c["system"] == PARTY_TYPE]
    assert len(codes) == 1, org["id"]
    return str(codes[0])


def extension_value(resource: Resource, name: str) -> Any:
    values = [e for e in resource.get("extension", []) if e["url"] == f"{SD}/{name}"]
    assert len(values) <= 1 or name == "lus-kommunkod", resource["id"]
    if not values:
        return None
    ext = values[0]
    return next(v for k, v in ext.items() if k.startswith("value") or k == "extension")


def kommunkod(resource: Resource) -> str | None:
    value = extension_value(resource, "lus-kommunkod")
    return None if value is None else str(value["code"])


def valid_on(resource: Resource, day: date) -> bool:
    """The directory's rule: valid when the day lies in lus-giltighetsperiod (if it has one)."""
    period = extension_value(resource, "lus-giltighetsperiod")
    if period is None:
        return True
    start = date.fromisoformat(period["start"])
    end = date.fromisoformat(period["end"]) if "end" in period else date.max
    return start <= day <= end
