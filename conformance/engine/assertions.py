"""TestScript assertions: each kind of `assert` is one small check returning (passed, message)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from conformance.engine.context import Context, Resource, ScriptError, evaluate, stringify

RESPONSE_CODES = {
    "okay": 200,
    "created": 201,
    "noContent": 204,
    "notModified": 304,
    "bad": 400,
    "forbidden": 403,
    "notFound": 404,
    "methodNotAllowed": 405,
    "conflict": 409,
    "gone": 410,
    "preconditionFailed": 412,
    "unprocessable": 422,
}

ProfileValidator = Callable[[Resource, str], list[str]]
"""Validates a resource against a profile canonical; returns error messages (empty = valid)."""


@dataclass(frozen=True)
class Outcome:
    passed: bool
    message: str


def compare(actual: list[Any], operator: str, expected: str | None) -> bool:
    """The TestScript assertion operators over an evaluated value list."""
    if operator == "empty":
        return not actual
    if operator == "notEmpty":
        return bool(actual)
    if operator == "eval":
        return actual == [True]
    values = [stringify(v) for v in actual]
    if expected is None:
        raise ScriptError(f"operator '{operator}' needs a value")
    if operator == "equals":
        return values == [expected]
    if operator == "notEquals":
        return values != [expected]
    if operator == "in":
        return bool(values) and all(v in expected.split(",") for v in values)
    if operator == "notIn":
        return not any(v in expected.split(",") for v in values)
    if operator == "contains":
        return any(expected in v for v in values)
    if operator == "notContains":
        return not any(expected in v for v in values)
    if operator in ("greaterThan", "lessThan"):
        if len(values) != 1:
            return False
        try:
            left, right = float(values[0]), float(expected)
        except ValueError:
            left_text, right_text = values[0], expected
            return left_text > right_text if operator == "greaterThan" else left_text < right_text
        return left > right if operator == "greaterThan" else left < right
    raise ScriptError(f"unknown assertion operator '{operator}'")


def _describe(actual: list[Any]) -> str:
    return "nothing" if not actual else ", ".join(stringify(v) for v in actual)


def _check(actual: list[Any], operator: str, expected: str | None, what: str) -> Outcome:
    passed = compare(actual, operator, expected)
    wanted = f"{operator} {expected!r}" if expected is not None else operator
    return Outcome(passed, f"{what}: expected {wanted}, got {_describe(actual)}")


def _body(assertion: Resource, context: Context) -> Resource | None:
    if assertion.get("direction") == "request":
        return context.exchange(assertion.get("sourceId")).request_body
    return context.source(assertion.get("sourceId"))


def check(
    assertion: Resource, context: Context, validator: ProfileValidator | None = None
) -> Outcome:
    """Evaluate one assert element against the context."""
    operator = assertion.get("operator", "equals")
    raw = assertion.get("value")
    expected = context.substitute(raw) if isinstance(raw, str) else raw
    if "response" in assertion:
        code = RESPONSE_CODES.get(assertion["response"])
        if code is None:
            raise ScriptError(f"unknown response code name '{assertion['response']}'")
        status = context.exchange(assertion.get("sourceId")).status
        return _check([status], operator, str(code), "response status")
    if "responseCode" in assertion:
        status = context.exchange(assertion.get("sourceId")).status
        return _check([status], operator, assertion["responseCode"], "response status")
    if "contentType" in assertion:
        header = context.exchange(assertion.get("sourceId")).header("Content-Type") or ""
        mime = header.split(";", 1)[0].strip()
        wanted = {"json": "application/fhir+json", "xml": "application/fhir+xml"}.get(
            assertion["contentType"], assertion["contentType"]
        )
        return _check([mime], operator, wanted, "Content-Type")
    if "headerField" in assertion:
        exchange = context.exchange(assertion.get("sourceId"))
        field_value = (
            exchange.request_headers.get(assertion["headerField"])
            if assertion.get("direction") == "request"
            else exchange.header(assertion["headerField"])
        )
        found = [field_value] if field_value is not None else []
        return _check(found, operator, expected, assertion["headerField"])
    if "resource" in assertion:
        typed = _body(assertion, context) or {}
        actual = [typed["resourceType"]] if "resourceType" in typed else []
        return _check(actual, operator, assertion["resource"], "resource type")
    if "requestMethod" in assertion:
        method = context.exchange(assertion.get("sourceId")).method.lower()
        return _check([method], operator, assertion["requestMethod"], "request method")
    if "requestURL" in assertion:
        url = context.exchange(assertion.get("sourceId")).url
        return _check([url], operator, expected or assertion["requestURL"], "request URL")
    if "validateProfileId" in assertion:
        return _validate_profile(assertion, context, validator)
    if "minimumId" in assertion:
        return _minimum(assertion, context)
    if "navigationLinks" in assertion:
        return _navigation(assertion, context)
    if "compareToSourceId" in assertion:
        return _compare_to_source(assertion, context, operator)
    if "expression" in assertion:
        body = _body(assertion, context)
        if body is None:
            return Outcome(False, f"{assertion['expression']}: there is no resource to evaluate")
        actual = evaluate(body, context.substitute(assertion["expression"]))
        return _check(actual, operator, expected, assertion["expression"])
    if "path" in assertion:
        raise ScriptError("XPath/JSONPath 'path' assertions are not supported; use expression")
    raise ScriptError("assert has nothing to check")


def _validate_profile(
    assertion: Resource, context: Context, validator: ProfileValidator | None
) -> Outcome:
    if validator is None:
        raise ScriptError("validateProfileId needs a profile validator")
    profile = next(
        (p for p in context.profiles if p.get("id") == assertion["validateProfileId"]), None
    )
    if profile is None or "reference" not in profile:
        raise ScriptError(f"no profile with id '{assertion['validateProfileId']}'")
    body = _body(assertion, context)
    if body is None:
        return Outcome(False, "validateProfileId: there is no resource to validate")
    errors = validator(body, profile["reference"])
    if errors:
        return Outcome(False, f"not valid against {profile['reference']}: " + "; ".join(errors))
    return Outcome(True, f"valid against {profile['reference']}")


def contains_minimum(actual: Any, minimum: Any) -> bool:
    """Every element of `minimum` is present in `actual` (lists: each item matches some item)."""
    if isinstance(minimum, dict):
        return isinstance(actual, dict) and all(
            key in actual and contains_minimum(actual[key], value)
            for key, value in minimum.items()
            if key not in ("id", "meta", "text")
        )
    if isinstance(minimum, list):
        return isinstance(actual, list) and all(
            any(contains_minimum(candidate, item) for candidate in actual) for item in minimum
        )
    return bool(actual == minimum)


def _minimum(assertion: Resource, context: Context) -> Outcome:
    minimum = context.source(assertion["minimumId"])
    body = _body(assertion, context)
    if minimum is None or body is None:
        return Outcome(False, "minimumId: nothing to compare")
    passed = contains_minimum(body, minimum)
    return Outcome(passed, f"response {'contains' if passed else 'lacks'} {assertion['minimumId']}")


def _navigation(assertion: Resource, context: Context) -> Outcome:
    """A searchset names itself, and offers `next` while there are more matches than entries."""
    body = _body(assertion, context) or {}
    relations = {link.get("relation") for link in body.get("link", [])}
    problems = []
    if body.get("resourceType") != "Bundle":
        problems.append("response is not a Bundle")
    if "self" not in relations:
        problems.append("no self link")
    total = body.get("total")
    if isinstance(total, int) and total > len(body.get("entry", [])) and "next" not in relations:
        problems.append(f"total {total} exceeds the page but there is no next link")
    has_links = not problems
    passed = has_links == bool(assertion["navigationLinks"])
    return Outcome(passed, "navigation links: " + ("; ".join(problems) or "self/next present"))


def _compare_to_source(assertion: Resource, context: Context, operator: str) -> Outcome:
    source = context.source(assertion["compareToSourceId"])
    body = _body(assertion, context)
    if "compareToSourceExpression" not in assertion or "expression" not in assertion:
        raise ScriptError("compareToSourceId needs expression and compareToSourceExpression")
    if source is None or body is None:
        return Outcome(False, "compareToSource: nothing to compare")
    left = evaluate(body, assertion["expression"])
    right = evaluate(source, assertion["compareToSourceExpression"])
    if operator in ("equals", "notEquals"):
        same = [stringify(v) for v in left] == [stringify(v) for v in right]
        passed = same if operator == "equals" else not same
        return Outcome(passed, f"{_describe(left)} {operator} {_describe(right)}")
    expected = stringify(right[0]) if right else None
    return _check(left, operator, expected, assertion["expression"])
