"""What the CapabilityStatement says about subscriptions (Backport IG server requirements)."""

from typing import Any

from service.subscriptions import definitions as d
from service.subscriptions.topics import topics

Resource = dict[str, Any]
OPERATIONS = {
    "status": d.STATUS_OPERATION,
    "events": d.EVENTS_OPERATION,
    "get-ws-binding-token": d.TOKEN_OPERATION,
}


def topic_extensions() -> list[Resource]:
    """One subscriptiontopic-canonical extension per topic the server evaluates."""
    url = d.TOPIC_CANONICAL_CAPABILITY
    return [{"url": url, "valueCanonical": topic} for topic in sorted(topics())]


def subscription_resource(entry: Resource) -> Resource:
    """The Subscription resource entry with the backport profile and operations."""
    operations = [{"name": n, "definition": u} for n, u in OPERATIONS.items()]
    return entry | {
        "supportedProfile": [d.SUBSCRIPTION_PROFILE],
        "operation": [*entry.get("operation", []), *operations],
    }
