"""Invariants (ElementDefinition.constraint): FHIRPath via fhirpathpy, a few core ones natively.

Each expression is compiled once, on first use, and shared by every node that carries it. The hot
core invariants that fire on nearly every resource are implemented natively for speed (and
because fhirpathpy cannot evaluate dom-3). Skipped on purpose, documented in `SKIPPED_FUNCTIONS`:
expressions that need functions fhirpathpy lacks or that need a server (`conformsTo`, `htmlChecks`,
`resolve()`, `memberOf`); an expression that fails to parse or raises while evaluating is skipped
too, never reported as a failure.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import fhirpathpy
from fhirpathpy.engine.nodes import ResourceNode
from fhirpathpy.models import models

from service.validation.comparison import at_most, quantity_at_most

#: ele-1 ("has a value or children") is checked by the structure walk itself.
NATIVE_STRUCTURAL = frozenset({"ele-1"})
SKIPPED_FUNCTIONS = ("conformsTo(", "htmlChecks", "resolve()", "memberOf(")

_MODEL = models["r4"]
_OPTIONS = {
    "userInvocationTable": {
        # FHIR's hasValue(): a single primitive with a value (fhirpathpy does not define it)
        "hasValue": {
            "fn": lambda inputs: [len(inputs) == 1 and not isinstance(inputs[0], dict | list)]
        },
    }
}


@dataclass(frozen=True, slots=True)
class Invariant:
    key: str
    severity: str
    human: str
    expression: str
    #: defined by the FHIR core (only those are ever replaced by a native implementation)
    core: bool = False


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _dom3(resource: Any, _root: Any) -> bool:
    contained = resource.get("contained")
    if not contained:
        return True
    local = {s for s in _strings(resource) if s.startswith("#")}
    return all(
        f"#{c.get('id')}" in local or "#" in set(_strings(c))
        for c in contained
        if isinstance(c, dict)
    )


def _contained(resource: Any) -> list[Any]:
    contained = resource.get("contained")
    return [c for c in contained if isinstance(c, dict)] if isinstance(contained, list) else []


def _ref1(value: Any, root: Any) -> bool:
    reference = value.get("reference")
    if not isinstance(reference, str) or not reference.startswith("#") or reference == "#":
        return True
    return reference[1:] in {c.get("id") for c in _contained(root)}


def _entries(bundle: Any) -> list[Any]:
    entries = bundle.get("entry")
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def _bdl7(bundle: Any, _root: Any) -> bool:
    if bundle.get("type") == "history":
        return True
    keys = []
    for entry in _entries(bundle):
        if "fullUrl" in entry:
            resource = entry.get("resource")
            meta = resource.get("meta") if isinstance(resource, dict) else None
            keys.append(
                (
                    str(entry["fullUrl"]),
                    str(meta.get("versionId")) if isinstance(meta, dict) else "",
                )
            )
    return len(keys) == len(set(keys))


def _first_resource_type(bundle: Any) -> Any:
    entries = _entries(bundle)
    resource = entries[0].get("resource") if entries else None
    return resource.get("resourceType") if isinstance(resource, dict) else None


def _kind(bundle: Any) -> str | None:
    kind = bundle.get("type")
    return kind if isinstance(kind, str) else None


_REQUEST_TYPES = frozenset({"batch", "transaction", "history"})
_RESPONSE_TYPES = frozenset({"batch-response", "transaction-response", "history"})

#: core invariants evaluated in Python: hot (on every resource or reference) or beyond fhirpathpy
_NATIVE: dict[str, Callable[[Any, Any], bool]] = {
    "bdl-1": lambda b, _: "total" not in b or _kind(b) in ("searchset", "history"),
    "bdl-2": lambda b, _: (
        b.get("type") == "searchset" or not any("search" in e for e in _entries(b))
    ),
    "bdl-3": lambda b, _: all(
        ("request" in e) == (_kind(b) in _REQUEST_TYPES) for e in _entries(b)
    ),
    "bdl-4": lambda b, _: all(
        ("response" in e) == (_kind(b) in _RESPONSE_TYPES) for e in _entries(b)
    ),
    "bdl-5": lambda e, _: "resource" in e or "request" in e or "response" in e,
    "bdl-7": _bdl7,
    "bdl-8": lambda e, _: "/_history/" not in str(e.get("fullUrl", "")),
    "bdl-9": lambda b, _: (
        b.get("type") != "document"
        or (isinstance(i := b.get("identifier"), dict) and "system" in i and "value" in i)
    ),
    "bdl-10": lambda b, _: b.get("type") != "document" or "timestamp" in b,
    "bdl-11": lambda b, _: b.get("type") != "document" or _first_resource_type(b) == "Composition",
    "bdl-12": lambda b, _: b.get("type") != "message" or _first_resource_type(b) == "MessageHeader",
    "ext-1": lambda v, _: ("extension" in v) != any(k.startswith("value") for k in v),
    "dom-2": lambda v, _: not any("contained" in c for c in _contained(v)),
    "dom-3": _dom3,
    "dom-4": lambda v, _: (
        not any(
            isinstance(m := c.get("meta"), dict) and ("versionId" in m or "lastUpdated" in m)
            for c in _contained(v)
        )
    ),
    "dom-5": lambda v, _: (
        not any(isinstance(m := c.get("meta"), dict) and "security" in m for c in _contained(v))
    ),
    "dom-6": lambda v, _: isinstance(t := v.get("text"), dict) and "div" in t,
    "ref-1": _ref1,
    "cpt-2": lambda v, _: "value" not in v or "system" in v,
    "per-1": lambda v, _: "start" not in v or "end" not in v or bool(at_most(v["start"], v["end"])),
    "rng-2": lambda v, _: (
        "low" not in v or "high" not in v or bool(quantity_at_most(v["low"], v["high"]))
    ),
    "que-7": lambda v, _: v.get("operator") != "exists" or "answerBoolean" in v,
    # R4's expression says count() > 2; its text (and the Java validator's corrected core
    # package) say "more than one"
    "que-12": lambda v, _: (
        not isinstance(w := v.get("enableWhen"), list) or len(w) < 2 or "enableBehavior" in v
    ),
}
#: core invariants recognised by their expression (their keys, like inv-1, are not unique)
_NATIVE_EXPRESSIONS: dict[str, Callable[[Any, Any], bool]] = {
    "lastModified.exists().not() or authoredOn.exists().not() or lastModified >= authoredOn": (
        lambda v, _: (
            "lastModified" not in v
            or "authoredOn" not in v
            or bool(at_most(v["authoredOn"], v["lastModified"]))
        )
    ),
}
_compiled: dict[str, Callable[..., list[Any]] | None] = {}
#: `a.empty() or ...`, `a.exists() implies ...`: true whenever the element has no `a`
_GUARD = re.compile(
    r"^([A-Za-z]+)(?:\.[A-Za-z]+)*\.(?:empty\(\) or|exists\(\)\.not\(\) or|"
    r"hasValue\(\)\.not\(\) or|exists\(\) implies) "
)
_guards: dict[str, str | None] = {}


def _guard(expression: str) -> str | None:
    """Element name whose absence makes the whole expression true, if the shape says so."""
    if expression not in _guards:
        match = _GUARD.match(expression)
        top_level_ok = match is not None and (
            expression.count(" implies ") == 1
            if match.group(0).endswith("implies ")
            else " implies " not in expression and " xor " not in expression
        )
        _guards[expression] = match.group(1) if match and top_level_ok else None
    return _guards[expression]


def _compile(expression: str) -> Callable[..., list[Any]] | None:
    if expression not in _compiled:
        if any(function in expression for function in SKIPPED_FUNCTIONS):
            _compiled[expression] = None
        else:
            try:
                _compiled[expression] = fhirpathpy.compile(expression, _MODEL, _OPTIONS)
            except Exception:
                _compiled[expression] = None
    return _compiled[expression]


_MATCHES = re.compile(r"^matches\('([^'\\]*)'\)$")
_patterns: dict[str, re.Pattern[str] | None] = {}


def _matches(expression: str) -> re.Pattern[str] | None:
    """`matches('regex')` alone, the usual shape of a profile's format rule: plain `re`."""
    if expression not in _patterns:
        match = _MATCHES.match(expression)
        try:
            _patterns[expression] = re.compile(match.group(1)) if match else None
        except re.error:
            _patterns[expression] = None
    return _patterns[expression]


def _luhn_terms(first: int, last: int) -> str:
    """FHIRPath's sum of the Luhn terms of the digits at `first`…`last` (every other one doubled,
    its digits added), exactly as the guide spells it."""
    terms = []
    for index in range(first, last + 1):
        digit = f"substring({index},1).toInteger()"
        doubled = (index - first) % 2 == 0
        terms.append(f"({digit} * 2 div 10) + ({digit} * 2 mod 10)" if doubled else digit)
    return " + ".join(terms)


#: `matches('regex') and (<Luhn terms of digits 2-11>) mod 10 = 0`: the guide's personnummer and
#: samordningsnummer rules (lus-pnr-1, lus-snr-1), ≈ 3 ms each in fhirpathpy, in plain Python
_LUHN = re.compile(
    r"^matches\('([^'\\]*)'\) and \(" + re.escape(_luhn_terms(2, 11)) + r"\) mod 10 = 0$"
)


def _luhn_valid(digits: str) -> bool:
    total = sum(
        (int(d) * 2) // 10 + (int(d) * 2) % 10 if i % 2 == 0 else int(d)
        for i, d in enumerate(digits)
    )
    return total % 10 == 0


@lru_cache(maxsize=256)
def _luhn(expression: str) -> re.Pattern[str] | None:
    """The format pattern of an expression of the Luhn shape, else None."""
    match = _LUHN.match(expression)
    try:
        return re.compile(match.group(1)) if match else None
    except re.error:
        return None


def holds(invariant: Invariant, value: Any, type_path: str, resource: Any, root: Any) -> bool:
    """Whether `value` (of FHIR type/path `type_path`) satisfies the invariant; True if skipped."""
    native = (
        _NATIVE.get(invariant.key) or _NATIVE_EXPRESSIONS.get(invariant.expression)
        if invariant.core
        else None
    )
    if native is not None:
        return not isinstance(value, dict) or native(value, root)
    pattern = _matches(invariant.expression)
    if pattern is not None and isinstance(value, str):
        return pattern.search(value) is not None
    luhn = _luhn(invariant.expression)
    if luhn is not None and isinstance(value, str) and value.isascii():
        return luhn.search(value) is not None and _luhn_valid(value[2:12])
    guard = _guard(invariant.expression)
    if (
        guard is not None
        and isinstance(value, dict)
        and guard not in value
        and f"_{guard}" not in value
    ):
        return True
    if isinstance(value, str | bool | int | float) and "%" not in invariant.expression:
        return _primitive_holds(invariant.expression, value, type_path)
    return _evaluate(invariant.expression, value, type_path, resource, root)


@lru_cache(maxsize=4096)
def _primitive_holds(expression: str, value: str | bool | float, type_path: str) -> bool:
    """An invariant on a primitive depends on nothing but its value: evaluate each value once."""
    return _evaluate(expression, value, type_path, None, None)


def _evaluate(expression: str, value: Any, type_path: str, resource: Any, root: Any) -> bool:
    function = _compile(expression)
    if function is None:
        return True
    is_resource = isinstance(value, dict) and "resourceType" in value
    focus = value if is_resource else ResourceNode.create_node(value, type_path)  # type: ignore[no-untyped-call]
    try:
        result = function(focus, {"resource": resource, "rootResource": root})
    except Exception:
        return True
    return result == [True]
