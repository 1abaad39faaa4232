"""Conformance resources by canonical url: the R4 core, the guide's SUSHI output, any extra folders.

Everything the validator knows about FHIR comes from here, so one object answers "what is this
url" for StructureDefinitions, ValueSets and CodeSystems, and hands out snapshots, generating them
for differential-only profiles on first use.
"""

import json
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from fhir_profiles import GENERATED, R4_DIR
from service.definitions import backport
from service.definitions.snapshot import generate_snapshot

Resource = dict[str, Any]

_KINDS = ("StructureDefinition", "ValueSet", "CodeSystem")
CORE_SD = "http://hl7.org/fhir/StructureDefinition/"


class DefinitionRegistry:
    """StructureDefinitions, ValueSets and CodeSystems indexed by `url` and `url|version`."""

    def __init__(self, dirs: Sequence[Path]) -> None:
        self.dirs = tuple(dirs)
        self._by_kind: dict[str, dict[str, Resource]] = {kind: {} for kind in _KINDS}
        self._snapshots: dict[str, list[Resource]] = {}
        self._r4_types: frozenset[str] | None = None
        for path in self.files():
            try:
                self.add(json.loads(path.read_bytes()))
            except (OSError, ValueError):
                continue  # a definition being rewritten or broken must not stop validation

    def files(self) -> list[Path]:
        """Definition files of all folders, in load order (later folders win on duplicate urls)."""
        return [
            path
            for folder in self.dirs
            if folder.is_dir()
            for kind in _KINDS
            for path in sorted(folder.glob(f"{kind}-*.json"))
        ]

    def add(self, resource: Resource) -> None:
        kind = resource.get("resourceType")
        url = resource.get("url")
        if kind not in self._by_kind or not isinstance(url, str):
            return
        index = self._by_kind[kind]
        index[url] = resource
        if version := resource.get("version"):
            index[f"{url}|{version}"] = resource
        self._snapshots.pop(url, None)

    def r4_resource_types(self) -> frozenset[str]:
        """Every R4 resource type name (from the vendored fhir.schema.json), including those the
        project ships no StructureDefinition for; read on first use only."""
        if self._r4_types is None:
            names: set[str] = set()
            for folder in self.dirs:
                schema = folder / "fhir.schema.json"
                if schema.is_file():
                    names |= set(json.loads(schema.read_bytes())["discriminator"]["mapping"])
            self._r4_types = frozenset(names)
        return self._r4_types

    def structure(self, url: str) -> Resource | None:
        return self._lookup("StructureDefinition", url)

    def value_set(self, url: str) -> Resource | None:
        return self._lookup("ValueSet", url)

    def code_system(self, url: str) -> Resource | None:
        return self._lookup("CodeSystem", url)

    def structures(self) -> Iterable[Resource]:
        return {id(sd): sd for sd in self._by_kind["StructureDefinition"].values()}.values()

    def guide_profiles(self, canonical: str) -> list[str]:
        """Urls of the StructureDefinitions published under the guide's canonical base."""
        return sorted(
            sd["url"] for sd in self.structures() if str(sd["url"]).startswith(canonical + "/")
        )

    def snapshot(self, url: str) -> list[Resource] | None:
        """Snapshot elements of a StructureDefinition, generated from its differential if needed."""
        key = url.split("|", 1)[0]
        if key in self._snapshots:
            return self._snapshots[key]
        sd = self.structure(url)
        if sd is None:
            return None
        elements: list[Resource] = sd.get("snapshot", {}).get("element") or generate_snapshot(
            sd, self
        )
        self._snapshots[key] = elements
        return elements

    def _lookup(self, kind: str, url: str) -> Resource | None:
        index = self._by_kind[kind]
        return index.get(url) or index.get(url.split("|", 1)[0])


@cache
def registry() -> DefinitionRegistry:
    """The default registry: R4 core, the guide's generated resources and the Backport IG's
    Subscription extensions (so `lus-fhir validate` knows what the server accepts)."""
    definitions = DefinitionRegistry((R4_DIR, GENERATED))
    for extension in backport.extension_definitions():
        definitions.add(extension)
    return definitions
