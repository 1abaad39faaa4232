"""Which profiles a resource is checked against, reporting the ones this server does not know."""

from typing import Any

from service.definitions.registry import CORE_SD, DefinitionRegistry
from service.outcome import Severity
from service.validation.compiler import Compiler, Profile
from service.validation.issues import Issues

Json = dict[str, Any]


def profiles_for(
    compiler: Compiler,
    registry: DefinitionRegistry,
    resource: Json,
    explicit: tuple[str, ...],
    expr: str,
    issues: Issues,
) -> list[Profile]:
    """Profiles a resource is checked against: explicit and meta.profile ones that we know,
    else the base definition of its type (a constraint profile includes its base)."""
    kind = resource.get("resourceType")
    meta = resource.get("meta")
    declared = meta.get("profile") if isinstance(meta, dict) else None
    declared = [p for p in declared if isinstance(p, str)] if isinstance(declared, list) else []
    found: list[Profile] = []
    for url in dict.fromkeys((*explicit, *declared)):  # each profile once, in order
        profile = compiler.profile(url)
        if profile is not None:
            found.append(profile)
        else:
            severity: Severity = "error" if url in explicit else "warning"
            issues.add(
                "profile.unknown",
                expr,
                f"Profile {url} is not known to this server, the resource was not checked "
                "against it",
                severity=severity,
            )
    if not found and isinstance(kind, str):
        base = compiler.profile(CORE_SD + kind)
        if base is not None and base.kind == "resource":
            found.append(base)
    if not found and isinstance(kind, str) and kind in registry.r4_resource_types():
        issues.add(
            "profile.unknown",
            expr,
            f"{kind} is an R4 resource type this server has no definition for; "
            "it was not checked in depth",
            severity="information",
        )
    elif not found:
        issues.add(
            "structure.resource-type",
            expr,
            f"'{kind}' is not a known resource type"
            if isinstance(kind, str)
            else "The JSON object has no resourceType",
        )
    return found
