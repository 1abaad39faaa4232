"""`$status`, `$events` and `$get-ws-binding-token`, independent of HTTP.

`$events` replays the event log: with `full-resource` each focus is read at the version the event
recorded, so a replay shows what was (or would have been) delivered, not today's resource. It
returns exactly the logged events numbered eventsSinceNumber..eventsUntilNumber, both inclusive as
the IG defines them; `content` (a hint the IG lets a server ignore) is honoured. Without
eventsUntilNumber at most MAX_EVENTS are returned, and events-since-subscription-start tells the
client whether to ask again from the next number; an explicit range longer than that is refused.
A deleted Subscription answers 410 Gone, as a read of it does.
"""

import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, select

from service.access.facts import check_read
from service.access.visibility import visible_condition
from service.auth.principal import Principal
from service.fhirtime import instant, stamp
from service.outcome import FhirError, issue, operation_outcome
from service.storage.schema import resources, subscription_tokens, subscriptions_state
from service.storage.store import Store
from service.subscriptions import state
from service.subscriptions.access import may_receive
from service.subscriptions.notification import Focus, bundle, status_parameters
from service.subscriptions.spec import CONTENTS

Resource = dict[str, Any]
TOKEN_LIFETIME = timedelta(minutes=5)
MAX_EVENTS = 1000  # per $events call; ask again with a higher eventsSinceNumber for more
SINCE, UNTIL = "eventsSinceNumber", "eventsUntilNumber"
_DIGITS = re.compile(r"[0-9]{1,18}")


def _known(
    conn: Connection, store: Store, principal: Principal, sub_id: str
) -> tuple[state.State, Resource]:
    """The subscription, if the principal may read it (its maker does); 404 otherwise."""
    check_read(conn, principal, "operation", "Subscription", sub_id)
    found = state.load(conn, sub_id)
    stored = store.read(conn, "Subscription", sub_id)
    if stored is not None and stored.deleted:
        gone = operation_outcome(issue("error", "deleted", f"Subscription/{sub_id} was deleted"))
        raise FhirError(410, gone, {"ETag": stored.etag})
    if found is None or stored is None or stored.resource is None:
        raise FhirError.of(404, "not-found", f"Subscription/{sub_id} does not exist")
    return found, stored.resource


def status(
    conn: Connection,
    store: Store,
    principal: Principal,
    ids: list[str] | None,
    base: str,
    now: datetime,
) -> Resource:
    """A searchset of query-status Parameters: the given subscriptions, else every live one the
    principal may read."""
    if ids is None:
        live = and_(resources.c.res_type == "Subscription", resources.c.deleted.is_(False))
        if not principal.reads_everything:
            live = and_(
                live, visible_condition(principal.units, resources.c.res_type, resources.c.res_id)
            )
        ids = list(
            conn.execute(
                select(subscriptions_state.c.id)
                .join(resources, resources.c.res_id == subscriptions_state.c.id)
                .where(live)
                .order_by(subscriptions_state.c.id)
            ).scalars()
        )
    entries = []
    for sub_id in ids:
        found, resource = _known(conn, store, principal, sub_id)
        error = resource.get("error") if found.status == "error" else None
        parameters = status_parameters(found, "query-status", base, [], found.spec.content, error)
        entries.append(
            {
                "fullUrl": f"urn:uuid:{parameters['id']}",
                "resource": parameters,
                "search": {"mode": "match"},
            }
        )
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": instant(now),
        "total": len(entries),
        "entry": entries,
    }


def _number(params: dict[str, str], name: str) -> int | None:
    text = params.get(name)
    if text is None:
        return None
    if not _DIGITS.fullmatch(text):
        raise FhirError.of(
            400, "invalid", f"{name} must be an event number (0 or more); got {text!r}", name
        )
    return int(text)


def _range(params: dict[str, str], logged: int) -> tuple[int, int]:
    """The inclusive event numbers to return, clipped to the `logged` events that exist."""
    since, until = _number(params, SINCE), _number(params, UNTIL)
    if since is not None and until is not None and since > until:
        raise FhirError.of(400, "invalid", f"{SINCE} is after {UNTIL}", SINCE)
    first = min(max(since or 1, 1), logged + 1)
    if until is None:
        return first, min(logged, first + MAX_EVENTS - 1)
    last = min(until, logged)
    if last - first + 1 > MAX_EVENTS:
        raise FhirError.of(
            400,
            "too-costly",
            f"{SINCE}..{UNTIL} spans {last - first + 1} events; ask for at most {MAX_EVENTS} "
            "at a time",
            UNTIL,
        )
    return first, last


def events(
    conn: Connection,
    store: Store,
    principal: Principal,
    sub_id: str,
    params: dict[str, str],
    base: str,
    now: datetime,
) -> Resource:
    """A query-event history Bundle of the logged events in the asked range; an event whose
    focus the subscription's organization may not read (now) is left out."""
    found, _ = _known(conn, store, principal, sub_id)
    first, last = _range(params, found.events)
    content = params.get("content", found.spec.content)
    if content not in CONTENTS:
        names = ", ".join(sorted(CONTENTS))
        raise FhirError.of(400, "invalid", f"content must be one of {names}", "content")
    logged = state.events(conn, sub_id, first, last, MAX_EVENTS)
    foci = []
    allowed: dict[str, bool] = {}
    for event in logged:
        kind, _, rid = event.focus.partition("/")
        if not may_receive(found.spec, kind, rid, conn, allowed):
            continue
        resource = None
        if content == "full-resource":
            version = store.vread(conn, kind, rid, event.focus_version)
            resource = version.resource if version else None
        foci.append(Focus(event, resource))
    return bundle(found, "query-event", base, instant(now), foci, content)


def binding_token(
    conn: Connection,
    store: Store,
    principal: Principal,
    sub_id: str,
    websocket_url: str,
    now: datetime,
) -> Resource:
    """A short-lived token a websocket client binds with (`bind-with-token <token>`)."""
    found, _ = _known(conn, store, principal, sub_id)
    if found.spec.channel_type != "websocket":
        raise FhirError.of(
            422, "business-rule", f"Subscription/{sub_id} does not use a websocket channel"
        )
    conn.execute(delete(subscription_tokens).where(subscription_tokens.c.expires_at < stamp(now)))
    token = secrets.token_urlsafe(24)
    expires = now + TOKEN_LIFETIME
    conn.execute(
        insert(subscription_tokens).values(
            token=token, subscription_id=sub_id, expires_at=stamp(expires)
        )
    )
    return {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "token", "valueString": token},
            {"name": "expiration", "valueDateTime": instant(expires)},
            {"name": "subscription", "valueString": f"Subscription/{sub_id}"},
            {"name": "websocket-url", "valueUrl": websocket_url},
        ],
    }


def revoke_tokens(conn: Connection, sub_id: str) -> None:
    """A deleted subscription can no longer be bound."""
    conn.execute(delete(subscription_tokens).where(subscription_tokens.c.subscription_id == sub_id))


def redeem(conn: Connection, token: str, now: datetime) -> list[str]:
    """The subscription ids an unexpired token binds (empty: unknown or expired)."""
    return list(
        conn.execute(
            select(subscription_tokens.c.subscription_id).where(
                subscription_tokens.c.token == token,
                subscription_tokens.c.expires_at >= stamp(now),
            )
        ).scalars()
    )
