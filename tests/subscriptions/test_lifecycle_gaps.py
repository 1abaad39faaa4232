"""The life-cycle rules beyond create/handshake/error: a channel's own delivery timeout, the end
of a subscription, $events ranges, deleting a subscription, and catching up after a websocket
bind. Every test runs on SQLite and, when a server is configured, PostgreSQL."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from starlette.testclient import WebSocketTestSession

from service.delivery import Worker
from service.delivery.claim import Claim
from service.delivery.send import timeout
from service.fhirtime import instant
from service.storage.schema import outbox, subscription_events
from service.storage.store import Store
from service.subscriptions import definitions as d
from service.subscriptions import operations
from service.subscriptions.heartbeat import Heartbeats
from tests.delivery.support import FakeClock
from tests.subscriptions.conftest import BASE, BOTH, CONFIG
from tests.subscriptions.support import (
    FHIR,
    Hook,
    created,
    event_numbers,
    notification_type,
    status_of,
    subscription,
)
from tests.support.receiver import receiver

Resource = dict[str, Any]
Stay = Callable[[], tuple[str, str]]
Notify = Callable[..., Resource]
Drain = Callable[..., None]


@pytest.fixture(params=BOTH)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def read(client: TestClient, sub_id: str) -> Resource:
    body: Resource = client.get(f"/fhir/Subscription/{sub_id}").json()
    return body


def with_channel(resource: Resource, url: str, **value: Any) -> Resource:
    resource["channel"].setdefault("extension", []).append({"url": url, **value})
    return resource


def ending(resource: Resource, at: str) -> Resource:
    return {**resource, "end": at}


def expressions(outcome: Resource) -> list[str]:
    return [e for i in outcome["issue"] for e in i.get("expression", [])]


def rows(store: Store, sub_id: str) -> list[Any]:
    """The subscription's outbox rows, oldest first."""
    with store.reading() as conn:
        query = (
            select(outbox)
            .where(outbox.c.ordering_key == f"Subscription/{sub_id}")
            .order_by(outbox.c.seq)
        )
        return list(conn.execute(query))


def logged(store: Store, sub_id: str) -> int:
    with store.reading() as conn:
        query = select(func.count()).where(subscription_events.c.subscription_id == sub_id)
        return int(conn.execute(query).scalar_one())


# ---- backport-timeout ----


def test_a_channel_timeout_shorter_than_the_workers_fails_the_attempt_and_is_retried(
    client: TestClient, store: Store, worker: Worker, drain: Drain, stay_of: Stay, notify: Notify
) -> None:
    with receiver() as slow:
        own = created(
            client,
            with_channel(
                subscription("utskrivningsklar", f"{slow.url}/own"),
                d.TIMEOUT,
                valueUnsignedInt=1,
            ),
        )
        default = created(client, subscription("utskrivningsklar", f"{slow.url}/default"))
        drain()  # both handshakes, answered at once
        slow.delay = 1.5
        assert 1 < slow.delay < CONFIG.timeout_seconds
        notify("utskrivningsklar", stay_of())
        assert worker.run_once() == {"pending": 1, "delivered": 1}
        [_, timed_out] = rows(store, own)
        assert (timed_out.status, timed_out.attempts) == ("pending", 1)
        assert timed_out.timeout_seconds == 1
        assert timed_out.last_error.startswith("ReadTimeout"), timed_out.last_error
        [_, waited] = rows(store, default)
        assert waited.status == "acknowledged", "the worker's own timeout is long enough"
        assert waited.timeout_seconds is None
        slow.delay = 0
        drain()
        [_, retried] = rows(store, own)
        assert (retried.status, retried.attempts) == ("acknowledged", 2)
        assert [r.path for r in slow.requests].count("/fhir/own") == 3  # handshake + 2 attempts
        assert read(client, own)["status"] == "active", "a retried timeout is no error"


def test_a_channel_timeout_is_capped_at_the_workers() -> None:
    """A longer timeout could outlive the claim's lease (sized from the worker's timeout)."""
    claim = Claim(1, "k", "o", "event", "n", "r", None, "http://x", "rest-hook", "{}", 1, "", "")
    assert timeout(2.0, claim) == 2.0
    assert timeout(2.0, replace(claim, timeout_seconds=1)) == 1.0
    assert timeout(2.0, replace(claim, timeout_seconds=30)) == 2.0


def test_a_zero_timeout_is_rejected(client: TestClient) -> None:
    resource = with_channel(
        subscription("utskrivningsklar", "http://127.0.0.1:9/hook"), d.TIMEOUT, valueUnsignedInt=0
    )
    response = client.post("/fhir/Subscription", json=resource, headers=FHIR)
    assert response.status_code == 422, response.text
    assert expressions(response.json()) == ["Subscription.channel.extension"]


# ---- Subscription.end ----


@pytest.mark.parametrize(("why", "offset"), [("past", -1), ("now", 0)])
def test_an_end_that_is_not_in_the_future_is_rejected(
    client: TestClient, store: Store, clock: FakeClock, why: str, offset: int
) -> None:
    end = instant(clock.now + timedelta(seconds=offset))
    resource = ending(subscription("utskrivningsklar", "http://127.0.0.1:9/hook"), end)
    response = client.post("/fhir/Subscription", json=resource, headers=FHIR)
    assert response.status_code == 422, (why, response.text)
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert expressions(outcome) == ["Subscription.end"]
    assert client.get("/fhir/Subscription").json().get("total", 0) == 0, "nothing was written"
    with store.reading() as conn:
        assert conn.execute(select(func.count()).select_from(outbox)).scalar_one() == 0


def test_evaluation_after_the_end_turns_it_off_and_queues_nothing(
    client: TestClient,
    store: Store,
    clock: FakeClock,
    hook: Hook,
    drain: Drain,
    stay_of: Stay,
    notify: Notify,
) -> None:
    end = instant(clock.now + timedelta(hours=1))
    sub_id = created(client, ending(subscription("utskrivningsklar", hook.url), end))
    drain()
    ids = stay_of()
    notify("utskrivningsklar", ids)
    drain()
    version = read(client, sub_id)["meta"]["versionId"]
    clock.advance(hours=1)
    notify("utskrivningsklar", ids)
    drain()
    assert event_numbers(hook.bundles("event-notification")) == [1]
    assert len(rows(store, sub_id)) == 2, "handshake and the one event before the end"
    ended = read(client, sub_id)
    assert ended["status"] == "off"
    assert int(ended["meta"]["versionId"]) == int(version) + 1, "a server-side status change"
    status = status_of(client.get(f"/fhir/Subscription/{sub_id}/$status").json())
    assert (status["status"], status["events-since-subscription-start"]) == ("off", "1")
    assert Heartbeats(store, clock, BASE).expire(clock.now) == 0, "already off"


def test_the_heartbeat_sweep_after_the_end_turns_it_off(
    client: TestClient,
    store: Store,
    clock: FakeClock,
    hook: Hook,
    drain: Drain,
    stay_of: Stay,
    notify: Notify,
) -> None:
    end = instant(clock.now + timedelta(seconds=90))
    rest = created(client, ending(subscription("utskrivningsklar", hook.url, heartbeat=60), end))
    socket = created(
        client, ending(subscription("utskrivningsklar", channel_type="websocket"), end)
    )
    drain()
    heartbeats = Heartbeats(store, clock, BASE)
    assert heartbeats.run_once(clock.advance(seconds=60)) == 1
    drain()
    assert heartbeats.run_once(clock.advance(seconds=30)) == 0, "ended: no heartbeat"
    assert [read(client, i)["status"] for i in (rest, socket)] == ["off", "off"]
    notify("utskrivningsklar", stay_of())
    drain()
    assert [notification_type(b) for b in hook.bundles()] == ["handshake", "heartbeat"]
    assert (logged(store, rest), logged(store, socket)) == (0, 0)


def test_an_ended_subscription_is_reactivated_only_with_a_new_end(
    client: TestClient, store: Store, clock: FakeClock, hook: Hook, drain: Drain
) -> None:
    end = instant(clock.now + timedelta(minutes=5))
    sub_id = created(client, ending(subscription("utskrivningsklar", hook.url), end))
    drain()
    clock.advance(minutes=5)
    assert Heartbeats(store, clock, BASE).expire(clock.now) == 1
    ended = read(client, sub_id)
    assert ended["status"] == "off"
    again = {**ended, "status": "requested"}
    refused = client.put(f"/fhir/Subscription/{sub_id}", json=again, headers=FHIR)
    assert refused.status_code == 422, refused.text
    assert expressions(refused.json()) == ["Subscription.end"]
    assert read(client, sub_id)["meta"]["versionId"] == ended["meta"]["versionId"]
    later = {**again, "end": instant(clock.now + timedelta(days=1))}
    accepted = client.put(f"/fhir/Subscription/{sub_id}", json=later, headers=FHIR)
    assert accepted.status_code == 200, accepted.text
    drain()
    assert read(client, sub_id)["status"] == "active"
    assert [notification_type(b) for b in hook.bundles()] == ["handshake", "handshake"]


# ---- $events ranges ----


def test_events_returns_exactly_the_asked_range(
    client: TestClient,
    hook: Hook,
    drain: Drain,
    stay_of: Stay,
    notify: Notify,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(operations, "MAX_EVENTS", 3)
    sub_id = created(client, subscription("utskrivningsklar", hook.url, "full-resource"))
    drain()
    ids = stay_of()
    for _ in range(5):
        notify("utskrivningsklar", ids)

    def replay(query: str) -> Resource:
        response = client.get(f"/fhir/Subscription/{sub_id}/$events{query}")
        assert response.status_code == 200, (query, response.text)
        body: Resource = response.json()
        return body

    for query, numbers in [
        ("", [1, 2, 3]),  # the first page; events-since-subscription-start says 5
        ("?eventsSinceNumber=4", [4, 5]),
        ("?eventsSinceNumber=0", [1, 2, 3]),
        ("?eventsSinceNumber=2&eventsUntilNumber=4", [2, 3, 4]),
        ("?eventsSinceNumber=5&eventsUntilNumber=5", [5]),
        ("?eventsUntilNumber=2", [1, 2]),
        ("?eventsSinceNumber=4&eventsUntilNumber=99", [4, 5]),
        ("?eventsSinceNumber=6", []),
    ]:
        body = replay(query)
        assert event_numbers([body]) == numbers, query
        assert status_of(body)["events-since-subscription-start"] == "5"
        assert len(body["entry"]) == 1 + len(numbers), "one focus resource per event"
    empty = replay("?eventsSinceNumber=2&eventsUntilNumber=3&content=empty")
    assert [e.get("focus") for e in status_of(empty)["events"]] == [None, None]
    assert len(empty["entry"]) == 1
    for query, expression in [
        ("?eventsSinceNumber=1&eventsUntilNumber=5", "eventsUntilNumber"),
        ("?eventsSinceNumber=-1", "eventsSinceNumber"),
        ("?eventsUntilNumber=1e3", "eventsUntilNumber"),
    ]:
        response = client.get(f"/fhir/Subscription/{sub_id}/$events{query}")
        assert response.status_code == 400, (query, response.text)
        assert expressions(response.json()) == [expression], query


# ---- DELETE ----


def delete_over_rest(client: TestClient, sub_id: str) -> None:
    response = client.delete(f"/fhir/Subscription/{sub_id}")
    assert response.status_code == 200, response.text


def test_delete_over_rest_cancels_what_was_queued(
    client: TestClient, store: Store, hook: Hook, drain: Drain, stay_of: Stay, notify: Notify
) -> None:
    sub_id = created(client, subscription("utskrivningsklar", hook.url))
    drain()
    hook.stop()
    ids = stay_of()
    for _ in range(3):
        notify("utskrivningsklar", ids)
    drain(rounds=3, settle=False)
    assert [r.status for r in rows(store, sub_id)][1:] == ["pending"] * 3
    delete_over_rest(client, sub_id)
    hook.start()
    drain()
    notify("utskrivningsklar", ids)
    drain()
    assert hook.bundles("event-notification") == [], "nothing arrives after the delete"
    events = rows(store, sub_id)[1:]
    assert [(r.status, r.last_error) for r in events] == [
        ("dead", "void: subscription deleted")
    ] * 3
    assert logged(store, sub_id) == 3, "no event recorded after the delete"
    for operation in ("$status", "$events"):
        response = client.get(f"/fhir/Subscription/{sub_id}/{operation}")
        assert response.status_code == 410, (operation, response.text)
        assert response.json()["issue"][0]["code"] == "deleted"
    assert client.get(f"/fhir/Subscription/{sub_id}").status_code == 410


def test_recreating_a_deleted_subscription_resumes_none_of_its_events(
    client: TestClient, store: Store, hook: Hook, drain: Drain, stay_of: Stay, notify: Notify
) -> None:
    """Re-activation resumes held and dead events; a delete voids both for good."""
    sub_id = created(client, subscription("utskrivningsklar", hook.url))
    drain()
    hook.status = 410
    ids = stay_of()
    notify("utskrivningsklar", ids)
    drain()
    assert read(client, sub_id)["status"] == "error"
    hook.status = 200
    notify("utskrivningsklar", ids)
    assert [r.status for r in rows(store, sub_id)] == ["acknowledged", "dead", "held"]
    delete_over_rest(client, sub_id)
    [_, refused, held] = rows(store, sub_id)
    assert refused.last_error.startswith("void: subscription deleted; HTTP 410")
    assert (held.status, held.last_error) == ("dead", "void: subscription deleted")
    again = {**subscription("utskrivningsklar", hook.url), "id": sub_id}
    response = client.put(f"/fhir/Subscription/{sub_id}", json=again, headers=FHIR)
    assert response.status_code == 201, response.text
    drain()
    assert read(client, sub_id)["status"] == "active"
    kinds = [notification_type(b) for b in hook.bundles()]
    assert kinds == ["handshake", "event-notification", "handshake"], "the refused one only"


# ---- websocket: catching up after the bind ----


def receive(socket: WebSocketTestSession, seconds: float = 10.0) -> Resource:
    """The next message, or a failure after `seconds` instead of waiting forever."""
    pool = ThreadPoolExecutor(1)
    try:
        message: Resource = pool.submit(socket.receive_json).result(timeout=seconds)
    finally:
        pool.shutdown(wait=False)
    return message


def test_a_websocket_client_binding_late_fetches_the_missed_events_with_events(
    client: TestClient, stay_of: Stay, notify: Notify
) -> None:
    sub_id = created(client, subscription("utskrivningsklar", channel_type="websocket"))
    ids = stay_of()
    for _ in range(3):
        notify("utskrivningsklar", ids)
    token = client.get(f"/fhir/Subscription/{sub_id}/$get-ws-binding-token").json()
    values = {
        p["name"]: next(v for k, v in p.items() if k.startswith("value"))
        for p in token["parameter"]
    }
    with client.websocket_connect("/fhir/ws") as socket:
        socket.send_text(f"bind-with-token {values['token']}")
        handshake = status_of(receive(socket))
        assert (handshake["type"], handshake["status"]) == ("handshake", "active")
        missed = int(handshake["events-since-subscription-start"])
        assert missed == 3
        replay = client.get(
            f"/fhir/Subscription/{sub_id}/$events?eventsSinceNumber=1&eventsUntilNumber={missed}"
        ).json()
        notify("utskrivningsklar", ids)
        pushed = receive(socket)
    assert notification_type(pushed) == "event-notification"
    assert event_numbers([replay]) + event_numbers([pushed]) == [1, 2, 3, 4]
    assert read(client, sub_id)["status"] == "active"
