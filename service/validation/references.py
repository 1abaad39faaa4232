"""Reference checks: resolution inside the enclosing bundle, and the referenced resource's type
against the element's targetProfile."""

import re
from typing import TYPE_CHECKING, Any

from service.definitions.registry import DefinitionRegistry
from service.validation.issues import Issues

if TYPE_CHECKING:
    from service.validation.bundle import BundleIndex

_RESTFUL = re.compile(
    r"^(?:(?:https?://[^\s]+?/)?)(?P<type>[A-Z][A-Za-z]+)/(?P<id>[A-Za-z0-9\-.]{1,64})"
    r"(?:/_history/[A-Za-z0-9\-.]{1,64})?$"
)


class ReferenceChecker:
    def __init__(self, registry: DefinitionRegistry) -> None:
        self.registry = registry
        self._targets: dict[tuple[str, ...], frozenset[str]] = {}

    def check(
        self,
        label: str,
        value: dict[str, Any],
        targets: tuple[str, ...],
        expr: str,
        holders: tuple[dict[str, Any], dict[str, Any] | None],
        bundle: "BundleIndex | None",
        issues: Issues,
    ) -> None:
        """`holders`: the resource the reference is in, and the resource containing that one
        (None unless it is a contained resource): "#" alone points to the container."""
        reference = value.get("reference")
        resource, container = holders
        resolved: dict[str, Any] | None = None
        if isinstance(reference, str):
            if reference == "#":
                resolved = container
            elif reference.startswith("#"):
                resolved = _contained(container or resource, reference[1:])
            elif bundle is not None:
                resolved = bundle.resolve(reference, resource)
                problem = bundle.problem(reference, resource) if resolved is None else None
                if problem is not None:
                    issues.add(
                        "reference.unresolved",
                        expr,
                        f"{label}: {problem[1]}",
                        java=problem[0],
                    )
                resolved = resolved or bundle.apparent(reference)
        if not targets:
            return
        allowed = self._targets.get(targets)
        if allowed is None:
            allowed = self._targets[targets] = target_types(self.registry, targets)
        kind = referenced_type(value, resolved)
        if allowed and kind is not None and kind not in allowed:
            issues.add(
                "reference.target",
                expr,
                f"{label}: the reference points to a {kind}, but only "
                f"{', '.join(sorted(allowed))} are allowed",
            )


def _contained(resource: dict[str, Any], local_id: str) -> dict[str, Any] | None:
    contained = resource.get("contained")
    for candidate in contained if isinstance(contained, list) else []:
        if isinstance(candidate, dict) and candidate.get("id") == local_id:
            return candidate
    return None


def check_canonical(
    label: str, value: str, expr: str, resource: dict[str, Any], issues: Issues
) -> None:
    """`#id` must name a contained resource; anything else should be absolute. The Java
    validator makes a relative canonical an error, but official R4 examples (e.g.
    MessageDefinition.base) use them, so here it is a warning (conformance/README.md)."""
    if value.startswith("#"):
        if _contained(resource, value[1:]) is None:
            issues.add(
                "reference.unresolved",
                expr,
                f"{label}: '{value}' names no contained resource",
                java="TYPE_SPECIFIC_CHECKS_DT_URL_INTERNAL",
            )
    elif ":" not in value:
        issues.add(
            "canonical.relative",
            expr,
            f"{label}: canonical URLs must be absolute URLs if they are not fragment references "
            f"({value})",
            severity="warning",
            java="TYPE_SPECIFIC_CHECKS_CANONICAL_ABSOLUTE",
        )


def restful_type(reference: str) -> str | None:
    """Resource type named by a relative or absolute RESTful reference, else None."""
    match = _RESTFUL.match(reference)
    return match.group("type") if match else None


def target_types(registry: DefinitionRegistry, targets: tuple[str, ...]) -> frozenset[str]:
    """Resource types allowed by targetProfile urls (empty set: anything goes)."""
    types: set[str] = set()
    for url in targets:
        sd = registry.structure(url)
        types.add(str(sd["type"]) if sd is not None else url.rsplit("/", 1)[-1])
    return frozenset() if "Resource" in types else frozenset(types)


def referenced_type(value: dict[str, Any], resolved: dict[str, Any] | None) -> str | None:
    """Type of the referenced resource, from the resolved resource, the reference, or `type`."""
    if resolved is not None and isinstance(resolved.get("resourceType"), str):
        return str(resolved["resourceType"])
    reference = value.get("reference")
    if isinstance(reference, str):
        found = restful_type(reference)
        if found is not None:
            return found
    declared = value.get("type")
    return declared if isinstance(declared, str) else None
