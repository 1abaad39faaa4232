"""The database connection a worker's rounds run on, kept from one round to the next.

The rounds are short transactions, one after another on the worker's main thread, and the worker
waits on each of their round trips. Checked out of the pool for every round, a connection is
first pinged (the engine's `pool_pre_ping`): one more round trip before the round's own
statements. A connection kept between rounds is not pinged; a round that finds it dropped (the
database restarted, a proxy closed it) runs once more on a fresh one. That is safe because every
write of a round is fenced to its claims (service/delivery/batch.py): a round repeated after a
lost COMMIT changes nothing the first one wrote, and rows it had claimed are only delayed to the
end of their lease (they were never sent).
SQLite rounds keep `Store.begin()`: its pool does not ping, and the store's writer lock must be
taken.
"""

import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from service.storage.database import is_postgres
from service.storage.store import Store

log = logging.getLogger(__name__)
T = TypeVar("T")


class RoundConnection:
    """Runs each round's work in one transaction; used from one thread at a time."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._kept: Connection | None = None

    def transact(self, work: Callable[[Connection], T]) -> T:
        """`work(conn)` in one transaction, committed when it returns."""
        if not is_postgres(self.store.engine):
            with self.store.begin() as conn:
                return work(conn)
        try:
            return self._once(work)
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
            log.warning("delivery round lost its database connection; once more on a new one")
            return self._once(work)

    def _once(self, work: Callable[[Connection], T]) -> T:
        if self._kept is None:
            self._kept = self.store.engine.connect()  # pinged here, as any checkout is
        try:
            with self._kept.begin():
                return work(self._kept)
        except BaseException:
            self.close()  # a failed round's connection is not trusted with the next one
            raise

    def close(self) -> None:
        if self._kept is not None:
            self._kept.close()
            self._kept = None
