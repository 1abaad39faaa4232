"""One event reaching many subscriptions: each step is one statement for all of them (issue 17),
and every subscription still gets its own gap-free numbers, log rows and outbox rows."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from service.storage.schema import outbox, subscription_events
from service.storage.store import Store
from tests.subscriptions.conftest import BOTH
from tests.subscriptions.support import created, subscription

Resource = dict[str, Any]
HOOK = "http://127.0.0.1:9/hook"


@pytest.fixture(params=BOTH)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def statements(store: Store, run: Callable[[], object]) -> list[str]:
    """The SQL texts `run` sends to the database, one per execute (an executemany is one)."""
    sent: list[str] = []

    def seen(*args: Any) -> None:
        sent.append(str(args[2]))

    event.listen(store.engine, "before_cursor_execute", seen)
    try:
        run()
    finally:
        event.remove(store.engine, "before_cursor_execute", seen)
    return sent


def test_a_fanout_is_one_statement_per_step_and_numbers_each_subscription_without_gaps(
    client: TestClient,
    store: Store,
    stay_of: Callable[[], tuple[str, str]],
    notify: Callable[..., Resource],
) -> None:
    hooks = [created(client, subscription("utskrivningsklar", HOOK)) for _ in range(4)]
    socket = created(client, subscription("utskrivningsklar", channel_type="websocket"))
    ids = stay_of()
    notify("utskrivningsklar", ids)
    sent = statements(store, lambda: notify("utskrivningsklar", ids))

    def count(prefix: str) -> int:
        return sum(1 for text in sent if text.lstrip().upper().startswith(prefix))

    assert count("UPDATE SUBSCRIPTIONS_STATE") == 1
    assert count("INSERT INTO SUBSCRIPTION_EVENTS") == 1
    assert count("INSERT INTO OUTBOX") == 1  # the service routes nothing else here
    with store.reading() as conn:
        logged = conn.execute(
            select(subscription_events.c.subscription_id, subscription_events.c.event_number)
        ).all()
        queued = conn.execute(
            select(outbox.c.idempotency_key).where(outbox.c.event == "event-notification")
        ).scalars()
        keys = set(queued)
    for sub_id in [*hooks, socket]:
        assert sorted(n for s, n in logged if s == sub_id) == [1, 2]
    assert keys == {f"Subscription/{sub_id}|{n}" for sub_id in hooks for n in (1, 2)}
