"""`lus-fhir report statistics|invoice`: the month's statistics (one row per municipality, district
and care type, every measure) and a municipality's invoice basis, as CSV, xlsx or JSON.

The command is the operator's, so it acts as the service itself (INTERNAL) and sees the county.

The app and the statistics are imported inside the commands (see `serve`): every `lus-fhir`
command registers these, and the imports are most of a second of start-up.
"""

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console

from service.cli import options

if TYPE_CHECKING:
    from service.rest.services import Services
    from service.statistics.basis import Basis
    from service.statistics.files import File

app = typer.Typer(no_args_is_help=True, help="Monthly statistics and invoice bases.")
console = Console(stderr=True, soft_wrap=True)
T = TypeVar("T")

Month = Annotated[str, typer.Option("--month", help="Month of discharge, YYYY-MM")]
Format = Annotated[str, typer.Option("--format", help="csv | xlsx | json")]
Out = Annotated[Path | None, typer.Option("--out", help="File to write (default: stdout)")]


@app.callback()
def report() -> None:
    """Reports computed from the stored stays and notifications."""


def _run(db: str | None, data_dir: Path | None, work: "Callable[[Services, Basis], T]") -> T:
    """Open the database, run `work`, and turn a refusal into a message and exit status 1."""
    from sqlalchemy.exc import ArgumentError

    from service.outcome import FhirError
    from service.rest.app import create_app
    from service.statistics.rules import RulesError

    try:
        fastapi_app = create_app(options.settings(db, data_dir))
    except ArgumentError as exc:
        console.print(f"[red]Invalid database URL: {exc}[/red]")
        raise typer.Exit(2) from None
    except RulesError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    services: Services = fastapi_app.state.services
    try:
        return work(services, fastapi_app.state.statistics)
    except FhirError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None
    finally:
        services.store.engine.dispose()


def _emit(file: "File", out: Path | None) -> None:
    if out is None:
        sys.stdout.buffer.write(file.content)
        sys.stdout.buffer.flush()
        return
    out.write_bytes(file.content)
    console.print(f"wrote {out} ({len(file.content)} bytes)")


@app.command()
def statistics(
    month: Month,
    fmt: Format = "csv",
    out: Out = None,
    store: Annotated[
        bool, typer.Option(help="Also store the month's MeasureReports (as the monthly job does)")
    ] = False,
    db: options.Database = None,
    data_dir: options.DataDir = None,
) -> None:
    """One row per municipality, district and care type, with every measure."""
    from service.auth.principal import INTERNAL
    from service.statistics import changes
    from service.statistics.evaluate import figures
    from service.statistics.files import check_format, table_file
    from service.statistics.period import parse_month
    from service.statistics.rows import statistics_table
    from service.statistics.scope import COUNTY_AREA
    from service.statistics.stored import store_month
    from service.statistics.writes import EngineWrites

    def work(services: "Services", basis: "Basis") -> "File":
        now = services.clock()
        period = parse_month(month, now, "--month")
        kind = check_format(fmt, "--format")
        if store:
            with services.store.reading() as conn:
                watermark = changes.latest(conn)
            with services.store.begin() as conn:
                done = store_month(EngineWrites(services), conn, basis, period, now, watermark)
            console.print(f"stored: {done.written} new versions, {done.unchanged} unchanged")
        with services.store.reading() as conn:
            found = figures(conn, INTERNAL, basis, [period], COUNTY_AREA, now)
        return table_file(statistics_table(found, basis.areas, basis.rules.groups), kind)

    _emit(_run(db, data_dir, work), out)


@app.command()
def invoice(
    month: Month,
    kommun: Annotated[str, typer.Option("--kommun", help="Kommunkod, e.g. 0180")],
    fmt: Format = "json",
    out: Out = None,
    version: Annotated[
        int | None, typer.Option(help="Print an earlier issued version instead of issuing")
    ] = None,
    db: options.Database = None,
    data_dir: options.DataDir = None,
) -> None:
    """Issue the municipality's invoice basis for the month (the stored one if unchanged)."""
    from service.auth.principal import INTERNAL
    from service.statistics.files import check_format, invoice_file
    from service.statistics.issued import invoice as issued_invoice
    from service.statistics.period import parse_month
    from service.statistics.scope import municipality

    def work(services: "Services", basis: "Basis") -> "File":
        now = services.clock()
        period = parse_month(month, now, "--month")
        code = str(municipality(kommun, basis.areas, "--kommun").kommun)
        kind = check_format(fmt, "--format")
        with services.store.begin() as conn:
            document = issued_invoice(
                services.store, conn, INTERNAL, basis, code, period, now, version
            )
        header = document["header"]
        console.print(
            f"{header['kommun']} {header['month']}: version {header['version']}, "
            f"{header['total_days']} days, {header['total_amount']} kr, {header['hash']}"
        )
        return invoice_file(document, kind)

    _emit(_run(db, data_dir, work), out)
