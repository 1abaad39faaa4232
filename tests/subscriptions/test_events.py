"""Topic events delivered over rest-hook: payload shapes, filters, heartbeats, outages,
re-activation after error, $events replay and the organization scoping seam."""

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from service.auth.principal import Principal
from service.storage.store import Store
from service.subscriptions import definitions as d
from service.subscriptions.heartbeat import Heartbeats
from tests.delivery.support import FakeClock
from tests.subscriptions.conftest import BASE
from tests.subscriptions.support import (
    FHIR,
    Hook,
    event_numbers,
    status_of,
    subscription,
)
from tests.support.auth import headers_for, principal
from tests.workflow.conftest import SD

Stay = Callable[[], tuple[str, str]]
Notify = Callable[..., dict[str, Any]]
Drain = Callable[..., None]


def create(client: TestClient, resource: dict[str, Any], who: Principal | None = None) -> str:
    """Create as `who` (default: the client's own identity)."""
    signed = headers_for(client.app, who) if who else {}
    response = client.post("/fhir/Subscription", json=resource, headers={**FHIR, **signed})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def events_of(hook: Hook) -> list[dict[str, Any]]:
    return hook.bundles("event-notification")


def test_payload_shapes(
    client: TestClient, hook: Hook, drain: Drain, stay_of: Stay, notify: Notify
) -> None:
    ids = {
        c: create(client, subscription("utskrivningsklar", f"{hook.url}/{c}", c))
        for c in ("empty", "id-only", "full-resource")
    }
    drain()
    task = notify("utskrivningsklar", stay_of())
    drain()
    by_sub = {
        status_of(b)["subscription"]["reference"].rsplit("/", 1)[-1]: b for b in events_of(hook)
    }
    assert set(by_sub) == set(ids.values())
    focus = f"{BASE}/Task/{task['id']}"
    for content, sub_id in ids.items():
        bundle = by_sub[sub_id]
        status = status_of(bundle)
        assert bundle["type"] == "history"
        assert status["type"] == "event-notification"
        assert status["status"] == "active"
        assert status["events-since-subscription-start"] == "1"
        [event] = status["events"]
        assert event["event-number"] == "1"
        assert event["timestamp"] == task["meta"]["lastUpdated"]
        assert all("request" in e and "response" in e for e in bundle["entry"])
        if content == "empty":
            assert "focus" not in event
            assert len(bundle["entry"]) == 1
        elif content == "id-only":
            assert event["focus"] == {"reference": focus}
            assert len(bundle["entry"]) == 1
        else:
            assert event["focus"] == {"reference": focus}
            [_, entry] = bundle["entry"]
            assert entry["fullUrl"] == focus
            assert entry["resource"] == task
            assert entry["request"] == {"method": "POST", "url": "Task"}
            assert entry["response"]["status"] == "201"


def test_filters_include_and_exclude(
    client: TestClient, hook: Hook, drain: Drain, stay_of: Stay, notify: Notify
) -> None:
    ours, theirs = stay_of(), stay_of()
    filters = {
        "patient": f"Task?patient=Patient/{ours[0]}",
        "requester": "requester=Organization/sos-avd-51",
        "other-requester": "requester=Organization/someone-else",
        "code": "code=https://lus-fhir.se/fhir/CodeSystem/lus-event|utskrivningsklar",
        "other-code": "code=inskrivningsmeddelande",
        "both": f"patient={theirs[0]}&requester=Organization/sos-avd-51",
    }
    ids = {
        name: create(client, subscription("utskrivningsklar", f"{hook.url}/{name}", filters=(f,)))
        for name, f in filters.items()
    }
    drain()
    notify("utskrivningsklar", ours)
    notify("utskrivningsklar", theirs)
    drain()
    counts = {name: 0 for name in ids}
    for bundle in events_of(hook):
        sub_id = status_of(bundle)["subscription"]["reference"].rsplit("/", 1)[-1]
        counts[next(n for n, i in ids.items() if i == sub_id)] += 1
    assert counts == {
        "patient": 1,
        "requester": 2,
        "other-requester": 0,
        "code": 2,
        "other-code": 0,
        "both": 1,
    }


def test_topic_criteria_use_previous_and_current(
    client: TestClient, hook: Hook, drain: Drain, stay_of: Stay, notify: Notify
) -> None:
    """task-status fires on a status change only; utskrivningsklar only on create."""
    status_sub = create(client, subscription("task-status", f"{hook.url}/s", "full-resource"))
    ready_sub = create(client, subscription("utskrivningsklar", f"{hook.url}/r"))
    drain()
    task = notify("utskrivningsklar", stay_of(), owner={"reference": "Organization/hemtjanst-aros"})
    same = client.put(f"/fhir/Task/{task['id']}", json=task, headers=FHIR)
    assert same.status_code == 200
    receipt = {
        "url": f"{SD}/lus-kvittens",
        "extension": [
            {"url": "receiver", "valueReference": {"reference": "Organization/hemtjanst-aros"}},
            {"url": "received", "valueInstant": "2026-11-20T17:05:00+01:00"},
        ],
    }
    received = {**same.json(), "status": "received", "extension": [receipt]}
    home_care = headers_for(client.app, principal("Organization/hemtjanst-aros", region=False))
    url = f"/fhir/Task/{task['id']}"
    changed = client.put(url, json=received, headers={**FHIR, **home_care})
    assert changed.status_code == 200, changed.text
    drain()
    subs = [status_of(b)["subscription"]["reference"].rsplit("/", 1)[-1] for b in events_of(hook)]
    assert sorted(subs) == sorted([ready_sub, status_sub])
    [status_event] = [b for b in events_of(hook) if status_sub in str(b["entry"][0])]
    entry = status_event["entry"][1]
    assert entry["resource"]["status"] == "received"
    assert entry["request"] == {"method": "PUT", "url": f"Task/{task['id']}"}


def test_heartbeats_follow_the_period(
    client: TestClient, store: Store, clock: FakeClock, hook: Hook, drain: Drain
) -> None:
    create(client, subscription("utskrivning", hook.url, heartbeat=60))
    create(client, subscription("utskrivning", f"{hook.url}/quiet"))
    drain()
    heartbeats = Heartbeats(store, clock, BASE)
    assert heartbeats.run_once(clock.now) == 0
    assert heartbeats.run_once(clock.advance(seconds=59)) == 0
    assert heartbeats.run_once(clock.advance(seconds=1)) == 1
    assert heartbeats.run_once(clock.now) == 0, "one per period"
    drain()
    [beat] = hook.bundles("heartbeat")
    assert status_of(beat)["status"] == "active"
    assert status_of(beat)["events"] == []
    assert heartbeats.run_once(clock.advance(seconds=60)) == 1


def test_receiver_down_then_up_loses_nothing(
    client: TestClient, hook: Hook, drain: Drain, stay_of: Stay, notify: Notify
) -> None:
    sub_id = create(client, subscription("utskrivningsklar", hook.url, "full-resource"))
    drain()
    hook.stop()
    for _ in range(5):
        notify("utskrivningsklar", stay_of())
    drain(rounds=6, settle=False)  # every attempt refused; retries stay within the horizon
    assert events_of(hook) == []
    assert client.get(f"/fhir/Subscription/{sub_id}").json()["status"] == "active"
    hook.start()
    drain()
    delivered = events_of(hook)
    assert event_numbers(delivered) == [1, 2, 3, 4, 5], "in order, each once, no gaps"
    replay = client.get(f"/fhir/Subscription/{sub_id}/$events").json()
    assert replay["type"] == "history"
    assert status_of(replay)["type"] == "query-event"
    assert status_of(replay)["events"] == [e for b in delivered for e in status_of(b)["events"]]
    resources = [b["entry"][1]["resource"] for b in delivered]
    assert [e["resource"] for e in replay["entry"][1:]] == resources
    part = client.get(
        f"/fhir/Subscription/{sub_id}/$events?eventsSinceNumber=2&eventsUntilNumber=3&content=empty"
    ).json()
    assert [e["event-number"] for e in status_of(part)["events"]] == ["2", "3"]
    assert len(part["entry"]) == 1


def test_refused_delivery_is_error_and_reactivation_resumes(
    client: TestClient, hook: Hook, drain: Drain, stay_of: Stay, notify: Notify
) -> None:
    sub_id = create(client, subscription("utskrivningsklar", hook.url))
    drain()
    hook.status = 410
    ids = stay_of()
    notify("utskrivningsklar", ids)
    drain()
    errored = client.get(f"/fhir/Subscription/{sub_id}").json()
    assert errored["status"] == "error"
    assert "HTTP 410" in errored["error"]
    hook.status = 200
    for _ in range(3):  # events keep being recorded while in error, and are held
        notify("utskrivningsklar", ids)
    drain()
    assert event_numbers(events_of(hook)) == [1]  # only the refused attempt
    status = status_of(client.get(f"/fhir/Subscription/{sub_id}/$status").json())
    assert (status["status"], status["events-since-subscription-start"]) == ("error", "4")
    assert not client.get("/fhir/DetectedIssue?code=leverans-misslyckad").json().get("entry")
    response = client.put(
        f"/fhir/Subscription/{sub_id}", json={**errored, "status": "requested"}, headers=FHIR
    )
    assert response.status_code == 200
    notify("utskrivningsklar", ids)  # while re-activating: recorded, sent after the handshake
    drain()
    assert client.get(f"/fhir/Subscription/{sub_id}").json()["status"] == "active"
    kinds = [status_of(b)["type"] for b in hook.bundles()]
    assert kinds == ["handshake", "event-notification", "handshake", *["event-notification"] * 5]
    assert event_numbers(events_of(hook)) == [1, 1, 2, 3, 4, 5]


def test_subscriber_organization_must_be_a_party_of_the_case(
    client: TestClient, hook: Hook, drain: Drain, stay_of: Stay, notify: Notify
) -> None:
    def scoped(organization: str) -> dict[str, Any]:
        resource = subscription("utskrivningsklar", f"{hook.url}/{organization}")
        resource["extension"] = [
            {"url": d.SUBSCRIBER, "valueReference": {"reference": f"Organization/{organization}"}}
        ]
        return resource

    def made_by(organization: str) -> str:
        who = principal(f"Organization/{organization}", region=False)
        return create(client, scoped(organization), who)

    party = made_by("hemtjanst-aros")
    ward = made_by("sos-avd-51")
    stranger = made_by("nagon-annan")
    drain()
    notify("utskrivningsklar", stay_of(), owner={"reference": "Organization/hemtjanst-aros"})
    drain()
    got = {status_of(b)["subscription"]["reference"].rsplit("/", 1)[-1] for b in events_of(hook)}
    assert got == {party, ward}
    assert stranger not in got
