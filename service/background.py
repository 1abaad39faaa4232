"""The jobs that run beside request handling: the deadline monitor, the subscription heartbeat
sweep and the monthly statistics (stored MeasureReports). `serve` runs them (with its delivery
worker) by default; a `lus-fhir worker` process runs them too, so a set-up whose server processes
leave delivery to worker processes (LUS_FHIR_RUN_WORKER=false) still watches deadlines and sends
heartbeats.

Both are safe in several processes at once: every deviation has a deterministic key and every
heartbeat is claimed under a row lock.
"""

import threading
from dataclasses import dataclass, field

from service.settings import Settings
from service.statistics.job import MonthlyReports
from service.subscriptions.heartbeat import Heartbeats
from service.workflow.deadlines import DeadlineMonitor
from service.workflow.notify import Workflow


@dataclass
class Background:
    threads: list[threading.Thread] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout)


def start(workflow: Workflow, settings: Settings) -> Background:
    monitor = DeadlineMonitor(
        workflow.store, workflow, workflow.clock, settings.acknowledgement_minutes
    )
    heartbeats = Heartbeats(workflow.store, workflow.clock, workflow.base)
    reports = MonthlyReports.starting(workflow, settings)
    background = Background()
    stopping, interval = background.stopping, settings.monitor_interval_seconds
    for name, target, args in (
        ("lus-deadlines", monitor.run_until, (stopping, interval)),
        ("lus-heartbeats", heartbeats.run_until, (stopping,)),
        ("lus-statistics", reports.run_until, (stopping, settings.statistics_interval_seconds)),
    ):
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        background.threads.append(thread)
    return background
