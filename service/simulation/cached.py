"""A simulated history built once and kept on disk (SQLite): the benchmarks' year of county data.

Building 12 × 8 000 stays takes hours on a busy machine, so the files are reused until they are
removed. While the history is written, the database is copied after its first month: the copy
holds that month with little history, the full file the same month with all of it, so a
benchmark can show whether a cost grows with the month's stays or with the history. A marker
file is written last: a build that was stopped is started again from scratch.
"""

import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rich.console import Console
from sqlalchemy import Engine

from service.settings import Settings
from service.simulation.history import Summary, simulate
from service.statistics.period import Period


@dataclass(frozen=True)
class Cached:
    full: Path  # every month
    first_month: Path  # as it was after the first month
    summary: Summary | None  # None: reused as it was

    @property
    def url(self) -> str:
        return f"sqlite:///{self.full}"

    @property
    def first_month_url(self) -> str:
        return f"sqlite:///{self.first_month}"


def files(directory: Path, months: int, stays_per_month: int, seed: int) -> Cached:
    """Where the history of these arguments is kept (whether or not it is built yet)."""
    name = f"statistics_{months}x{stays_per_month}_s{seed}"
    return Cached(directory / f"{name}.sqlite3", directory / f"{name}_h1.sqlite3", None)


def cached_history(
    directory: Path,
    months: int,
    stays_per_month: int,
    seed: int,
    last_month: date,
    console: Console | None = None,
) -> Cached:
    """The history in `directory`, built first if it is not there (or was not finished)."""
    directory.mkdir(parents=True, exist_ok=True)
    kept = files(directory, months, stays_per_month, seed)
    full, small = kept.full, kept.first_month
    done = full.with_suffix(".done")
    if done.exists() and full.exists() and small.exists():
        return kept
    for path in (full, small):
        for part in path.parent.glob(path.name + "*"):
            part.unlink()

    def copy_first_month(period: Period, engine: Engine) -> None:
        if small.exists():
            return
        with sqlite3.connect(full) as source, sqlite3.connect(small) as target:
            source.backup(target)

    settings = Settings(database_url=f"sqlite:///{full}", run_worker=False)
    summary = simulate(
        settings,
        months,
        stays_per_month,
        seed,
        last_month,
        console=console,
        after_month=copy_first_month,
    )
    done.touch()
    return Cached(full, small, summary)
