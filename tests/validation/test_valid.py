"""Hand-made realistic R4 resources must validate without errors."""

import pytest

from service.outcome import has_errors
from service.validation import Validator
from service.validation.issues import ISSUE_SYSTEM
from tests.validation import conftest as c


@pytest.mark.parametrize(
    "make",
    [c.patient, c.encounter, c.task, c.message_bundle, c.transaction_bundle],
    ids=lambda make: make.__name__,
)
def test_valid_resources_have_no_errors(v: Validator, make: c.Maker) -> None:
    outcome = v.validate(make())
    assert outcome["resourceType"] == "OperationOutcome"
    assert c.errors(outcome) == []
    assert not has_errors(outcome)


def test_clean_resource_is_all_ok(v: Validator) -> None:
    outcome = v.validate(c.patient())
    assert outcome["issue"] == [
        {"severity": "information", "code": "informational", "details": {"text": "All OK"}}
    ]


def test_missing_narrative_is_only_a_warning(v: Validator) -> None:
    resource = c.patient()
    del resource["text"]
    outcome = v.validate(resource)
    assert c.errors(outcome) == []
    assert ("invariant", "Patient") in c.found(outcome, "warning")
    dom6 = next(i for i in outcome["issue"] if i["severity"] == "warning")
    assert {"system": ISSUE_SYSTEM, "code": "invariant.dom-6"} in dom6["details"]["coding"]


def test_validate_json_round_trip(v: Validator) -> None:
    import json

    assert c.errors(v.validate_json(json.dumps(c.encounter()))) == []
    assert c.errors(v.validate_json(json.dumps(c.encounter()).encode())) == []
