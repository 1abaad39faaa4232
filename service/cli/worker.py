"""`lus-fhir worker`: deliver the outbox from a separate process (scale-out on PostgreSQL), and run
the deadline monitor, heartbeat sweep and Bulk Data exports beside it (export files go under
--data-dir, which the servers answering the downloads must share).

Several such processes may run against one PostgreSQL database; they share the outbox through
SKIP LOCKED claims. SIGTERM/SIGINT finish the deliveries in flight and exit; SIGKILL is safe too
(claimed rows become due again when their lease runs out).
"""

import logging
import signal
import threading
from types import FrameType
from typing import Annotated

import typer

from service.cli import options
from service.delivery.config import DeliveryConfig


def worker(
    db: options.Database = None,
    data_dir: options.DataDir = None,
    concurrency: Annotated[
        int, typer.Option(min=1, help="Ordering keys (receiver runs) served at once")
    ] = DeliveryConfig.concurrency,
    lease_seconds: Annotated[
        float | None,
        typer.Option(help="How long a claimed row is held before another worker may retry it"),
    ] = None,
    poll_seconds: Annotated[float | None, typer.Option(help="Idle poll interval")] = None,
) -> None:
    """Deliver queued notifications to receivers until stopped."""
    from service import background  # the workflow and delivery: see `serve`
    from service.delivery import DeliveryConfig, Worker
    from service.delivery.clients import quiet_request_logs
    from service.storage.database import engine_for, migrate
    from service.storage.store import Store
    from service.workflow.notify import Workflow

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    quiet_request_logs()
    settings = options.settings(db, data_dir)
    tuning: dict[str, object] = {"concurrency": concurrency}
    if lease_seconds is not None:
        tuning["lease_seconds"] = lease_seconds
    if poll_seconds is not None:
        tuning["poll_seconds"] = poll_seconds
    config = DeliveryConfig.from_settings(settings, **tuning)
    engine = engine_for(settings.database())
    migrate(engine)
    stop = threading.Event()
    store = Store(engine)
    # Dead letters raise deviations that are routed like any write, so this process needs the
    # workflow too; it also runs the deadline monitor and heartbeats (service/background.py).
    workflow = Workflow(store, store.clock, settings.source())
    delivery = Worker(store, workflow.deviation, config)
    jobs = background.start(workflow, settings)

    def _stop(signum: int, _: FrameType | None) -> None:
        logging.getLogger(__name__).info("signal %d: finishing deliveries in flight", signum)
        stop.set()
        delivery.wake.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    logging.getLogger(__name__).info("delivering from %s", engine.url.render_as_string())
    try:
        delivery.run(stop)
    finally:
        jobs.stop()
        delivery.close()
        engine.dispose()


if __name__ == "__main__":
    typer.run(worker)
