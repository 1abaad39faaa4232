"""Recording an attempt's outcome on its outbox row, fenced to the claim that made it.

Dead-lettering happens in the same transaction as the status change: the row goes `dead`, the
deviation is stored (and routed) and the escalation row is queued together, or not at all.
"""

import logging
from datetime import datetime

from sqlalchemy import Connection, bindparam, update

from service.delivery.batch import all_held, held_params, per_dialect
from service.delivery.claim import Claim, still_held
from service.delivery.config import DeliveryConfig
from service.delivery.deviation import RaiseDeviation, dead_letter_deviation
from service.delivery.escalation import escalate, is_escalation, mitigation_text
from service.delivery.patient import patient_of
from service.delivery.policy import Outcome, Verdict, next_attempt
from service.fhirtime import parse_range, stamp
from service.storage.schema import outbox
from service.storage.store import Store
from service.subscriptions import results as subscriptions

log = logging.getLogger(__name__)
_DELIVERED = per_dialect(
    lambda postgres: (
        update(outbox)
        .where(all_held(postgres))
        .values(delivered_at=bindparam("k_at"), **subscriptions.settled_values(bindparam("k_at")))
        .returning(outbox.c.seq)
    )
)


def _created(claim: Claim) -> datetime:
    parsed = parse_range(claim.created_at)
    if parsed is None:
        raise ValueError(f"outbox row {claim.seq} has an unreadable created_at")
    return parsed[0]


def record_delivered(conn: Connection, claims: list[Claim], now: datetime) -> set[int]:
    """Mark many delivered rows in one statement (the common case, so one round trip; rest-hook
    rows go straight to `acknowledged`, see service/subscriptions/results.py); returns the seqs
    that were still held by their claim."""
    if not claims:
        return set()
    result = conn.execute(_DELIVERED.on(conn), held_params(claims) | {"k_at": stamp(now)})
    held = set(result.scalars())
    subscriptions.delivered(conn, [c for c in claims if c.seq in held], now)
    return held


def record(
    conn: Connection,
    store: Store,
    claim: Claim,
    outcome: Outcome,
    now: datetime,
    config: DeliveryConfig,
    unit_random: float,
    raise_deviation: RaiseDeviation,
) -> str:
    """Apply `outcome`; returns the row's new status, or "stale" when the claim was lost
    (lease expired and re-claimed, or acknowledged meanwhile) and nothing was written."""
    if outcome.verdict is Verdict.DELIVERED:
        return "delivered" if record_delivered(conn, [claim], now) else "stale"
    held = still_held(claim)
    retry_at = next_attempt(
        outcome,
        claim.attempts,
        now,
        _created(claim),
        config.horizon,
        config.base_delay_seconds,
        config.max_delay_seconds,
        unit_random,
    )
    if not subscriptions.retried(claim):
        retry_at = None  # a subscription handshake gets one attempt
    error = outcome.error or "unknown error"
    if retry_at is not None:
        done = conn.execute(
            update(outbox).where(held).values(next_attempt_at=stamp(retry_at), last_error=error)
        )
        return "pending" if done.rowcount else "stale"
    if outcome.verdict is Verdict.RETRY and subscriptions.retried(claim):
        error = f"{error}; retries stopped after the {config.horizon} horizon"
    done = conn.execute(update(outbox).where(held).values(status="dead", last_error=error))
    if not done.rowcount:
        return "stale"
    if subscriptions.is_subscription(claim):
        subscriptions.dead(conn, store, claim, error, now)
    else:
        dead_letter(conn, store, claim, error, now, raise_deviation)
    return "dead"


def dead_letter(
    conn: Connection,
    store: Store,
    claim: Claim,
    error: str,
    now: datetime,
    raise_deviation: RaiseDeviation,
) -> None:
    """Escalate to the weekend contact path and raise the deviation.

    When the dead row carried a deviation, the new deviation implicates only that DetectedIssue,
    which is about no stay: it is stored and published to subscribers but routed to nobody, so a
    ward that refuses deviations cannot start a loop.
    """
    path, escalated_to = escalate(conn, store, claim, now)
    kind, _, rid = claim.receiver.partition("/")
    organization = store.read(conn, kind, rid) if kind == "Organization" else None
    name = organization.resource.get("name") if organization and organization.resource else None
    patient = patient_of(claim.payload, claim.ordering_key)
    if patient is None:
        log.warning("deviation for %s names no patient (none in payload)", claim.idempotency_key)
    deviation = dead_letter_deviation(
        claim,
        patient,
        name if isinstance(name, str) else None,
        error,
        mitigation_text(path, escalated_to, is_escalation(claim)),
    )
    raise_deviation(conn, deviation)
    log.warning("outbox row %s dead: %s", claim.idempotency_key, error)
