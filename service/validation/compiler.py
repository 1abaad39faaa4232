"""Compile a StructureDefinition snapshot, once, into a tree of element-check nodes.

Validation then walks JSON and node tree side by side with plain dict look-ups: every node knows
its JSON keys (choice elements are expanded to `valueString`, `valueQuantity`, ...), cardinality,
types, fixed/pattern values, binding, invariants and slices. Children of an element without inline
children in the snapshot come from its type's (or type profile's) compiled tree, resolved lazily so
recursive types (Identifier.assigner -> Reference -> Identifier) stay finite.
"""

from dataclasses import dataclass, field
from typing import Any

from service.definitions.registry import CORE_SD, DefinitionRegistry
from service.definitions.snapshot import SnapshotError
from service.validation.invariants import NATIVE_STRUCTURAL, Invariant
from service.validation.patterns import MISSING

Element = dict[str, Any]

_FHIR_TYPE_EXT = "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type"
_SYSTEM_TYPES = {
    "http://hl7.org/fhirpath/System.String": "string",
    "http://hl7.org/fhirpath/System.Boolean": "boolean",
    "http://hl7.org/fhirpath/System.Integer": "integer",
    "http://hl7.org/fhirpath/System.Decimal": "decimal",
    "http://hl7.org/fhirpath/System.Date": "date",
    "http://hl7.org/fhirpath/System.DateTime": "dateTime",
    "http://hl7.org/fhirpath/System.Time": "time",
}


@dataclass(frozen=True, slots=True)
class TypeRef:
    code: str
    profiles: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Binding:
    strength: str
    value_set: str


@dataclass(frozen=True, slots=True)
class Discriminator:
    type: str
    path: str


@dataclass(frozen=True, slots=True)
class Slicing:
    discriminators: tuple[Discriminator, ...]
    rules: str
    ordered: bool


@dataclass(eq=False, slots=True)
class Node:
    """One element of a profile, with everything needed to check a JSON value against it."""

    path: str
    label: str
    name: str
    min: int
    max: int | None
    is_array: bool
    types: tuple[TypeRef, ...]
    choice: bool
    fixed: Any = MISSING
    pattern: Any = MISSING
    binding: Binding | None = None
    invariants: tuple[Invariant, ...] = ()
    slicing: Slicing | None = None
    slice_name: str | None = None
    content_ref: str | None = None
    children: list["Node"] = field(default_factory=list)
    slices: list["Node"] = field(default_factory=list)
    keys: dict[str, tuple["Node", TypeRef]] = field(default_factory=dict)


@dataclass(eq=False, slots=True)
class Profile:
    """A compiled StructureDefinition."""

    url: str
    type: str
    kind: str
    root: Node
    contexts: tuple[tuple[str, str], ...]


class Compiler:
    """Compiles and caches profiles by url; unknown or broken definitions compile to None."""

    def __init__(self, registry: DefinitionRegistry) -> None:
        self.registry = registry
        self._profiles: dict[str, Profile | None] = {}

    def profile(self, url: str) -> Profile | None:
        key = url.split("|", 1)[0]
        if key not in self._profiles:
            self._profiles[key] = self._compile(key)
        return self._profiles[key]

    def type_profile(self, type_ref: TypeRef) -> Profile | None:
        """The compiled definition a value of this type is checked against."""
        if type_ref.profiles:
            return self.profile(type_ref.profiles[0])
        return self.profile(type_url(type_ref.code))

    def content(self, node: Node, type_ref: TypeRef | None) -> Node | None:
        """The node whose children describe a complex value: inline, else the type's root."""
        if node.children:
            return node
        if type_ref is None:
            return None
        profile = self.type_profile(type_ref)
        return profile.root if profile is not None else None

    def _compile(self, url: str) -> Profile | None:
        sd = self.registry.structure(url)
        if sd is None:
            return None
        try:
            elements = self.registry.snapshot(url)
        except SnapshotError:
            return None
        if not elements:
            return None
        root = _build_tree(elements, sd)
        contexts = tuple(
            (str(c.get("type")), str(c.get("expression"))) for c in sd.get("context", [])
        )
        return Profile(url, str(sd.get("type")), str(sd.get("kind")), root, contexts)


def type_url(code: str) -> str:
    return code if "/" in code else CORE_SD + code


def _build_tree(elements: list[Element], sd: dict[str, Any]) -> Node:
    by_id: dict[str, Node] = {}
    root: Node | None = None
    for element in elements:
        node = _node(element, sd)
        element_id = str(element.get("id") or element["path"])
        by_id[element_id] = node
        parent_id, _, last = element_id.rpartition(".")
        if root is None:
            root = node
        elif ":" in last:
            sliced = by_id.get(f"{parent_id}.{last.split(':', 1)[0]}")
            if sliced is not None and "/" not in last:
                sliced.slices.append(node)
        elif parent_id in by_id:
            by_id[parent_id].children.append(node)
    assert root is not None
    for node in by_id.values():
        if node.content_ref is not None:
            target = by_id.get(node.content_ref)
            if target is not None:
                node.children = target.children
                node.types = target.types
        node.keys = _keys(node.children)
    return root


def _keys(children: list[Node]) -> dict[str, tuple[Node, TypeRef]]:
    keys: dict[str, tuple[Node, TypeRef]] = {}
    for child in children:
        if child.choice:
            for type_ref in child.types:
                keys[child.name + type_ref.code[0].upper() + type_ref.code[1:]] = (child, type_ref)
        else:
            keys[child.name] = (child, child.types[0] if child.types else TypeRef("Element"))
    return keys


def _node(element: Element, sd: dict[str, Any]) -> Node:
    path = str(element["path"])
    name = path.rsplit(".", 1)[-1]
    choice = name.endswith("[x]")
    base_max = str(element.get("base", {}).get("max", element.get("max", "*")))
    max_text = str(element.get("max", "*"))
    content_ref = element.get("contentReference")
    fixed = next((v for k, v in element.items() if k.startswith("fixed")), MISSING)
    pattern = next((v for k, v in element.items() if k.startswith("pattern")), MISSING)
    binding = element.get("binding")
    slicing = element.get("slicing")
    is_resource_id = path.count(".") == 1 and name == "id" and sd.get("kind") == "resource"
    return Node(
        path=path,
        label=str(element.get("id") or path),
        name=name[:-3] if choice else name,
        min=int(element.get("min", 0)),
        max=None if max_text == "*" else int(max_text),
        is_array=base_max != "1" and base_max != "0" and "." in path,
        types=tuple(_type_ref(t, is_resource_id) for t in element.get("type", [])),
        choice=choice,
        fixed=fixed,
        pattern=pattern,
        binding=Binding(binding["strength"], binding["valueSet"])
        if binding
        and binding.get("valueSet")
        and binding.get("strength") in ("required", "extensible")
        else None,
        invariants=tuple(
            Invariant(
                c["key"],
                c.get("severity", "error"),
                c.get("human", ""),
                c["expression"],
                str(c.get("source") or sd.get("url")).startswith(CORE_SD),
            )
            for c in element.get("constraint", [])
            if c.get("expression") and c.get("key") not in NATIVE_STRUCTURAL
        ),
        slicing=Slicing(
            tuple(Discriminator(d["type"], d["path"]) for d in slicing.get("discriminator", [])),
            str(slicing.get("rules", "open")),
            bool(slicing.get("ordered", False)),
        )
        if slicing
        else None,
        slice_name=element.get("sliceName"),
        content_ref=content_ref.split("#", 1)[1] if isinstance(content_ref, str) else None,
    )


def _type_ref(raw: Element, is_resource_id: bool) -> TypeRef:
    code = str(raw["code"])
    if code in _SYSTEM_TYPES:
        fhir_type = next(
            (e.get("valueUrl") for e in raw.get("extension", []) if e.get("url") == _FHIR_TYPE_EXT),
            None,
        )
        code = "id" if is_resource_id else str(fhir_type or _SYSTEM_TYPES[code])
    return TypeRef(code, tuple(raw.get("profile", [])), tuple(raw.get("targetProfile", [])))
