"""The search parameters the server supports: R4 core ones for the vendored types plus the guide's.

Each parameter's FHIRPath is cut down to the part for one resource type and compiled once.
`resolve() is X` (which needs a server round-trip in general) becomes a check on the reference text.
Most expressions are a plain path (`Task.owner`, `meta.tag`); those are evaluated by walking the
JSON, which gives what FHIRPath gives at a fraction of the cost: every write indexes every
parameter of its type.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from fhirpathpy import compile as fhirpath_compile
from fhirpathpy.models import models

from fhir_profiles import GENERATED, R4_DIR

SUPPORTED_TYPES = frozenset({"token", "string", "date", "reference", "uri", "number", "quantity"})
_RESOLVE_IS = re.compile(r"\.where\(resolve\(\) is (\w+)\)")
_PLAIN_PATH = re.compile(r"^[A-Za-z]\w*(\.[A-Za-z]\w*)*$")
_EXTENSION_VALUE = re.compile(r"^(?P<path>[A-Za-z][\w.]*)\.extension\('(?P<url>[^']+)'\)\.value$")
Evaluate = Callable[[dict[str, Any]], list[Any]]


@dataclass(frozen=True)
class SearchParam:
    code: str
    type: str
    resource_type: str
    expression: str
    targets: tuple[str, ...]
    url: str
    evaluate: Evaluate


def split_top_level(expression: str) -> list[str]:
    """Split `A | B` on the union operators that are not inside parentheses or strings."""
    parts, depth, quoted, start = [], 0, False, 0
    for index, char in enumerate(expression):
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        elif not quoted and depth == 0 and char == "|":
            parts.append(expression[start:index].strip())
            start = index + 1
    parts.append(expression[start:].strip())
    return parts


def _for_type(expression: str, resource_type: str) -> str | None:
    parts = [
        p.strip("()") if p.startswith("(") and p.endswith(")") and p.count("(") == 1 else p
        for p in split_top_level(expression)
    ]
    mine = [p for p in parts if re.match(rf"^\(?{resource_type}\b", p)]
    if not mine:
        return None
    joined = " | ".join(mine)
    return _RESOLVE_IS.sub(
        r".where(reference.startsWith('\1/') or reference.contains('/\1/'))", joined
    )


@cache
def _element_paths() -> frozenset[str]:
    """Every element path of the R4 model, backbone elements (`Encounter.location`, which
    `path2Type` leaves out) included."""
    paths = set(models["r4"]["path2Type"])
    for path in list(paths):
        while "." in path:
            path = path.rsplit(".", 1)[0]
            paths.add(path)
    return frozenset(paths)


def _plain(kind: str | None, names: list[str]) -> bool:
    """Whether every step of the path is an element the model knows that is no choice: FHIRPath
    reads a choice `value` as `valueQuantity` and the like, which a walk of the JSON would not.
    Steps follow the element types (`Patient.name` is a HumanName, whose `family` …), so a name
    that is a choice elsewhere (`ConceptMap.source`) does not stop `meta.source`."""
    model = models["r4"]
    current = kind or "Resource"
    for name in names:
        path = None
        for owner in _lineage(current):
            candidate = model["pathsDefinedElsewhere"].get(f"{owner}.{name}", f"{owner}.{name}")
            if candidate in _element_paths():
                path = candidate
                break
        if path is None or path in model["choiceTypePaths"]:
            return False
        current = model["path2Type"].get(path) or path
    return True


def _lineage(kind: str) -> list[str]:
    """The type and the types it derives from (Patient, DomainResource, Resource)."""
    chain = [kind]
    while chain[-1] in models["r4"]["type2Parent"]:
        chain.append(models["r4"]["type2Parent"][chain[-1]])
    return chain


def _path_walk(kind: str | None, names: list[str]) -> Evaluate:
    def walk(resource: dict[str, Any]) -> list[Any]:
        if kind is not None and resource.get("resourceType") != kind:
            return []
        items: list[Any] = [resource]
        for name in names:
            found: list[Any] = []
            for item in items:
                value = item.get(name) if isinstance(item, dict) else None
                if isinstance(value, list):
                    found.extend(v for v in value if v is not None)
                elif value is not None:
                    found.append(value)
            items = found
        return items

    return walk


def _extension_walk(owners: Evaluate, url: str) -> Evaluate:
    """`….extension('url').value`: the value[x] of the owners' extensions with that url."""

    def walk(resource: dict[str, Any]) -> list[Any]:
        found: list[Any] = []
        for owner in owners(resource):
            for extension in owner.get("extension", []) if isinstance(owner, dict) else []:
                if isinstance(extension, dict) and extension.get("url") == url:
                    found.extend(
                        value
                        for key, value in extension.items()
                        if key.startswith("value") and key[5:6].isupper() and value is not None
                    )
        return found

    return walk


def _reference_to(kind: str) -> Callable[[Any], bool]:
    """`where(reference.startsWith('K/') or reference.contains('/K/'))`, what `resolve() is K`
    becomes (see `_for_type`)."""

    def test(item: Any) -> bool:
        reference = item.get("reference") if isinstance(item, dict) else None
        return isinstance(reference, str) and (
            reference.startswith(f"{kind}/") or f"/{kind}/" in reference
        )

    return test


def _system_is(system: str) -> Callable[[Any], bool]:
    """`where(system = 'email')`: a ContactPoint's kind."""
    return lambda item: isinstance(item, dict) and item.get("system") == system


#: `.where(…)` filters a walk can apply itself, by the shape of their FHIRPath
_FILTERS: list[tuple[re.Pattern[str], Callable[[str], Callable[[Any], bool]]]] = [
    (
        re.compile(
            r"^(?P<path>.+)\.where\(reference\.startsWith\('(?P<arg>\w+)/'\) or "
            r"reference\.contains\('/(?P=arg)/'\)\)$"
        ),
        _reference_to,
    ),
    (re.compile(r"^(?P<path>.+)\.where\(system ?= ?'(?P<arg>[\w-]+)'\)$"), _system_is),
]


def _walk(expression: str) -> Evaluate | None:
    """The plain path `expression` (optionally ending in `.extension('url').value`, or filtered
    by one of `_FILTERS`) as a walk over the JSON, or None when it is not one."""
    for pattern, make in _FILTERS:
        filtered = pattern.match(expression)
        if filtered:
            inner = _walk(filtered.group("path"))
            if inner is None:
                return None
            test = make(filtered.group("arg"))
            return lambda resource: [item for item in inner(resource) if test(item)]
    extension = _EXTENSION_VALUE.match(expression)
    path = extension.group("path") if extension else expression
    if not _PLAIN_PATH.match(path):
        return None
    names = path.split(".")
    kind = names.pop(0) if names[0][0].isupper() else None
    if not (names or extension) or not _plain(kind, names):
        return None
    walk = _path_walk(kind, names)
    return _extension_walk(walk, extension.group("url")) if extension else walk


def _compile(expression: str) -> Evaluate:
    walk = _walk(expression)
    if walk is not None:
        return walk
    compiled = fhirpath_compile(expression, models["r4"])

    def run(resource: dict[str, Any]) -> list[Any]:
        return list(compiled(resource, {}))

    return run


def _definitions() -> list[dict[str, Any]]:
    found = []
    for folder in (R4_DIR, GENERATED):
        for path in sorted(folder.glob("SearchParameter-*.json")):
            found.append(json.loads(path.read_text(encoding="utf-8")))
    return found


@cache
def registry() -> dict[str, dict[str, SearchParam]]:
    """resource type → parameter code → SearchParam."""
    params: dict[str, dict[str, SearchParam]] = {}
    for sp in _definitions():
        if sp.get("type") not in SUPPORTED_TYPES or not sp.get("expression"):
            continue
        for base in sp.get("base", []):
            expression: str | None
            if base == "Resource":
                expression = re.sub(r"\bResource\.", "", sp["expression"])
            else:
                expression = _for_type(sp["expression"], base)
            if expression is None:
                continue
            try:
                evaluate = _compile(expression)
            except Exception:
                continue
            params.setdefault(base, {})[sp["code"]] = SearchParam(
                code=sp["code"],
                type=sp["type"],
                resource_type=base,
                expression=expression,
                targets=tuple(sp.get("target", [])),
                url=sp["url"],
                evaluate=evaluate,
            )
    return params


@cache
def for_type(resource_type: str) -> dict[str, SearchParam]:
    """The parameters of one type, with the Resource-level ones (_id, _lastUpdated, _profile …)."""
    table = registry()
    return {**table.get("Resource", {}), **table.get(resource_type, {})}
