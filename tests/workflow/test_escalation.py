"""Escalation of what receivers did not take: a notification delivered but never acknowledged
within the receiver's opening hours, and one that went dead. Both raise a deviation that is
routed to the sending ward and matched against subscription topics like any write; both send the
notification to the receiver's weekend contact path. Real loopback receivers, a worker driven
round by round and a fake clock."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.delivery import DeliveryConfig, Worker
from service.demo import directory_bundle
from service.rest.app import create_app
from service.settings import Settings
from service.storage.schema import outbox
from service.workflow.deadlines import DeadlineMonitor
from tests.delivery.support import FakeClock
from tests.subscriptions.support import Hook, subscription
from tests.support.auth import signed_in
from tests.support.receiver import Receiver
from tests.workflow.conftest import FHIR, notification, patient, send, stay

WARD = "Organization/sos-avd-51"
SOCIAL_SERVICES = "Organization/socialtjanst-0182"  # Nacka: its weekend path has an endpoint
WEEKEND_ENDPOINT = "Endpoint/endpoint-socialtjanst-0182-helg"
CONFIG = DeliveryConfig(timeout_seconds=2.0, base_delay_seconds=5.0, concurrency=8)
ACKNOWLEDGEMENT_MINUTES = 240


@dataclass
class World:
    client: TestClient
    clock: FakeClock
    worker: Worker
    monitor: DeadlineMonitor
    main: Receiver  # every receiver's main endpoint
    weekend: Receiver  # every weekend endpoint
    ward: Receiver  # the ward's endpoint
    hook: Hook  # a subscriber to the avvikelse topic

    def drain(self) -> None:
        for _ in range(20):
            if not self.worker.run_once():
                return
        raise AssertionError("the outbox did not drain")

    def rows(self) -> list[dict[str, Any]]:
        store = self.client.app.state.services.store  # type: ignore[attr-defined]
        with store.reading() as conn:
            return [dict(r._mapping) for r in conn.execute(select(outbox).order_by(outbox.c.seq))]

    def deviations(self, code: str) -> list[dict[str, Any]]:
        bundle = self.client.get("/fhir/DetectedIssue", params={"avvikelsetyp": code}).json()
        return [e["resource"] for e in bundle.get("entry", [])]


def _directory(main: str, weekend: str, ward: str) -> dict[str, Any]:
    bundle = directory_bundle()
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "Endpoint":
            if resource["id"].endswith("-helg"):
                resource["address"] = weekend
            elif "sos-avd-51" in resource["id"]:
                resource["address"] = ward
            else:
                resource["address"] = main
    return bundle


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    clock = FakeClock()  # Friday 17:00 in Stockholm, after opening hours
    settings = Settings(data_dir=tmp_path, run_worker=False, base_url="http://lus.test/fhir")
    main, weekend, ward = Receiver().start(), Receiver().start(), Receiver().start()
    hook = Hook().start()
    with signed_in(create_app(settings, clock)) as client:
        directory = _directory(main.url, weekend.url, ward.url)
        assert client.post("/fhir", json=directory, headers=FHIR).status_code == 200
        services = client.app.state.services  # type: ignore[attr-defined]
        worker = Worker(services.store, services.workflow.deviation, CONFIG, clock=clock)
        monitor = DeadlineMonitor(services.store, services.workflow, clock, ACKNOWLEDGEMENT_MINUTES)
        world = World(client, clock, worker, monitor, main, weekend, ward, hook)
        created = client.post("/fhir/Subscription", json=subscription("avvikelse", hook.url))
        assert created.status_code == 201, created.text
        world.drain()  # the handshake
        try:
            yield world
        finally:
            worker.close()
            for server in (main, weekend, ward, hook):
                server.stop()


def _admission(world: World) -> str:
    who = patient(world.client, "0182")
    encounter = stay(world.client, who, "2026-11-20T15:00:00+01:00")
    task = notification("inskrivningsmeddelande", who, encounter, "2026-11-20T16:30:00+01:00")
    sent = send(world.client, task)
    return f"Task/{sent['_id']}"


def _task_ids(receiver: Receiver) -> list[str]:
    return [r.path.rsplit("/", 1)[-1] for r in receiver.requests if "/Task/" in r.path]


def _deviation_events(hook: Hook) -> list[str]:
    """The DetectedIssue references the subscriber was notified about."""
    return [
        part["valueReference"]["reference"].rsplit("/DetectedIssue/", 1)[-1]
        for bundle in hook.bundles("event-notification")
        for parameter in bundle["entry"][0]["resource"]["parameter"]
        if parameter["name"] == "notification-event"
        for part in parameter["part"]
        if part["name"] == "focus"
    ]


def test_unacknowledged_delivery_escalates_once_in_opening_hours(world: World) -> None:
    task = _admission(world)
    world.drain()
    assert task.split("/")[1] in _task_ids(world.main), "delivered, but nobody confirms receipt"

    world.clock.advance(days=2)  # Sunday 17:00: no opening hours have passed
    assert world.monitor.run_once() == []

    world.clock.advance(hours=22)  # Monday 15:00: 7 open hours since delivery
    raised = world.monitor.run_once()
    receivers = {r["receiver"] for r in world.rows() if r["notification"] == task}
    assert SOCIAL_SERVICES in receivers
    assert sorted(r.split(":")[0] for r in raised) == ["ej-kvitterad"] * len(receivers)
    assert world.monitor.run_once() == [], "raised once"

    [deviation] = [d for d in world.deviations("ej-kvitterad") if SOCIAL_SERVICES in d["detail"]]
    assert deviation["patient"]["reference"].startswith("Patient/")
    assert deviation["implicated"] == [{"reference": task}]
    assert WEEKEND_ENDPOINT in deviation["mitigation"][0]["action"]["text"]
    escalations = [r for r in world.rows() if r["idempotency_key"].endswith("#escalation")]
    assert [(r["notification"], r["receiver"], r["endpoint"]) for r in escalations] == [
        (task, SOCIAL_SERVICES, WEEKEND_ENDPOINT)
    ], "only the receiver with a weekend endpoint is escalated, once"
    routed = {
        r["receiver"]
        for r in world.rows()
        if r["notification"] == f"DetectedIssue/{deviation['id']}"
    }
    assert routed == {WARD}, "the deviation goes to the sending ward"

    world.drain()
    assert _task_ids(world.weekend) == [task.split("/")[1]]
    ward_payloads = [json.loads(r.body) for r in world.ward.requests]
    assert deviation["id"] in {p.get("id") for p in ward_payloads}
    assert deviation["id"] in _deviation_events(world.hook), "matched against the topic"


def test_dead_letter_deviation_is_routed_and_a_dead_deviation_does_not_loop(
    world: World,
) -> None:
    world.main.status = 422  # every receiver refuses the notification
    world.ward.status = 422  # and the ward refuses the deviation about it
    task = _admission(world)
    world.drain()

    failed = world.deviations("leverans-misslyckad")
    about_task = [d for d in failed if d["implicated"] == [{"reference": task}]]
    assert about_task and all(d["severity"] == "high" for d in about_task)
    [social] = [d for d in about_task if SOCIAL_SERVICES in d["detail"]]
    assert WEEKEND_ENDPOINT in social["mitigation"][0]["action"]["text"]
    assert _task_ids(world.weekend) == [task.split("/")[1]], "escalated to the weekend endpoint"

    deviation_refs = {f"DetectedIssue/{d['id']}" for d in about_task}
    routed = [r for r in world.rows() if r["notification"] in deviation_refs]
    assert {r["receiver"] for r in routed} == {WARD}
    assert {r["status"] for r in routed} == {"dead"}, "the ward refused them too"

    # Each dead deviation delivery raised its own deviation, stored and published, not routed.
    second = [d for d in failed if d["implicated"][0]["reference"] in deviation_refs]
    assert len(second) == len(routed)
    second_refs = {f"DetectedIssue/{d['id']}" for d in second}
    assert not [r for r in world.rows() if r["notification"] in second_refs]
    published = set(_deviation_events(world.hook))
    assert {d["id"] for d in about_task + second} <= published
