"""Value set expansion from the shipped ValueSets and CodeSystems, for binding checks.

Only what can be expanded locally is: includes listing concepts, whole code systems we ship with
`content = complete`, `is-a`/`descendent-of` filters, and imported value sets. Anything else makes
the expansion unknown (None), and callers then skip the check rather than guess.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from service.definitions.registry import DefinitionRegistry

Concept = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Expansion:
    """The (system, code) pairs of a value set, plus its codes alone for bare `code` elements."""

    pairs: frozenset[tuple[str, str]]
    codes: frozenset[str]

    def has_coding(self, system: str | None, code: str) -> bool:
        if system is None:
            return code in self.codes
        return (system, code) in self.pairs


class Terminology:
    """Expands value sets and lists code systems' codes, caching both by url."""

    def __init__(self, registry: DefinitionRegistry) -> None:
        self.registry = registry
        self._expansions: dict[str, Expansion | None] = {}
        self._systems: dict[str, dict[str, Concept] | None] = {}

    def system_codes(self, system: str) -> dict[str, Concept] | None:
        """Every concept of a complete code system we ship, by code (nested ones included)."""
        if system not in self._systems:
            cs = self.registry.code_system(system)
            if cs is None or cs.get("content") != "complete":
                self._systems[system] = None
            else:
                self._systems[system] = {c["code"]: c for c in _walk(cs.get("concept", []))}
        return self._systems[system]

    def expand(self, url: str) -> Expansion | None:
        key = url.split("|", 1)[0]
        if key not in self._expansions:
            self._expansions[key] = None  # guards against import cycles
            self._expansions[key] = self._expand(key)
        return self._expansions[key]

    def _expand(self, url: str) -> Expansion | None:
        vs = self.registry.value_set(url)
        if vs is None:
            return None
        compose = vs.get("compose", {})
        included: set[tuple[str, str]] = set()
        for include in compose.get("include", []):
            pairs = self._include(include)
            if pairs is None:
                return None
            included |= pairs
        for exclude in compose.get("exclude", []):
            pairs = self._include(exclude)
            if pairs is None:
                return None
            included -= pairs
        return Expansion(frozenset(included), frozenset(code for _, code in included))

    def _include(self, include: dict[str, Any]) -> set[tuple[str, str]] | None:
        pairs: set[tuple[str, str]] | None = None
        system = include.get("system")
        if isinstance(system, str):
            pairs = self._system_part(system, include)
            if pairs is None:
                return None
        for imported in include.get("valueSet", []):
            expansion = self.expand(imported)
            if expansion is None:
                return None
            pairs = set(expansion.pairs) if pairs is None else pairs & expansion.pairs
        return pairs if pairs is not None else set()

    def _system_part(self, system: str, include: dict[str, Any]) -> set[tuple[str, str]] | None:
        if "concept" in include:
            return {(system, c["code"]) for c in include["concept"]}
        concepts = self.system_codes(system)
        if concepts is None:
            return None
        codes = set(concepts)
        for flt in include.get("filter", []):
            if flt.get("property") != "concept" or flt.get("op") not in ("is-a", "descendent-of"):
                return None
            root = concepts.get(flt.get("value", ""))
            if root is None:
                return set()
            below = {c["code"] for c in _walk(root.get("concept", []))}
            codes &= below if flt["op"] == "descendent-of" else below | {root["code"]}
        return {(system, code) for code in codes}


def _walk(concepts: list[Concept]) -> Iterator[Concept]:
    for concept in concepts:
        yield concept
        yield from _walk(concept.get("concept", []))
