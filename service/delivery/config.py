"""The worker's tunables in one immutable object, derived from Settings.

Kept apart from Settings so tests and the benchmark can shorten the lease or widen concurrency
without touching the environment.
"""

from dataclasses import dataclass, replace
from datetime import timedelta

from service.settings import Settings


@dataclass(frozen=True)
class DeliveryConfig:
    timeout_seconds: float = 10.0
    base_delay_seconds: float = 5.0
    max_delay_seconds: float = 3600.0
    horizon: timedelta = timedelta(hours=72)
    poll_seconds: float = 0.5
    # A claimed row stays `pending` with next_attempt_at = now + lease: if this worker dies the
    # row becomes due again after the lease, so nothing is lost (the receiver may see a re-send).
    lease_seconds: float = 40.0
    concurrency: int = 64  # rows in flight per worker (each has a distinct ordering key)

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: object) -> "DeliveryConfig":
        timeout = settings.delivery_timeout_seconds
        config = cls(
            timeout_seconds=timeout,
            base_delay_seconds=settings.delivery_base_delay_seconds,
            max_delay_seconds=settings.delivery_max_delay_seconds,
            horizon=timedelta(hours=settings.delivery_horizon_hours),
            poll_seconds=settings.worker_poll_seconds,
            # connect + write + read may each take up to the timeout; leave a margin on top.
            lease_seconds=max(3 * timeout + 10.0, 5.0),
        )
        return replace(config, **overrides)  # type: ignore[arg-type]
