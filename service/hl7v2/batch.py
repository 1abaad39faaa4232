"""Group commit for the HL7 v2 intake: messages waiting on several connections are applied in one
database transaction, each in its own savepoint, and every ACK is released after that one commit.

Why: a message's own work is a few milliseconds, but each commit waits for the disk (SQLite
`synchronous=FULL`, PostgreSQL's WAL flush) and SQLite runs one writer at a time; eight senders
then queue behind eight flushes. The rules stay those of one transaction per message: a message
that fails (AE) rolls back its savepoint and takes nothing else down; nothing is acknowledged
before the commit that holds it; one connection sends its next message only after its ACK, so a
batch never holds two messages of one connection, and messages of one patient keep their order
(the intake's per-patient lock and MSH-7 rule see the earlier ones in the same transaction). If
the commit itself fails, each message of the batch is tried again in a transaction of its own.
"""

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection

from mappers.hl7v2 import Adt, MappingError
from service.auth.principal import Principal
from service.outcome import FhirError
from service.storage.store import Store

log = logging.getLogger(__name__)
IDLE_SECONDS = 5.0  # the committer's thread ends after this long without messages
Apply = Callable[[Connection, Adt, Principal], object]


@dataclass
class _Job:
    adt: Adt
    principal: Principal
    done: threading.Event = field(default_factory=threading.Event)
    answer: object = None
    error: Exception | None = None


class GroupCommit:
    def __init__(self, store: Store, apply: Apply, size: int) -> None:
        self.store = store
        self.apply = apply
        self.size = size
        self._queue: queue.Queue[_Job] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, adt: Adt, principal: Principal) -> object:
        """`apply`'s result for this message once its transaction has committed (or its error)."""
        job = _Job(adt, principal)
        self._queue.put(job)
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="lus-hl7v2-commit")
                self._thread.daemon = True
                self._thread.start()
        job.done.wait()
        if job.error is not None:
            raise job.error
        return job.answer

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            batch = [first]
            while len(batch) < self.size:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._commit(batch)

    def _commit(self, batch: list[_Job]) -> None:
        try:
            with self.store.begin() as conn:
                for job in batch:
                    try:
                        with conn.begin_nested():
                            job.answer = self.apply(conn, job.adt, job.principal)
                    except (MappingError, FhirError) as error:
                        job.error = error
        except Exception:
            log.exception("an HL7 v2 group commit failed; its messages are retried one by one")
            for job in batch:
                self._alone(job)
        finally:
            for job in batch:
                job.done.set()

    def _alone(self, job: _Job) -> None:
        job.answer, job.error = None, None
        try:
            with self.store.begin() as conn:
                job.answer = self.apply(conn, job.adt, job.principal)
        except Exception as error:  # the submitter's caller answers it (AE) or fails as before
            job.error = error
