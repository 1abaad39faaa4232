"""The county simulator's write rate (SQLite): validation by sample against every write
validated, in alternating rounds of one run so the machine's load hits both alike, and a second
month written on top of a first to show that cost does not grow with the history. Rates are per
second of this process's CPU time (what the writes cost, whatever the machine's load) and per
second of wall time.

`--baseline DIR` instead runs one sampled month per round on this checkout and on another one
(e.g. `git archive main | tar -x -C /tmp/main`), alternating, each in a fresh process, and prints
the ratio of their writes per CPU second.

    .venv/bin/python bench/simulation.py [--stays-per-month 200] [--rounds 2]
    .venv/bin/python bench/simulation.py --baseline /tmp/main [--stays-per-month 100] [--rounds 3]
"""

import argparse
import os
import tempfile
import time
from datetime import date
from pathlib import Path

from rich.console import Console

from bench.baseline import alternate
from service.settings import Settings
from service.simulation.history import simulate

QUIET = Console(quiet=True)


def _run(path: Path, stays: int, seed: int, last: date, validate_all: bool) -> tuple[float, float]:
    """(writes per CPU second, writes per wall second)"""
    settings = Settings(database_url=f"sqlite:///{path}", run_worker=False)
    started = time.process_time()
    summary = simulate(settings, 1, stays, seed, last, console=QUIET, validate_all=validate_all)
    return summary.writes / (time.process_time() - started), summary.rate


def _sampled_month(stays: int) -> float:
    """Writes per CPU second of one sampled month, after a warm-up that compiles once."""
    with tempfile.TemporaryDirectory() as directory:
        _run(Path(directory) / "warm-up.sqlite3", 5, 1, date(2026, 3, 1), True)
        return _run(Path(directory) / "month.sqlite3", stays, 1, date(2026, 3, 1), False)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stays-per-month", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--baseline", help="another checkout to compare writes per CPU s with")
    parser.add_argument("--once", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    stays = args.stays_per_month
    if args.once:
        print(f"{_sampled_month(stays):.1f}")
        return
    if args.baseline:
        argv = ["--once", "--stays-per-month", str(stays)]
        found = alternate(__file__, argv, args.rounds, args.baseline, "writes per CPU s")
        this, base = found["this"], found["base"]
        print(f"median this {this:.0f}, base {base:.0f} writes per CPU s: {this / base:.2f}x")
        return
    rates: dict[str, list[tuple[float, float]]] = {"sampled": [], "every write": [], "on top": []}
    with tempfile.TemporaryDirectory() as directory:
        _run(Path(directory) / "warm-up.sqlite3", 5, 1, date(2026, 3, 1), True)  # compiles once
        for n in range(args.rounds):
            for name, validate_all in (("sampled", False), ("every write", True)):
                path = Path(directory) / f"{name.replace(' ', '_')}{n}.sqlite3"
                rates[name].append(_run(path, stays, 1, date(2026, 3, 1), validate_all))
                if not validate_all:  # the next month on top of this one, another seed
                    rates["on top"].append(_run(path, stays, 2, date(2026, 5, 1), False))
    print(f"load average {os.getloadavg()[0]:.1f} (2 cores); writes per CPU s (per wall s):")
    for name, values in rates.items():
        print(f"  {name:12} " + "  ".join(f"{cpu:6.0f} ({wall:4.0f})" for cpu, wall in values))
    mean = {name: sum(cpu for cpu, _ in values) / len(values) for name, values in rates.items()}
    print(f"sampled / every write: {mean['sampled'] / mean['every write']:.2f}")
    print(f"on top of a month / empty: {mean['on top'] / mean['sampled']:.2f}")


if __name__ == "__main__":
    main()
