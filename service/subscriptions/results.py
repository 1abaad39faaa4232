"""What a rest-hook delivery result means for its subscription (called by delivery.record).

A 2xx is all the acknowledgement a subscriber gives, so delivered rows are settled as
`acknowledged` at once (the deadline monitor only chases receipts of LUS notifications), by the
worker's one "delivered" UPDATE (`settled_values`): on PostgreSQL each UPDATE of a row writes a
new copy of it and of its index entries, and a second UPDATE per row doubled that work. A
delivered handshake activates the subscription; a failed one is not retried — the subscription
goes to `error` straight away, as it does when any notification goes dead. No deviation is raised:
the subscriber learns of it through $status, and re-activates.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, case

from service.delivery.claim import Claim
from service.storage.schema import outbox
from service.storage.store import Store
from service.subscriptions import lifecycle
from service.subscriptions.queue import HANDSHAKE, REST_HOOK


def settled_values(at: Any) -> dict[str, Any]:
    """The columns a delivered row's UPDATE sets beyond delivered_at: rest-hook rows are
    acknowledged `at` the delivery, every other row waits for its receiver's receipt."""
    hook = outbox.c.connection_type == REST_HOOK
    return {
        "status": case((hook, "acknowledged"), else_="delivered"),
        "acknowledged_at": case((hook, at), else_=outbox.c.acknowledged_at),
    }


def is_subscription(claim: Claim) -> bool:
    return claim.connection_type == REST_HOOK


def retried(claim: Claim) -> bool:
    """Whether a failed attempt of this row may be retried (a handshake may not)."""
    return not (is_subscription(claim) and claim.event == HANDSHAKE)


def ends_run(claim: Claim) -> bool:
    """Whether no row behind this one may be sent in the same run: a delivered handshake
    re-activates its subscription, which puts its held events — older than the rows behind the
    handshake — back in the queue ahead of them."""
    return is_subscription(claim) and claim.event == HANDSHAKE


def _sub_id(claim: Claim) -> str:
    return claim.ordering_key.removeprefix("Subscription/")


def delivered(conn: Connection, claims: list[Claim], now: datetime) -> None:
    """Activate the subscriptions whose handshake was among the delivered (and recorded) rows."""
    handshakes = {_sub_id(c) for c in claims if is_subscription(c) and c.event == HANDSHAKE}
    if not handshakes:
        return
    store = Store(conn.engine, lambda: now)  # the recorder's clock stamps the status change
    # Subscription locks are taken in id order, as topic evaluation does: no lock-order deadlock.
    for sub_id in sorted(handshakes):
        lifecycle.activate(conn, store, sub_id, now)


def dead(conn: Connection, store: Store, claim: Claim, error: str, now: datetime) -> None:
    lifecycle.fail(conn, store, _sub_id(claim), f"{claim.event} not delivered: {error}", now)
