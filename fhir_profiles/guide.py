"""The guide as data: every generated resource, indexed the ways its users look things up.

One loader for the consistency check, the package writer, the profile pages and the service, so
they can never disagree about what the guide contains.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from fhir_profiles import GENERATED, R4_DIR

Resource = dict[str, Any]

CONFORMANCE_TYPES = frozenset(
    {
        "StructureDefinition",
        "ValueSet",
        "CodeSystem",
        "SearchParameter",
        "CapabilityStatement",
        "Measure",
        "MessageDefinition",
        "OperationDefinition",
    }
)
TOPIC_CODE = "SubscriptionTopic"


def is_topic(resource: Resource) -> bool:
    """A SubscriptionTopic shipped as Basic, as the Backport IG does for R4."""
    if resource.get("resourceType") != "Basic":
        return False
    return any(c.get("code") == TOPIC_CODE for c in resource.get("code", {}).get("coding", []))


def is_definition(resource: Resource) -> bool:
    return resource.get("resourceType") in CONFORMANCE_TYPES or is_topic(resource)


def read_dir(directory: Path) -> Iterator[tuple[Path, Resource]]:
    for path in sorted(directory.glob("*.json")):
        loaded = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(loaded, dict) and "resourceType" in loaded:
            yield path, loaded


@dataclass
class Guide:
    """The guide's resources (from `fsh-generated/resources`) and the R4 core it builds on."""

    resources: list[Resource]
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def definitions(self) -> list[Resource]:
        return [r for r in self.resources if is_definition(r)]

    @property
    def examples(self) -> list[Resource]:
        return [r for r in self.resources if not is_definition(r)]

    def by_type(self, resource_type: str) -> list[Resource]:
        return [r for r in self.resources if r["resourceType"] == resource_type]

    @property
    def profiles(self) -> list[Resource]:
        return [
            sd
            for sd in self.by_type("StructureDefinition")
            if sd.get("type") != "Extension" and sd.get("kind") == "resource"
        ]

    @property
    def extensions(self) -> list[Resource]:
        return [sd for sd in self.by_type("StructureDefinition") if sd.get("type") == "Extension"]

    @property
    def topics(self) -> list[Resource]:
        return [r for r in self.resources if is_topic(r)]

    def canonicals(self) -> dict[str, Resource]:
        """Every canonical the guide defines, topics included (by their R5 url extension)."""
        index: dict[str, Resource] = {}
        for resource in self.resources:
            url = resource.get("url") or topic_url(resource)
            if url and is_definition(resource):
                index[url] = resource
        return index


def topic_url(resource: Resource) -> str | None:
    for ext in resource.get("extension", []):
        if ext.get("url", "").endswith("extension-SubscriptionTopic.url"):
            return str(ext.get("valueUri"))
    return None


def load(directory: Path = GENERATED) -> Guide:
    resources: list[Resource] = []
    files: dict[str, Path] = {}
    for path, resource in read_dir(directory):
        resources.append(resource)
        files[f"{resource['resourceType']}/{resource.get('id')}"] = path
    return Guide(resources, files)


@cache
def guide() -> Guide:
    return load()


@cache
def core() -> dict[str, Resource]:
    """The vendored R4 conformance resources by canonical url."""
    return {r["url"]: r for _, r in read_dir(R4_DIR) if "url" in r}
