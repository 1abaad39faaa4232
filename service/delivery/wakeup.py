"""Waking workers as soon as a row is queued, instead of waiting for the next poll.

`announce(conn)` is called by whoever inserts outbox rows, inside their transaction. On
PostgreSQL it issues pg_notify, which is delivered at commit to every listening worker process;
in-process workers are also woken directly (on SQLite they then queue on the writer lock and see
the rows once the announcing transaction commits).
"""

import logging
import threading
import weakref

import psycopg
from sqlalchemy import Connection, Engine

from service.storage.database import is_postgres

CHANNEL = "lus_outbox"
log = logging.getLogger(__name__)
_local: "weakref.WeakSet[threading.Event]" = weakref.WeakSet()


def announce(conn: Connection) -> None:
    if is_postgres(conn.engine):
        conn.exec_driver_sql(f"SELECT pg_notify('{CHANNEL}', '')")
    for event in list(_local):
        event.set()


def register(event: threading.Event) -> None:
    """Have `announce` in this process set `event`."""
    _local.add(event)


def unregister(event: threading.Event) -> None:
    _local.discard(event)


class Listener:
    """LISTENs on PostgreSQL in a daemon thread and sets `event` on each notification.

    Reconnects after errors; a missed notification costs at most one poll interval.
    """

    def __init__(self, engine: Engine, event: threading.Event) -> None:
        url = engine.url.set(drivername="postgresql")
        self._conninfo = url.render_as_string(hide_password=False)
        self._event = event
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lus-outbox-listen", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._event.set()  # rows queued while we were not listening
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=1.0, stop_after=1):
                            self._event.set()
            except psycopg.Error:
                log.exception("outbox listener lost its connection; reconnecting")
                self._stop.wait(1.0)
