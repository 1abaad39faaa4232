"""The one entry point from the workflow's write hook (`Workflow.on_write`)."""

from datetime import datetime

from sqlalchemy import Connection

from service.storage.store import Store, Stored
from service.subscriptions.evaluate import evaluate
from service.subscriptions.lifecycle import on_subscription_write


def on_write(
    conn: Connection,
    store: Store,
    stored: Stored,
    previous: Stored | None,
    base: str,
    now: datetime,
) -> None:
    """A client's Subscription write runs its life cycle; any other write is a possible event."""
    if stored.resource is None:
        return
    if stored.res_type == "Subscription":
        on_subscription_write(conn, store, stored, previous, base, now)
    else:
        evaluate(conn, store, stored, previous, base, now)
