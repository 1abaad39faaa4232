"""The jobs that run beside request handling: the deadline monitor, the subscription heartbeat
sweep, the monthly statistics (stored MeasureReports) and the Bulk Data export worker. `serve`
runs them (with its delivery worker) by default; a `lus-fhir worker` process runs them too, so a
set-up whose server processes leave delivery to worker processes (LUS_FHIR_RUN_WORKER=false)
still watches deadlines, sends heartbeats and runs exports.

All are safe in several processes at once: every deviation has a deterministic key, every
heartbeat is claimed under a row lock, and every export job is claimed with a fenced lease.
"""

import threading
from dataclasses import dataclass, field

from service.export.worker import Exporter
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
    exporter = Exporter(workflow.store, workflow.clock, settings)
    background = Background()
    stopping, interval = background.stopping, settings.monitor_interval_seconds
    for name, target, args in (
        ("lus-deadlines", monitor.run_until, (stopping, interval)),
        ("lus-heartbeats", heartbeats.run_until, (stopping,)),
        ("lus-statistics", reports.run_until, (stopping, settings.statistics_interval_seconds)),
        ("lus-export", exporter.run_until, (stopping,)),
    ):
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        background.threads.append(thread)
    return background
