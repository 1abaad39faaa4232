"""Rules on whole resources that the Java validator implements in code, by resource type."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from service.validation.issues import Issues
from service.validation.questionnaire import check_questionnaire, check_response
from service.validation.search_parameter import check_search_parameter

if TYPE_CHECKING:
    from service.validation.bundle import BundleIndex

Rule = Callable[[dict[str, Any], str, Issues, "BundleIndex | None"], None]

RESOURCE_RULES: dict[str, Rule] = {
    "Questionnaire": lambda r, expr, issues, _bundle: check_questionnaire(r, expr, issues),
    "QuestionnaireResponse": check_response,
    "SearchParameter": lambda r, expr, issues, _bundle: check_search_parameter(r, expr, issues),
}
