"""The service's subscription notifications against the guide's restatements of the Subscriptions
R5 Backport IG's R4 profiles: every real handshake, heartbeat, event notification, `$status` and
`$events` answer conforms, and a broken copy fails at the rule it breaks. Subscriptions the tests
send conform to lus-subscription; broken ones fail at the IG's rule they break."""

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fhir_profiles import CANONICAL
from service.definitions.registry import registry
from service.storage.store import Store
from service.subscriptions import definitions as d
from service.subscriptions.heartbeat import Heartbeats
from service.subscriptions.notification import Focus, bundle
from service.subscriptions.spec import parse_subscription
from service.subscriptions.state import Event, State
from service.validation import validator
from tests.delivery.support import FakeClock
from tests.subscriptions.conftest import BASE
from tests.subscriptions.support import (
    FHIR,
    Hook,
    created,
    notification_type,
    status_of,
    subscription,
)
from tests.support.auth import headers_for, principal

Resource = dict[str, Any]
Stay = Callable[[], tuple[str, str]]
Notify = Callable[..., Resource]
Drain = Callable[..., None]
CONTENTS = ("empty", "id-only", "full-resource")
KINDS = ("handshake", "event-notification", "heartbeat", "query-event")
EVENT = "event-notification"
NOTIFICATION = d.LUS_NOTIFICATION_PROFILE
STATUS = "Bundle.entry[0].resource"


def issues(resource: Resource, profile: str) -> set[tuple[str, str]]:
    """(code, expression) of every error, under each of its codes (`invariant.<key>` too)."""
    outcome = validator().validate(resource, [profile])
    return {
        (coding["code"], (issue.get("expression") or [""])[0])
        for issue in outcome["issue"]
        if issue["severity"] in ("error", "fatal")
        for coding in issue["details"].get("coding", [])
    }


@dataclass(frozen=True)
class Sent:
    """What the service sent per payload content and kind (the `$events` answer as "query-event"),
    and its `$status` searchset."""

    notifications: dict[str, dict[str, Resource]]
    status: Resource


@pytest.fixture
def sent(
    client: TestClient,
    store: Store,
    clock: FakeClock,
    hook: Hook,
    drain: Drain,
    stay_of: Stay,
    notify: Notify,
) -> Sent:
    """One subscription per payload content: handshake, one event, one heartbeat, `$events`."""
    ids = {
        content: created(
            client, subscription("utskrivningsklar", f"{hook.url}/{content}", content, heartbeat=60)
        )
        for content in CONTENTS
    }
    drain()
    notify("utskrivningsklar", stay_of())
    drain()
    assert Heartbeats(store, clock, BASE).run_once(clock.advance(seconds=60)) == len(CONTENTS)
    drain()
    found: dict[str, dict[str, Resource]] = {content: {} for content in CONTENTS}
    for body in hook.bundles():
        sub_id = status_of(body)["subscription"]["reference"].rsplit("/", 1)[-1]
        content = next(c for c, i in ids.items() if i == sub_id)
        found[content][notification_type(body)] = body
    for content, sub_id in ids.items():
        found[content]["query-event"] = client.get(f"/fhir/Subscription/{sub_id}/$events").json()
    return Sent(found, client.get("/fhir/Subscription/$status").json())


@pytest.mark.parametrize("content", CONTENTS)
def test_every_notification_the_service_sends_conforms(sent: Sent, content: str) -> None:
    profile = d.lus_notification_profile(content)
    assert set(sent.notifications[content]) == set(KINDS)
    for kind in KINDS:
        notification = sent.notifications[content][kind]
        assert status_of(notification)["type"] == kind
        assert notification["meta"]["profile"] == [profile, d.NOTIFICATION_PROFILE]
        assert issues(notification, profile) == set(), kind
        assert issues(notification, NOTIFICATION) == set(), kind
        status = notification["entry"][0]["resource"]
        assert status["meta"]["profile"] == [d.LUS_STATUS_PROFILE, d.STATUS_PROFILE]
        assert issues(status, d.LUS_STATUS_PROFILE) == set(), kind
    assert ("topic" in status_of(sent.notifications[content]["handshake"])) is (content != "empty")


def test_the_status_answer_conforms(sent: Sent) -> None:
    searchset = sent.status
    assert searchset["type"] == "searchset"
    assert searchset["total"] == len(CONTENTS)
    assert issues(searchset, "http://hl7.org/fhir/StructureDefinition/Bundle") == set()
    for entry in searchset["entry"]:
        status = entry["resource"]
        assert [p["valueCode"] for p in status["parameter"] if p["name"] == "type"] == [
            "query-status"
        ]
        assert issues(status, d.LUS_STATUS_PROFILE) == set()


def test_the_backport_ig_profile_it_cannot_resolve_is_only_a_warning(sent: Sent) -> None:
    """meta.profile keeps the IG's canonicals beside ours: unknown here, so warnings only."""
    outcome = validator().validate(sent.notifications["id-only"][EVENT])
    unknown = {
        (i["severity"], i["expression"][0])
        for i in outcome["issue"]
        if i["details"].get("coding", [{}])[0].get("code") == "profile.unknown"
    }
    assert unknown == {("warning", "Bundle"), ("warning", STATUS)}
    assert not [i for i in outcome["issue"] if i["severity"] in ("error", "fatal")]


def test_events_outside_the_log_answer_with_the_status(client: TestClient, hook: Hook) -> None:
    """A query-event must carry an event (SubscriptionStatus sst-1): an empty range is a status."""
    sub_id = created(client, subscription("utskrivningsklar", hook.url))
    replay = client.get(f"/fhir/Subscription/{sub_id}/$events?eventsSinceNumber=7").json()
    assert status_of(replay)["type"] == "query-status"
    assert status_of(replay)["events"] == []
    assert issues(replay, d.lus_notification_profile("id-only")) == set()


def test_a_focus_that_cannot_be_read_is_still_an_entry() -> None:
    """full-resource: without the resource the entry keeps fullUrl, request and response."""
    spec = parse_subscription(
        subscription("utskrivningsklar", "https://hook.example.se", "full-resource")
    )
    event = Event(3, "2026-11-20T16:00:00Z", "Task/borta", 2)
    notification = bundle(
        State("s1", "active", spec, 3, None),
        "event-notification",
        BASE,
        event.occurred_at,
        [Focus(event, None)],
    )
    assert notification["entry"][1] == {
        "fullUrl": f"{BASE}/Task/borta",
        "request": {"method": "PUT", "url": "Task/borta"},
        "response": {"status": "200", "etag": 'W/"2"'},
    }
    assert issues(notification, d.lus_notification_profile("full-resource")) == set()


def _parameters(notification: Resource) -> list[Resource]:
    parameters: list[Resource] = notification["entry"][0]["resource"]["parameter"]
    return parameters


def _events(notification: Resource) -> list[Resource]:
    return [p for p in _parameters(notification) if p["name"] == "notification-event"]


def _transaction(n: Resource) -> None:
    n["type"] = "transaction"


def _no_status(n: Resource) -> None:
    del n["entry"][0]


def _no_event(n: Resource) -> None:
    n["entry"][0]["resource"]["parameter"] = [
        p for p in _parameters(n) if p["name"] != "notification-event"
    ]


def _focus(n: Resource) -> None:
    _events(n)[0]["part"].append({"name": "focus", "valueReference": {"reference": "Task/x"}})


def _extra_entry(n: Resource) -> None:
    n["entry"].append(
        {
            "fullUrl": f"{BASE}/Task/x",
            "request": {"method": "GET", "url": "Task/x"},
            "response": {"status": "200"},
        }
    )


def _no_focus(n: Resource) -> None:
    _events(n)[0]["part"] = [p for p in _events(n)[0]["part"] if p["name"] != "focus"]


def _with_resource(n: Resource) -> None:
    n["entry"].append(
        {
            "fullUrl": f"{BASE}/Task/x",
            "resource": {
                "resourceType": "Task",
                "id": "x",
                "status": "requested",
                "intent": "order",
            },
            "request": {"method": "GET", "url": "Task/x"},
            "response": {"status": "200"},
        }
    )


def _no_resource_entry(n: Resource) -> None:
    del n["entry"][1]


def _post_status(n: Resource) -> None:
    n["entry"][0]["request"]["method"] = "POST"


def _event_number(n: Resource) -> None:
    _events(n)[0]["part"][0]["valueString"] = "första"


def _unknown_type(n: Resource) -> None:
    next(p for p in _parameters(n) if p["name"] == "type")["valueCode"] = "event"


def rule(key: str, expression: str = "Bundle") -> tuple[str, str]:
    return f"invariant.{key}", expression


# what breaks: (content, kind, change, the error it must raise)
BROKEN = {
    "not a history": ("id-only", "handshake", _transaction, ("fixed.mismatch", "Bundle.type")),
    "no status entry": ("full-resource", EVENT, _no_status, rule("lus-snb-1")),
    "status not a GET of $status": ("id-only", "heartbeat", _post_status, rule("lus-snb-2")),
    "event without events": ("id-only", EVENT, _no_event, rule("lus-sst-1", STATUS)),
    "replay without events": ("empty", "query-event", _no_event, rule("lus-sst-1", STATUS)),
    "event number not a number": (
        "id-only",
        "query-event",
        _event_number,
        rule("lus-sst-3", STATUS),
    ),
    "empty names a focus": ("empty", EVENT, _focus, rule("lus-snb-3")),
    "empty with an entry": ("empty", EVENT, _extra_entry, rule("lus-snb-4")),
    "id-only without focus": ("id-only", EVENT, _no_focus, rule("lus-snb-6")),
    "id-only with a resource": ("id-only", EVENT, _with_resource, rule("lus-snb-7")),
    "full-resource without its entry": (
        "full-resource",
        EVENT,
        _no_resource_entry,
        rule("lus-snb-8"),
    ),
    "unknown notification type": ("id-only", EVENT, _unknown_type, rule("lus-sst-5", STATUS)),
}


@pytest.mark.parametrize(("content", "kind", "change", "error"), BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_notification_fails_at_the_rule_it_breaks(
    sent: Sent,
    content: str,
    kind: str,
    change: Callable[[Resource], None],
    error: tuple[str, str],
) -> None:
    profile = d.lus_notification_profile(content)
    real = sent.notifications[content][kind]
    broken = copy.deepcopy(real)
    change(broken)
    assert error in issues(broken, profile)
    assert issues(real, profile) == set(), "the unbroken one passes"


def test_the_status_entry_is_required(sent: Sent) -> None:
    broken = copy.deepcopy(sent.notifications["full-resource"][EVENT])
    _no_status(broken)
    assert ("cardinality.min", "Bundle") in issues(broken, NOTIFICATION)


# ---- Subscriptions ----


def _scoped() -> Resource:
    """A Subscription using every extension this server supports."""
    resource = subscription(
        "utskrivningsklar",
        "https://hook.example.se/lus",
        "full-resource",
        filters=("requester=Organization/sos-avd-51",),
        heartbeat=300,
    )
    resource["extension"] = [
        {"url": d.SUBSCRIBER, "valueReference": {"reference": "Organization/hemtjanst-aros"}}
    ]
    return resource


def test_a_stored_subscription_conforms(client: TestClient) -> None:
    home_care = headers_for(client.app, principal("Organization/hemtjanst-aros", region=False))
    response = client.post("/fhir/Subscription", json=_scoped(), headers={**FHIR, **home_care})
    assert response.status_code == 201, response.text
    sub_id = response.json()["id"]
    stored = client.get(f"/fhir/Subscription/{sub_id}").json()
    assert issues(stored, d.LUS_SUBSCRIPTION_PROFILE) == set()


def test_the_subscriber_extension_is_the_guides() -> None:
    assert d.SUBSCRIBER in registry().guide_profiles(CANONICAL)
    definition = registry().structure(d.SUBSCRIBER)
    assert definition is not None
    assert definition["context"] == [{"type": "element", "expression": "Subscription"}]


def _without_criteria(s: Resource) -> None:
    del s["criteria"], s["_criteria"]


def _filters_only(s: Resource) -> None:
    del s["criteria"]


def _search_criteria(s: Resource) -> None:
    s["criteria"] = "Task?code=utskrivningsklar"


def _bad_content(s: Resource) -> None:
    s["channel"]["_payload"]["extension"][0]["valueCode"] = "everything"


def _no_content(s: Resource) -> None:
    del s["channel"]["_payload"]


def _two_heartbeats(s: Resource) -> None:
    s["channel"]["extension"] *= 2


def _patient_subscriber(s: Resource) -> None:
    s["extension"][0]["valueReference"]["reference"] = "Patient/tolvan"


BROKEN_SUBSCRIPTIONS = {
    "no topic": (_without_criteria, ("cardinality.min", "Subscription")),
    "filters but no topic": (_filters_only, rule("lus-sub-1", "Subscription")),
    "search criteria": (_search_criteria, rule("lus-sub-2", "Subscription.criteria")),
    "no payload content": (_no_content, rule("lus-sub-3", "Subscription.channel")),
    "unknown payload content": (_bad_content, rule("lus-sub-4", "Subscription.channel")),
    "two heartbeat periods": (_two_heartbeats, rule("lus-sub-5", "Subscription.channel")),
    "subscriber not an organization": (
        _patient_subscriber,
        ("reference.target", "Subscription.extension[0].value.ofType(Reference)"),
    ),
}


@pytest.mark.parametrize(
    ("change", "error"), BROKEN_SUBSCRIPTIONS.values(), ids=BROKEN_SUBSCRIPTIONS.keys()
)
def test_a_broken_subscription_fails_at_the_rule_it_breaks(
    client: TestClient, change: Callable[[Resource], None], error: tuple[str, str]
) -> None:
    """`client`: the service registers the IG's extension definitions with the validator."""
    resource = _scoped()
    assert issues(resource, d.LUS_SUBSCRIPTION_PROFILE) == set()
    change(resource)
    assert error in issues(resource, d.LUS_SUBSCRIPTION_PROFILE)
