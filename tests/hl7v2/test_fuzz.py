"""Mutated messages never crash the intake: every one gets an ACK with MSA-1 AA, AE or AR, and an
AE or AR leaves the store as it was."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from service.demo import directory_bundle
from service.hl7v2.intake import Intake
from service.hl7v2.service import intake
from service.rest.app import create_app
from service.settings import Settings
from service.storage.schema import versions
from tests.hl7v2.conftest import CORPUS
from tests.hl7v2.messages import SENDERS_FILE
from tests.support.auth import principal, signed_in

MESSAGES = [p.read_bytes() for p in sorted(CORPUS.glob("*.hl7"))]
SPECIAL = [b"|", b"^", b"~", b"\\", b"&", b"\r", b"\n", b'""', b"\\X", b"\\XC3\\", b"\x00", b"\xff"]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Intake]:
    data = tmp_path_factory.mktemp("fuzz")
    settings_ = Settings(data_dir=data, run_worker=False, hl7v2_senders=Path(SENDERS_FILE))
    with signed_in(create_app(settings_)) as client:
        headers = {"Content-Type": "application/fhir+json"}
        assert client.post("/fhir", json=directory_bundle(), headers=headers).status_code == 200
        yield intake(client.app.state.services)  # type: ignore[attr-defined]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    message = bytearray(draw(st.sampled_from(MESSAGES)))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(message)))
        kind = draw(st.sampled_from(["insert", "delete", "replace", "segment"]))
        piece = draw(st.one_of(st.sampled_from(SPECIAL), st.binary(min_size=1, max_size=6)))
        if kind == "insert":
            message[at:at] = piece
        elif kind == "delete":
            del message[at : at + draw(st.integers(1, 20))]
        elif kind == "replace":
            message[at : at + len(piece)] = piece
        else:  # a segment moved, doubled or dropped
            segments = bytes(message).split(b"\n")
            index = draw(st.integers(0, len(segments) - 1))
            segments.insert(draw(st.integers(0, len(segments))), segments[index])
            message = bytearray(b"\n".join(segments))
    return bytes(message)


def _versions(service: Intake) -> int:
    with service.store.reading() as conn:
        return int(conn.execute(select(func.count()).select_from(versions)).scalar_one())


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=mutated())
def test_every_mutated_message_gets_an_ack(service: Intake, raw: bytes) -> None:
    before = _versions(service)
    answer = service.answer(raw, principal())
    segments = answer.ack.split("\r")
    assert segments[0].startswith("MSH|^~\\&|")
    assert segments[1].split("|")[1] == answer.code
    assert answer.code in ("AA", "AE", "AR")
    assert answer.encoded()
    if answer.code != "AA":
        assert _versions(service) == before
        assert any(s.startswith("ERR|") for s in segments)
