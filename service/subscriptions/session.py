"""One websocket client's bindings: what to push next, read from the event log.

Kept free of the websocket itself (service/rest/websocket.py only moves text) so the protocol is
testable with plain calls. A bound subscription becomes active; from then on every logged event
is pushed once per session, in number order, with heartbeats when the period passes silently.
Events logged by any server process are seen, since the log is in the database. A binding ends
when its subscription is off, deleted or past its `end`.

Events logged before the bind are not pushed: the handshake's events-since-subscription-start
tells the client how many there were, and `$events` returns them (the IG's documented flow).
"""

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from service.fhirtime import Clock, instant
from service.outcome import issue, operation_outcome
from service.storage.store import Store
from service.subscriptions import lifecycle, operations, state
from service.subscriptions.access import may_receive
from service.subscriptions.notification import Focus, bundle

BIND = "bind-with-token "


def _text(resource: dict[str, Any]) -> str:
    return json.dumps(resource, ensure_ascii=False, separators=(",", ":"))


@dataclass
class Binding:
    last_number: int
    last_push: float  # monotonic seconds


@dataclass
class Session:
    store: Store
    clock: Clock
    base: str
    monotonic: Callable[[], float] = time.monotonic
    bindings: dict[str, Binding] = field(default_factory=dict)

    def command(self, text: str) -> list[str]:
        """Answer one client message: a handshake per bound subscription, or an error."""
        if not text.startswith(BIND):
            outcome = operation_outcome(
                issue("error", "not-supported", f"expected '{BIND}<token>', got {text[:60]!r}")
            )
            return [_text(outcome)]
        now = self.clock()
        with self.store.begin() as conn:
            ids = operations.redeem(conn, text[len(BIND) :].strip(), now)
            for sub_id in ids:
                lifecycle.activate(conn, self.store, sub_id, now)
        if not ids:
            outcome = operation_outcome(issue("error", "security", "unknown or expired token"))
            return [_text(outcome)]
        replies = []
        with self.store.reading() as conn:
            for sub_id in ids:
                bound = state.load(conn, sub_id)
                if bound is None:
                    continue
                self.bindings[sub_id] = Binding(bound.events, self.monotonic())
                replies.append(_text(bundle(bound, "handshake", self.base, instant(now))))
        return replies

    def pending(self) -> list[str]:
        """Notifications due now: new events of every binding, else heartbeats when due."""
        messages = []
        with self.store.reading() as conn:
            for sub_id, binding in list(self.bindings.items()):
                current = state.load(conn, sub_id)
                if current is None or self._ended(current):
                    del self.bindings[sub_id]
                    continue
                messages.extend(self._events(conn, current, binding))
                period = current.spec.heartbeat_seconds
                if period and self.monotonic() - binding.last_push >= period:
                    beat = bundle(current, "heartbeat", self.base, instant(self.clock()))
                    messages.append(_text(beat))
                    binding.last_push = self.monotonic()
        return messages

    def _ended(self, current: state.State) -> bool:
        return current.status in state.STOPPED or current.spec.ended(self.clock())

    def _events(self, conn: Connection, current: state.State, binding: Binding) -> list[str]:
        if current.events <= binding.last_number:
            return []
        logged = state.events(
            conn, current.id, binding.last_number + 1, current.events, operations.MAX_EVENTS
        )
        messages = []
        allowed: dict[str, bool] = {}
        for event in logged:
            resource = None
            kind, _, rid = event.focus.partition("/")
            binding.last_number = event.number
            if not may_receive(current.spec, kind, rid, conn, allowed):
                continue  # checked again when pushed: only what its organization may read
            if current.spec.content == "full-resource":
                version = self.store.vread(conn, kind, rid, event.focus_version)
                resource = version.resource if version else None
            counted = state.State(current.id, current.status, current.spec, event.number, None)
            note = bundle(
                counted,
                "event-notification",
                self.base,
                event.occurred_at,
                [Focus(event, resource)],
            )
            messages.append(_text(note))
            binding.last_push = self.monotonic()
        return messages
