"""The monthly job: re-makes the stored MeasureReports and kept cells of the last complete months
and of every kept month a later write touched (or kept under other rules), so a new month appears
after it ends and a month that late data changes gets a new version of its reports.

The cells it keeps are marked right up to the newest write it saw at its *previous* run: a write
still uncommitted then has committed since (transactions are far shorter than the interval), so
no write falls between what a kept month includes and what the next look at changes covers.

Runs beside request handling (service/background.py) on the service's clock; safe in several
processes at once (each report is compared and written under its own lock).
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from service.fhirtime import STOCKHOLM, Clock
from service.rest.services import Services
from service.settings import Settings
from service.statistics import changes, kept
from service.statistics.basis import Basis, basis_for
from service.statistics.period import Period, month_of
from service.statistics.stored import Stored, keep_month, store_month
from service.statistics.writes import EngineWrites
from service.workflow.notify import Workflow

log = logging.getLogger(__name__)
MONTHS = 3  # complete months re-made on every run: late notices rarely come later than this


@dataclass
class MonthlyReports:
    writes: EngineWrites
    basis: Basis
    clock: Clock
    settled: int  # versions.seq read at the previous run (at start-up before the first)
    months: int = MONTHS

    @classmethod
    def starting(cls, workflow: Workflow, settings: Settings) -> "MonthlyReports":
        services = Services(settings, workflow.store, workflow.clock)
        return cls.starting_with(services, basis_for(settings))

    @classmethod
    def starting_with(cls, services: Services, basis: Basis) -> "MonthlyReports":
        with services.store.reading() as conn:
            settled = changes.latest(conn)
        return cls(EngineWrites(services), basis, services.clock, settled)

    def due(self) -> list[Period]:
        """The last complete months, oldest first."""
        first_of_this_month = self.clock().astimezone(STOCKHOLM).date().replace(day=1)
        periods, day = [], first_of_this_month
        for _ in range(self.months):
            day = (day - timedelta(days=1)).replace(day=1)
            periods.append(month_of(day))
        return periods[::-1]

    def current(self) -> Period:
        return month_of(self.clock().astimezone(STOCKHOLM).date())

    def run_once(self) -> dict[str, Stored]:
        """Store the reports of the due months and of the touched kept ones, and keep the
        current month's cells (no reports: its figures change with every write until it
        ends), so the pages read it from the kept stays and those written since."""
        store = self.writes.services.store
        with store.begin() as conn:
            until = changes.latest(conn)
            touched = kept.review(conn, self.basis, until, self.settled)
        current = self.current()
        periods = {p.label: p for p in self.due()}
        for label in touched:
            if label != current.label:
                periods.setdefault(label, month_of(date.fromisoformat(f"{label}-01")))
        done = {}
        for label in sorted(periods):
            with store.begin() as conn:
                done[label] = store_month(
                    self.writes, conn, self.basis, periods[label], self.clock(), self.settled
                )
        with store.begin() as conn:
            keep_month(store, conn, self.basis, current, self.clock(), self.settled)
        self.settled = until
        return done

    def run_until(self, stop: threading.Event, interval: float) -> None:
        """Every `interval` seconds until `stop` is set. The first run is after one interval,
        or at once when the rules changed since months were kept: each look at such a month is
        evaluated from its stays (seconds at county volume) until this re-makes it."""
        self.run_logged(when=self.rules_changed)
        while not stop.wait(interval):
            self.run_logged()

    def rules_changed(self) -> bool:
        with self.writes.services.store.reading() as conn:
            return kept.under_other_rules(conn, self.basis)

    def run_logged(self, when: Callable[[], bool] = lambda: True) -> None:
        """Run when `when` says so; a failure of either (the database away at start-up, say)
        is logged and the next interval tries again, the thread goes on."""
        try:
            if when():
                self.run_once()
        except Exception:
            log.exception("monthly statistics failed; retrying next interval")
