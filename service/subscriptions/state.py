"""The subscription tables: the state projection, the gap-free event counter, the event log.

All functions run in the caller's transaction. Event numbers are allocated by incrementing the
counter in the triggering write's transaction, so a rolled-back write leaves no gap and a
committed one cannot lose its event.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, insert, select, update

from service.fhirtime import stamp
from service.storage import generations
from service.storage.schema import resources, subscription_events, subscriptions_state
from service.storage.store import Store
from service.subscriptions.filters import Index
from service.subscriptions.spec import Spec

# The projection's status beyond the resource's four: the Subscription was deleted. Kept (not
# removed) so $status can answer 410 Gone and nothing of it is ever sent or recorded again.
DELETED = "deleted"
STOPPED = frozenset({"off", DELETED})
# Built once: every event runs them (see service/storage/store.py).
_COUNT_EVENTS = (
    update(subscriptions_state)
    .where(subscriptions_state.c.id.in_(bindparam("k_ids", expanding=True)))
    .values(events=subscriptions_state.c.events + 1)
    .returning(subscriptions_state.c.id, subscriptions_state.c.events, subscriptions_state.c.status)
)
_LOG_EVENT = insert(subscription_events)


@dataclass(frozen=True)
class State:
    id: str
    status: str
    spec: Spec
    events: int
    last_sent_at: str | None

    @property
    def reference(self) -> str:
        return f"Subscription/{self.id}"


@dataclass(frozen=True)
class Event:
    number: int
    occurred_at: str  # FHIR instant
    focus: str  # Type/id
    focus_version: int


def _state(row: Any) -> State:
    return State(row.id, row.status, Spec.from_json(row.spec), row.events, row.last_sent_at)


def load(conn: Connection, sub_id: str) -> State | None:
    query = select(subscriptions_state).where(subscriptions_state.c.id == sub_id)
    row = conn.execute(query).first()
    return _state(row) if row else None


def save(conn: Connection, sub_id: str, status: str, spec: Spec, now: datetime) -> None:
    """Insert or update the projection; the counter and last_sent_at survive updates."""
    values = {
        "topic": spec.topic,
        "status": status,
        "channel_type": spec.channel_type,
        "spec": spec.to_json(),
        "heartbeat_seconds": spec.heartbeat_seconds,
        "updated_at": stamp(now),
    }
    done = conn.execute(
        update(subscriptions_state).where(subscriptions_state.c.id == sub_id).values(**values)
    )
    if not done.rowcount:
        conn.execute(
            insert(subscriptions_state).values(id=sub_id, events=0, last_sent_at=None, **values)
        )


def set_status(conn: Connection, sub_id: str, status: str, now: datetime) -> None:
    conn.execute(
        update(subscriptions_state)
        .where(subscriptions_state.c.id == sub_id)
        .values(status=status, updated_at=stamp(now))
    )


def mark_sent(conn: Connection, sub_id: str, now: datetime) -> None:
    conn.execute(
        update(subscriptions_state)
        .where(subscriptions_state.c.id == sub_id)
        .values(last_sent_at=stamp(now))
    )


def live(conn: Connection) -> list[State]:
    """Every subscription that is neither off nor deleted."""
    query = (
        select(subscriptions_state)
        .where(subscriptions_state.c.status.not_in(STOPPED))
        .order_by(subscriptions_state.c.id)
    )
    return [_state(row) for row in conn.execute(query)]


@dataclass(frozen=True)
class Listener:
    """A subscription that records events of a topic: what evaluation needs, without counters."""

    id: str
    spec: Spec


@dataclass(frozen=True)
class Listening:
    """The listeners of some topics, with their filters indexed (`matching` one resource costs
    the few it can match, not all of them) and those that have an end set apart."""

    index: Index[Listener]
    ending: list[Listener]

    @property
    def listeners(self) -> list[Listener]:
        return self.index.items


_listening: generations.Cache[Listening] = generations.Cache(generations.SUBSCRIPTIONS)


def listening(conn: Connection, topic_urls: list[str]) -> Listening:
    """Subscriptions that record events of these topics: neither off nor deleted, in id order
    (the order evaluation locks them in).

    Error subscriptions keep recording, so a client that re-activates (or reads $events) misses
    nothing; requested ones record from their start, behind their handshake. Every write asks,
    so the answer is cached while no Subscription changes (the generation moves with each write
    of one, and every status change writes it).
    """

    def run() -> Listening:
        query = (
            select(subscriptions_state.c.id, subscriptions_state.c.spec)
            .join(
                resources,
                and_(
                    resources.c.res_type == "Subscription",
                    resources.c.res_id == subscriptions_state.c.id,
                ),
            )
            .where(
                and_(
                    subscriptions_state.c.topic.in_(topic_urls),
                    subscriptions_state.c.status.not_in(STOPPED),
                    resources.c.deleted.is_(False),
                )
            )
            .order_by(subscriptions_state.c.id)
        )
        found = [Listener(row.id, Spec.from_json(row.spec)) for row in conn.execute(query)]
        return Listening(
            Index([(listener, listener.spec.compiled_filters()) for listener in found]),
            [listener for listener in found if listener.spec.end is not None],
        )

    return _listening.get(conn, tuple(topic_urls), run)


def record_events(
    conn: Connection,
    store: Store,
    sub_ids: Sequence[str],
    focus: str,
    version: int,
    at: str,
) -> dict[str, tuple[int, str]]:
    """Allocate each subscription's next event number and log the event, one statement per step
    for all of them (a fan-out of ten was forty round trips); returns, by id, the number and the
    status the subscription has under its lock (a concurrent error transition is seen, not
    missed). The locks are taken in id order, so concurrent writers cannot deadlock."""
    ordered = sorted(sub_ids)
    if not ordered:
        return {}
    store.lock_all(conn, [f"subscription:{sub_id}" for sub_id in ordered])
    counted = {
        row.id: (int(row.events), str(row.status))
        for row in conn.execute(_COUNT_EVENTS, {"k_ids": ordered})
    }
    conn.execute(
        _LOG_EVENT,
        [
            {
                "subscription_id": sub_id,
                "event_number": number,
                "occurred_at": at,
                "focus": focus,
                "focus_version": version,
            }
            for sub_id, (number, _) in sorted(counted.items())
        ],
    )
    return counted


def events(conn: Connection, sub_id: str, since: int, until: int, limit: int) -> list[Event]:
    """Logged events numbered since..until (inclusive), oldest first."""
    rows = conn.execute(
        select(subscription_events)
        .where(
            and_(
                subscription_events.c.subscription_id == sub_id,
                subscription_events.c.event_number >= since,
                subscription_events.c.event_number <= until,
            )
        )
        .order_by(subscription_events.c.event_number)
        .limit(limit)
    )
    return [Event(r.event_number, r.occurred_at, r.focus, r.focus_version) for r in rows]
