"""What a delivery attempt's result means, and when to try again (Da Vinci etiquette).

Success is 200/201/202/204. A 4xx other than 408/429 means the same message would be refused
again, so it is dead-lettered at once; 408, 429, 5xx and network failures are retried with
exponential backoff and full jitter (429 honours Retry-After) until the horizon has passed.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum

SUCCESS = frozenset({200, 201, 202, 204})
RETRYABLE_4XX = frozenset({408, 429})


class Verdict(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    DEAD = "dead"


@dataclass(frozen=True)
class Outcome:
    """One attempt's verdict; `error` is what `last_error` records."""

    verdict: Verdict
    error: str | None = None
    retry_after: float | None = None  # seconds the receiver asked us to wait (429/503)


def classify(status: int, reason: str = "", retry_after: str | None = None) -> Outcome:
    if status in SUCCESS:
        return Outcome(Verdict.DELIVERED)
    error = f"HTTP {status} {reason}".strip()
    if 400 <= status < 500 and status not in RETRYABLE_4XX:
        return Outcome(Verdict.DEAD, error)
    return Outcome(Verdict.RETRY, error, parse_retry_after(retry_after))


def network_failure(error: BaseException) -> Outcome:
    return Outcome(Verdict.RETRY, f"{type(error).__name__}: {error}"[:1000])


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff(attempts: int, base: float, cap: float, unit_random: float) -> timedelta:
    """Full jitter: uniform in [0, min(cap, base * 2^(attempts-1))] after `attempts` tries.

    Jitter spreads the retries of many rows that failed together (receiver outage) so that the
    receiver is not hit by a synchronised burst when it comes back.
    """
    ceiling = min(cap, base * 2 ** max(0, min(attempts - 1, 62)))
    return timedelta(seconds=ceiling * unit_random)


def next_attempt(
    outcome: Outcome,
    attempts: int,
    now: datetime,
    created: datetime,
    horizon: timedelta,
    base: float,
    cap: float,
    unit_random: float,
) -> datetime | None:
    """When to retry, or None when the row must go dead (refused, or past the horizon).

    A retry is never scheduled past created + horizon: the last one happens at the horizon, so
    a receiver that comes back just in time still gets the notification.
    """
    if outcome.verdict is not Verdict.RETRY:
        return None
    deadline = created + horizon
    if now >= deadline:
        return None
    if outcome.retry_after is not None:
        delay = timedelta(seconds=min(outcome.retry_after, cap))
    else:
        delay = backoff(attempts, base, cap, unit_random)
    return min(now + delay, deadline)
