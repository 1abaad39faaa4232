"""Copy a whole lus-fhir database into another (SQLite → PostgreSQL, or back): same rows, same ids.

The source is read in one read-only transaction, so every table is read as of the same moment
(SQLite's WAL snapshot, PostgreSQL's REPEATABLE READ), table by table in primary-key order and
`batch` rows at a time: no table is ever held in memory. The target is written in one transaction,
so a copy that fails (a value the target refuses, the process stopped) leaves it as empty as it
was. Values go through the table definitions' types, which are text, integers and booleans only
(times are fixed-width UTC strings, JSON is text): they arrive exactly as they were.

The source must not be written while it is copied: what is written after the snapshot is not in
the copy. The row counts compared at the end are the source's afresh, so a write that added rows
meanwhile shows as a difference.
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, Table, Text, delete, func, insert, select, text
from sqlalchemy.exc import DBAPIError

from service.storage.database import MIGRATIONS, is_postgres, migrate
from service.storage.schema import metadata

# Tables whose rows the migrations write themselves (0005, 0006: one generation per kind of
# reference data): a freshly migrated target holds them, so they do not make it "not empty",
# and the source's rows replace them.
SEEDED = frozenset({"generations"})


class CopyRefused(Exception):
    """The copy was not started or was undone; the message says why and what to do."""


class Watcher(Protocol):
    """Told how the copy advances (the CLI draws a progress line per table)."""

    def started(self, table: str, rows: int) -> None: ...

    def copied(self, table: str, rows: int, size: int) -> None:
        """`rows` more rows of `table` written, holding `size` characters of long text."""


@dataclass(frozen=True)
class Count:
    table: str
    source: int
    target: int

    @property
    def equal(self) -> bool:
        return self.source == self.target


def head_revision() -> str:
    """The newest migration of this code."""
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None, "the migrations have a head"
    return head


def revision(engine: Engine) -> str | None:
    """The migration a database is at (None: not a lus-fhir database, or an empty one)."""
    with _reading(engine) as conn:
        return MigrationContext.configure(conn).get_current_revision()


def copy_database(
    source: Engine,
    target: Engine,
    replace: bool = False,
    batch: int = 2000,
    watcher: Watcher | None = None,
) -> list[Count]:
    """Migrate `target` to the head revision, copy every table of `source` into it in one
    transaction, and return the row counts of both afterwards (table by table).

    Refuses a source at another revision than the code, and a target that holds rows unless
    `replace` (then they are deleted in the same transaction as the copy)."""
    _check_source(source, target)
    migrate(target)
    tables = metadata.sorted_tables  # parents before children
    try:
        with _snapshot(source) as reading, target.begin() as writing:
            _make_room(writing, tables, replace)
            refused = (DBAPIError, target.dialect.loaded_dbapi.Error)  # COPY's are the driver's
            for table in tables:
                try:
                    _copy_table(reading, writing, table, batch, watcher)
                except refused as error:
                    reason = error.orig if isinstance(error, DBAPIError) else error
                    raise CopyRefused(
                        f"table {table.name}: the target refused a row, the copy was undone "
                        f"and {_shown(target)} holds none of it: {reason}"
                    ) from error
            if is_postgres(target):
                _advance_sequences(writing, tables)
    except DBAPIError as error:
        raise CopyRefused(
            f"the copy was undone, {_shown(target)} holds none of it: {error.orig}"
        ) from error
    if is_postgres(target):
        _analyse(target)
    return compare(source, target)


def _analyse(target: Engine) -> None:
    """Give PostgreSQL's planner the copied tables' statistics at once. Until autovacuum gets
    to millions of fresh rows, its plans are made blind, and autovacuum's own pass over them
    competed with the first queries (a county month's invoice basis 6 s instead of 1 s right
    after copying the 12 x 8 000 year, docs/statistics.md)."""
    with target.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))


def counts(engine: Engine) -> dict[str, int]:
    """Rows per table of the schema."""
    with _reading(engine) as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in metadata.sorted_tables
        }


def compare(source: Engine, target: Engine) -> list[Count]:
    before, after = counts(source), counts(target)
    return [Count(name, before[name], after[name]) for name in before]


def _shown(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _sqlite_file(engine: Engine) -> Path | None:
    database = engine.url.database
    return Path(database).resolve() if not is_postgres(engine) and database else None


def _check_source(source: Engine, target: Engine) -> None:
    """The source exists, is not the target, and is at this code's migration."""
    path = _sqlite_file(source)
    if source.url == target.url or (path is not None and path == _sqlite_file(target)):
        raise CopyRefused(f"--from and --to are the same database ({_shown(source)})")
    if path is not None and not path.exists():
        raise CopyRefused(f"the source {_shown(source)} does not exist")
    at, head = revision(source), head_revision()
    if at != head:
        found = f"at migration {at}" if at else "not a lus-fhir database (no migration applied)"
        raise CopyRefused(
            f"the source {_shown(source)} is {found}; this code is at {head}: bring the source "
            "to it with this version's `lus-fhir db migrate --db …` (a source newer than the "
            "code needs the newer lus-fhir), while no service writes to it"
        )


@contextmanager
def _reading(engine: Engine) -> Iterator[Connection]:
    """A connection that takes no write lock (SQLite: database.py's deferred BEGIN)."""
    with engine.connect().execution_options(lus_read_only=True) as conn:
        yield conn


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """One read-only transaction that sees every table as of its first read."""
    if is_postgres(engine):
        options: dict[str, Any] = {
            "isolation_level": "REPEATABLE READ",
            "postgresql_readonly": True,
        }
    else:
        options = {"lus_read_only": True}  # database.py: a deferred BEGIN, no write lock
    with engine.connect().execution_options(**options) as conn, conn.begin():
        yield conn


def _make_room(conn: Connection, tables: list[Table], replace: bool) -> None:
    for table in tables:
        if table.name in SEEDED:
            continue
        held = conn.execute(select(text("1")).select_from(table).limit(1)).first() is not None
        if held and not replace:
            raise CopyRefused(
                f"the target is not empty: table {table.name} holds rows; copy into a new "
                "database, or give --replace to delete everything the target holds"
            )
    for table in reversed(tables):
        conn.execute(delete(table))


def _copy_table(
    reading: Connection, writing: Connection, table: Table, batch: int, watcher: Watcher | None
) -> None:
    if watcher is not None:
        rows = reading.execute(select(func.count()).select_from(table)).scalar_one()
        watcher.started(table.name, rows)
    write = _writer(writing, table)
    query = select(table).order_by(*table.primary_key.columns)
    result = reading.execution_options(yield_per=batch).execute(query)
    # the size counts the Text columns only (the JSON, the messages): the short strings are a
    # small part of it and counting every value costs a tenth of the copy's time
    texts = [i for i, column in enumerate(table.columns) if isinstance(column.type, Text)]
    for part in result.partitions():
        write(part)
        if watcher is not None:
            size = sum(sum(map(len, filter(None, [row[i] for row in part]))) for i in texts)
            watcher.copied(table.name, len(part), size)


def _writer(conn: Connection, table: Table) -> Callable[[Sequence[Sequence[Any]]], None]:
    """How rows in the table's column order are written: PostgreSQL's COPY (several times the
    rate of multi-row INSERTs, same transaction), SQLite's executemany."""
    names = [column.name for column in table.columns]
    if is_postgres(conn.engine):
        columns = ", ".join(f'"{name}"' for name in names)
        command = f'COPY "{table.name}" ({columns}) FROM STDIN'

        def copy_rows(rows: Sequence[Sequence[Any]]) -> None:
            driver: Any = conn.connection.driver_connection
            with driver.cursor() as cursor, cursor.copy(command) as copying:
                for row in rows:
                    copying.write_row(row)

        return copy_rows
    statement = insert(table)

    def insert_rows(rows: Sequence[Sequence[Any]]) -> None:
        conn.execute(statement, [dict(zip(names, row, strict=True)) for row in rows])

    return insert_rows


def _advance_sequences(conn: Connection, tables: list[Table]) -> None:
    """Set each serial column's sequence past the copied maximum, so the next row the service
    writes gets a new number (the copied rows were inserted with theirs)."""
    for table in tables:
        column = table.autoincrement_column
        if column is None:
            continue
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                f'COALESCE(MAX("{column.name}"), 0) + 1, false) FROM "{table.name}"'
            ),
            {"table": table.name, "column": column.name},
        )
