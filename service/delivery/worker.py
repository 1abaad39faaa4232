"""The delivery loop: claim runs of due rows, send them concurrently, record each outcome.

A run is one ordering key's due rows (service/delivery/claim.py); one slot sends them in order,
each after the previous one's 2xx, and stops at the first other answer, after a subscription
handshake (its recording may queue older rows), at `run_seconds` or when the worker is stopping;
the rows it did not send are released as they were.
`Worker.run` pipelines: a slow or hanging receiver occupies one of `concurrency` slots while the
others keep delivering to everyone else. `Worker.run_once` does one claim–send–record round
synchronously, which is what tests drive with a simulated clock.
"""

import logging
import random
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta

from sqlalchemy import Connection

from service.delivery import wakeup
from service.delivery.claim import Claim, claim_due, release
from service.delivery.clients import ThreadClients, quiet_request_logs
from service.delivery.config import DeliveryConfig
from service.delivery.connection import RoundConnection
from service.delivery.deviation import RaiseDeviation
from service.delivery.policy import Outcome, Verdict
from service.delivery.record import record, record_delivered
from service.delivery.send import deliver
from service.fhirtime import Clock
from service.storage.database import is_postgres
from service.storage.store import Store
from service.subscriptions import results as subscriptions

log = logging.getLogger(__name__)
Attempt = tuple[Claim, Outcome]
Sent = tuple[list[Attempt], list[Claim]]  # a run's attempts, and its rows left unsent


class Worker:
    def __init__(
        self,
        store: Store,
        raise_deviation: RaiseDeviation,
        config: DeliveryConfig | None = None,
        clock: Clock | None = None,
        unit_random: Callable[[], float] = random.random,
    ) -> None:
        self.store = store
        self.raise_deviation = raise_deviation
        self.config = config or DeliveryConfig()
        self.clock = clock or store.clock
        self.unit_random = unit_random
        self.clients = ThreadClients(self.config.timeout_seconds)
        self.rounds = RoundConnection(store)
        self._pool = ThreadPoolExecutor(self.config.concurrency, thread_name_prefix="lus-deliver")
        self.wake = threading.Event()
        self.stopping = threading.Event()  # runs send no further row once set

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.clients.close()
        self.rounds.close()

    def attempt(self, claim: Claim) -> Attempt:
        try:
            clients = self.clients
            return claim, deliver(clients.get(), claim, clients.timeout, clients.user_agent)
        except Exception as error:  # a bug must not kill the loop; the row is retried
            log.exception("delivery of %s failed unexpectedly", claim.idempotency_key)
            return claim, Outcome(Verdict.RETRY, f"internal error: {error!r}"[:1000])

    def attempt_run(self, run: list[Claim]) -> Sent:
        """Send a run's rows in order while each is delivered and time is left."""
        attempts: list[Attempt] = []
        ends = self.clock() + timedelta(seconds=self.config.run_seconds)
        for place, claim in enumerate(run):
            if attempts and (
                attempts[-1][1].verdict is not Verdict.DELIVERED
                or subscriptions.ends_run(attempts[-1][0])
                or self.stopping.is_set()
                or self.clock() >= ends
            ):
                return attempts, run[place:]
            attempts.append(self.attempt(claim))
        return attempts, []

    def settle(
        self, attempts: list[Attempt], limit: int, unsent: list[Claim] | None = None
    ) -> tuple[list[str], list[Claim]]:
        """Record finished attempts, release `unsent` rows and claim up to `limit` runs, in one
        transaction: one commit per round however many rows finished (on SQLite each commit is
        an fsync and a turn of the single writer lock, shared with every request)."""
        if not attempts and not unsent and limit <= 0:
            return [], []

        def round_(conn: Connection) -> tuple[list[str], list[Claim]]:
            now = self.clock()
            statuses = self._record(conn, attempts, now)
            release(conn, unsent or [], now)
            lease = timedelta(seconds=self.config.lease_seconds)
            return statuses, claim_due(conn, now, lease, limit, self.config.run_length)

        return self.rounds.transact(round_)

    def _record(self, conn: Connection, attempts: list[Attempt], now: datetime) -> list[str]:
        delivered = [c for c, o in attempts if o.verdict is Verdict.DELIVERED]
        held = record_delivered(conn, delivered, now)
        return [
            ("delivered" if claim.seq in held else "stale")
            if outcome.verdict is Verdict.DELIVERED
            else record(
                conn,
                self.store,
                claim,
                outcome,
                now,
                self.config,
                self.unit_random(),
                self.raise_deviation,
            )
            for claim, outcome in attempts
        ]

    def run_once(self) -> Counter[str]:
        """One synchronous round; returns how many sent rows ended in each status."""
        _, claims = self.settle([], self.config.concurrency)
        attempts, unsent = _merged(list(self._pool.map(self.attempt_run, runs(claims))))
        statuses, _ = self.settle(attempts, 0, unsent)
        return Counter(statuses)

    def run(self, stop: threading.Event) -> None:
        """Deliver until `stop` is set; then finish and record what is in flight."""
        wakeup.register(self.wake)
        listener = None
        if is_postgres(self.store.engine):  # other processes' commits arrive as NOTIFY
            listener = wakeup.Listener(self.store.engine, self.wake)
            listener.start()
        in_flight: set[Future[Sent]] = set()
        try:
            while not stop.is_set():
                self.wake.clear()
                try:
                    busy = self._step(in_flight)
                except Exception:
                    log.exception("delivery round failed; retrying after the poll interval")
                    busy = False
                if not busy:
                    self.wake.wait(self.config.poll_seconds)
                elif in_flight:  # let more runs finish, so that one round records them all
                    stop.wait(self.config.gather_seconds)
            self.stopping.set()
            attempts, unsent = _merged([f.result() for f in in_flight])  # waits for each
            self.settle(attempts, 0, unsent)
        finally:
            wakeup.unregister(self.wake)
            if listener is not None:
                listener.stop()

    def _step(self, in_flight: set[Future[Sent]]) -> bool:
        """Record finished runs and fill free slots; False when there was nothing to do."""
        done = {f for f in in_flight if f.done()}
        in_flight -= done
        attempts, unsent = _merged([f.result() for f in done])
        _, claims = self.settle(attempts, self.config.concurrency - len(in_flight), unsent)
        for run in runs(claims):
            future = self._pool.submit(self.attempt_run, run)
            future.add_done_callback(lambda _: self.wake.set())
            in_flight.add(future)
        return bool(done or claims)


def runs(claims: list[Claim]) -> list[list[Claim]]:
    """Split claim_due's result into its runs (consecutive rows of one ordering key)."""
    split: list[list[Claim]] = []
    for claim in claims:
        if split and split[-1][0].ordering_key == claim.ordering_key:
            split[-1].append(claim)
        else:
            split.append([claim])
    return split


def _merged(sent: list[Sent]) -> tuple[list[Attempt], list[Claim]]:
    return [a for attempts, _ in sent for a in attempts], [c for _, rest in sent for c in rest]


class BackgroundWorker:
    """A Worker on a daemon thread of the serve process (SQLite's single-worker set-up)."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=worker.run, args=(self._stop,), name="lus-delivery", daemon=True
        )

    def start(self) -> "BackgroundWorker":
        self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self.worker.wake.set()
        self._thread.join(timeout)
        self.worker.close()


def start_in_background(
    store: Store, raise_deviation: RaiseDeviation, config: DeliveryConfig
) -> BackgroundWorker:
    """Start delivering from this process; call `.stop()` at shutdown."""
    quiet_request_logs()
    return BackgroundWorker(Worker(store, raise_deviation, config)).start()
