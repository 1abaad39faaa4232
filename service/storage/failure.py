"""Which database failures are the database's state rather than a bug: the client is told so
(503 with Retry-After while the database is unreachable or busy, 507 when its disk is full) and
may try again, instead of getting a 500.

A lost connection during COMMIT leaves the outcome unknown to the server too; the answer then
says "not acknowledged", never "applied", so no acknowledged write can be missing afterwards.
"""

import sqlite3

import psycopg
from sqlalchemy import exc

from service.outcome import FhirError

RETRY_AFTER_SECONDS = "2"
# SQLite result codes (primary ones: extended codes share the low byte) that say the file or its
# disk cannot be written now, not that a statement is wrong.
_SQLITE_FULL = 13
_SQLITE_BUSY_OR_IO = {5, 6, 10, 14}  # BUSY, LOCKED, IOERR, CANTOPEN


def unavailable(error: BaseException) -> FhirError | None:
    """The answer for `error` if it is such a failure, else None (a bug: 500)."""
    if isinstance(error, exc.TimeoutError):  # no pooled connection came free in time
        return _busy("the database has no free connection")
    if not isinstance(error, exc.DBAPIError):
        return None
    cause = error.orig
    if isinstance(cause, sqlite3.Error):
        code = getattr(cause, "sqlite_errorcode", 0) & 0xFF
        if code == _SQLITE_FULL:
            return FhirError.of(
                507,
                "exception",
                "the database's disk is full: the request was not applied; try again later",
            )
        if code in _SQLITE_BUSY_OR_IO:
            return _busy(f"the database cannot be written ({cause})")
        return None
    if error.connection_invalidated or isinstance(cause, psycopg.OperationalError):
        return _busy("the database is unavailable")
    return None


def _busy(reason: str) -> FhirError:
    failure = FhirError.of(
        503, "transient", f"{reason}: the request was not acknowledged; try again later"
    )
    failure.headers["Retry-After"] = RETRY_AFTER_SECONDS
    return failure
