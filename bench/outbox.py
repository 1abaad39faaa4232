"""How PostgreSQL wrote the outbox during a delivery bench, and a baseline's schema for its A/B.

The worker's round trips wait on PostgreSQL writing rows: each UPDATE of an outbox row writes a
new copy of it, and unless it is a HOT update (no indexed column changed, room on the same
page) a new entry in every index too. `pg_stat_user_tables` counts both kinds of update, and
the WAL position says how many bytes the whole run wrote — figures a loaded machine does not
distort, unlike its wall-clock rates.
"""

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from service.storage.database import MIGRATIONS, is_postgres

_PIDS = text("SELECT pid FROM pg_stat_activity")
_WAL = text("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")
_STATS = text(
    "SELECT n_tup_ins, n_tup_upd, n_tup_hot_upd, pg_relation_size(relid)"
    " FROM pg_stat_user_tables WHERE relname = 'outbox'"
)


@dataclass(frozen=True)
class Writes:
    """Counters of the outbox table (since the database was created) and the WAL position."""

    inserted: int
    updated: int
    hot: int
    wal_bytes: int
    heap_bytes: int

    @classmethod
    def now(cls, engine: Engine) -> "Writes":
        """Read after the processes that wrote have exited: a backend reports its counters at
        the latest when it ends. Zeros before the outbox table exists."""
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_stat_clear_snapshot()"))
            wal = int(conn.execute(_WAL).scalar_one())
            ins, upd, hot, heap = conn.execute(_STATS).first() or (0, 0, 0, 0)
        return cls(int(ins), int(upd), int(hot), wal, int(heap))

    def since(self, before: "Writes") -> str:
        """One line: updates per row, the share that were HOT, WAL and heap per row."""
        rows = max(self.inserted - before.inserted, 1)
        updated = self.updated - before.updated
        hot = self.hot - before.hot
        return (
            f"{rows} rows, {updated / rows:.2f} updates/row, HOT {hot}/{updated} "
            f"({100 * hot / max(updated, 1):.0f}%), "
            f"WAL {(self.wal_bytes - before.wal_bytes) / rows:.0f} B/row, "
            f"heap {self.heap_bytes / max(self.inserted, 1):.0f} B/row"
        )


def server_pids(engine: Engine) -> list[int]:
    """The database server's processes (backends and its own: WAL writer, checkpointer), for
    CPU accounting from /proc; the server runs on this machine in the benches."""
    with engine.connect() as conn:
        return [
            int(pid) for pid in conn.execute(text("SELECT pid FROM pg_stat_activity")).scalars()
        ]


def _config(conn: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config


def baseline_schema(engine: Engine, code: Path) -> None:
    """Take a database our code migrated back to the newest revision `code` (a checkout) knows,
    with our downgrades: the baseline's workers then run on the baseline's schema (indexes,
    storage parameters), so an A/B measures a schema change too."""
    head = ScriptDirectory(str(code / "service/storage/migrations")).get_current_head()
    with engine.connect() as conn:
        if is_postgres(engine):
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7471001)")  # as migrate() does
        command.downgrade(_config(conn), head or "base")
        conn.commit()
    with engine.connect() as conn:
        now = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    if now != head:
        raise RuntimeError(f"the database is at revision {now}, not the baseline's {head}")
