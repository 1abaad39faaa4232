"""Server time of the web pages over simulated county history (SQLite): Översikt of the county
and of one municipality over 12 months, Uppföljning, the invoice-basis page and a stay's
timeline. The issue's target: each page under 300 ms over a year of county data.

The history is written once by the county simulator (kept in data/bench/) and reused. Pages are
requested in-process with authentication off (the service's own principal, which sees the
county), so the time is the server's.

    .venv/bin/python bench/web.py [--months 12] [--stays-per-month 8000] [--repeat 3]
"""

import argparse
import time
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from service.rest.app import create_app
from service.settings import Settings
from service.simulation.cached import cached_history
from service.simulation.history import months_until
from service.storage.schema import resources

DATA = Path("data/bench")
AMOUNTS = '{"2024": 12000, "2025": 12000, "2026": 12500}'  # bench-only daily amounts
LAST_MONTH = date(2026, 10, 1)  # fixed, so every run builds and reads the same history
KOMMUN = "0182"  # Nacka, a mid-sized municipality


def _settings(url: str) -> Settings:
    return Settings(database_url=url, run_worker=False, auth=False, daily_amounts=AMOUNTS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--stays-per-month", type=int, default=8000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"the history: {args.months} months × {args.stays_per_month} stays (built once) …")
    built = cached_history(DATA, args.months, args.stays_per_month, args.seed, LAST_MONTH)
    if built.summary is not None:
        print(f"  {built.summary.writes} writes in {built.summary.seconds:.0f} s")
    settings = _settings(built.url)
    app = create_app(settings)
    with app.state.services.store.reading() as conn:
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
            f"/app/fakturaunderlag?kommun={KOMMUN}&manad={last}"
        ),
        "Vårdtillfälle": f"/app/vardtillfalle/{stay}",
    }
    print(f"{args.months} months × {args.stays_per_month} stays a month (SQLite); target < 300 ms")
    with TestClient(app) as client:
        for name, page in pages.items():
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                answer = client.get(page)
                times.append(time.perf_counter() - started)
                assert answer.status_code == 200, answer.text[:500]
            best, median = min(times), sorted(times)[len(times) // 2]
            print(f"  {name:45} best {best * 1000:7.0f} ms   median {median * 1000:7.0f} ms")


if __name__ == "__main__":
    main()
