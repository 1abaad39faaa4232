"""Statistics and invoice-basis speed over simulated county history, on SQLite and (when
LUS_FHIR_TEST_POSTGRES_URL is set) PostgreSQL, at two history sizes.

The history is written once by the county simulator through the engine and kept in data/bench/
(SQLite files), then reused by later runs; the PostgreSQL databases on the test server are copies
of those files (`lus-fhir db copy`: same data, same ids), also kept. While the history is
written, the database is copied after the first month: the copy holds that month with little
history, the full database the same month with all of it, so the two timings show whether cost
grows with the month's stays or with the history. Targets: one month's statistics for the whole
county < 2 s; one municipality's invoice basis < 1 s.

    .venv/bin/python bench/monthly_statistics.py [--months 12] [--stays-per-month 8000] [--repeat 3]
"""

import argparse
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rich.console import Console
from sqlalchemy import Connection, Engine, create_engine, delete, func, select, text

from service.auth.principal import INTERNAL
from service.cli.db import ProgressLines
from service.fhirtime import utc_now
from service.rest.services import Services
from service.settings import Settings
from service.simulation.cached import cached_history, files
from service.statistics import changes, kept, selection
from service.statistics.basis import basis_for
from service.statistics.evaluate import evaluate, figures
from service.statistics.files import table_file
from service.statistics.invoice import dumps, invoice_basis
from service.statistics.period import Period, month_of
from service.statistics.refresh import refresh
from service.statistics.rows import statistics_table
from service.statistics.scope import COUNTY_AREA, Area
from service.statistics.writes import EngineWrites
from service.storage.copy import copy_database
from service.storage.database import engine_for, migrate
from service.storage.schema import resources, statistics_cells, statistics_stays, versions
from service.storage.store import Store
from tests.support.databases import postgres_url

DATA = Path("data/bench")
AMOUNTS = '{"2024": 12000, "2025": 12000, "2026": 12500}'  # bench-only daily amounts
INVOICE_KOMMUN = "0182"  # Nacka, a mid-sized municipality
LAST_MONTH = date(2026, 10, 1)  # fixed, so every run builds and reads the same history
TARGET_STAYS = 8000  # the county month; smaller histories extrapolate to it


@dataclass(frozen=True)
class Database:
    backend: str
    history: str  # "1 month" or "N months"
    url: str


def _name(args: argparse.Namespace) -> str:
    return f"statistics_{args.months}x{args.stays_per_month}_s{args.seed}"


def _sqlite(args: argparse.Namespace) -> tuple[Database, Database, Callable[[], None]]:
    months, stays = args.months, args.stays_per_month
    built = files(DATA, months, stays, args.seed)

    def build() -> None:
        summary = cached_history(DATA, months, stays, args.seed, LAST_MONTH).summary
        if summary is not None:
            print(f"  built {built.url}: {summary.writes} writes in {summary.seconds:.0f} s")

    return (
        Database("SQLite", "1 month", built.first_month_url),
        Database("SQLite", f"{args.months} months", built.url),
        build,
    )


def _postgres(base: str, args: argparse.Namespace) -> tuple[Database, Database, Callable[[], None]]:
    """The SQLite history (built first if it is not kept yet) copied into two PostgreSQL
    databases with `lus-fhir db copy`: the same data with the same ids, in minutes instead of
    the simulator's hour of CPU on PostgreSQL."""
    server = base.rsplit("/", 1)[0]
    full, small = f"lus_bench_{_name(args)}", f"lus_bench_{_name(args)}_h1"
    admin = create_engine(
        base.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )

    def exists(name: str) -> bool:
        with admin.connect() as conn:
            query = text("SELECT 1 FROM pg_database WHERE datname = :n")
            return conn.execute(query, {"n": name}).first() is not None

    def build() -> None:
        marker = DATA / f"{full}.done"
        if marker.exists() and exists(full) and exists(small):
            return
        kept = cached_history(DATA, args.months, args.stays_per_month, args.seed, LAST_MONTH)
        with admin.connect() as conn:
            for name in (small, full):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        for source, name in ((kept.first_month_url, small), (kept.url, full)):
            _copy(source, f"{server}/{name}")
        marker.touch()

    return (
        Database("PostgreSQL", "1 month", f"{server}/{small}"),
        Database("PostgreSQL", f"{args.months} months", f"{server}/{full}"),
        build,
    )


def _copy(source: str, target: str) -> None:
    reading = engine_for(source)
    writing = engine_for(Settings(database_url=target).database())
    lines = ProgressLines.on(Console(stderr=True))
    with lines.progress:
        found = copy_database(reading, writing, watcher=lines)
    reading.dispose()
    writing.dispose()
    assert all(count.equal for count in found), "the copy must hold every row"
    print(
        f"  copied {source} to {target}: {lines.rows} rows, {lines.size / 1e6:.0f} MB of text "
        f"in {lines.seconds:.0f} s ({lines.rows / lines.seconds:.0f} rows/s)"
    )


def _alternating(actions: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """The median seconds of each action, run in alternating rounds so that the machine's load
    falls on all of them alike."""
    timings: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(repeat):
        for name, action in actions.items():
            started = time.perf_counter()
            action()
            timings[name].append(time.perf_counter() - started)
    # the median (this file shadows the stdlib's `statistics`)
    return {name: sorted(t)[len(t) // 2] for name, t in timings.items()}


def _server_cpu(conn: Connection) -> float | None:
    """CPU seconds of this connection's PostgreSQL backend so far (None on SQLite, or when the
    server is not on this machine): on PostgreSQL much of a month's cost is the server's."""
    if conn.dialect.name != "postgresql":
        return None
    pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load() -> str:
    return "load average " + ", ".join(f"{v:.1f}" for v in os.getloadavg())


def measure(database: Database, month: Period, repeat: int) -> dict[str, object]:
    settings = Settings(database_url=database.url, run_worker=False, daily_amounts=AMOUNTS)
    engine = engine_for(settings.database())
    migrate(engine)  # a history built before the kept cells' table
    basis, now = basis_for(settings), utc_now()
    groups = basis.rules.groups

    def county() -> bytes:
        with engine.connect() as conn:
            found = evaluate(conn, INTERNAL, basis, month, COUNTY_AREA, now)
        return table_file(statistics_table([found], basis.areas, groups), "csv").content

    def county_kept() -> bytes:
        with engine.connect() as conn:
            found = figures(conn, INTERNAL, basis, [month], COUNTY_AREA, now)
        return table_file(statistics_table(found, basis.areas, groups), "csv").content

    def county_cpu() -> tuple[float, float | None]:
        """(this process's, the database server's) CPU seconds of one county evaluation."""
        with engine.connect() as conn:
            server, started = _server_cpu(conn), time.process_time()
            evaluate(conn, INTERNAL, basis, month, COUNTY_AREA, now)
            took, after = time.process_time() - started, _server_cpu(conn)
        return took, None if server is None or after is None else after - server

    def municipality() -> bytes:
        with engine.connect() as conn:
            found = evaluate(conn, INTERNAL, basis, month, Area(INVOICE_KOMMUN), now)
        return dumps(invoice_basis(found, basis))

    def reading(picked: selection.Picked) -> Callable[[], object]:
        def read() -> object:
            with engine.connect() as conn:
                return selection.discharged_stays(conn, month, None, picked)

        return read

    store = Store(engine, utc_now)
    with store.begin() as conn:  # a month not kept yet: its invoice basis reads the whole month
        for table in (statistics_cells, statistics_stays):
            conn.execute(delete(table).where(table.c.month == month.label))
    unkept = _alternating({"invoice": municipality}, repeat)["invoice"]
    with store.begin() as conn:  # keep the month's cells as the monthly job does
        found = evaluate(conn, INTERNAL, basis, month, COUNTY_AREA, now)
        kept.keep(store, conn, basis, month, found.table, found.billed, changes.latest(conn), now)
    assert county_kept() == county(), "the kept cells must give the evaluated file"
    writes = EngineWrites(Services(settings, store, utc_now))
    notice = next(n for b in found.billed for n in b.timeline.stay.notices)
    with engine.connect() as conn:
        task = store.read(conn, "Task", notice.task)
    assert task is not None and task.resource is not None
    withdrawn = {**task.resource, "status": "entered-in-error"}

    def late_write() -> float:
        """Seconds to bring the kept month up to date after one late write (rolled back)."""
        with engine.connect() as conn, conn.begin() as transaction:
            writes.update(conn, withdrawn)
            started = time.perf_counter()
            table = refresh(store, conn, basis, month, changes.latest(conn), now)
            took = time.perf_counter() - started
            transaction.rollback()
        assert table is not None, "the kept month must be brought up to date"
        return took

    refreshed = sorted(late_write() for _ in range(repeat))[repeat // 2]
    with engine.connect() as conn:
        stays = len(found.billed)
        lines = len(evaluate(conn, INTERNAL, basis, month, Area(INVOICE_KOMMUN), now).billed)
        count = conn.execute(select(func.count()).select_from(resources)).scalar_one()
        history = conn.execute(select(func.count()).select_from(versions)).scalar_one()
    size = _size(database, engine)
    times = _alternating(
        {
            "county": county,
            "kept": county_kept,
            "invoice": municipality,
            "whole": reading(None),
            "lean": reading(selection.LEAN),
        },
        repeat,
    )
    cpu = sorted((county_cpu() for _ in range(repeat)), key=lambda c: c[0])[repeat // 2]
    per_stay = times["county"] / stays
    result = {
        "database": f"{database.backend}, {database.history}",
        "resources": count,
        "versions": history,
        "size MB": round(size / 1e6),
        "month stays": stays,
        "county s": times["county"],
        "ms/stay": per_stay * 1000,
        "CPU ms/stay": cpu[0] / stays * 1000,
        "server CPU ms/stay": "-" if cpu[1] is None else f"{cpu[1] / stays * 1000:.3f}",
        f"est. s at {TARGET_STAYS}": per_stay * TARGET_STAYS,
        "kept county s": times["kept"],
        "lean reading ×": times["whole"] / times["lean"],
        "late write s": refreshed,
        f"{INVOICE_KOMMUN} lines": lines,
        "invoice s": times["invoice"],
        "invoice not kept s": unkept,
    }
    engine.dispose()
    return result


def _size(database: Database, engine: Engine) -> int:
    if database.backend == "SQLite":
        path = Path(database.url.removeprefix("sqlite:///"))
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--stays-per-month", type=int, default=8000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=("sqlite", "postgres"), default=None)
    args = parser.parse_args()
    setups = []
    if args.only in (None, "sqlite"):
        setups.append(_sqlite(args))
    base = postgres_url()
    if base and args.only in (None, "postgres"):
        setups.append(_postgres(base, args))
    elif args.only != "sqlite":
        print("PostgreSQL skipped: set LUS_FHIR_TEST_POSTGRES_URL")
    first_month = month_of(_first_month(args))
    rows = []
    print(load())
    for small, full, build in setups:
        print(f"{small.backend}: building the history once (reused later) ...", flush=True)
        build()
        for database in (small, full):
            rows.append(measure(database, first_month, args.repeat))
    print(f"\nmonth {first_month.label}, targets: county < 2 s, one municipality's invoice < 1 s")
    print(
        "county s: evaluated from the stays (wall; CPU ms/stay: this process's CPU, server CPU "
        "ms/stay: the PostgreSQL backend's, read from /proc); "
        f"est. s at {TARGET_STAYS}: ms/stay × {TARGET_STAYS} "
        "(extrapolated linearly, not measured); kept county s: from the cells the monthly job "
        "keeps; late write s: the kept month brought up to date after one late write (refresh.py); "
        "invoice s: from the kept month's stays; invoice not kept s: reading the whole month; "
        "lean reading ×: reading the month's stays from whole resources ÷ lean"
    )
    headers = list(rows[0]) if rows else []
    print(" | ".join(headers))
    for row in rows:
        print(" | ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row.values()))
    print(load())


def _first_month(args: argparse.Namespace) -> date:
    year, month = LAST_MONTH.year, LAST_MONTH.month - (args.months - 1)
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1)


if __name__ == "__main__":
    main()
