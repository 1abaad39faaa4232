"""The retry etiquette as pure functions: verdicts, backoff with full jitter, the horizon."""

from datetime import UTC, datetime, timedelta

import pytest

from service.delivery.patient import patient_of
from service.delivery.policy import (
    Outcome,
    Verdict,
    backoff,
    classify,
    next_attempt,
    parse_retry_after,
)
from tests.delivery.support import message, task

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
DAY = timedelta(hours=72)


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (200, Verdict.DELIVERED),
        (201, Verdict.DELIVERED),
        (202, Verdict.DELIVERED),
        (204, Verdict.DELIVERED),
        (400, Verdict.DEAD),
        (401, Verdict.DEAD),
        (404, Verdict.DEAD),
        (409, Verdict.DEAD),
        (422, Verdict.DEAD),
        (408, Verdict.RETRY),
        (429, Verdict.RETRY),
        (500, Verdict.RETRY),
        (503, Verdict.RETRY),
        (302, Verdict.RETRY),
    ],
)
def test_classify(status: int, verdict: Verdict) -> None:
    assert classify(status).verdict is verdict


def test_backoff_is_exponential_capped_and_fully_jittered() -> None:
    assert [backoff(n, 5, 3600, 1.0).total_seconds() for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert backoff(30, 5, 3600, 1.0) == timedelta(hours=1)
    assert backoff(3, 5, 3600, 0.0) == timedelta(0)
    assert backoff(3, 5, 3600, 0.5) == timedelta(seconds=10)


def test_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Fri, 20 Nov 2026 12:01:00 GMT", NOW) == 60
    assert parse_retry_after("soon") is None
    retry = Outcome(Verdict.RETRY, "HTTP 429", retry_after=120)
    assert next_attempt(retry, 1, NOW, NOW, DAY, 5, 3600, 0.3) == NOW + timedelta(seconds=120)


def test_last_retry_is_at_the_horizon_then_dead() -> None:
    failing = Outcome(Verdict.RETRY, "HTTP 503")
    created = NOW - DAY + timedelta(minutes=1)
    assert next_attempt(failing, 20, NOW, created, DAY, 5, 3600, 1.0) == created + DAY
    assert next_attempt(failing, 21, created + DAY, created, DAY, 5, 3600, 1.0) is None
    assert next_attempt(Outcome(Verdict.DEAD, "HTTP 400"), 1, NOW, NOW, DAY, 5, 3600, 1) is None


def test_patient_from_task_message_focus_or_ordering_key() -> None:
    assert patient_of('{"resourceType":"Task","id":"x","for":{"reference":"Patient/a"}}') == (
        "Patient/a"
    )
    import json

    assert patient_of(json.dumps(message("t1", "Patient/b"))) == "Patient/b"
    assert patient_of(json.dumps(task("t1", "Patient/c"))) == "Patient/c"
    assert patient_of("{}", "Organization/x|Patient/d") == "Patient/d"
    assert patient_of("not json") is None
