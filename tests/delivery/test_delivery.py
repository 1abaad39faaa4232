"""Delivery against a real loopback receiver, driven round by round with a simulated clock."""

import json
from collections import defaultdict
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, select

from service.delivery import DeliveryConfig, Worker, acknowledge, delivery_state
from service.fhirtime import stamp
from service.storage.schema import outbox, resources
from service.storage.store import Store
from service.validation import validator
from tests.delivery.support import FakeClock, Row, enqueue, row
from tests.support.receiver import Receiver, receiver


def outbox_rows(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(outbox).order_by(outbox.c.seq))]


def statuses(engine: Engine) -> dict[str, str]:
    return {r["idempotency_key"]: r["status"] for r in outbox_rows(engine)}


def drain(worker: Worker, clock: FakeClock, rounds: int = 50, step: float = 0) -> None:
    """Run rounds until nothing is pending (advancing the clock `step` seconds per round)."""
    for _ in range(rounds):
        if "pending" not in statuses(worker.store.engine).values():
            return
        worker.run_once()
        clock.advance(seconds=step)
    raise AssertionError(f"still pending after {rounds} rounds: {statuses(worker.store.engine)}")


def assert_in_order_exactly_once(received: Receiver, rows: list[Row]) -> None:
    keys = received.keys()
    assert sorted(keys) == sorted(r.key for r in rows), "every key exactly once"
    position = {key: i for i, key in enumerate(keys)}
    per_order: dict[str, list[str]] = defaultdict(list)
    for r in rows:  # rows are in seq order
        per_order[r.ordering_key].append(r.key)
    for ordered in per_order.values():
        assert [position[k] for k in ordered] == sorted(position[k] for k in ordered)


def test_happy_path_delivers_in_order_exactly_once(
    engine: Engine, worker: Worker, clock: FakeClock
) -> None:
    with receiver() as up:
        rows = [row(n, n % 3, up.url) for n in range(12)]
        rows.append(row(12, 0, up.url, kind="hl7-fhir-msg"))
        enqueue(engine, rows, clock())
        clock.advance(seconds=1)
        first = worker.run_once()
        assert first == {"delivered": 13}, "a key's due rows go in one round, one by one"
        drain(worker, clock)
        assert_in_order_exactly_once(up, rows)
        by_key = {r.key: r for r in up.requests}
    for stored in outbox_rows(engine):
        assert stored["status"] == "delivered"
        assert stored["attempts"] == 1
        assert stored["delivered_at"] == stamp(clock())
        assert stored["last_error"] is None
    rest = by_key[rows[0].key]
    assert (rest.method, rest.path) == ("PUT", "/fhir/Task/t0")
    assert rest.content_type.startswith("application/fhir+json")
    assert json.loads(rest.body) == rows[0].payload
    msg = by_key[rows[12].key]
    assert (msg.method, msg.path) == ("POST", "/fhir/$process-message")
    assert json.loads(msg.body) == rows[12].payload


def test_receiver_down_for_a_day_gets_everything_afterwards(
    engine: Engine, worker: Worker, clock: FakeClock
) -> None:
    down = Receiver()  # not started: connection refused
    rows = [row(n, n % 4, down.url) for n in range(16)]
    enqueue(engine, rows, clock())
    for hour in range(24):
        if hour == 12:  # second half of the day: up, but answering 503
            down.status = 503
            down.headers = {"Retry-After": "600"}
            down.start()
        worker.run_once()
        clock.advance(minutes=30)
        worker.run_once()
        clock.advance(minutes=30)
        assert set(statuses(engine).values()) == {"pending"}, f"hour {hour}"
    attempts = {r["idempotency_key"]: r["attempts"] for r in outbox_rows(engine)}
    assert all(attempts[rows[i].key] > 10 for i in range(4)), "heads retried all day"
    assert all(attempts[r.key] == 0 for r in rows[4:]), "later rows wait behind the head"
    assert all(r.key for r in down.requests)
    down.stop()
    down.requests.clear()
    down.status, down.headers = 200, {}
    down.start()
    try:
        drain(worker, clock, step=3600)
        assert_in_order_exactly_once(down, rows)
    finally:
        down.stop()
    assert set(statuses(engine).values()) == {"delivered"}


def test_client_error_dead_letters_at_once_and_escalates(
    engine: Engine, store: Store, worker: Worker, clock: FakeClock, directory: Any
) -> None:
    with receiver(status=422) as refusing, receiver() as weekend:
        directory(weekend_endpoint=weekend.url)
        rows = [row(1, 1, refusing.url), row(2, 1, refusing.url, kind="hl7-fhir-msg")]
        enqueue(engine, rows, clock())
        assert worker.run_once() == {"dead": 1}
        first = outbox_rows(engine)
        assert first[0]["status"] == "dead" and first[0]["attempts"] == 1
        assert "HTTP 422" in first[0]["last_error"]
        escalation = first[-1]
        assert escalation["idempotency_key"] == f"{rows[0].key}#escalation"
        assert (escalation["endpoint"], escalation["address"]) == ("Endpoint/helg", weekend.url)
        assert escalation["payload"] == first[0]["payload"]
        drain(worker, clock)
        assert weekend.keys() == [f"{rows[0].key}#escalation", f"{rows[1].key}#escalation"]
        assert weekend.requests[1].path == "/fhir/Task/t2", "message sent as Task to REST endpoint"
    assert [s["status"] for s in delivery_state_of(engine, "Task/t1")] == ["dead", "delivered"]
    issue = deviation_for(store, "Task/t1")
    assert issue["code"]["coding"][0]["code"] == "leverans-misslyckad"
    assert issue["patient"] == {"reference": "Patient/p1"}
    assert "Aros Hemtjänst AB (Organization/hemtjanst)" in issue["detail"]
    assert "Endpoint/main" in issue["detail"] and "1 försök" in issue["detail"]
    assert "HTTP 422" in issue["detail"]
    assert "Endpoint/helg" in issue["mitigation"][0]["action"]["text"]
    assert deviation_for(store, "Task/t2")["patient"] == {"reference": "Patient/p1"}
    assert_valid(issue)


def test_dead_letter_without_weekend_endpoint_names_the_phone(
    engine: Engine, store: Store, worker: Worker, clock: FakeClock, directory: Any
) -> None:
    with receiver(status=404) as refusing:
        directory(weekend_endpoint=None)
        enqueue(engine, [row(1, 1, refusing.url)], clock())
        worker.run_once()
    assert [r["status"] for r in outbox_rows(engine)] == ["dead"], "no escalation row"
    issue = deviation_for(store, "Task/t1")
    assert "+46 8 508 18 000" in issue["mitigation"][0]["action"]["text"]
    assert_valid(issue)


def test_horizon_exceeded_goes_dead(
    engine: Engine, store: Store, worker: Worker, clock: FakeClock
) -> None:
    with receiver(status=503) as failing:
        enqueue(engine, [row(1, 1, failing.url)], clock())
        created = clock()
        while clock() < created + timedelta(hours=72):
            worker.run_once()
            assert statuses(engine) == {"t1|Organization/hemtjanst": "pending"}
            clock.advance(minutes=59)
        worker.run_once()
    [dead] = outbox_rows(engine)
    assert dead["status"] == "dead"
    assert "HTTP 503" in dead["last_error"] and "horizon" in dead["last_error"]
    assert_valid(deviation_for(store, "Task/t1"))


def test_429_honours_retry_after(engine: Engine, worker: Worker, clock: FakeClock) -> None:
    with receiver(status=429, headers={"Retry-After": "120"}) as busy:
        enqueue(engine, [row(1, 1, busy.url)], clock())
        worker.run_once()
    [pending] = outbox_rows(engine)
    assert pending["status"] == "pending"
    assert pending["next_attempt_at"] == stamp(clock() + timedelta(seconds=120))


def test_unroutable_row_goes_dead_with_ej_routbar(
    engine: Engine, store: Store, worker: Worker, clock: FakeClock
) -> None:
    enqueue(engine, [row(1, 1, None)], clock())
    worker.run_once()
    assert [r["status"] for r in outbox_rows(engine)] == ["dead"]
    issue = deviation_for(store, "Task/t1")
    assert issue["code"]["coding"][0]["code"] == "ej-routbar"
    assert_valid(issue)


def test_stale_claims_do_not_overwrite(
    engine: Engine, store: Store, worker: Worker, clock: FakeClock
) -> None:
    with receiver() as up:
        enqueue(engine, [row(1, 1, up.url), row(2, 2, up.url)], clock())
        _, first = worker.settle([], 10)
        clock.advance(seconds=worker.config.lease_seconds + 1)  # lease runs out: re-claimable
        _, second = worker.settle([], 10)
        assert [c.attempts for c in second] == [2, 2]
        with store.begin() as conn:
            acknowledge(conn, "Task/t2", "Organization/hemtjanst", clock())
        assert worker.settle([worker.attempt(c) for c in first], 0) == (["stale", "stale"], [])
        assert worker.settle([worker.attempt(c) for c in second], 0) == (["delivered", "stale"], [])
    assert statuses(engine) == {
        "t1|Organization/hemtjanst": "delivered",
        "t2|Organization/hemtjanst": "acknowledged",
    }


def test_delivery_state_and_acknowledge(engine: Engine, worker: Worker, clock: FakeClock) -> None:
    with receiver() as up:
        enqueue(engine, [row(1, 1, up.url), row(2, 1, up.url)], clock())
        clock.advance(seconds=5)
        worker.config = replace(worker.config, run_rows=1)  # t2 waits behind t1
        worker.run_once()
    [state] = delivery_state_of(engine, "Task/t1")
    assert state["receiver"] == "Organization/hemtjanst"
    assert (state["status"], state["attempts"]) == ("delivered", 1)
    assert state["delivered_at"] == stamp(clock())
    assert state["next_attempt_at"] is None
    clock.advance(minutes=10)
    with engine.begin() as conn:
        assert acknowledge(conn, "Task/t1", "Organization/hemtjanst", clock()) == 1
        assert acknowledge(conn, "Task/t1", "Organization/annan", clock()) == 0
    [state] = delivery_state_of(engine, "Task/t1")
    assert (state["status"], state["acknowledged_at"]) == ("acknowledged", stamp(clock()))
    [waiting] = delivery_state_of(engine, "Task/t2")
    assert (waiting["status"], waiting["attempts"]) == ("pending", 0)


# helpers ------------------------------------------------------------------------------------


def delivery_state_of(engine: Engine, notification: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return delivery_state(conn, notification)


def deviation_for(store: Store, notification: str) -> dict[str, Any]:
    """The one DetectedIssue that implicates `notification`."""
    with store.reading() as conn:
        query = select(resources.c.content).where(resources.c.res_type == "DetectedIssue")
        issues: list[dict[str, Any]] = [json.loads(t) for t in conn.execute(query).scalars()]
    found = [i for i in issues if i["implicated"] == [{"reference": notification}]]
    assert len(found) == 1, found
    return found[0]


def assert_valid(resource: dict[str, Any]) -> None:
    outcome = validator().validate(resource)
    errors = [i for i in outcome["issue"] if i["severity"] in ("error", "fatal")]
    assert not errors, errors


def test_a_failed_run_sends_nothing_behind_its_head_and_gives_it_back(
    engine: Engine, worker: Worker, clock: FakeClock
) -> None:
    with receiver(status=503) as failing:
        rows = [row(n, 1, failing.url) for n in range(3)]
        enqueue(engine, rows, clock())
        assert worker.run_once() == {"pending": 1}
        assert failing.keys() == [rows[0].key], "nothing sent after the head's 503"
    head, *behind = outbox_rows(engine)
    assert (head["attempts"], head["last_error"]) == (1, "HTTP 503 Service Unavailable")
    assert head["next_attempt_at"] > stamp(clock())
    assert [(r["attempts"], r["next_attempt_at"]) for r in behind] == [(0, stamp(clock()))] * 2


def test_a_stopping_worker_sends_no_further_row_of_a_run(
    engine: Engine, worker: Worker, clock: FakeClock
) -> None:
    with receiver() as up:
        rows = [row(n, 1, up.url) for n in range(3)]
        enqueue(engine, rows, clock())
        worker.stopping.set()
        assert worker.run_once() == {"delivered": 1}
        assert up.keys() == [rows[0].key]
    assert [r["status"] for r in outbox_rows(engine)] == ["delivered", "pending", "pending"]


def test_a_lease_without_room_for_a_second_send_claims_one_row_per_key() -> None:
    """A run's rows share one lease: a send started after it ran out could go out twice."""
    assert DeliveryConfig(timeout_seconds=10, lease_seconds=45).run_seconds == 5
    assert DeliveryConfig(timeout_seconds=10, lease_seconds=45).run_length == 50
    assert DeliveryConfig(timeout_seconds=5, lease_seconds=2).run_length == 1
