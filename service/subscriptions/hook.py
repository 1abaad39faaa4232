"""The one entry point from the workflow's write hook (`Workflow.on_write`)."""

from datetime import datetime

from sqlalchemy import Connection

from service.auth.principal import Principal
from service.storage.store import Store, Stored
from service.subscriptions.evaluate import evaluate
from service.subscriptions.lifecycle import on_delete, on_subscription_write


def on_write(
    conn: Connection,
    store: Store,
    stored: Stored,
    previous: Stored | None,
    base: str,
    now: datetime,
    principal: Principal,
) -> None:
    """A client's Subscription write runs its life cycle (a delete ends it); any other create or
    update is a possible event. Deleting another resource triggers no topic."""
    deleted = stored.resource is None
    if stored.res_type == "Subscription":
        if deleted:
            on_delete(conn, store, stored.res_id, now)
        else:
            on_subscription_write(conn, store, stored, previous, base, now, principal)
    elif not deleted:
        evaluate(conn, store, stored, previous, base, now)
