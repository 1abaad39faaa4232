"""The Subscription life cycle: requested → (handshake or websocket bind) active → error / off.

The server owns `status`. A client write may only ask for `requested` (re-activation) or `off`;
a create is always stored as `requested`, whatever it said. Status changes the server makes are
plain store writes, not engine writes, so they never reach the write hook: no re-validation, no
topic evaluation, no handshake loop.

Once `end` has passed the server turns the subscription off, lazily: whichever comes first of
topic evaluation and the heartbeat sweep (`expire`). A deleted subscription's undelivered rows
are voided in the delete's transaction and its projection is marked deleted (`on_delete`).
"""

from datetime import datetime

from sqlalchemy import Connection

from service.auth.principal import Principal
from service.delivery.wakeup import announce
from service.fhirtime import instant
from service.storage.store import Store, Stored
from service.subscriptions import operations, queue, state
from service.subscriptions.notification import bundle
from service.subscriptions.spec import check_end, parse_subscription

CLIENT_STATUSES = frozenset({"requested", "off"})


def on_subscription_write(
    conn: Connection,
    store: Store,
    stored: Stored,
    previous: Stored | None,
    base: str,
    now: datetime,
    principal: Principal,
) -> None:
    """Check a client's create/update, settle its status, and start the handshake if asked."""
    resource = stored.resource
    assert resource is not None
    spec = parse_subscription(resource, principal)
    store.lock(conn, f"subscription:{stored.res_id}")
    current = state.load(conn, stored.res_id)
    asked = resource.get("status")
    if current is None or previous is None or previous.deleted:
        created, status = True, "requested"
    else:
        created, status = False, asked if asked in CLIENT_STATUSES else current.status
    if status != "off":
        check_end(spec, now)
    if asked != status:
        _settle(conn, store, stored, status)
    state.save(conn, stored.res_id, status, spec, now)
    settled = state.load(conn, stored.res_id)
    assert settled is not None
    if status == "off":
        queue.hold(conn, settled.reference, "subscription is off")
    elif (created or asked == "requested") and spec.channel_type == queue.REST_HOOK:
        body = bundle(settled, queue.HANDSHAKE, base, instant(now))
        key = f"{queue.HANDSHAKE}|v{stored.version_id}"
        queue.enqueue(conn, [queue.row(settled, queue.HANDSHAKE, key, body, now)])
        state.mark_sent(conn, stored.res_id, now)
        announce(conn)


def _settle(conn: Connection, store: Store, stored: Stored, status: str) -> None:
    """Correct the status of the version being written, before anyone can read it.

    The client's version is amended in its own transaction instead of adding a second version, so
    the create/update response, the version history and the search index all show the server's
    status.
    """
    resource = stored.resource
    assert resource is not None
    resource["status"] = status
    store.amend(conn, stored, resource)


def set_status(
    conn: Connection,
    store: Store,
    sub_id: str,
    status: str,
    now: datetime,
    error: str | None = None,
) -> None:
    """A server-side status change: a new version of the Subscription and the projection."""
    current = store.read(conn, "Subscription", sub_id, lock=True)
    if current is not None and current.resource is not None:
        resource = {k: v for k, v in current.resource.items() if k != "error"}
        resource["status"] = status
        if error:
            resource["error"] = error[:1000]
        store.write(conn, resource, current, "PUT")
    state.set_status(conn, sub_id, status, now)


def activate(conn: Connection, store: Store, sub_id: str, now: datetime) -> bool:
    """Handshake delivered (or websocket bound): requested → active, held events resume —
    unless its end passed meanwhile, which turns it off instead."""
    store.lock(conn, f"subscription:{sub_id}")
    current = state.load(conn, sub_id)
    if current is None or current.status != "requested":
        return False
    if current.spec.ended(now):
        expire(conn, store, sub_id, now)
        return False
    set_status(conn, store, sub_id, "active", now)
    if queue.resume(conn, current.reference, now):
        announce(conn)
    return True


def fail(conn: Connection, store: Store, sub_id: str, error: str, now: datetime) -> None:
    """A handshake or notification could not be delivered: → error, deliveries held.

    Events keep being recorded (and queued as held) until the client re-activates.
    """
    store.lock(conn, f"subscription:{sub_id}")
    current = state.load(conn, sub_id)
    if current is None or current.status not in ("requested", "active"):
        return
    set_status(conn, store, sub_id, "error", now, error)
    queue.hold(conn, current.reference, f"subscription is in error: {error}")


def expire(conn: Connection, store: Store, sub_id: str, now: datetime) -> bool:
    """`end` has passed: off, as if the client had turned it off (events held, nothing more
    queued). False when it had not ended or was already off or deleted."""
    store.lock(conn, f"subscription:{sub_id}")
    current = state.load(conn, sub_id)
    if current is None or current.status in state.STOPPED or not current.spec.ended(now):
        return False
    set_status(conn, store, sub_id, "off", now)
    queue.hold(conn, current.reference, f"subscription ended at {current.spec.end}")
    return True


def on_delete(conn: Connection, store: Store, sub_id: str, now: datetime) -> None:
    """The client deleted the Subscription: in the delete's transaction, void what was not yet
    delivered, revoke its websocket tokens and mark the projection, so $status answers 410."""
    store.lock(conn, f"subscription:{sub_id}")
    current = state.load(conn, sub_id)
    if current is None:
        return
    queue.cancel(conn, current.reference, "subscription deleted")
    operations.revoke_tokens(conn, sub_id)
    state.set_status(conn, sub_id, state.DELETED, now)
