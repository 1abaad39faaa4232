"""StructureDefinition consistency the Java validator checks: a constraint has the kind and type
of the definition it constrains (when that one is known here)."""

from typing import Any

from service.definitions.registry import DefinitionRegistry
from service.validation.issues import Issues


def check_structure_definition(
    sd: dict[str, Any], expr: str, issues: Issues, registry: DefinitionRegistry
) -> None:
    base_url = sd.get("baseDefinition")
    if sd.get("derivation") != "constraint" or not isinstance(base_url, str):
        return
    base = registry.structure(base_url)
    if base is None:
        return
    if sd.get("kind") != base.get("kind"):
        issues.add(
            "definition.invalid",
            expr,
            f"The kind {sd.get('kind')} must be the same as the kind {base.get('kind')} in the "
            f"base structure {base_url}",
            java="SD_CONSTRAINED_KIND_NO_MATCH",
        )
