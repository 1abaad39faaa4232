"""The guide's contract with its validator: every valid example passes without errors, every
invalid case fails with exactly the error recorded beside it, and that error is its own."""

from typing import Any

import pytest

from fhir_profiles.build import invalid_examples
from fhir_profiles.guide import guide
from service.validation import validator
from service.validation.issues import ISSUE_SYSTEM

CASES = invalid_examples.load()


def _errors(outcome: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (coding["code"], (issue.get("expression") or [""])[0])
        for issue in outcome["issue"]
        if issue["severity"] in ("error", "fatal")
        for coding in issue["details"].get("coding", [])
        if coding["system"] == ISSUE_SYSTEM
    }


@pytest.mark.parametrize(
    "example", guide().examples, ids=lambda r: f"{r['resourceType']}/{r['id']}"
)
def test_valid_example_has_no_errors(example: dict[str, Any]) -> None:
    assert _errors(validator().validate(example)) == set()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_invalid_case_fails_with_its_recorded_error(case: invalid_examples.InvalidCase) -> None:
    errors = _errors(validator().validate(case.resource()))
    assert (case.code, case.expression) in errors
    assert {(c, e) for c, e in errors if not _companion(c, case.code)} == {
        (case.code, case.expression)
    }, "the case breaks more than one rule"


def _companion(code: str, recorded: str) -> bool:
    """Issues that always accompany the recorded one for the same broken rule."""
    if recorded.startswith("invariant."):
        return code == "invariant"
    if recorded == "binding.required":
        return code == "binding.unknown-code"
    return False
