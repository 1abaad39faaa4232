"""Slice assignment: which slice (if any) each item of a sliced element belongs to.

For every (slice, discriminator) a test is derived once from the slice's definition (the fixed or
pattern value, or required binding, at the discriminator path; its types; its profile; whether the
path must exist) and cached. Paths handled: `$this`, dotted element names, `extension('url')`;
`resolve()` cannot be followed without a server, so such discriminators match everything.
"""

from collections.abc import Callable
from typing import Any

from service.validation.compiler import Compiler, Discriminator, Node, TypeRef
from service.validation.patterns import MISSING, matches_fixed, matches_pattern
from service.validation.terminology import Terminology

Test = Callable[[Any, TypeRef], bool]
Conforms = Callable[[Any, str], bool]


class SliceMatcher:
    def __init__(self, compiler: Compiler, terminology: Terminology, conforms: Conforms) -> None:
        self.compiler = compiler
        self.terminology = terminology
        self.conforms = conforms
        self._tests: dict[tuple[int, Discriminator], Test] = {}

    def assign(self, sliced: Node, items: list[tuple[Any, TypeRef]]) -> list[int | None]:
        """Index into `sliced.slices` of the first slice each item matches, or None."""
        result: list[int | None] = []
        for value, type_ref in items:
            result.append(
                next(
                    (
                        index
                        for index, slice_node in enumerate(sliced.slices)
                        if self.matches(sliced, slice_node, value, type_ref)
                    ),
                    None,
                )
            )
        return result

    def matches(self, sliced: Node, slice_node: Node, value: Any, type_ref: TypeRef) -> bool:
        assert sliced.slicing is not None
        for discriminator in sliced.slicing.discriminators:
            key = (id(slice_node), discriminator)
            test = self._tests.get(key)
            if test is None:
                test = self._tests[key] = self._test(slice_node, discriminator)
            if not test(value, type_ref):
                return False
        return bool(sliced.slicing.discriminators)

    def _test(self, slice_node: Node, discriminator: Discriminator) -> Test:
        path = discriminator.path
        if "resolve()" in path:
            return lambda _value, _type: True
        kind = discriminator.type
        target = self._node_at(slice_node, path)
        if target is None:
            return lambda _value, _type: False
        if kind == "type":
            codes = {t.code for t in target.types}
            return lambda value, type_ref: any(
                _type_of(v, type_ref) in codes for v in values_at(value, path)
            )
        if kind == "profile":
            profiles = [p for t in target.types for p in t.profiles]
            return lambda value, _type: any(
                self.conforms(v, p) for v in values_at(value, path) for p in profiles
            )
        if kind == "exists":
            must_exist = target.min > 0
            return lambda value, _type: bool(values_at(value, path)) == must_exist
        check = self._value_check(target)
        return lambda value, _type: any(check(v) for v in values_at(value, path))

    def _value_check(self, target: Node) -> Callable[[Any], bool]:
        if target.fixed is not MISSING:
            fixed = target.fixed
            return lambda v: matches_fixed(v, fixed)
        if target.pattern is not MISSING:
            pattern = target.pattern
            return lambda v: matches_pattern(v, pattern)
        if target.binding is not None:
            expansion = self.terminology.expand(target.binding.value_set)
            if expansion is not None:
                return lambda v: any(
                    expansion.has_coding(system, code) for system, code in codings(v)
                )
        return lambda _v: False

    def _node_at(self, node: Node, path: str) -> Node | None:
        """The definition reached by following `path` from a slice, through types if needed."""
        current = node
        for segment in _segments(path):
            if segment == "$this":
                continue
            content = self.compiler.content(current, current.types[0] if current.types else None)
            if content is None:
                return None
            if segment.startswith("extension("):
                url = segment[len("extension(") : -1].strip("'\"")
                found = _extension_slice(content, url)
            else:
                found = next((c for c in content.children if c.name == segment), None)
            if found is None:
                return None
            current = found
        return current


def _extension_slice(content: Node, url: str) -> Node | None:
    extension = next((c for c in content.children if c.name == "extension"), None)
    if extension is None:
        return None
    for slice_node in extension.slices:
        if any(url in t.profiles for t in slice_node.types):
            return slice_node
    return None


def _segments(path: str) -> list[str]:
    segments: list[str] = []
    depth = 0
    current = ""
    for char in path:
        if char == "." and depth == 0:
            segments.append(current)
            current = ""
            continue
        depth += (char == "(") - (char == ")")
        current += char
    segments.append(current)
    return segments


def values_at(value: Any, path: str) -> list[Any]:
    """JSON values reached from `value` along a discriminator path (arrays flattened)."""
    current = [value]
    for segment in _segments(path):
        if segment == "$this":
            continue
        found: list[Any] = []
        if segment.startswith("extension("):
            url = segment[len("extension(") : -1].strip("'\"")
            for item in current:
                if isinstance(item, dict):
                    found.extend(
                        e
                        for e in _as_list(item.get("extension"))
                        if isinstance(e, dict) and e.get("url") == url
                    )
        else:
            for item in current:
                if isinstance(item, dict):
                    found.extend(_as_list(item.get(segment, _choice(item, segment))))
        current = found
    return current


def _choice(item: dict[str, Any], name: str) -> Any:
    return next(
        (
            v
            for k, v in item.items()
            if k.startswith(name) and k[len(name) : len(name) + 1].isupper()
        ),
        None,
    )


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _type_of(value: Any, type_ref: TypeRef) -> str:
    if isinstance(value, dict) and isinstance(value.get("resourceType"), str):
        return str(value["resourceType"])
    return type_ref.code


def codings(value: Any) -> list[tuple[str | None, str]]:
    """(system, code) pairs of a code, Coding or CodeableConcept JSON value."""
    if isinstance(value, str):
        return [(None, value)]
    if not isinstance(value, dict):
        return []
    found = [c for c in _as_list(value.get("coding")) if isinstance(c, dict)]
    if "coding" not in value and "code" in value:
        found = [value]
    return [
        (system if isinstance(system, str) else None, code)
        for c in found
        if isinstance(code := c.get("code"), str)
        and ((system := c.get("system")) is None or isinstance(system, str))
    ]
