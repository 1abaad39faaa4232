"""The access log's writer. A write's entry goes into the write's own transaction (never lost,
never recorded for a rolled-back write). Every other entry — reads, searches, operations,
refusals, tokens — is queued and committed by one thread in batches within FLUSH_SECONDS.

Why batches, and what that costs: one entry per read as its own transaction costs about as much
as the read itself (two indexed inserts and a commit); a batch pays the commit once and the
inserts as one statement each. The price is a window: an entry is committed within
FLUSH_SECONDS of its request, so a crash of the server process (SIGKILL) can lose the entries
of reads answered in that last moment; a clean stop (SIGTERM) writes them all. Nothing is
dropped silently otherwise: a store that cannot take the entries keeps them queued and retried,
and once the queue is full, requests are refused with 503 rather than served unlogged.
"""

import logging
import queue
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future

from service.audit.event import AuditRecord, write
from service.fhirtime import Clock
from service.outcome import FhirError
from service.storage.store import Store

log = logging.getLogger(__name__)
FLUSH_SECONDS = 0.05
BATCH = 1000
CAPACITY = 20_000
FULL_WAIT_SECONDS = 5.0
RETRY_SECONDS = 1.0
Item = AuditRecord | Future[None] | None  # an entry, a flush barrier, or the stop signal


class AuditLog:
    def __init__(self, store: Store, clock: Clock, enabled: bool = True) -> None:
        self.store = store
        self.clock = clock
        self.enabled = enabled
        self._queue: queue.Queue[Item] = queue.Queue(CAPACITY)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, record: AuditRecord) -> None:
        """Queue an entry; 503 when the log has fallen so far behind that the queue is full."""
        if not self.enabled:
            return
        self._start()
        try:
            self._queue.put(record, timeout=FULL_WAIT_SECONDS)
        except queue.Full:
            log.error("access log queue full: refusing the request")
            raise FhirError.of(
                503, "transient", "the access could not be logged; try again later"
            ) from None

    def flush(self, timeout: float = 30.0) -> None:
        """Wait until everything queued so far is committed."""
        if not self.enabled:
            return
        self._start()
        barrier: Future[None] = Future()
        self._queue.put(barrier)
        barrier.result(timeout)

    def _start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="audit-log", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        """After the first entry, sleep out the window and take what came meanwhile: waiting
        on the queue per entry woke this thread (and took the GIL) once for every request."""
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            time.sleep(FLUSH_SECONDS)
            stopping = False
            while len(batch) < BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            self._flush(batch)
            if stopping:
                return

    def _flush(self, batch: Sequence[Item]) -> None:
        records = [r for r in batch if isinstance(r, AuditRecord)]
        while records:
            try:
                with self.store.begin_unflushed() as conn:
                    write(conn, records, self.clock())
                break
            except Exception as error:  # kept and retried: an entry is never dropped
                log.error("access log write failed, retrying: %s", error)
                time.sleep(RETRY_SECONDS)
        for item in batch:
            if isinstance(item, Future):
                item.set_result(None)

    def stop(self) -> None:
        """Write what is queued and end the thread (at shutdown)."""
        with self._lock:
            thread = self._thread
        if thread is not None and thread.is_alive():
            self._queue.put(None)
            thread.join(30)
