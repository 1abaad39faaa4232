"""The monthly job: re-makes the stored MeasureReports of the last complete months, so a new month
appears after it ends and a month that late data changes gets a new version of its reports.

Runs beside request handling (service/background.py) on the service's clock; safe in several
processes at once (each report is compared and written under its own lock).
"""

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta

from service.fhirtime import STOCKHOLM, Clock
from service.rest.services import Services
from service.settings import Settings
from service.statistics.basis import Basis, basis_for
from service.statistics.period import Period, month_of
from service.statistics.stored import Stored, store_month
from service.statistics.writes import EngineWrites
from service.workflow.notify import Workflow

log = logging.getLogger(__name__)
MONTHS = 3  # complete months re-made on every run: late notices rarely come later than this


@dataclass
class MonthlyReports:
    writes: EngineWrites
    basis: Basis
    clock: Clock
    months: int = MONTHS

    @classmethod
    def starting(cls, workflow: Workflow, settings: Settings) -> "MonthlyReports":
        services = Services(settings, workflow.store, workflow.clock)
        return cls(EngineWrites(services), basis_for(settings), workflow.clock)

    def due(self) -> list[Period]:
        """The last complete months, oldest first."""
        first_of_this_month = self.clock().astimezone(STOCKHOLM).date().replace(day=1)
        periods, day = [], first_of_this_month
        for _ in range(self.months):
            day = (day - timedelta(days=1)).replace(day=1)
            periods.append(month_of(day))
        return periods[::-1]

    def run_once(self) -> dict[str, Stored]:
        done = {}
        for period in self.due():
            with self.writes.services.store.begin() as conn:
                done[period.label] = store_month(
                    self.writes, conn, self.basis, period, self.clock()
                )
        return done

    def run_until(self, stop: threading.Event, interval: float) -> None:
        """Every `interval` seconds until `stop` is set (the first run after one interval)."""
        while not stop.wait(interval):
            try:
                self.run_once()
            except Exception:
                log.exception("monthly statistics failed; retrying next interval")
