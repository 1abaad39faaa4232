"""Bulk Data export throughput (resources/s) over simulated county history, on SQLite and (when
LUS_FHIR_TEST_POSTGRES_URL is set) PostgreSQL: a system export by the region-wide role (every
resource) and one municipality's export (only its stays: the access rule in every query).

The history is written once by the county simulator (`lus-fhir simulate`) and kept in
data/bench/ (SQLite files; PostgreSQL databases on the test server), then reused. The default is
small so that a run takes a minute; a year of county data is `--months 12 --stays-per-month 8000`.

    .venv/bin/python bench/export.py [--months 1] [--stays-per-month 300] [--repeat 3]
"""

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text

from service.auth.principal import Principal
from service.export import jobs
from service.export.request import parse_kickoff
from service.export.worker import Exporter
from service.fhirtime import utc_now
from service.settings import Settings
from service.simulation.cached import cached_history
from service.simulation.history import simulate
from service.storage.database import engine_for, migrate
from service.storage.store import Store
from tests.support.auth import principal
from tests.support.databases import postgres_url

DATA = Path("data/bench")
LAST_MONTH = date(2026, 10, 1)  # fixed, so every run builds and reads the same history
MUNICIPALITY = "Organization/socialtjanst-0182"  # Nacka's social services


def _name(args: argparse.Namespace) -> str:
    return f"export_{args.months}x{args.stays_per_month}_s{args.seed}"


def _build(args: argparse.Namespace, url: str, marker: Path) -> None:
    if marker.exists():
        return
    summary = simulate(
        Settings(database_url=url, run_worker=False),
        args.months,
        args.stays_per_month,
        args.seed,
        LAST_MONTH,
    )
    print(f"  built {url}: {summary.writes} writes in {summary.seconds:.0f} s")
    marker.touch()


def _sqlite(args: argparse.Namespace) -> str:
    """The history the other benches keep too (service/simulation/cached.py): a year of county
    data built for bench/monthly_statistics.py is exported as it is."""
    months, stays = args.months, args.stays_per_month
    return cached_history(DATA, months, stays, args.seed, LAST_MONTH).url


def _postgres(base: str, args: argparse.Namespace) -> str:
    name = f"lus_bench_{_name(args)}"
    marker = DATA / f"{name}.done"
    admin = create_engine(
        base.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not (found.first() and marker.exists()):
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            marker.unlink(missing_ok=True)
    admin.dispose()
    DATA.mkdir(parents=True, exist_ok=True)
    url = f"{base.rsplit('/', 1)[0]}/{name}"
    _build(args, url, marker)
    return url


def measure(url: str, who: Principal, repeat: int) -> tuple[int, float, int]:
    """(resources, median seconds, bytes written) of one system export as `who`."""
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=url, data_dir=Path(folder), run_worker=False)
        engine = engine_for(settings.database())
        migrate(engine)
        store = Store(engine)
        exporter = Exporter(store, store.clock, settings)
        export = parse_kickoff("system", [], who)  # every type the caller may search
        timings, count, size = [], 0, 0
        for _ in range(repeat):
            with store.begin() as conn:
                job_id = jobs.create(conn, who, export, "bench", None, utc_now())
            started = time.perf_counter()
            assert exporter.run_once()
            timings.append(time.perf_counter() - started)
            with store.reading() as conn:
                job = jobs.find(conn, job_id, who)
            assert job is not None and job.status == jobs.COMPLETED, job
            count = sum(entry["count"] for entry in job.output)
            written = exporter.files.root / job_id
            size = sum(p.stat().st_size for p in written.rglob("*.ndjson"))
        engine.dispose()
    return count, sorted(timings)[len(timings) // 2], size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=1)
    parser.add_argument("--stays-per-month", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=("sqlite", "postgres"), default=None)
    args = parser.parse_args()
    databases = []
    if args.only in (None, "sqlite"):
        databases.append(("SQLite", _sqlite(args)))
    base = postgres_url()
    if base and args.only in (None, "postgres"):
        databases.append(("PostgreSQL", _postgres(base, args)))
    elif args.only != "sqlite":
        print("PostgreSQL skipped: set LUS_FHIR_TEST_POSTGRES_URL")
    print(
        f"{'database':<12} {'caller':<28} {'resources':>10} {'seconds':>8} {'res/s':>8} {'MB':>6}"
    )
    callers = [("region (all)", principal()), ("Nacka (its stays)", principal(MUNICIPALITY, False))]
    for backend, url in databases:
        for label, who in callers:
            count, seconds, size = measure(url, who, args.repeat)
            rate = count / seconds if seconds else 0.0
            print(
                f"{backend:<12} {label:<28} {count:>10} {seconds:>8.2f} {rate:>8.0f} "
                f"{size / 1e6:>6.1f}"
            )


if __name__ == "__main__":
    main()
