"""Group commit keeps the rules of a transaction per write: each write's refusal is its own,
nothing is answered before its commit, and a failed batch runs each write alone, once."""

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection

from service.storage.database import engine_for
from service.storage.group_commit import GroupCommit
from service.storage.store import Store


class Refused(Exception):
    pass


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    found = Store(engine_for(f"sqlite:///{tmp_path / 'g.sqlite3'}"))
    with found.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    yield found
    found.dispose()


def _insert(x: int, calls: list[int] | None = None) -> Callable[[Connection], int]:
    def work(conn: Connection) -> int:
        if calls is not None:
            calls.append(x)
        conn.exec_driver_sql(f"INSERT INTO t VALUES ({x})")
        return x

    return work


def _rows(store: Store) -> list[int]:
    with store.reading() as conn:
        return sorted(r[0] for r in conn.exec_driver_sql("SELECT x FROM t"))


def _held(committer: GroupCommit, works: list[Callable[[Connection], int]]) -> list[object]:
    """Submit while the committer is busy with an earlier write, so these wait together."""
    started, go = threading.Event(), threading.Event()

    def gate(conn: Connection) -> None:
        started.set()
        go.wait(10)

    first = committer.submit(gate)
    started.wait(10)
    futures = [committer.submit(w, (Refused,)) for w in works]
    assert not any(f.done() for f in futures)  # nothing answered before its commit
    go.set()
    first.result(timeout=10)
    return [f.exception(timeout=10) or f.result() for f in futures]


def test_a_refused_write_rolls_back_only_itself(store: Store) -> None:
    committer = GroupCommit(store, 32)

    def refused(conn: Connection) -> int:
        conn.exec_driver_sql("INSERT INTO t VALUES (99)")
        raise Refused("no")

    answers = _held(committer, [_insert(1), refused, _insert(2)])
    assert answers[0] == 1 and answers[2] == 2
    assert isinstance(answers[1], Refused)
    assert _rows(store) == [1, 2]


def test_a_failed_batch_runs_each_write_alone_and_once(store: Store) -> None:
    committer = GroupCommit(store, 32)
    calls: list[int] = []

    def broken(conn: Connection) -> int:
        calls.append(0)
        raise RuntimeError("a bug")

    answers = _held(committer, [_insert(1, calls), broken, _insert(2, calls)])
    assert answers[0] == 1 and answers[2] == 2
    assert isinstance(answers[1], RuntimeError)
    assert _rows(store) == [1, 2]  # the first run was rolled back with its batch
    assert calls == [1, 0, 1, 0, 2]  # the batch up to the failure, then each alone


def test_a_write_alone_that_fails_is_not_run_again(store: Store) -> None:
    committer = GroupCommit(store, 32)
    calls: list[int] = []

    def broken(conn: Connection) -> int:
        calls.append(0)
        raise RuntimeError("a bug")

    with pytest.raises(RuntimeError):
        committer.run(broken)
    assert calls == [0]


def test_batches_take_at_most_size_writes_in_order(store: Store) -> None:
    committer = GroupCommit(store, 2)
    seen: list[int] = []
    answers = _held(committer, [_insert(n, seen) for n in range(5)])
    assert answers == [0, 1, 2, 3, 4]
    assert seen == [0, 1, 2, 3, 4]
    assert _rows(store) == [0, 1, 2, 3, 4]
