"""Who may receive an event: every topic match, `$events` replay and websocket push passes here.

A subscription is made by an organization (its `lus-subscriber`, or the principal that created
it) and receives only events whose focus that organization may read under the access rule — it
takes part in the focus's stay — whatever its filter asks for. One made with the region-wide role
receives every match; one the server itself made (authentication off) names no subscriber.
"""

from typing import Any

from sqlalchemy import Connection

from service.access.participation import visible
from service.access.units import units_of
from service.auth.principal import INTERNAL, Principal
from service.auth.scopes import ALL
from service.subscriptions.spec import Spec

Resource = dict[str, Any]


def subscriber_principal(conn: Connection, spec: Spec) -> Principal:
    """The principal the subscription's events are read as."""
    if spec.subscriber is None:
        return INTERNAL
    return Principal(
        organization=spec.subscriber,
        units=units_of(conn, spec.subscriber),
        client_id=spec.client_id or "",
        scopes=ALL,
        region=spec.region,
    )


def may_receive(
    spec: Spec, res_type: str, res_id: str, conn: Connection, memo: dict[str, bool] | None = None
) -> bool:
    """True when the subscription's organization may read the focus (`memo` shares the answer
    between the subscriptions of one organization for one event)."""
    if spec.subscriber is None or spec.region:
        return True
    memo = {} if memo is None else memo
    if spec.subscriber not in memo:
        principal = subscriber_principal(conn, spec)
        memo[spec.subscriber] = visible(conn, principal, res_type, res_id)
    return memo[spec.subscriber]
