"""Questionnaire rules the Java validator enforces in code: enableWhen names an existing, other,
not-inner question; and a QuestionnaireResponse against its Questionnaire when that is contained
(`#id`) or in the same Bundle (by canonical url): items known at their level and in order,
answers of the item's type, one answer unless the item repeats, none on groups and displays.
A Questionnaire that cannot be found is not an error (the Java validator only warns).
"""

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from service.validation.issues import Issues

if TYPE_CHECKING:
    from service.validation.bundle import BundleIndex

Json = dict[str, Any]

#: item.type -> the answer value[x] keys it allows
ANSWER_TYPES: dict[str, frozenset[str]] = {
    "boolean": frozenset({"valueBoolean"}),
    "decimal": frozenset({"valueDecimal"}),
    "integer": frozenset({"valueInteger"}),
    "date": frozenset({"valueDate"}),
    "dateTime": frozenset({"valueDateTime"}),
    "time": frozenset({"valueTime"}),
    "string": frozenset({"valueString"}),
    "text": frozenset({"valueString"}),
    "url": frozenset({"valueUri"}),
    "choice": frozenset({"valueCoding"}),
    "open-choice": frozenset({"valueCoding", "valueString"}),
    "attachment": frozenset({"valueAttachment"}),
    "reference": frozenset({"valueReference"}),
    "quantity": frozenset({"valueQuantity"}),
}
_NO_ANSWERS = frozenset({"group", "display"})


def _items(holder: Any) -> list[Json]:
    items = holder.get("item") if isinstance(holder, dict) else None
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _all_items(holder: Any) -> Iterator[Json]:
    for item in _items(holder):
        yield item
        yield from _all_items(item)


def check_questionnaire(questionnaire: Json, expr: str, issues: Issues) -> None:
    known = {i.get("linkId") for i in _all_items(questionnaire)}
    _enable_when(questionnaire, f"{expr}", known, issues)


def _enable_when(holder: Json, expr: str, known: set[Any], issues: Issues) -> None:
    for position, item in enumerate(_items(holder)):
        item_expr = f"{expr}.item[{position}]"
        conditions = item.get("enableWhen")
        inner = {i.get("linkId") for i in _all_items(item)}
        for condition in conditions if isinstance(conditions, list) else []:
            question = condition.get("question") if isinstance(condition, dict) else None
            if not isinstance(question, str):
                continue
            if question not in known:
                issues.add(
                    "questionnaire.enable-when",
                    item_expr,
                    f"Unable to find an item with the linkId '{question}' which is referenced "
                    f"in the enableWhen for '{item.get('linkId')}'",
                    java="Questionnaire_Q_EnableWhen_NoTarget",
                )
            elif question == item.get("linkId"):
                issues.add(
                    "questionnaire.enable-when",
                    item_expr,
                    f"Target for the enableWhen of '{question}' is the item itself",
                    java="Questionnaire_Q_EnableWhen_Self",
                )
            elif question in inner:
                issues.add(
                    "questionnaire.enable-when",
                    item_expr,
                    f"The enableWhen of '{item.get('linkId')}' refers to its own inner "
                    f"question '{question}'",
                    java="Questionnaire_Q_EnableWhen_IsInner",
                )
        _enable_when(item, item_expr, known, issues)


def check_response(response: Json, expr: str, issues: Issues, bundle: "BundleIndex | None") -> None:
    reference = response.get("questionnaire")
    if not isinstance(reference, str):
        return
    questionnaire = _find(response, reference, bundle)
    if questionnaire is not None:
        _answers(_items(questionnaire), response, expr, expr, issues)


def _find(response: Json, reference: str, bundle: "BundleIndex | None") -> Json | None:
    if reference.startswith("#"):
        contained = response.get("contained")
        for candidate in contained if isinstance(contained, list) else []:
            if isinstance(candidate, dict) and candidate.get("id") == reference[1:]:
                return candidate if candidate.get("resourceType") == "Questionnaire" else None
        return None
    return bundle.canonical(reference.split("|", 1)[0]) if bundle is not None else None


def _answers(
    definitions: list[Json], holder: Json, holder_expr: str, root: str, issues: Issues
) -> None:
    by_id = {d.get("linkId"): (position, d) for position, d in enumerate(definitions)}
    highest = -1
    for position, item in enumerate(_items(holder)):
        item_expr = f"{holder_expr}.item[{position}]"
        found = by_id.get(item.get("linkId"))
        if found is None:
            issues.add(
                "questionnaire.item",
                holder_expr if holder_expr == root else item_expr,
                f"LinkId '{item.get('linkId')}' not found in the questionnaire at this level",
                java="Questionnaire_QR_Item_NotFound",
            )
            continue
        order, definition = found
        if order < highest:
            issues.add(
                "questionnaire.item",
                item_expr,
                "Structural error: items are out of order",
                java="Questionnaire_QR_Item_Order",
            )
        highest = max(highest, order)
        _item(definition, item, item_expr, root, issues)


def _item(definition: Json, item: Json, expr: str, root: str, issues: Issues) -> None:
    text, defined = item.get("text"), definition.get("text")
    if isinstance(text, str) and isinstance(defined, str) and text != defined:
        issues.add(
            "questionnaire.item",
            expr,
            f"The item text '{text}' does not match the questionnaire's '{defined}'",
            java="Questionnaire_QR_Item_Text",
        )
    kind = definition.get("type")
    answers = item.get("answer")
    answers = [a for a in answers if isinstance(a, dict)] if isinstance(answers, list) else []
    if kind in _NO_ANSWERS and answers:
        issues.add(
            "questionnaire.item",
            expr,
            f"Item '{item.get('linkId')}' is a {kind} and cannot have answers",
            java="Questionnaire_QR_Item_Group",
        )
    if len(answers) > 1 and definition.get("repeats") is not True:
        issues.add(
            "questionnaire.item",
            expr,
            f"Only one answer is allowed for item '{item.get('linkId')}'",
            java="Questionnaire_QR_Item_OnlyOneA",
        )
    allowed = ANSWER_TYPES.get(str(kind))
    for position, answer in enumerate(answers):
        answer_expr = f"{expr}.answer[{position}]"
        keys = [k for k in answer if k.startswith("value")]
        if allowed is not None and keys and keys[0] not in allowed:
            issues.add(
                "questionnaire.item",
                f"{answer_expr}.value.ofType({keys[0][5:].lower()})",
                f"Answer value must be of type {kind}, not {keys[0][5:]}",
                java="Questionnaire_QR_Item_WrongType",
            )
        _answers(_items(definition), answer, answer_expr, root, issues)
    _answers(_items(definition), item, expr, root, issues)
