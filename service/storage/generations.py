"""Generation values of read-mostly reference data, for caches that must stay right across
processes.

Every write of a watched type gives its kind a new random value in the write's transaction; a
reader reads the value first and then the data, and may keep the data under that value. Another
process's change commits a new value, which makes every cache keyed by the old one miss.
"""

import threading
import uuid
import weakref
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, bindparam, select, update

from service.storage.schema import generations

DIRECTORY = "directory"
SUBSCRIPTIONS = "subscriptions"
# What routing reads for every notification, and the Subscriptions topic evaluation reads for
# every write (their projection changes only with a write of the Subscription resource).
WATCHED = {
    "Organization": DIRECTORY,
    "HealthcareService": DIRECTORY,
    "Endpoint": DIRECTORY,
    "PractitionerRole": DIRECTORY,
    "Subscription": SUBSCRIPTIONS,
}
T = TypeVar("T")
_READ = select(generations.c.value).where(generations.c.name == bindparam("k_name"))
_BUMP = update(generations).where(generations.c.name == bindparam("k_name"))


# What each open transaction has read or set, so routing's several look-ups ask once.
_seen: "weakref.WeakKeyDictionary[Any, dict[str, str]]" = weakref.WeakKeyDictionary()


def _memo(conn: Connection) -> dict[str, str]:
    transaction = conn.get_transaction()
    return _seen.setdefault(transaction, {}) if transaction is not None else {}


def bump(conn: Connection, name: str) -> None:
    value = str(uuid.uuid4())
    conn.execute(_BUMP, {"k_name": name, "value": value})
    _memo(conn)[name] = value  # later look-ups of this transaction must see its own change


def current(conn: Connection, name: str) -> str:
    memo = _memo(conn)
    if name not in memo:
        value = conn.execute(_READ, {"k_name": name}).scalar_one()  # seeded by migration 0005
        memo[name] = str(value)
    return memo[name]


class Cache(Generic[T]):
    """Values computed from one kind's data, kept while its generation is unchanged.

    Values are shared between threads and requests: callers must not change them.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._generation = ""
        self._values: dict[Hashable, T] = {}

    def get(self, conn: Connection, key: Hashable, compute: Callable[[], T]) -> T:
        generation = current(conn, self.name)
        with self._lock:
            if generation == self._generation and key in self._values:
                return self._values[key]
        value = compute()
        with self._lock:
            if generation != self._generation:
                self._generation, self._values = generation, {}
            self._values[key] = value
        return value
