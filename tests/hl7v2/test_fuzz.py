"""Mutated messages never crash the intake: every one gets an ACK with MSA-1 AA, AE or AR, and an
AE or AR leaves the store as it was."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import func, select

from mappers.hl7v2.message import header_of_bytes
from mappers.hl7v2.modes import COMMIT, responses
from service.demo import directory_bundle
from service.hl7v2.intake import Intake
from service.hl7v2.service import intake
from service.rest.app import create_app
from service.settings import Settings
from service.storage.schema import versions
from tests.fuzz.hl7v2 import hl7v2_messages
from tests.hl7v2.messages import SENDERS_FILE
from tests.support.auth import principal, signed_in


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Intake]:
    data = tmp_path_factory.mktemp("fuzz")
    settings_ = Settings(data_dir=data, run_worker=False, hl7v2_senders=Path(SENDERS_FILE))
    with signed_in(create_app(settings_)) as client:
        headers = {"Content-Type": "application/fhir+json"}
        assert client.post("/fhir", json=directory_bundle(), headers=headers).status_code == 200
        yield intake(client.app.state.services)  # type: ignore[attr-defined]


def _versions(service: Intake) -> int:
    with service.store.reading() as conn:
        return int(conn.execute(select(func.count()).select_from(versions)).scalar_one())


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=hl7v2_messages())
def test_every_mutated_message_gets_an_ack(service: Intake, raw: bytes) -> None:
    before = _versions(service)
    answer = service.answer(raw, principal())
    header = header_of_bytes(raw)
    assert len(answer.acks) == len(
        responses(header.accept_ack, header.application_ack, answer.code)
    )  # enhanced mode may ask for none (NE, NE): that is an answer too
    assert answer.code in ("AA", "AE", "AR")
    for ack in answer.acks:
        segments = ack.split("\r")
        assert segments[0].startswith("MSH|^~\\&|")
        assert segments[1].split("|")[1] in (answer.code, COMMIT[answer.code])
        if answer.code != "AA":
            assert any(s.startswith("ERR|") for s in segments)
    if answer.code != "AA":
        assert _versions(service) == before
