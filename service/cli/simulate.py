"""`lus-fhir simulate`: write a realistic county history (patients, stays, every notification)
through the engine's write path, reproducibly from a seed; the data for benchmarks and views."""

from datetime import date, timedelta
from typing import Annotated

import typer
from rich.console import Console

from service.cli import options
from service.fhirtime import STOCKHOLM, utc_now
from service.outcome import FhirError
from service.statistics.period import parse_month

console = Console(stderr=True)


def _last_complete_month() -> date:
    return utc_now().astimezone(STOCKHOLM).date().replace(day=1) - timedelta(days=1)


def simulate(
    months: Annotated[int, typer.Option(min=1, help="Months of discharges to write")],
    stays_per_month: Annotated[
        int, typer.Option(min=1, help="Admissions per month (readmissions come on top)")
    ] = 8000,
    seed: Annotated[int, typer.Option(help="Same seed, same history (ids included)")] = 1,
    until: Annotated[
        str | None, typer.Option(help="Last month, YYYY-MM (default: the last complete month)")
    ] = None,
    batch: Annotated[int, typer.Option(min=1, help="Writes per transaction")] = 500,
    validate_all: Annotated[
        bool,
        typer.Option(help="Validate every write (default: the first two of each shape)"),
    ] = False,
    db: options.Database = None,
    data_dir: options.DataDir = None,
) -> None:
    """Simulate the county's stays month by month and print the write rate."""
    from service.simulation.history import simulate as run  # the whole app: see `serve`

    settings = options.settings(db, data_dir)
    try:
        last = parse_month(until, utc_now(), "--until").first if until else _last_complete_month()
    except FhirError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    summary = run(
        settings, months, stays_per_month, seed, last, batch, console, validate_all=validate_all
    )
    console.print(
        f"{len(summary.months)} months ({summary.months[0]} – {summary.months[-1]}), "
        f"{summary.admissions} planned admissions, {summary.writes} writes in "
        f"{summary.seconds:.0f} s ({summary.rate:.0f} writes/s); database: {settings.database()}"
    )
