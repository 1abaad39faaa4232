"""Snapshot generation from SUSHI differentials."""

from typing import Any

import pytest

from service.definitions import DefinitionRegistry, registry
from service.definitions.snapshot import SnapshotError, generate_snapshot
from tests.validation import conftest as c


def ids(url: str) -> list[str]:
    elements = registry().snapshot(url)
    if elements is None:
        pytest.skip(f"{url} is not built")
    return [e["id"] for e in elements]


def test_identifier_slices_unfold_the_data_type() -> None:
    found = ids(c.sd("lus-organization"))
    assert found.index("Organization.identifier") < found.index("Organization.identifier:hsaid")
    assert "Organization.identifier:hsaid.system" in found
    assert "Organization.identifier:orgnr.value" in found
    assert found.index("Organization.identifier:orgnr") < found.index("Organization.active")
    element = next(
        e
        for e in registry().snapshot(c.sd("lus-organization")) or []
        if e["id"] == "Organization.identifier:hsaid.system"
    )
    assert element["min"] == 1
    assert element["fixedUri"] == c.HSA


def test_complex_extension_has_nested_slices() -> None:
    found = ids(c.sd("lus-helgkontaktvag"))
    assert "Extension.extension:telecom.url" in found
    assert "Extension.extension:availableTime.extension:daysOfWeek.value[x]" in found


def test_unknown_base_is_an_error() -> None:
    sd = {"url": "http://x", "baseDefinition": "http://example.org/nope", "differential": {}}
    with pytest.raises(SnapshotError):
        generate_snapshot(sd, registry())


def test_profile_on_profile() -> None:
    url = "http://example.org/StructureDefinition/derived-org"
    derived: dict[str, Any] = {
        "resourceType": "StructureDefinition",
        "url": url,
        "type": "Organization",
        "kind": "resource",
        "baseDefinition": c.sd("lus-organization"),
        "differential": {
            "element": [
                {"id": "Organization.identifier:orgnr", "path": "Organization.identifier", "min": 1}
            ]
        },
    }
    definitions = DefinitionRegistry(registry().dirs)
    if definitions.structure(c.sd("lus-organization")) is None:
        pytest.skip("guide not built")
    definitions.add(derived)
    elements = definitions.snapshot(url) or []
    orgnr = next(e for e in elements if e["id"] == "Organization.identifier:orgnr")
    assert orgnr["min"] == 1
    assert any(e["id"] == "Organization.identifier:hsaid.system" for e in elements)
