"""Reads and writes of versioned resources inside one database transaction.

Every write replaces the resource's search-index rows and appends a version in the same
transaction, so a reader never sees a resource whose index disagrees with it. Callers own the
transaction (`Store.begin()`): a FHIR transaction Bundle is one database transaction.
"""

import json
import threading
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, delete, insert, select, update

from service.fhirtime import Clock, instant, stamp, utc_now
from service.search.extract import index_rows
from service.storage import generations
from service.storage.database import engine_for, is_postgres
from service.storage.schema import resources, search_index, versions

Resource = dict[str, Any]

# Statements built once: SQLAlchemy spends several times a database round trip constructing and
# cache-keying a statement, and these run several times on every write.
_RESOURCE = and_(
    resources.c.res_type == bindparam("k_type"), resources.c.res_id == bindparam("k_id")
)
_READ = select(resources).where(_RESOURCE)
_READ_FOR_UPDATE = _READ.with_for_update()
_INSERT_RESOURCE = insert(resources)
_UPDATE_RESOURCE = update(resources).where(_RESOURCE)
_INSERT_VERSION = insert(versions)
_UNINDEX = delete(search_index).where(
    and_(search_index.c.res_type == bindparam("k_type"), search_index.c.res_id == bindparam("k_id"))
)
_INDEX = insert(search_index)
_LOCK_ONE = "SELECT pg_advisory_xact_lock(%s)"
# A volatile function in the select list runs after the ORDER BY: the locks are taken in order.
_LOCK_ALL = (
    "SELECT pg_advisory_xact_lock(k)"
    " FROM unnest(%s::bigint[]) WITH ORDINALITY AS t(k, n) ORDER BY n"
)
_INDEX_COLUMNS = ("system", "value", "exact", "date_start", "date_end", "number")
_INDEXED = select(
    search_index.c.row_id, search_index.c.param, *(search_index.c[c] for c in _INDEX_COLUMNS)
).where(
    and_(search_index.c.res_type == bindparam("k_type"), search_index.c.res_id == bindparam("k_id"))
)
_UNINDEX_ROW = delete(search_index).where(search_index.c.row_id == bindparam("k_row"))


def _values(row: dict[str, Any]) -> tuple[Any, ...]:
    """An index row as the tuple `_INDEXED` reads back (param, then `_INDEX_COLUMNS`)."""
    get = row.get
    return (
        row["param"],
        get("system"),
        get("value"),
        get("exact"),
        get("date_start"),
        get("date_end"),
        get("number"),
    )


@dataclass(frozen=True)
class Stored:
    res_type: str
    res_id: str
    version_id: int
    last_updated: str
    deleted: bool
    resource: Resource | None
    method: str = ""

    @property
    def etag(self) -> str:
        return f'W/"{self.version_id}"'


def _dump(resource: Resource) -> str:
    return json.dumps(resource, ensure_ascii=False, separators=(",", ":"))


def _lock_id(key: str) -> int:
    """The advisory-lock number of a key (PostgreSQL's bigint, from a 32-bit hash)."""
    return zlib.crc32(key.encode()) - 2**31


def _stored(row: Any, method: str = "") -> Stored:
    content = row.content
    return Stored(
        res_type=row.res_type,
        res_id=row.res_id,
        version_id=row.version_id,
        last_updated=row.last_updated,
        deleted=bool(getattr(row, "deleted", content is None)),
        resource=json.loads(content) if content else None,
        method=method or getattr(row, "method", ""),
    )


class Store:
    def __init__(self, engine: Engine, clock: Clock = utc_now) -> None:
        self.engine = engine
        self.clock = clock
        # SQLite takes one writer at a time; queueing writers of this process on a lock avoids
        # SQLite's busy-wait back-off, which turns contention into long latency tails.
        self._writer = threading.Lock() if not is_postgres(engine) else None
        self._unflushed: Engine | None = None

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """One write transaction (serialised per resource; all-or-nothing)."""
        if self._writer is None:
            with self.engine.begin() as connection:
                yield connection
            return
        with self._writer, self.engine.begin() as connection:
            yield connection

    @contextmanager
    def begin_unflushed(self) -> Iterator[Connection]:
        """A write transaction whose commit does not wait for the disk: it survives a crash of
        this process (the database server, or SQLite's WAL in the OS, has it) but not a power
        loss of the machine within the next moments. For records that are cheap to lose that
        way and costly to flush one by one (the log of reads)."""
        if self._writer is None:
            with self.engine.begin() as connection:
                connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
                yield connection
            return
        if self._unflushed is None:
            self._unflushed = engine_for(self.engine.url.render_as_string(False), "NORMAL")
        with self._writer, self._unflushed.begin() as connection:
            yield connection

    def dispose(self) -> None:
        self.engine.dispose()
        if self._unflushed is not None:
            self._unflushed.dispose()

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        connection = self.engine.connect().execution_options(lus_read_only=True)
        with connection, connection.begin():
            yield connection

    def lock(self, connection: Connection, key: str) -> None:
        """Serialise transactions that decide on the same key (e.g. a conditional create's query).

        SQLite already runs one writer at a time; PostgreSQL takes a transaction advisory lock.
        """
        if is_postgres(connection.engine):
            connection.exec_driver_sql(_LOCK_ONE, (_lock_id(key),))

    def lock_all(self, connection: Connection, keys: Sequence[str]) -> None:
        """`lock` each key, in the order given, in one round trip: callers that lock several
        keys give them in one stable order (e.g. sorted), so concurrent ones cannot deadlock.
        One key takes `lock`'s plain statement: the unnest form costs PostgreSQL about 0.1 ms
        more a call, and most writes lock one key."""
        if len(keys) == 1:
            self.lock(connection, keys[0])
        elif keys and is_postgres(connection.engine):
            connection.exec_driver_sql(_LOCK_ALL, ([_lock_id(key) for key in keys],))

    def read(
        self, connection: Connection, res_type: str, res_id: str, lock: bool = False
    ) -> Stored | None:
        query = _READ_FOR_UPDATE if lock and is_postgres(connection.engine) else _READ
        row = connection.execute(query, {"k_type": res_type, "k_id": res_id}).first()
        return _stored(row) if row else None

    def read_flagged(
        self, connection: Connection, statement: Any, values: Any
    ) -> tuple[Stored | None, bool]:
        """A read by a caller's prebuilt statement over `resources` that also selects a boolean
        column `flag` (e.g. whether the caller may see the row): both in one round trip. A str
        statement is the driver's own SQL (values in its paramstyle), run without SQLAlchemy's
        per-execution cache key."""
        if isinstance(statement, str):
            row = connection.exec_driver_sql(statement, values).first()
        else:
            row = connection.execute(statement, values).first()
        return (_stored(row), bool(row.flag)) if row else (None, False)

    def read_all(
        self, connection: Connection, statement: Any, values: dict[str, Any]
    ) -> list[Stored]:
        """The resources a caller's prebuilt statement over `resources` selects, read whole in
        the one round trip that found them."""
        return [_stored(row) for row in connection.execute(statement, values)]

    def vread(
        self, connection: Connection, res_type: str, res_id: str, version_id: int
    ) -> Stored | None:
        row = connection.execute(
            select(versions).where(
                and_(
                    versions.c.res_type == res_type,
                    versions.c.res_id == res_id,
                    versions.c.version_id == version_id,
                )
            )
        ).first()
        return _stored(row) if row else None

    def write(
        self, connection: Connection, resource: Resource, current: Stored | None, method: str
    ) -> Stored:
        """Store `resource` as the next version after `current` (None: first version)."""
        version_id = (current.version_id + 1) if current else 1
        now = self.clock()
        resource = dict(resource)
        meta = dict(resource.get("meta", {}))
        meta["versionId"] = str(version_id)
        meta["lastUpdated"] = instant(now)
        resource["meta"] = meta
        self._put(
            connection, resource["resourceType"], resource["id"], version_id, now, resource, current
        )
        self._index(connection, resource, replace=current is not None)
        return Stored(
            resource["resourceType"],
            resource["id"],
            version_id,
            stamp(now),
            False,
            resource,
            method,
        )

    def amend(self, connection: Connection, stored: Stored, resource: Resource) -> Stored:
        """Replace the content of the version just written, in its own transaction (the server
        correcting what it stores, e.g. a Subscription's status), without adding a version."""
        content = _dump(resource)
        connection.execute(
            _UPDATE_RESOURCE, {"k_type": stored.res_type, "k_id": stored.res_id, "content": content}
        )
        connection.execute(
            update(versions)
            .where(
                and_(
                    versions.c.res_type == stored.res_type,
                    versions.c.res_id == stored.res_id,
                    versions.c.version_id == stored.version_id,
                )
            )
            .values(content=content)
        )
        self._index(connection, resource)
        return Stored(
            stored.res_type,
            stored.res_id,
            stored.version_id,
            stored.last_updated,
            False,
            resource,
            stored.method,
        )

    def delete(self, connection: Connection, current: Stored) -> Stored:
        version_id = current.version_id + 1
        now = self.clock()
        self._put(connection, current.res_type, current.res_id, version_id, now, None, current)
        connection.execute(_UNINDEX, {"k_type": current.res_type, "k_id": current.res_id})
        return Stored(
            current.res_type, current.res_id, version_id, stamp(now), True, None, "DELETE"
        )

    def _put(
        self,
        connection: Connection,
        res_type: str,
        res_id: str,
        version_id: int,
        now: datetime,
        resource: Resource | None,
        current: Stored | None,
    ) -> None:
        content = _dump(resource) if resource is not None else None
        if res_type in generations.WATCHED:
            generations.bump(connection, generations.WATCHED[res_type])
        values = {
            "version_id": version_id,
            "last_updated": stamp(now),
            "deleted": resource is None,
            "content": content,
        }
        if current is None:
            connection.execute(_INSERT_RESOURCE, {"res_type": res_type, "res_id": res_id, **values})
        else:
            connection.execute(_UPDATE_RESOURCE, {"k_type": res_type, "k_id": res_id, **values})
        method = "DELETE" if resource is None else ("PUT" if current else "POST")
        connection.execute(
            _INSERT_VERSION,
            {
                "res_type": res_type,
                "res_id": res_id,
                "version_id": version_id,
                "last_updated": stamp(now),
                "method": method,
                "content": content,
            },
        )

    def _index(self, connection: Connection, resource: Resource, replace: bool = True) -> None:
        """Write the resource's search-index rows; `replace` brings earlier ones up to date (a
        resource's first version has none).

        Only the rows whose values changed are deleted and inserted: an update usually changes a
        few of a resource's dozens of rows (a stay's ward, its end), and rewriting them all cost
        more than reading them back, on PostgreSQL in index and WAL writes too."""
        res_type, res_id = resource["resourceType"], resource["id"]
        key = {"k_type": res_type, "k_id": res_id}
        rows = [_values(r) for r in index_rows(resource)]
        if replace:
            stale: dict[tuple[Any, ...], list[int]] = {}
            for found in connection.execute(_INDEXED, key):
                stale.setdefault(tuple(found[1:]), []).append(found.row_id)
            fresh = []
            for row in rows:
                kept = stale.get(row)
                if kept:
                    kept.pop()
                else:
                    fresh.append(row)
            gone = [{"k_row": row_id} for row_ids in stale.values() for row_id in row_ids]
            if gone:
                connection.execute(_UNINDEX_ROW, gone)
            rows = fresh
        if rows:
            columns = ("param", *_INDEX_COLUMNS)
            connection.execute(
                _INDEX,
                [
                    {"res_type": res_type, "res_id": res_id} | dict(zip(columns, r, strict=True))
                    for r in rows
                ],
            )

    def history(
        self,
        connection: Connection,
        res_type: str | None = None,
        res_id: str | None = None,
        since: str | None = None,
        count: int = 100,
        offset: int = 0,
        readable: Any = None,
    ) -> tuple[list[Stored], int]:
        """Versions newest first, and how many there are in all; `readable` (a condition on the
        versions table) limits them to what the caller may read."""
        conditions = []
        if res_type:
            conditions.append(versions.c.res_type == res_type)
        if res_id:
            conditions.append(versions.c.res_id == res_id)
        if since:
            conditions.append(versions.c.last_updated >= since)
        if readable is not None:
            conditions.append(readable)
        where = and_(*conditions) if conditions else None
        query = select(versions).order_by(versions.c.seq.desc()).limit(count).offset(offset)
        total_query = select(versions.c.seq)
        if where is not None:
            query, total_query = query.where(where), total_query.where(where)
        rows = connection.execute(query).all()
        total = len(connection.execute(total_query).all())
        return [_stored(r) for r in rows], total
