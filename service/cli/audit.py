"""`lus-fhir audit extract`: a patient's log extract, as CSV (Swedish spreadsheets: semicolons,
UTF-8 with BOM) or JSON. Exit 0 with the extract (possibly empty), 2 on usage errors."""

import csv
import io
import json
import re
from dataclasses import fields
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from service.audit.extract import Access, as_dicts, extract
from service.cli import options
from service.fhirtime import parse_range
from service.storage.database import engine_for, migrate
from service.storage.store import Store

app = typer.Typer(no_args_is_help=True, help="The access log.")
console = Console(stderr=True)
PERSONNUMMER = re.compile(r"^(19|20)[0-9]{10}$")


def _csv(accesses: list[Access]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([f.name for f in fields(Access)])
    for row in as_dicts(accesses):
        writer.writerow(row.values())
    return "\ufeff" + out.getvalue()


@app.command(name="extract")
def extract_command(
    patient: Annotated[str, typer.Option(help="personnummer or samordningsnummer, 12 digits")],
    since: Annotated[
        str | None, typer.Option("--from", help="from this date (YYYY-MM-DD, Stockholm time)")
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="csv or json")] = "csv",
    out: Annotated[Path | None, typer.Option(help="write here instead of stdout")] = None,
    db: options.Database = None,
    data_dir: options.DataDir = None,
) -> None:
    """Which organization looked at what of the patient's data, and when."""
    if not PERSONNUMMER.match(patient):
        console.print("[red]--patient takes a personnummer or samordningsnummer: 12 digits[/red]")
        raise typer.Exit(2)
    if output_format not in ("csv", "json"):
        console.print("[red]--format is csv or json[/red]")
        raise typer.Exit(2)
    parsed = parse_range(since) if since else None
    start = parsed[0] if parsed else None
    if since and start is None:
        console.print(f"[red]--from {since!r} is not a date (YYYY-MM-DD)[/red]")
        raise typer.Exit(2)
    engine = engine_for(options.settings(db, data_dir).database())
    migrate(engine)
    store = Store(engine)
    try:
        with store.reading() as conn:
            accesses = extract(conn, patient, start)
    finally:
        engine.dispose()
    if output_format == "csv":
        text = _csv(accesses)
    else:
        text = json.dumps(as_dicts(accesses), ensure_ascii=False, indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
    console.print(f"{len(accesses)} accesses to the data of {patient}")
