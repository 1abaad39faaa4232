"""Heartbeats for active rest-hook subscriptions that asked for them (backport-heartbeat-period),
and the sweep that turns off subscriptions whose `end` has passed.

A heartbeat is queued when nothing was queued for the subscription for a whole period. The
compare-and-set on `last_sent_at` means two server processes checking at once queue one
heartbeat, not two. Each round first turns ended subscriptions off (unless topic evaluation got
there first), so an ended subscription gets no heartbeat. `run_once(now)` is what tests drive
with their own clock.
"""

import logging
import threading
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, select, update

from service.delivery.wakeup import announce
from service.fhirtime import Clock, instant, parse_range, stamp
from service.storage.schema import subscriptions_state
from service.storage.store import Store
from service.subscriptions import lifecycle, queue, state
from service.subscriptions.notification import bundle

CHECK_SECONDS = 1.0
log = logging.getLogger(__name__)


def _due(last_sent_at: str | None, period: int, now: datetime) -> bool:
    last = parse_range(last_sent_at) if last_sent_at else None
    return last is None or last[0] + timedelta(seconds=period) <= now


class Heartbeats:
    def __init__(self, store: Store, clock: Clock, base: str) -> None:
        self.store = store
        self.clock = clock
        self.base = base

    def _candidates(self, conn: Connection, now: datetime) -> list[state.State]:
        rows = conn.execute(
            select(subscriptions_state.c.id).where(
                and_(
                    subscriptions_state.c.status == "active",
                    subscriptions_state.c.channel_type == queue.REST_HOOK,
                    subscriptions_state.c.heartbeat_seconds.is_not(None),
                )
            )
        ).scalars()
        found = [state.load(conn, sub_id) for sub_id in rows]
        return [
            s
            for s in found
            if s is not None
            and s.spec.heartbeat_seconds
            and _due(s.last_sent_at, s.spec.heartbeat_seconds, now)
        ]

    def expire(self, now: datetime) -> int:
        """Turn off the subscriptions whose end has passed; returns how many."""
        with self.store.reading() as conn:
            ended = [s.id for s in state.live(conn) if s.spec.ended(now)]
        if not ended:
            return 0  # the common case takes no write lock
        with self.store.begin() as conn:
            return sum(lifecycle.expire(conn, self.store, sub_id, now) for sub_id in ended)

    def run_once(self, now: datetime | None = None) -> int:
        """Turn off ended subscriptions, then queue the heartbeats due at `now`; returns how
        many heartbeats."""
        now = now or self.clock()
        self.expire(now)
        with self.store.reading() as conn:
            if not self._candidates(conn, now):
                return 0  # the common case takes no write lock
        queued = 0
        with self.store.begin() as conn:
            for due in self._candidates(conn, now):
                claimed = conn.execute(
                    update(subscriptions_state)
                    .where(
                        and_(
                            subscriptions_state.c.id == due.id,
                            subscriptions_state.c.last_sent_at.is_(None)
                            if due.last_sent_at is None
                            else subscriptions_state.c.last_sent_at == due.last_sent_at,
                        )
                    )
                    .values(last_sent_at=stamp(now))
                )
                if not claimed.rowcount:
                    continue  # another process queued it
                body = bundle(due, queue.HEARTBEAT, self.base, instant(now))
                key = f"{queue.HEARTBEAT}|{stamp(now)}"
                queue.enqueue(conn, [queue.row(due, queue.HEARTBEAT, key, body, now)])
                queued += 1
            if queued:
                announce(conn)
        return queued

    def run_until(self, stop: threading.Event, interval: float = CHECK_SECONDS) -> None:
        while not stop.wait(interval):
            try:
                self.run_once()
            except Exception:
                log.exception("heartbeat round failed; trying again next interval")
