"""Questionnaire enableWhen targets, and a QuestionnaireResponse against its contained
Questionnaire, as the Java validator checks them."""

import copy
from typing import Any

from service.validation import Validator
from tests.validation import conftest as c

QUESTIONNAIRE: dict[str, Any] = {
    "resourceType": "Questionnaire",
    "id": "q",
    "status": "active",
    "item": [
        {"linkId": "1", "text": "Smoker?", "type": "boolean"},
        {
            "linkId": "2",
            "text": "Details",
            "type": "group",
            "item": [{"linkId": "2.1", "text": "Since", "type": "date"}],
        },
    ],
}


def _questionnaire(**first_item: Any) -> dict[str, Any]:
    questionnaire = copy.deepcopy(QUESTIONNAIRE)
    questionnaire["text"] = c.NARRATIVE
    questionnaire["item"][1].update(first_item)
    return questionnaire


def _response(items: list[dict[str, Any]]) -> dict[str, Any]:
    contained = {k: v for k, v in QUESTIONNAIRE.items() if k != "text"}
    return {
        "resourceType": "QuestionnaireResponse",
        "id": "r",
        "text": c.NARRATIVE,
        "contained": [contained],
        "questionnaire": "#q",
        "status": "completed",
        "item": items,
    }


GOOD = [
    {"linkId": "1", "text": "Smoker?", "answer": [{"valueBoolean": True}]},
    {
        "linkId": "2",
        "text": "Details",
        "item": [{"linkId": "2.1", "answer": [{"valueDate": "2001"}]}],
    },
]


def test_enable_when_targets(v: Validator) -> None:
    when = {"operator": "=", "answerBoolean": True}
    assert c.errors(v.validate(_questionnaire(enableWhen=[{"question": "1", **when}]))) == []
    for question in ("9", "2", "2.1"):
        outcome = v.validate(_questionnaire(enableWhen=[{"question": question, **when}]))
        assert c.errors(outcome) == [("questionnaire.enable-when", "Questionnaire.item[1]")]


def test_two_conditions_need_enable_behavior(v: Validator) -> None:
    when = {"operator": "=", "answerBoolean": True}
    both = [{"question": "1", **when}, {"question": "1", **when}]
    assert ("invariant", "Questionnaire.item[1]") in c.errors(
        v.validate(_questionnaire(enableWhen=both))
    )


def test_response_matching_its_contained_questionnaire(v: Validator) -> None:
    assert c.errors(v.validate(_response(copy.deepcopy(GOOD)))) == []


def test_response_items_against_the_questionnaire(v: Validator) -> None:
    wrong_type = copy.deepcopy(GOOD)
    wrong_type[0]["answer"] = [{"valueString": "yes"}]
    unknown = [*copy.deepcopy(GOOD), {"linkId": "9", "answer": [{"valueString": "x"}]}]
    two_answers = copy.deepcopy(GOOD)
    two_answers[0]["answer"].append({"valueBoolean": False})
    out_of_order = list(reversed(copy.deepcopy(GOOD)))
    for items, expression in (
        (wrong_type, "QuestionnaireResponse.item[0].answer[0].value.ofType(string)"),
        (unknown, "QuestionnaireResponse"),
        (two_answers, "QuestionnaireResponse.item[0]"),
        (out_of_order, "QuestionnaireResponse.item[1]"),
    ):
        assert ("questionnaire.item", expression) in c.errors(v.validate(_response(items)))


def test_fragment_canonical_must_name_a_contained_resource(v: Validator) -> None:
    response = _response(copy.deepcopy(GOOD))
    response["questionnaire"] = "#other"
    assert ("reference.unresolved", "QuestionnaireResponse.questionnaire") in c.errors(
        v.validate(response)
    )
