"""Notification Bundles as the Backport IG shapes them for R4.

A `history` Bundle whose first entry is the subscription-status Parameters; every entry carries
`request` and `response`. The focus appears as a reference (`id-only`), as a reference plus an
entry (`full-resource`: with the resource, or only request and response when the version cannot
be read), or not at all (`empty`, which also leaves out the topic, as the IG advises).

`meta.profile` names the guide's restatement of the IG's profile first (for a Bundle, the one for
its payload content, since the Bundle itself does not say which it is) and the IG's own canonical
second. Our validator checks the first; the IG's it cannot resolve offline, which it reports as a
warning, never an error, while a receiver that has the IG installed can check against it.
A query-event with no events in the asked range is answered as query-status: SubscriptionStatus
(sst-1, restated as lus-sst-1) requires a query-event to carry at least one event.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from service.subscriptions.definitions import (
    LUS_STATUS_PROFILE,
    NOTIFICATION_PROFILE,
    STATUS_PROFILE,
    lus_notification_profile,
)
from service.subscriptions.state import Event, State

Resource = dict[str, Any]


def _url(base: str, reference: str) -> str:
    """Absolute when the server knows its public http(s) base, else relative to it."""
    return f"{base}/{reference}" if base.startswith(("http://", "https://")) else reference


@dataclass(frozen=True)
class Focus:
    """An event with the focus resource as it was at that event (None: deleted or unknown)."""

    event: Event
    resource: Resource | None


def status_parameters(
    state: State,
    kind: str,
    base: str,
    events: list[Event],
    content: str,
    error: str | None = None,
) -> Resource:
    """The subscription status (lus-subscription-status) of a notification or a $status answer."""
    parameter: list[Resource] = [
        {"name": "subscription", "valueReference": {"reference": _url(base, state.reference)}},
        {"name": "status", "valueCode": state.status},
        {"name": "type", "valueCode": kind},
        {"name": "events-since-subscription-start", "valueString": str(state.events)},
    ]
    if content != "empty":
        parameter.insert(1, {"name": "topic", "valueCanonical": state.spec.topic})
    for event in events:
        part: list[Resource] = [
            {"name": "event-number", "valueString": str(event.number)},
            {"name": "timestamp", "valueInstant": event.occurred_at},
        ]
        if content != "empty":
            part.append({"name": "focus", "valueReference": {"reference": _url(base, event.focus)}})
        parameter.append({"name": "notification-event", "part": part})
    if error:
        parameter.append({"name": "error", "valueCodeableConcept": {"text": error}})
    return {
        "resourceType": "Parameters",
        "id": str(uuid.uuid4()),
        "meta": {"profile": [LUS_STATUS_PROFILE, STATUS_PROFILE]},
        "parameter": parameter,
    }


def _focus_entry(base: str, focus: Focus) -> Resource:
    created = focus.event.focus_version == 1
    kind = focus.event.focus.split("/", 1)[0]
    entry: Resource = {"fullUrl": _url(base, focus.event.focus)}
    if focus.resource is not None:
        entry["resource"] = focus.resource
    entry["request"] = {
        "method": "POST" if created else "PUT",
        "url": kind if created else focus.event.focus,
    }
    entry["response"] = {
        "status": "201" if created else "200",
        "etag": f'W/"{focus.event.focus_version}"',
    }
    return entry


def bundle(
    state: State,
    kind: str,
    base: str,
    timestamp: str,
    foci: Sequence[Focus] = (),
    content: str | None = None,
    error: str | None = None,
) -> Resource:
    """A notification of `kind` (handshake, heartbeat, event-notification, query-event …)."""
    content = content or state.spec.content
    if kind == "query-event" and not foci:
        kind = "query-status"
    status = status_parameters(state, kind, base, [f.event for f in foci], content, error)
    entries: list[Resource] = [
        {
            "fullUrl": f"urn:uuid:{status['id']}",
            "resource": status,
            "request": {"method": "GET", "url": _url(base, f"{state.reference}/$status")},
            "response": {"status": "200"},
        }
    ]
    if content == "full-resource":
        entries.extend(_focus_entry(base, f) for f in foci)
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"profile": [lus_notification_profile(content), NOTIFICATION_PROFILE]},
        "type": "history",
        "timestamp": timestamp,
        "entry": entries,
    }
