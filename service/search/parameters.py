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
def _choice_names() -> frozenset[str]:
    """Element names that are a choice somewhere (`value`, `onset` …): FHIRPath reads `value` as
    `valueQuantity` and the like, which a walk of the JSON would not."""
    return frozenset(path.rsplit(".", 1)[-1] for path in models["r4"]["choiceTypePaths"])


def _walk(expression: str) -> Evaluate | None:
    """The plain path `expression` as a walk over the JSON, or None when it is not one."""
    if not _PLAIN_PATH.match(expression):
        return None
    names = expression.split(".")
    kind = names.pop(0) if names[0][0].isupper() else None
    if not names or _choice_names().intersection(names):
        return None

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
