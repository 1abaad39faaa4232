"""Real server processes on loopback: the websocket channel end to end, and two servers sharing
one PostgreSQL database delivering every event exactly once, numbered without gaps."""

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from tests.subscriptions.support import (
    FHIR,
    Hook,
    event_numbers,
    notification_type,
    status_of,
    subscription,
)
from tests.support.databases import fresh_postgres_database
from tests.support.server import ServerProcess, start_server, wait_for, worker_process
from tests.workflow.conftest import notification, patient, stay


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    running = start_server(tmp_path)
    yield running
    running.stop()


def http(server: ServerProcess) -> httpx.Client:
    return server.client()


def send_notifications(client: httpx.Client, ids: tuple[str, str], count: int) -> None:
    for _ in range(count):
        task = notification("utskrivningsklar", *ids, "2026-11-20T17:00:00+01:00")
        response = client.post("/fhir/Task", json=task, headers=FHIR)
        assert response.status_code == 201, response.text


def test_websocket_bind_with_token_receives_handshake_events_and_heartbeats(
    server: ServerProcess,
) -> None:
    with http(server) as client:
        resource = subscription(
            "utskrivningsklar", content="full-resource", channel_type="websocket", heartbeat=1
        )
        created = client.post("/fhir/Subscription", json=resource, headers=FHIR).json()
        assert created["status"] == "requested"
        token = client.get(f"/fhir/Subscription/{created['id']}/$get-ws-binding-token").json()
        values = {
            p["name"]: next(v for k, v in p.items() if k.startswith("value"))
            for p in token["parameter"]
        }
        assert values["websocket-url"] == server.base.replace("http://", "ws://") + "/ws"
        with connect(values["websocket-url"], open_timeout=10) as socket:
            socket.send(f"bind-with-token {values['token']}")
            handshake = json.loads(socket.recv(timeout=10))
            assert notification_type(handshake) == "handshake"
            assert client.get(f"/fhir/Subscription/{created['id']}").json()["status"] == "active"
            ids = (
                p := patient(client, "0180", "hagersten-alvsjo"),
                stay(client, p, "2026-11-20T08:00:00+01:00"),
            )
            send_notifications(client, ids, 2)
            received: list[dict[str, Any]] = []
            while len([b for b in received if notification_type(b) != "heartbeat"]) < 2:
                received.append(json.loads(socket.recv(timeout=10)))
            events = [b for b in received if notification_type(b) == "event-notification"]
            assert event_numbers(events) == [1, 2]
            assert events[0]["entry"][1]["resource"]["resourceType"] == "Task"
            beat = json.loads(socket.recv(timeout=5))  # nothing else happens: a heartbeat
            assert notification_type(beat) == "heartbeat"
            socket.send("bind-with-token not-a-token")
            refused = json.loads(socket.recv(timeout=10))
            assert refused["resourceType"] == "OperationOutcome"


@pytest.mark.postgres
def test_two_servers_on_postgres_deliver_each_event_once(tmp_path: Path) -> None:
    url = fresh_postgres_database()
    hook = Hook().start()
    servers = [start_server(tmp_path, url, deliver=True) for _ in range(2)]
    try:
        clients = [http(s) for s in servers]
        resource = subscription("utskrivningsklar", hook.url, "id-only")
        sub_id = clients[0].post("/fhir/Subscription", json=resource, headers=FHIR).json()["id"]
        wait_for(
            lambda: clients[1].get(f"/fhir/Subscription/{sub_id}").json()["status"] == "active",
            20,
            lambda: hook.received,
        )
        ids = (
            p := patient(clients[0], "0180", "hagersten-alvsjo"),
            stay(clients[0], p, "2026-11-20T08:00:00+01:00"),
        )
        per_server = 15
        threads = [
            threading.Thread(target=send_notifications, args=(c, ids, per_server)) for c in clients
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        total = per_server * len(clients)
        wait_for(
            lambda: len(hook.bundles("event-notification")) >= total,
            30,
            lambda: len(hook.bundles("event-notification")),
        )
        numbers = event_numbers(hook.bundles("event-notification"))
        assert sorted(numbers) == list(range(1, total + 1)), "each event once, no gaps"
        assert numbers == sorted(numbers), "in event order"
        keys = Counter(h["X-Request-Id"] for h, _ in hook.received)
        assert max(keys.values()) == 1
        status = status_of(clients[1].get(f"/fhir/Subscription/{sub_id}/$status").json())
        assert status["events-since-subscription-start"] == str(total)
        replay = clients[0].get(f"/fhir/Subscription/{sub_id}/$events").json()
        assert event_numbers([replay]) == list(range(1, total + 1))
    finally:
        for server in servers:
            server.stop()
        hook.stop()


@pytest.mark.postgres
def test_worker_process_delivers_and_sends_heartbeats_for_a_server_that_does_not(
    tmp_path: Path,
) -> None:
    """The PostgreSQL set-up of serve (LUS_FHIR_RUN_WORKER=false) plus `lus-fhir worker`: the
    worker process runs the background jobs the server process leaves out."""
    url = fresh_postgres_database()
    hook = Hook().start()
    server = start_server(tmp_path, url, deliver=False)
    try:
        with http(server) as client:
            resource = subscription("utskrivningsklar", hook.url, heartbeat=1)
            sub_id = client.post("/fhir/Subscription", json=resource, headers=FHIR).json()["id"]
            time.sleep(1.5)
            assert hook.received == [], "the server process delivers nothing itself"
            with worker_process(url, tmp_path / "worker.log"):
                wait_for(lambda: len(hook.bundles("heartbeat")) >= 2, 20, lambda: hook.received)
                assert client.get(f"/fhir/Subscription/{sub_id}").json()["status"] == "active"
                ids = (p := patient(client, "0182"), stay(client, p, "2026-11-20T08:00:00+01:00"))
                send_notifications(client, ids, 1)
                wait_for(
                    lambda: len(hook.bundles("event-notification")) == 1, 20, lambda: hook.received
                )
        assert notification_type(hook.bundles()[0]) == "handshake"
    finally:
        server.stop()
        hook.stop()
