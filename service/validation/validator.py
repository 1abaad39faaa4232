"""The public validator: a resource (or JSON text) in, an OperationOutcome out, never a raise."""

from collections.abc import Sequence
from functools import cache
from typing import Any

from fhir_profiles import CANONICAL
from service.definitions.registry import DefinitionRegistry, registry
from service.jsondepth import nesting_exceeds
from service.validation.compiler import Compiler
from service.validation.issues import Issues
from service.validation.json_syntax import loads
from service.validation.structure import Checker, Run
from service.validation.terminology import Terminology

MAX_DEPTH = 64


class Validator:
    """Validates R4 resources against base definitions and profiles from one registry."""

    def __init__(self, definitions: DefinitionRegistry) -> None:
        self.registry = definitions
        self.compiler = Compiler(definitions)
        self.checker = Checker(definitions, self.compiler, Terminology(definitions))

    def knows_profile(self, url: str) -> bool:
        return self.compiler.profile(url) is not None

    def warm_up(self, canonical: str = CANONICAL) -> int:
        """Compile every profile of the guide now rather than on first use; returns the count."""
        urls = self.registry.guide_profiles(canonical)
        for url in urls:
            self.compiler.profile(url)
        return len(urls)

    def validate(
        self, resource: Any, profiles: Sequence[str] = (), issues: Issues | None = None
    ) -> dict[str, Any]:
        """OperationOutcome for `resource` against its base type, meta.profile and `profiles`."""
        issues = issues if issues is not None else Issues()
        if not isinstance(resource, dict):
            issues.add("structure.json", "", "A FHIR resource must be a JSON object")
            return issues.outcome()
        kind = resource.get("resourceType")
        expr = kind if isinstance(kind, str) else "Resource"
        if nesting_exceeds(resource, MAX_DEPTH):
            issues.add("structure.json", expr, f"JSON nesting deeper than {MAX_DEPTH} levels")
            return issues.outcome()
        run = Run(issues, resource)
        for profile in self.checker.profiles_for(resource, tuple(profiles), expr, issues):
            try:
                self.checker.resource(resource, profile, expr, run)
            except RecursionError:
                issues.add("structure.json", expr, "The resource is nested too deeply to check")
        return issues.outcome()

    def validate_json(self, text: str | bytes, profiles: Sequence[str] = ()) -> dict[str, Any]:
        """Like `validate`, from JSON text; parse errors and duplicate properties become
        `structure.json` issues."""
        issues = Issues()
        try:
            resource, duplicates = loads(text)
        except (ValueError, RecursionError) as error:
            issues.add("structure.json", "", f"The content is not valid JSON: {error}")
            return issues.outcome()
        for expression, key in duplicates:
            issues.add(
                "structure.json",
                expression,
                f"The JSON property '{key}' is a duplicate and will be ignored",
            )
        return self.validate(resource, profiles, issues)


@cache
def validator() -> Validator:
    """The default validator over the R4 core and the guide."""
    return Validator(registry())
