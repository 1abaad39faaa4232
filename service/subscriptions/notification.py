"""Notification Bundles as the Backport IG shapes them for R4.

A `history` Bundle whose first entry is the subscription-status Parameters; every entry carries
`request` and `response`. The focus appears as a reference (`id-only`), as a reference plus the
resource as a further entry (`full-resource`), or not at all (`empty`).
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from service.subscriptions.definitions import NOTIFICATION_PROFILE, STATUS_PROFILE
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
    parameter: list[Resource] = [
        {"name": "subscription", "valueReference": {"reference": _url(base, state.reference)}},
        {"name": "topic", "valueCanonical": state.spec.topic},
        {"name": "status", "valueCode": state.status},
        {"name": "type", "valueCode": kind},
        {"name": "events-since-subscription-start", "valueString": str(state.events)},
    ]
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
        "meta": {"profile": [STATUS_PROFILE]},
        "parameter": parameter,
    }


def _focus_entry(base: str, focus: Focus, resource: Resource) -> Resource:
    created = focus.event.focus_version == 1
    kind = focus.event.focus.split("/", 1)[0]
    return {
        "fullUrl": _url(base, focus.event.focus),
        "resource": resource,
        "request": {
            "method": "POST" if created else "PUT",
            "url": kind if created else focus.event.focus,
        },
        "response": {
            "status": "201" if created else "200",
            "etag": f'W/"{focus.event.focus_version}"',
        },
    }


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
        entries.extend(_focus_entry(base, f, f.resource) for f in foci if f.resource is not None)
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"profile": [NOTIFICATION_PROFILE]},
        "type": "history",
        "timestamp": timestamp,
        "entry": entries,
    }
