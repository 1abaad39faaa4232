"""Creating a Subscription: what is rejected, the handshake, error, and client re-activation."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.subscriptions import definitions as d
from tests.subscriptions.conftest import BASE
from tests.subscriptions.support import FHIR, Hook, notification_type, status_of, subscription


def create(client: TestClient, resource: dict[str, Any], status: int = 201) -> dict[str, Any]:
    response = client.post("/fhir/Subscription", json=resource, headers=FHIR)
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def read(client: TestClient, sub_id: str) -> dict[str, Any]:
    body: dict[str, Any] = client.get(f"/fhir/Subscription/{sub_id}").json()
    return body


def _with(resource: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    target = resource
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return resource


REJECTED = [
    (
        "unknown topic",
        ("criteria",),
        "https://lus-fhir.se/fhir/SubscriptionTopic/nope",
        "Subscription.criteria",
    ),
    (
        "filter not in canFilterBy",
        ("_criteria",),
        {"extension": [{"url": d.FILTER_CRITERIA, "valueString": "Task?performer=Organization/x"}]},
        "Subscription.criteria",
    ),
    (
        "filter on another type",
        ("_criteria",),
        {"extension": [{"url": d.FILTER_CRITERIA, "valueString": "Encounter?patient=Patient/x"}]},
        "Subscription.criteria",
    ),
    ("email channel", ("channel", "type"), "email", "Subscription.channel.type"),
    ("ftp endpoint", ("channel", "endpoint"), "ftp://127.0.0.1/x", "Subscription.channel.endpoint"),
    ("xml payload", ("channel", "payload"), "application/fhir+xml", "Subscription.channel.payload"),
    (
        "unknown payload content",
        ("channel", "_payload"),
        {"extension": [{"url": d.PAYLOAD_CONTENT, "valueCode": "everything"}]},
        "Subscription.channel",  # lus-subscription's lus-sub-4, checked before the server's own
    ),
    ("no payload content", ("channel", "_payload"), {"id": "p"}, "Subscription.channel"),
    (
        "unsupported channel extension",
        ("channel", "extension"),
        [
            {
                "url": f"{d.BACKPORT}/StructureDefinition/backport-max-count-per-hour",
                "valueUnsignedInt": 1,
            }
        ],
        "Subscription.channel",
    ),
    (
        "reserved header",
        ("channel", "header"),
        ["Content-Type: text/plain"],
        "Subscription.channel.header",
    ),
]


@pytest.mark.parametrize(
    ("why", "path", "value", "expression"), REJECTED, ids=[r[0] for r in REJECTED]
)
def test_unsupported_subscriptions_are_rejected_naming_the_element(
    client: TestClient, why: str, path: tuple[str, ...], value: Any, expression: str
) -> None:
    resource = _with(subscription("task-status", "http://127.0.0.1:9/hook"), path, value)
    outcome = create(client, resource, 422)
    assert outcome["resourceType"] == "OperationOutcome"
    expressions = [e for i in outcome["issue"] for e in i.get("expression", [])]
    assert any(e.startswith(expression) for e in expressions), (why, outcome)


def test_rest_hook_needs_an_endpoint(client: TestClient) -> None:
    outcome = create(client, subscription("task-status"), 422)
    assert outcome["issue"][0]["expression"] == ["Subscription.channel.endpoint"]


def test_handshake_makes_it_active_with_the_channel_headers(
    client: TestClient, hook: Hook, drain: Callable[[], None]
) -> None:
    resource = subscription(
        "utskrivning", hook.url, headers=("Authorization: Bearer s3cret",), status="active"
    )
    created = create(client, resource)
    assert created["status"] == "requested", "the server owns the status"
    assert read(client, created["id"])["status"] == "requested"
    drain()
    [(headers, handshake)] = hook.received
    assert headers["Content-Type"] == "application/fhir+json"
    assert headers["Authorization"] == "Bearer s3cret"
    assert handshake["type"] == "history"
    status = status_of(handshake)
    assert status["type"] == "handshake"
    assert status["status"] == "requested"
    assert status["subscription"]["reference"] == f"{BASE}/Subscription/{created['id']}"
    assert status["topic"] == "https://lus-fhir.se/fhir/SubscriptionTopic/utskrivning"
    assert status["events-since-subscription-start"] == "0"
    first = handshake["entry"][0]
    assert first["request"] == {
        "method": "GET",
        "url": f"{BASE}/Subscription/{created['id']}/$status",
    }
    assert first["response"]["status"] == "200"
    assert read(client, created["id"])["status"] == "active"
    searchset = client.get(f"/fhir/Subscription/{created['id']}/$status").json()
    assert searchset["type"] == "searchset"
    assert status_of(searchset)["status"] == "active"
    assert status_of(searchset)["type"] == "query-status"


def test_failed_handshake_is_error_until_the_client_reactivates(
    client: TestClient, hook: Hook, drain: Callable[[], None]
) -> None:
    hook.status = 503
    created = create(client, subscription("utskrivning", hook.url))
    drain()
    assert len(hook.received) == 1, "a handshake is not retried"
    errored = read(client, created["id"])
    assert errored["status"] == "error"
    assert "HTTP 503" in errored["error"]
    hook.status = 200
    drain()
    assert read(client, created["id"])["status"] == "error", "never cleared by the server"
    response = client.put(
        f"/fhir/Subscription/{created['id']}", json={**errored, "status": "requested"}, headers=FHIR
    )
    assert response.status_code == 200, response.text
    drain()
    assert [notification_type(b) for b in hook.bundles()] == ["handshake", "handshake"]
    active = read(client, created["id"])
    assert active["status"] == "active"
    assert "error" not in active


def test_an_update_during_the_handshake_sends_no_second_one(
    client: TestClient, hook: Hook, drain: Callable[[], None]
) -> None:
    created = create(client, subscription("utskrivning", hook.url))
    changed = {**created, "reason": "renamed", "status": "active"}
    response = client.put(f"/fhir/Subscription/{created['id']}", json=changed, headers=FHIR)
    assert response.json()["status"] == "requested"
    drain()
    assert len(hook.bundles("handshake")) == 1
    assert read(client, created["id"])["status"] == "active"


def test_client_cannot_set_the_status_but_may_turn_it_off(
    client: TestClient, hook: Hook, drain: Callable[[], None]
) -> None:
    created = create(client, subscription("utskrivning", hook.url))
    drain()
    current = read(client, created["id"])
    response = client.put(
        f"/fhir/Subscription/{created['id']}", json={**current, "status": "error"}, headers=FHIR
    )
    assert response.json()["status"] == "active"
    response = client.put(
        f"/fhir/Subscription/{created['id']}", json={**current, "status": "off"}, headers=FHIR
    )
    assert response.json()["status"] == "off"
    searched = client.get("/fhir/Subscription?status=off").json()
    assert [e["resource"]["id"] for e in searched["entry"]] == [created["id"]]


def test_status_and_events_errors_are_operation_outcomes(client: TestClient, hook: Hook) -> None:
    created = create(client, subscription("utskrivning", hook.url))
    for url, status in [
        ("/fhir/Subscription/nope/$status", 404),
        ("/fhir/Subscription/nope/$events", 404),
        (f"/fhir/Subscription/{created['id']}/$events?eventsSinceNumber=x", 400),
        (
            f"/fhir/Subscription/{created['id']}/$events?eventsSinceNumber=3&eventsUntilNumber=2",
            400,
        ),
        (f"/fhir/Subscription/{created['id']}/$events?content=all", 400),
        (f"/fhir/Subscription/{created['id']}/$get-ws-binding-token", 422),
    ]:
        response = client.get(url)
        assert response.status_code == status, (url, response.text)
        assert response.json()["resourceType"] == "OperationOutcome"
    every = client.get(f"/fhir/Subscription/$status?id={created['id']}").json()
    assert every["total"] == 1


def test_capability_statement_advertises_the_backport(client: TestClient) -> None:
    statement = client.get("/fhir/metadata").json()
    assert d.SERVER_CAPABILITY in statement["instantiates"]
    topics = {
        e["valueCanonical"]
        for e in statement["extension"]
        if e["url"] == d.TOPIC_CANONICAL_CAPABILITY
    }
    assert len(topics) == 6
    [entry] = [r for r in statement["rest"][0]["resource"] if r["type"] == "Subscription"]
    assert entry["supportedProfile"] == [d.SUBSCRIPTION_PROFILE]
    operations = {o["name"]: o["definition"] for o in entry["operation"]}
    assert operations["status"] == d.STATUS_OPERATION
    assert operations["events"] == d.EVENTS_OPERATION
