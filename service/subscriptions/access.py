"""Who may receive an event: the authorization seam every topic match passes through.

There is no authentication yet, so a subscription that does not say on whose behalf it is made
receives every match. One that carries `lus-subscriber` (an Organization) already gets the rule
authentication will enforce for all: the organization must be a party of the case — requester,
owner or recipient of a notification about the same stay, or one of its routed receivers.
"""

import json
from typing import Any

from sqlalchemy import Connection, and_, select

from service.storage.schema import outbox, resources, search_index
from service.subscriptions.spec import Spec

Resource = dict[str, Any]
PARTY_ELEMENTS = ("requester", "owner", "recipient", "sender", "serviceProvider")
# Search parameters linking a notification to its stay (Encounter).
STAY_LINKS = {"Task": "focus", "CommunicationRequest": "encounter"}


def _references(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [
        i["reference"] for i in items if isinstance(i, dict) and isinstance(i.get("reference"), str)
    ]


def _parties(resource: Resource) -> set[str]:
    return {ref for name in PARTY_ELEMENTS for ref in _references(resource.get(name))}


def _read(conn: Connection, reference: str) -> Resource | None:
    kind, _, rid = reference.partition("/")
    content = conn.execute(
        select(resources.c.content).where(
            and_(resources.c.res_type == kind, resources.c.res_id == rid)
        )
    ).scalar()
    return json.loads(content) if content else None


def _stay(conn: Connection, focus: Resource, hops: int = 1) -> str | None:
    """The Encounter the focus is about (a deviation: through what it implicates)."""
    candidates = [
        *_references(focus.get("focus")),
        *_references(focus.get("encounter")),
        *_references(focus.get("about")),
        *_references(focus.get("implicated")),
    ]
    for reference in candidates:
        if reference.startswith("Encounter/"):
            return reference
    for reference in _references(focus.get("implicated")) if hops else []:
        implicated = _read(conn, reference)
        if implicated is not None and (found := _stay(conn, implicated, hops - 1)):
            return found
    return None


def case_parties(conn: Connection, focus: Resource) -> set[str]:
    """Organizations taking part in the focus's case: parties of every notification about the
    stay, their routed receivers, and the stay's ward."""
    parties = _parties(focus)
    stay = _stay(conn, focus)
    if stay is None:
        return parties
    notifications = [f"{focus.get('resourceType')}/{focus.get('id')}"]
    for kind, param in STAY_LINKS.items():
        ids = conn.execute(
            select(search_index.c.res_id).where(
                and_(
                    search_index.c.res_type == kind,
                    search_index.c.param == param,
                    search_index.c.value == stay,
                )
            )
        ).scalars()
        notifications.extend(f"{kind}/{i}" for i in ids)
    for reference in [stay, *notifications]:
        resource = _read(conn, reference)
        if resource is not None:
            parties |= _parties(resource)
    receivers = conn.execute(
        select(outbox.c.receiver).where(outbox.c.notification.in_(notifications)).distinct()
    ).scalars()
    return parties | set(receivers)


def may_receive(
    subscription: Spec,
    focus: Resource,
    conn: Connection,
    memo: dict[str, set[str]] | None = None,
) -> bool:
    """True when the subscription may see this event (`memo` shares case look-ups per write)."""
    if subscription.subscriber is None:
        return True
    memo = {} if memo is None else memo
    if "parties" not in memo:
        memo["parties"] = case_parties(conn, focus)
    return subscription.subscriber in memo["parties"]
