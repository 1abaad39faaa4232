"""Engine creation and schema migration; the one place that knows SQLite and PostgreSQL differ.

SQLite allows one writer at a time: every transaction starts with BEGIN IMMEDIATE so that a
read-then-write (conditional create, If-Match update) cannot interleave with another writer.
PostgreSQL runs READ COMMITTED and serialises the same cases with row locks and advisory locks.
"""

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event

MIGRATIONS = Path(__file__).parent / "migrations"
MMAP = 2**31 - 2**16  # SQLite's default upper limit (SQLITE_MAX_MMAP_SIZE); it clamps to it


def engine_for(url: str, synchronous: str = "FULL") -> Engine:
    """`synchronous=NORMAL` (SQLite only) is for writes that must survive a crash of this
    process but not of the machine: a WAL commit then skips the fsync."""
    if url.startswith("sqlite"):
        database = url.split("///", 1)[-1]
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _serialise_sqlite_writers(engine, synchronous)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _serialise_sqlite_writers(engine: Engine, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # reads of the first MMAP bytes come from the mapped file instead of a read() system call
        # and a copy into SQLite's 2 MB page cache each: a county month's statistics visit
        # ~90 000 rows scattered over a 1 GB file (docs/statistics.md, "Benchmark")
        cursor.execute(f"PRAGMA mmap_size={MMAP}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        read_only = connection.get_execution_options().get("lus_read_only", False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (idempotent; run at start-up)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if is_postgres(engine):
            # Several processes may start at once: one migrates, the others wait.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7471001)")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
