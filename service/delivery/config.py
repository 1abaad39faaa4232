"""The worker's tunables in one immutable object, derived from Settings.

Kept apart from Settings so tests and the benchmark can shorten the lease or widen concurrency
without touching the environment.
"""

from dataclasses import dataclass, replace
from datetime import timedelta

from service.settings import Settings

LEASE_MARGIN_SECONDS = 10.0
RUN_SECONDS = 5.0  # how long a run goes on starting sends, with the default lease


@dataclass(frozen=True)
class DeliveryConfig:
    timeout_seconds: float = 10.0
    base_delay_seconds: float = 5.0
    max_delay_seconds: float = 3600.0
    horizon: timedelta = timedelta(hours=72)
    poll_seconds: float = 0.5
    # A claimed row stays `pending` with next_attempt_at = now + lease: if this worker dies the
    # row becomes due again after the lease, so nothing is lost (the receiver may see a re-send).
    lease_seconds: float = 3 * 10.0 + LEASE_MARGIN_SECONDS + RUN_SECONDS
    concurrency: int = 64  # runs in flight per worker (each of a distinct ordering key)
    run_rows: int = 50  # rows of one ordering key claimed together and sent one after another
    gather_seconds: float = 0.01  # pause after a busy round while runs are in flight

    @property
    def run_seconds(self) -> float:
        """How long a run may start further sends: what its lease leaves after one request's
        worst case (connect, write and read each up to the timeout, plus a margin), so no row
        is sent after its lease ran out (another claim could send it again meanwhile)."""
        return max(0.0, self.lease_seconds - 3 * self.timeout_seconds - LEASE_MARGIN_SECONDS)

    @property
    def run_length(self) -> int:
        """Rows claimed per run: one when the lease leaves no time for a second send."""
        return self.run_rows if self.run_seconds > 0 else 1

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: object) -> "DeliveryConfig":
        timeout = settings.delivery_timeout_seconds
        config = cls(
            timeout_seconds=timeout,
            base_delay_seconds=settings.delivery_base_delay_seconds,
            max_delay_seconds=settings.delivery_max_delay_seconds,
            horizon=timedelta(hours=settings.delivery_horizon_hours),
            poll_seconds=settings.worker_poll_seconds,
            lease_seconds=max(3 * timeout + LEASE_MARGIN_SECONDS + RUN_SECONDS, 5.0),
        )
        return replace(config, **overrides)  # type: ignore[arg-type]
