"""Data-type rules beyond the definitions: Attachment data, UCUM units, Period and Range order."""

import base64
import hashlib

import pytest

from service.validation import Validator
from service.validation.comparison import at_most, quantity_at_most
from service.validation.ucum import problem
from tests.validation import conftest as c

HELLO = base64.b64encode(b"Hello").decode()


def _photo(**attachment: object) -> dict[str, object]:
    patient = c.patient()
    patient["photo"] = [{"contentType": "image/png", **attachment}]
    return patient


@pytest.mark.parametrize(
    "attachment",
    [
        {"data": "SGVs bG8="},
        {"data": "SGVsbG8"},
        {"data": HELLO, "size": 6},
        {"data": HELLO, "hash": base64.b64encode(hashlib.sha1(b"Hellp").digest()).decode()},
    ],
)
def test_attachment_data_must_match(v: Validator, attachment: dict[str, object]) -> None:
    assert ("attachment.data", "Patient.photo[0]") in c.errors(v.validate(_photo(**attachment)))


def test_attachment_with_matching_size_and_hash(v: Validator) -> None:
    sha1 = base64.b64encode(hashlib.sha1(b"Hello").digest()).decode()
    assert c.errors(v.validate(_photo(data=HELLO, size=5, hash=sha1))) == []
    assert c.errors(v.validate(_photo(url="http://example.org/x.png", size=1))) == []


@pytest.mark.parametrize(
    "code", ["/min", "mm[Hg]", "{beats}/min", "10*3/uL", "kg.m/s2", "m2", "s-1", "%", "1", "[in_i]"]
)
def test_valid_ucum(code: str) -> None:
    assert problem(code) is None


@pytest.mark.parametrize(
    "code", ["minutes", "lbs", "m in", "k[in_i]", "{beats", "MIN", "(m/s", "min^2", "beats/min"]
)
def test_invalid_ucum(code: str) -> None:
    assert problem(code) is not None


def test_ucum_is_checked_on_quantity_not_on_duration(v: Validator) -> None:
    task = c.task()
    task["input"] = [
        {
            "type": {"text": "dose"},
            "valueQuantity": {"value": 1, "system": "http://unitsofmeasure.org", "code": "lbs"},
        }
    ]
    assert ("quantity.ucum", "Task.input[0].value.ofType(Quantity)") in c.errors(v.validate(task))
    task["input"][0] = {
        "type": {"text": "time"},
        "valueDuration": {"value": 1, "system": "http://unitsofmeasure.org", "code": "lbs"},
    }
    assert not [e for e in c.errors(v.validate(task)) if e[0] == "quantity.ucum"]


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2016-01-01", "2016-01-02", True),
        ("2016-01-02", "2016-01-01", False),
        ("2015", "2014-12-31", False),
        ("2014-05-01", "2014", None),
        ("2015-06-28T10:00:00+02:00", "2015-06-28T09:00:00+00:00", True),
        ("2015-06-28T10:00:00+02:00", "2015-06-28T09:00:00+10:00", False),
    ],
)
def test_date_order_with_fhirpath_precision(start: str, end: str, expected: bool | None) -> None:
    assert at_most(start, end) is expected


def test_quantities_compare_in_one_unit_only() -> None:
    kg, g = {"value": 1, "code": "kg"}, {"value": 1500, "code": "g"}
    assert quantity_at_most({"value": 1, "code": "kg"}, {"value": 2, "code": "kg"}) is True
    assert quantity_at_most(kg, g) is None


def test_period_order_is_an_invariant_error(v: Validator) -> None:
    encounter = c.encounter()
    encounter["period"] = {"start": "2026-11-02", "end": "2026-11-01"}
    assert ("invariant", "Encounter.period") in c.errors(v.validate(encounter))
