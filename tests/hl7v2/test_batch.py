"""Group commit: messages of several connections in one transaction, each in a savepoint; a
failing one takes nothing else down, nothing is answered before the commit, a failed commit is
retried message by message."""

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from mappers.hl7v2 import map_message
from service.auth.principal import INTERNAL
from service.hl7v2.batch import GroupCommit, _Job
from service.hl7v2.intake import Answer, Intake
from service.hl7v2.schema import hl7v2_messages
from service.hl7v2.service import intake
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
    committer = GroupCommit(service.store, service._apply, 8)
    raws = [message(0), message(1, ward="SE2321000016-0ZZZ"), message(2), message(3)]
    jobs = [_Job(map_message(raw, service.senders), INTERNAL) for raw in raws]
    committer._commit(jobs)
    assert len(commits) == 1 and all(job.done.is_set() for job in jobs)
    assert [isinstance(job.answer, Answer) for job in jobs] == [True, False, True, True]
    assert jobs[1].error is not None and "not in the directory" in str(jobs[1].error)
    assert stored(service) == 3  # the unknown ward's message wrote nothing, the others all


def test_a_failed_commit_retries_each_message_alone(service: Intake) -> None:
    committer = GroupCommit(service.store, service._apply, 8)
    calls: list[int] = []

    def flaky(conn: Any, adt: Any, principal: Any) -> Answer:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the database went away mid-batch")
        return service._apply(conn, adt, principal)

    committer.apply = flaky
    jobs = [_Job(map_message(message(n), service.senders), INTERNAL) for n in range(3)]
    committer._commit(jobs)
    assert all(isinstance(job.answer, Answer) and job.error is None for job in jobs)
    assert stored(service) == 3 and len(calls) == 2 + 3  # the batch failed; three alone


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
