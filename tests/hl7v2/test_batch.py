"""Group commit with the intake: messages of several connections in one transaction, each in a
savepoint; a failing one takes nothing else down (the committer's own rules:
tests/storage/test_group_commit.py)."""

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from mappers.hl7v2 import MappingError, map_message
from service.auth.principal import INTERNAL
from service.hl7v2.intake import Intake
from service.hl7v2.schema import hl7v2_messages
from service.hl7v2.service import intake
from service.outcome import FhirError
from service.storage.group_commit import GroupCommit
from tests.hl7v2.messages import adt

PEOPLE = ("191212121212", "194809304829", "195203142384", "196604273356")


def message(n: int, ward: str = "SE2321000016-1A2B") -> bytes:
    return adt(
        control_id=f"B-{n}",
        pid={3: f"{PEOPLE[n]}^^^&1.2.752.129.2.1.3.1&ISO"},
        pv1={3: ward, 19: f"B-V{n}^^^SOS"},
    )


def stored(service: Intake) -> int:
    with service.store.reading() as conn:
        return int(conn.execute(select(func.count()).select_from(hl7v2_messages)).scalar_one())


@pytest.fixture
def service(client: TestClient) -> Intake:
    return intake(client.app.state.services)  # type: ignore[attr-defined]


def test_one_commit_for_a_batch_and_a_failing_message_alone_rolls_back(service: Intake) -> None:
    commits: list[int] = []
    original = service.store.begin

    def counted() -> Any:
        commits.append(1)
        return original()

    service.store.begin = counted  # type: ignore[method-assign]
    started, go = threading.Event(), threading.Event()
    committer = GroupCommit(service.store, 8)
    gate = committer.submit(lambda conn: (started.set(), go.wait(10)))
    started.wait(10)
    raws = [message(0), message(1, ward="SE2321000016-0ZZZ"), message(2), message(3)]
    adts = [map_message(raw, service.senders) for raw in raws]
    futures = [
        committer.submit(
            lambda conn, a=a: service._apply(conn, a, INTERNAL), (MappingError, FhirError)
        )
        for a in adts
    ]
    go.set()
    gate.result(10)
    errors = [f.exception(10) for f in futures]
    assert len(commits) == 2  # the gate's, then one for the four messages
    assert [e is None for e in errors] == [True, False, True, True]
    assert "not in the directory" in str(errors[1])
    assert stored(service) == 3  # the unknown ward's message wrote nothing, the others all


def test_eight_connections_at_once_each_get_their_own_ack(service: Intake) -> None:
    acks: dict[int, bytes] = {}

    def send(n: int) -> None:
        acks[n] = service.receive(message(n % 4), INTERNAL)[0]

    threads = [threading.Thread(target=send, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert all(b"MSA|AA|B-" + str(n % 4).encode() in acks[n] for n in range(8))
    assert stored(service) == 4  # each message twice, on two connections: applied once
