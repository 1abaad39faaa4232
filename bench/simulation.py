"""The county simulator's write rate (SQLite): validation by sample against every write
validated, in alternating rounds of one run so the machine's load hits both alike, and a second
month written on top of a first to show that cost does not grow with the history.

    .venv/bin/python bench/simulation.py [--stays-per-month 200] [--rounds 2]
"""

import argparse
import os
import tempfile
from datetime import date
from pathlib import Path

from rich.console import Console

from service.settings import Settings
from service.simulation.history import Summary, simulate

QUIET = Console(quiet=True)


def _run(path: Path, stays: int, seed: int, last: date, validate_all: bool) -> Summary:
    settings = Settings(database_url=f"sqlite:///{path}", run_worker=False)
    return simulate(settings, 1, stays, seed, last, console=QUIET, validate_all=validate_all)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stays-per-month", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    rates: dict[str, list[float]] = {"sampled": [], "every write": [], "on top": []}
    with tempfile.TemporaryDirectory() as directory:
        for n in range(args.rounds):
            for name, validate_all in (("sampled", False), ("every write", True)):
                path = Path(directory) / f"{name.replace(' ', '_')}{n}.sqlite3"
                summary = _run(path, args.stays_per_month, 1, date(2026, 3, 1), validate_all)
                rates[name].append(summary.rate)
                if not validate_all:  # the next month on top of this one, another seed
                    on_top = _run(path, args.stays_per_month, 2, date(2026, 5, 1), False)
                    rates["on top"].append(on_top.rate)
    print(f"load average {os.getloadavg()[0]:.1f} (2 cores); writes/s per round:")
    for name, values in rates.items():
        print(f"  {name:12} " + "  ".join(f"{v:6.0f}" for v in values))
    mean = {name: sum(values) / len(values) for name, values in rates.items()}
    print(f"sampled / every write: {mean['sampled'] / mean['every write']:.2f}")
    print(f"on top of a month / empty: {mean['on top'] / mean['sampled']:.2f}")


if __name__ == "__main__":
    main()
