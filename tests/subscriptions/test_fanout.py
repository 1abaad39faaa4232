"""One event reaching many subscriptions: each step is one statement for all of them (issue 17),
and every subscription still gets its own gap-free numbers, log rows and outbox rows."""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from service.rest.app import create_app
from service.settings import Settings
from service.storage.schema import outbox, subscription_events
from service.storage.store import Store
from tests.delivery.support import FakeClock
from tests.subscriptions.conftest import BASE
from tests.subscriptions.support import FHIR, subscription
from tests.support.auth import signed_in
from tests.support.databases import fresh_postgres_database

Resource = dict[str, Any]
HOOK = "http://127.0.0.1:9/hook"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def client(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock
) -> Iterator[TestClient]:
    """The subscriptions conftest's in-process service, on either database."""
    if request.param == "postgres":
        settings = Settings(database_url=fresh_postgres_database(), run_worker=False, base_url=BASE)
    else:
        settings = Settings(data_dir=tmp_path, run_worker=False, base_url=BASE)
    with signed_in(create_app(settings, clock)) as test_client:
        yield test_client


def create(client: TestClient, resource: Resource) -> str:
    response = client.post("/fhir/Subscription", json=resource, headers=FHIR)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


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
    hooks = [create(client, subscription("utskrivningsklar", HOOK)) for _ in range(4)]
    socket = create(client, subscription("utskrivningsklar", channel_type="websocket"))
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
