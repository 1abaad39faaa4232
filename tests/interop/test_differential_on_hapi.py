"""The differential set's recorded verdicts re-checked against the running HAPI FHIR: every case
gets the verdict and the error message ids recorded in tests/validation/differential/hapi.json
(`make test` compares our validator with that recording, without HAPI)."""

from collections.abc import Iterator

import httpx
import pytest

from tests.validation.differential.cases import Case, Recorded, load, recorded
from tests.validation.differential.record import validate

pytestmark = pytest.mark.hapi

CASES = load()
RECORDED = recorded()


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=120) as session:
        yield session


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_hapi_still_gives_the_recorded_verdict(
    client: httpx.Client, hapi_url: str, case: Case
) -> None:
    now = validate(client, hapi_url, case)
    expected: Recorded = RECORDED[case.name]
    errors = {i["id"] for i in now["issues"] if i["severity"] in ("error", "fatal")}
    assert (now["verdict"], errors) == (expected.verdict, expected.error_ids), (
        f"{case.name}: HAPI now says {now['verdict']} {sorted(errors)}; "
        "record again with python -m tests.validation.differential.record URL"
    )
