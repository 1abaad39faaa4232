"""Id rules the Java validator applies to a whole resource: element ids are unique within it
(each contained resource is its own scope), and contained resources have distinct ids."""

from collections.abc import Iterator
from typing import Any

from service.validation.issues import Issues


def check_ids(resource: dict[str, Any], expr: str, issues: Issues) -> None:
    seen: set[str] = set()
    scope = resource
    if resource.get("resourceType") == "StructureDefinition":
        # a snapshot and its differential repeat the same ElementDefinition ids by design
        scope = {k: v for k, v in resource.items() if k not in ("snapshot", "differential")}
    for element_id, where in _element_ids(scope, expr, top=True):
        if element_id in seen:
            issues.add(
                "id.duplicate",
                where,
                f"Duplicate id value '{element_id}'",
                java="DUPLICATE_ID",
            )
        seen.add(element_id)
    contained = resource.get("contained")
    ids: set[str] = set()
    for position, item in enumerate(contained if isinstance(contained, list) else []):
        local = item.get("id") if isinstance(item, dict) else None
        if isinstance(local, str):
            if local in ids:
                issues.add(
                    "id.duplicate",
                    f"{expr}.contained[{position}]",
                    f"Duplicate contained resource id '{local}'",
                    java="RESOURCE_DUPLICATE_CONTAINED_ID",
                )
            ids.add(local)


def _element_ids(value: Any, expr: str, top: bool = False) -> Iterator[tuple[str, str]]:
    """(id, expression of its element) for every element below the resource, not entering
    contained or nested resources."""
    if isinstance(value, dict):
        if not top and "resourceType" in value:
            return
        for key, item in value.items():
            if key == "id" and not top and isinstance(item, str):
                yield item, expr
            elif isinstance(item, dict):
                yield from _element_ids(item, f"{expr}.{key}")
            elif isinstance(item, list) and key != "contained":
                for position, element in enumerate(item):
                    yield from _element_ids(element, f"{expr}.{key}[{position}]")
