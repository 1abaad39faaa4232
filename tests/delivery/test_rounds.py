"""What one delivery round costs the database: its statements and its connection."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, select, text, update

from service.delivery import Worker
from service.delivery.claim import claim_due
from service.fhirtime import stamp
from service.storage.schema import outbox
from tests.delivery.support import FakeClock, enqueue, row
from tests.support.receiver import receiver


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SELECT and UPDATE statements run on `engine` inside the block."""
    seen: list[str] = []

    def count(_: Any, __: Any, statement: str, *rest: Any) -> None:
        if statement.startswith(("SELECT", "UPDATE")):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_claim_is_two_statements_the_fronts_and_the_leasing_update(
    engine: Engine, worker: Worker, clock: FakeClock
) -> None:
    enqueue(engine, [row(n, n % 3, "http://127.0.0.1:9/fhir") for n in range(9)], clock())
    with statements(engine) as seen:
        _, claims = worker.settle([], 10)
    assert len(claims) == 9
    assert [s.split()[0] for s in seen] == ["SELECT", "UPDATE"], seen
    assert {c.attempts for c in claims} == {1}
    assert {c.lease_until for c in claims} == {stamp(clock() + timedelta(seconds=60))}


def test_rows_leased_behind_one_that_was_not_due_are_given_back(
    engine: Engine, clock: FakeClock
) -> None:
    """The run stops before a row that is not due; the rows behind it keep their attempt count
    and stay due (as if never claimed)."""
    enqueue(engine, [row(n, 1, "http://127.0.0.1:9/fhir") for n in range(3)], clock())
    later = stamp(clock() + timedelta(minutes=5))
    with engine.begin() as conn:
        conn.execute(update(outbox).where(outbox.c.seq == 2).values(next_attempt_at=later))
        claims = claim_due(conn, clock(), timedelta(seconds=60), 10, 50)
    assert [c.seq for c in claims] == [1]
    with engine.connect() as conn:
        query = select(outbox.c.attempts, outbox.c.next_attempt_at).order_by(outbox.c.seq)
        rows = [tuple(r) for r in conn.execute(query)]
    assert rows == [(1, stamp(clock() + timedelta(seconds=60))), (0, later), (0, stamp(clock()))]


def test_a_delivered_rest_hook_row_is_acknowledged_by_the_delivered_update_itself(
    engine: Engine, worker: Worker, clock: FakeClock
) -> None:
    """A subscriber's 2xx is its receipt; a LUS receiver's comes later, with its Task."""
    with receiver() as up:
        enqueue(engine, [row(1, 1, up.url, kind="rest-hook"), row(2, 2, up.url)], clock())
        _, claims = worker.settle([], 10)
        attempts = [worker.attempt(c) for c in claims]
        with statements(engine) as seen:
            assert worker.settle(attempts, 0) == (["delivered", "delivered"], [])
    assert len([s for s in seen if s.startswith("UPDATE outbox")]) == 1, seen
    with engine.connect() as conn:
        query = select(outbox.c.status, outbox.c.delivered_at, outbox.c.acknowledged_at)
        hook, rest = conn.execute(query.order_by(outbox.c.seq)).all()
    assert hook == ("acknowledged", hook.delivered_at, hook.delivered_at)
    assert (rest.status, rest.acknowledged_at) == ("delivered", None)
    assert rest.delivered_at == hook.delivered_at


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
@pytest.mark.parametrize("kind", ["hl7-fhir-rest", "rest-hook"])
def test_a_lease_is_a_hot_update_on_postgres(engine: Engine, clock: FakeClock, kind: str) -> None:
    """No index holds a column a lease changes and inserts leave half of each page free, so
    PostgreSQL writes each leased row's copy on its own page and no index entry for it
    (migration 0017). pg_stat_xact_user_tables counts this backend's updates not yet reported."""
    rows = [row(n, n % 3, "http://127.0.0.1:9/fhir", kind=kind) for n in range(60)]
    enqueue(engine, rows, clock())
    stats = text(
        "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = 'outbox'"
    )
    with engine.begin() as conn:
        updated, hot = conn.execute(stats).one()
        claims = claim_due(conn, clock(), timedelta(seconds=60), 10, 50)
        after = conn.execute(stats).one()
    assert len(claims) == 60
    assert (after.n_tup_upd - updated, after.n_tup_hot_upd - hot) == (60, 60)


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_rounds_keep_their_connection_and_survive_losing_it(
    engine: Engine, worker: Worker, clock: FakeClock
) -> None:
    """No pool checkout (with its pre-ping round trip) per round; a dropped connection costs
    the round a second try on a new one, not an error or an unrecorded delivery."""
    checkouts: list[object] = []
    event.listen(engine.pool, "checkout", lambda *_: checkouts.append(None))

    def checked_out_by_a_round(n: int) -> int:
        enqueue(engine, [row(n, n, up.url)], clock())
        before = len(checkouts)
        assert worker.run_once() == {"delivered": 1}
        return len(checkouts) - before

    with receiver() as up:
        assert checked_out_by_a_round(1) == 1, "the first round checks its connection out"
        assert [checked_out_by_a_round(n) for n in range(2, 5)] == [0, 0, 0]
        with engine.connect() as conn:  # the kept connection is the one idle the longest
            terminated = conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND backend_type = 'client backend'"
                )
            ).scalar_one()
        assert terminated >= 1
        assert checked_out_by_a_round(5) == 1, "a new connection for the round"
        assert sorted(up.keys()) == sorted(f"t{n}|Organization/hemtjanst" for n in range(1, 6))
