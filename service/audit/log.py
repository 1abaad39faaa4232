"""The access log's writer: a write's entry goes into the write's own transaction; every other
entry (reads, searches, refusals, tokens) is committed in batches by one thread, and the request
waits until its entry is committed — an access that could not be logged is answered 503, never
served unlogged.

Batching is what keeps logging cheap: requests that arrive together share one commit (one fsync
and one turn of SQLite's writer lock) instead of paying one each.
"""

import logging
import queue
import threading
from concurrent.futures import Future

from service.audit.event import AuditRecord, write
from service.fhirtime import Clock
from service.outcome import FhirError
from service.storage.store import Store

log = logging.getLogger(__name__)
BATCH = 512
WAIT_SECONDS = 30.0


class AuditLog:
    def __init__(self, store: Store, clock: Clock, enabled: bool = True) -> None:
        self.store = store
        self.clock = clock
        self.enabled = enabled
        self._queue: queue.SimpleQueue[tuple[AuditRecord, Future[None]] | None] = (
            queue.SimpleQueue()
        )
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, record: AuditRecord) -> "Future[None]":
        """Queue an entry for the next batch; the future is done once it is committed."""
        done: Future[None] = Future()
        if not self.enabled:
            done.set_result(None)
            return done
        self._start()
        self._queue.put((record, done))
        return done

    def commit(self, record: AuditRecord) -> None:
        """Log an entry and wait for its commit (FhirError 503 when it cannot be logged)."""
        try:
            self.submit(record).result(WAIT_SECONDS)
        except Exception as error:  # the store's failure, whatever it is: refuse, do not serve
            log.error("access log write failed: %s", error)
            raise FhirError.of(
                503, "transient", "the access could not be logged; try again later"
            ) from None

    def _start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="audit-log", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)
                    break
                batch.append(item)
            self._flush(batch)

    def _flush(self, batch: list[tuple[AuditRecord, "Future[None]"]]) -> None:
        try:
            with self.store.begin() as conn:
                write(conn, [record for record, _ in batch], self.clock())
        except Exception as error:  # every waiting request hears of it
            for _, done in batch:
                done.set_exception(error)
            return
        for _, done in batch:
            done.set_result(None)

    def stop(self) -> None:
        """Flush what is queued and end the thread (at shutdown)."""
        with self._lock:
            thread = self._thread
        if thread is not None and thread.is_alive():
            self._queue.put(None)
            thread.join(10)
