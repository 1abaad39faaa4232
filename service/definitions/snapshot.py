"""Snapshot generation for differential-only profiles (SUSHI output).

SUSHI only writes differentials, and the validator needs every element with its effective
constraints. We start from the base definition's snapshot and apply each differential element in
order: merging onto an existing element, inserting a slice (a copy of the sliced element's
subtree), or unfolding a data type when the differential reaches into a complex element's children.
"""

import copy
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from service.definitions.registry import DefinitionRegistry

Element = dict[str, Any]

_IDENTITY = ("id", "path")
_PREFIXES = ("fixed", "pattern", "defaultValue", "minValue", "maxValue")


class SnapshotError(ValueError):
    """The differential names an element the base cannot provide."""


def generate_snapshot(sd: dict[str, Any], registry: "DefinitionRegistry") -> list[Element]:
    """Snapshot elements of `sd` from its base's snapshot plus its differential."""
    base_url = sd.get("baseDefinition")
    base = registry.snapshot(base_url) if isinstance(base_url, str) else None
    if base is None:
        raise SnapshotError(f"{sd.get('url')}: base definition {base_url} is not known")
    elements = copy.deepcopy(base)
    for element in elements:
        for constraint in element.get("constraint", []):
            constraint.setdefault("source", base_url)  # inherited rules keep their origin
    builder = _Builder(elements, registry)
    for diff in sd.get("differential", {}).get("element", []):
        builder.apply(diff)
    return builder.elements


class _Builder:
    def __init__(self, elements: list[Element], registry: "DefinitionRegistry") -> None:
        self.elements = elements
        self.registry = registry

    def index_of(self, element_id: str) -> int | None:
        for position, element in enumerate(self.elements):
            if element.get("id") == element_id:
                return position
        return None

    def apply(self, diff: Element) -> None:
        element_id = diff["id"]
        position = self.ensure(element_id)
        _merge(self.elements[position], diff)

    def ensure(self, element_id: str) -> int:
        """Position of `element_id`, creating the slice or unfolding the type that holds it."""
        position = self.index_of(element_id)
        if position is not None:
            return position
        parent_id, _, last = element_id.rpartition(".")
        if not parent_id:
            raise SnapshotError(f"unknown element {element_id}")
        if ":" in last:
            name, _, slice_name = last.partition(":")
            return self.add_slice(f"{parent_id}.{name}", slice_name)
        parent = self.ensure(parent_id)
        self.unfold(parent)
        position = self.index_of(element_id)
        if position is None:
            raise SnapshotError(f"unknown element {element_id}")
        return position

    def subtree_end(self, position: int, include_slices: bool) -> int:
        """Index just past the element at `position` and its descendants (and slices)."""
        root = self.elements[position]["id"]
        end = position + 1
        while end < len(self.elements):
            other = self.elements[end]["id"]
            if not (
                other.startswith(root + ".") or (include_slices and other.startswith(root + ":"))
            ):
                break
            end += 1
        return end

    def add_slice(self, sliced_id: str, slice_name: str) -> int:
        start = self.ensure(sliced_id)
        end = self.subtree_end(start, include_slices=False)
        copies = copy.deepcopy(self.elements[start:end])
        new_root = f"{sliced_id}:{slice_name}"
        for element in copies:
            element["id"] = new_root + element["id"][len(sliced_id) :]
        copies[0]["sliceName"] = slice_name
        copies[0].pop("slicing", None)
        insert_at = self.subtree_end(start, include_slices=True)
        self.elements[insert_at:insert_at] = copies
        return insert_at

    def unfold(self, position: int) -> None:
        """Insert the children of a complex element from its type's (or type profile's) snapshot."""
        parent = self.elements[position]
        if self.subtree_end(position, include_slices=False) > position + 1:
            return
        types = parent.get("type") or []
        if len(types) != 1:
            raise SnapshotError(f"{parent['id']}: cannot unfold an element with {len(types)} types")
        profiles = types[0].get("profile") or []
        source = profiles[0] if profiles else _core_url(types[0]["code"])
        type_elements = self.registry.snapshot(source)
        if type_elements is None:
            raise SnapshotError(f"{parent['id']}: type {source} is not known")
        root_path = type_elements[0]["path"]
        children = copy.deepcopy(type_elements[1:])
        for child in children:
            child["id"] = parent["id"] + child["id"][len(root_path) :]
            child["path"] = parent["path"] + child["path"][len(root_path) :]
        self.elements[position + 1 : position + 1] = children


def _core_url(type_code: str) -> str:
    return type_code if "/" in type_code else f"http://hl7.org/fhir/StructureDefinition/{type_code}"


def _merge(target: Element, diff: Element) -> None:
    """Apply one differential element's constraints onto the snapshot element."""
    for key, value in diff.items():
        if key in _IDENTITY:
            continue
        if key == "constraint":
            known = {c.get("key") for c in target.get("constraint", [])}
            target["constraint"] = target.get("constraint", []) + [
                c for c in value if c.get("key") not in known
            ]
        elif key.startswith(_PREFIXES):
            prefix = next(p for p in _PREFIXES if key.startswith(p))
            for other in [k for k in target if k.startswith(prefix) and k != key]:
                del target[other]
            target[key] = copy.deepcopy(value)
        else:
            target[key] = copy.deepcopy(value)
