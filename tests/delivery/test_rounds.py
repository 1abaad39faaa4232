"""What one delivery round costs the database: its statements and its connection."""

from typing import Any

import pytest
from sqlalchemy import Engine, event, select, text

from service.delivery import Worker
from service.storage.schema import outbox
from tests.delivery.support import FakeClock, enqueue, row
from tests.support.receiver import receiver


def test_a_delivered_rest_hook_row_is_acknowledged_by_the_delivered_update_itself(
    engine: Engine, worker: Worker, clock: FakeClock
) -> None:
    """A subscriber's 2xx is its receipt; a LUS receiver's comes later, with its Task."""
    updates: list[str] = []

    def count(_: Any, __: Any, statement: str, *rest: Any) -> None:
        if statement.startswith("UPDATE outbox"):
            updates.append(statement)

    with receiver() as up:
        enqueue(engine, [row(1, 1, up.url, kind="rest-hook"), row(2, 2, up.url)], clock())
        _, claims = worker.settle([], 10)
        attempts = [worker.attempt(c) for c in claims]
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert worker.settle(attempts, 0) == (["delivered", "delivered"], [])
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert len(updates) == 1, updates
    with engine.connect() as conn:
        query = select(outbox.c.status, outbox.c.delivered_at, outbox.c.acknowledged_at)
        hook, rest = conn.execute(query.order_by(outbox.c.seq)).all()
    assert hook == ("acknowledged", hook.delivered_at, hook.delivered_at)
    assert (rest.status, rest.acknowledged_at) == ("delivered", None)
    assert rest.delivered_at == hook.delivered_at


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
