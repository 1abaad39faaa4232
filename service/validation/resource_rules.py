"""Rules on whole resources that the Java validator implements in code, by resource type."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from service.definitions.registry import DefinitionRegistry
from service.validation.issues import Issues
from service.validation.questionnaire import check_questionnaire, check_response
from service.validation.search_parameter import check_search_parameter
from service.validation.structure_definition import check_structure_definition

if TYPE_CHECKING:
    from service.validation.bundle import BundleIndex


@dataclass(frozen=True, slots=True)
class Context:
    """What a resource rule may consult beyond the resource: the enclosing bundle, definitions."""

    bundle: "BundleIndex | None"
    registry: DefinitionRegistry


Rule = Callable[[dict[str, Any], str, Issues, Context], None]

RESOURCE_RULES: dict[str, Rule] = {
    "Questionnaire": lambda r, expr, issues, _: check_questionnaire(r, expr, issues),
    "QuestionnaireResponse": lambda r, expr, issues, c: check_response(r, expr, issues, c.bundle),
    "SearchParameter": lambda r, expr, issues, _: check_search_parameter(r, expr, issues),
    "StructureDefinition": lambda r, expr, issues, c: check_structure_definition(
        r, expr, issues, c.registry
    ),
}
