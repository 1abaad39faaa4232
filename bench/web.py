"""Server time of the web pages over simulated county history (SQLite): Översikt of the county
and of one municipality over 12 months, Uppföljning, the invoice-basis page and a stay's
timeline. The issue's target: each page under 300 ms over a year of county data.

The history is written once by the county simulator (kept in data/bench/) and reused (`--db`
reuses another, e.g. the statistics bench's). Pages are requested in-process with
authentication off (the service's own principal, which sees the county), so the time is the
server's. Each page is timed twice: before the monthly job has kept any month's cells (every
month evaluated from its stays) and after it has kept them (statistics/kept.py).

    .venv/bin/python bench/web.py [--months 12] [--stays-per-month 8000] [--repeat 3] [--db FILE]
"""

import argparse
import os
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from service.rest.app import create_app
from service.settings import Settings
from service.simulation.cached import cached_history
from service.simulation.history import months_until
from service.statistics.job import MonthlyReports
from service.storage.schema import resources, statistics_cells

DATA = Path("data/bench")
AMOUNTS = '{"2024": 12000, "2025": 12000, "2026": 12500}'  # bench-only daily amounts
LAST_MONTH = date(2026, 10, 1)  # fixed, so every run builds and reads the same history
KOMMUN = "0182"  # Nacka, a mid-sized municipality
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)  # the service's clock: the month after the history


def _settings(url: str) -> Settings:
    return Settings(database_url=url, run_worker=False, auth=False, daily_amounts=AMOUNTS)


def load() -> str:
    return "load average " + ", ".join(f"{v:.1f}" for v in os.getloadavg())


def _history(args: argparse.Namespace) -> str:
    """The history to time the pages over: --db, or the simulator's kept year (built once)."""
    if args.db:
        return f"sqlite:///{args.db}"
    print(f"the history: {args.months} months × {args.stays_per_month} stays (built once) …")
    built = cached_history(DATA, args.months, args.stays_per_month, args.seed, LAST_MONTH)
    if built.summary is not None:
        print(f"  {built.summary.writes} writes in {built.summary.seconds:.0f} s")
    return built.url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--stays-per-month", type=int, default=8000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", type=Path, default=None, help="an existing history (SQLite)")
    parser.add_argument(
        "--invoice-month", default=None, help="YYYY-MM of the invoice page (default the last)"
    )
    args = parser.parse_args()
    settings = _settings(_history(args))
    app = create_app(settings, clock=lambda: NOW)
    services = app.state.services
    with services.store.begin() as conn:  # start from no kept month
        conn.execute(statistics_cells.delete())
    with services.store.reading() as conn:
        stay = conn.execute(
            select(resources.c.res_id).where(resources.c.res_type == "Encounter").limit(1)
        ).scalar_one()
    shown = months_until(LAST_MONTH, 12)
    last = shown[-1].label
    months = f"fran={shown[0].label}&till={last}"
    pages = {
        "Översikt, the county, 12 months": f"/app/?{months}",
        f"Översikt, {KOMMUN} with the county line": f"/app/?omrade=kommun-{KOMMUN}&{months}",
        f"Uppföljning, {KOMMUN}, 12 months": f"/app/uppfoljning?omrade=kommun-{KOMMUN}&{months}",
        f"Fakturaunderlag, {KOMMUN}, one month": (
            f"/app/fakturaunderlag?kommun={KOMMUN}&manad={args.invoice_month or last}"
        ),
        "Vårdtillfälle": f"/app/vardtillfalle/{stay}",
    }
    print(f"{args.months} months × {args.stays_per_month} stays a month (SQLite); target < 300 ms")
    print(load())
    with TestClient(app) as client:
        for state in ("no month kept", "months kept"):
            if state == "months kept":
                job = replace(
                    MonthlyReports.starting_with(services, app.state.statistics), months=12
                )
                for _ in range(3):  # the third run finds nothing new since the one before
                    job.run_once()
            for name, page in pages.items():
                times = []
                for _ in range(args.repeat):
                    begun = time.perf_counter()
                    answer = client.get(page)
                    times.append(time.perf_counter() - begun)
                    assert answer.status_code == 200, answer.text[:500]
                median = sorted(times)[len(times) // 2]
                print(
                    f"  {state:14} {name:45} best {min(times) * 1000:7.0f} ms   "
                    f"median {median * 1000:7.0f} ms"
                )
    print(load())


if __name__ == "__main__":
    main()
