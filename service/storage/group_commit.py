"""Group commit: writes waiting in several threads or requests share one database transaction,
each in its own savepoint, and each caller gets its answer after that one commit.

Used by REST writes and the HL7 v2 intake alike (one committer per service, so both share
commits). Why: on SQLite a write's own commit costs more than the write itself: every index page it
touched goes to the WAL again (in-process, a validated Patient create took 6.5 ms in a
transaction of its own and 2.4 ms sharing one), and SQLite runs one writer at a time anyway, so
eight clients queue behind eight commits. The rules stay those of one transaction per write: a
write that raises one of the `expected` refusals rolls back its savepoint only and gets its own
error; nothing is answered before the commit that holds it; writes run in the order they were
submitted, one after another on the committing thread (each in its submitter's context
variables: the request id, the caller), so each sees those before it. Any other
failure (the database lost, the disk full, the commit itself) ends the batch, and each of its
writes is run again in a transaction of its own, so it gets its own answer or its own error.
"""

import contextvars
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Connection

from service.storage.store import Store

log = logging.getLogger(__name__)
IDLE_SECONDS = 5.0  # the committing thread ends after this long without writes
T = TypeVar("T")


@dataclass
class _Job:
    work: Callable[[Connection], Any]
    expected: tuple[type[Exception], ...]
    context: contextvars.Context = field(default_factory=contextvars.copy_context)
    future: Future[Any] = field(default_factory=Future)
    answer: Any = None
    error: BaseException | None = None


class GroupCommit:
    def __init__(self, store: Store, size: int) -> None:
        self.store = store
        self.size = size
        self._queue: queue.Queue[_Job] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(
        self, work: Callable[[Connection], T], expected: tuple[type[Exception], ...] = ()
    ) -> "Future[T]":
        """`work`'s result once the transaction holding it has committed (or its error); an
        `expected` error (a refusal) rolls back `work`'s savepoint only."""
        job = _Job(work, expected)
        self._queue.put(job)
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="lus-group-commit")
                self._thread.daemon = True
                self._thread.start()
        return job.future

    def run(self, work: Callable[[Connection], T], expected: tuple[type[Exception], ...] = ()) -> T:
        return self.submit(work, expected).result()

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
                            job.answer = job.context.run(job.work, conn)
                    except job.expected as refused:
                        job.error = refused
        except Exception as failure:
            if len(batch) == 1:
                batch[0].answer, batch[0].error = None, failure
            else:
                log.info("a group commit of %d writes failed; each runs alone", len(batch))
                for job in batch:
                    self._alone(job)
        for job in batch:
            if job.error is not None:
                job.future.set_exception(job.error)
            else:
                job.future.set_result(job.answer)

    def _alone(self, job: _Job) -> None:
        job.answer, job.error = None, None
        try:
            with self.store.begin() as conn:
                job.answer = job.context.run(job.work, conn)
        except Exception as error:  # the caller answers it as it would a write of its own
            job.error = error
