"""A rest-hook receiver on loopback, Subscription builders, and readers of notification Bundles."""

import json
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from service.subscriptions import definitions as d
from tests.support.receiver import Receiver

TOPIC = "https://lus-fhir.se/fhir/SubscriptionTopic"
FHIR = {"Content-Type": "application/fhir+json"}
Resource = dict[str, Any]


@dataclass
class Hook(Receiver):
    """A rest-hook subscriber: the receiver's requests as (headers, parsed notification Bundle)."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    @property
    def received(self) -> list[tuple[dict[str, str], Resource]]:
        with self._lock:
            return [(r.request_headers, json.loads(r.body)) for r in self.requests]

    @property
    def arrivals(self) -> list[float]:
        """Wall-clock arrival times, parallel to `received`."""
        with self._lock:
            return [r.arrived for r in self.requests]

    def bundles(self, kind: str | None = None) -> list[Resource]:
        return [b for _, b in self.received if kind is None or notification_type(b) == kind]


def subscription(
    topic: str,
    endpoint: str | None = None,
    content: str = "id-only",
    filters: tuple[str, ...] = (),
    channel_type: str = "rest-hook",
    heartbeat: int | None = None,
    headers: tuple[str, ...] = (),
    status: str = "requested",
) -> Resource:
    channel: Resource = {
        "type": channel_type,
        "payload": "application/fhir+json",
        "_payload": {"extension": [{"url": d.PAYLOAD_CONTENT, "valueCode": content}]},
    }
    if endpoint:
        channel["endpoint"] = endpoint
    if headers:
        channel["header"] = list(headers)
    if heartbeat is not None:
        channel["extension"] = [{"url": d.HEARTBEAT_PERIOD, "valueUnsignedInt": heartbeat}]
    resource: Resource = {
        "resourceType": "Subscription",
        "meta": {"profile": [d.SUBSCRIPTION_PROFILE]},
        "status": status,
        "reason": "LUS test subscriber",
        "criteria": f"{TOPIC}/{topic}",
        "channel": channel,
    }
    if filters:
        resource["_criteria"] = {
            "extension": [{"url": d.FILTER_CRITERIA, "valueString": f} for f in filters]
        }
    return resource


def status_of(bundle: Resource) -> dict[str, Any]:
    """The first entry's Parameters as {name: value} (notification-event parts as a list)."""
    parameters = bundle["entry"][0]["resource"]
    found: dict[str, Any] = {"events": []}
    for parameter in parameters["parameter"]:
        if parameter["name"] == "notification-event":
            part = {
                p["name"]: next(v for k, v in p.items() if k.startswith("value"))
                for p in parameter["part"]
            }
            found["events"].append(part)
        else:
            found[parameter["name"]] = next(
                v for k, v in parameter.items() if k.startswith("value")
            )
    return found


def notification_type(bundle: Resource) -> str:
    return str(status_of(bundle)["type"])


def event_numbers(bundles: list[Resource]) -> list[int]:
    return [int(e["event-number"]) for b in bundles for e in status_of(b)["events"]]


def created(client: TestClient, resource: Resource) -> str:
    """The id of a Subscription the server took (201)."""
    response = client.post("/fhir/Subscription", json=resource, headers=FHIR)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])
