"""`lus-fhir db copy|migrate`: move a database from SQLite to PostgreSQL (or back), and bring a
database to this code's schema (docs/operations.md).

Exit codes of `copy`: 0 copied (row counts equal), 1 refused or undone (the target holds none of
it), 2 usage errors, 3 copied but the row counts differ (the source was written meanwhile).
"""

import time
from dataclasses import dataclass, field
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from service.settings import Settings
from service.storage.copy import CopyRefused, Count, copy_database, head_revision, revision
from service.storage.database import engine_for, migrate

app = typer.Typer(no_args_is_help=True, help="Move a database, bring its schema up to date.")
console = Console(stderr=True)

Url = Annotated[str, typer.Option(help="Database URL: postgresql://… or sqlite:///path")]


def _url(url: str) -> str:
    """As the service itself reads a URL (psycopg 3 for postgresql://)."""
    return Settings(database_url=url).database()


@dataclass
class ProgressLines:
    """One Rich progress line per table: rows copied of rows, rows/s, MB of text; the totals."""

    progress: Progress
    tasks: dict[str, TaskID] = field(default_factory=dict)
    began: dict[str, float] = field(default_factory=dict)
    rows: int = 0
    size: int = 0  # characters of the long-text columns (the JSON, the messages)

    @property
    def seconds(self) -> float:
        """Since the first table began (the target's migration before it not counted)."""
        return time.perf_counter() - min(self.began.values(), default=time.perf_counter())

    @classmethod
    def on(cls, output: Console) -> "ProgressLines":
        return cls(
            Progress(
                TextColumn("{task.description:<22}"),
                TextColumn("{task.completed:>10.0f}/{task.total:<10.0f} rows"),
                TextColumn("{task.fields[rate]:>8.0f} rows/s"),
                TextColumn("{task.fields[mb]:>8.1f} MB"),
                TimeElapsedColumn(),
                console=output,
            )
        )

    def started(self, table: str, rows: int) -> None:
        self.tasks[table] = self.progress.add_task(table, total=rows, rate=0.0, mb=0.0)
        self.began[table] = time.perf_counter()

    def copied(self, table: str, rows: int, size: int) -> None:
        task = self.progress.tasks[self.tasks[table]]
        self.rows, self.size = self.rows + rows, self.size + size
        seconds = time.perf_counter() - self.began[table]
        done = task.completed + rows
        self.progress.update(
            task.id,
            completed=done,
            rate=done / seconds if seconds else 0.0,
            mb=task.fields["mb"] + size / 1e6,
        )


def count_table(found: list[Count]) -> Table:
    table = Table("table", "source rows", "target rows", "")
    for count in found:
        table.add_row(
            count.table, str(count.source), str(count.target), "" if count.equal else "DIFFERS"
        )
    return table


@app.command()
def copy(
    source: Annotated[str, typer.Option("--from", help="The database to copy (not written)")],
    target: Annotated[str, typer.Option("--to", help="The database to copy into (migrated)")],
    replace: Annotated[
        bool, typer.Option(help="Delete what the target holds (in the copy's transaction)")
    ] = False,
    batch: Annotated[int, typer.Option(min=1, help="Rows read and written at a time")] = 2000,
) -> None:
    """Copy every table of --from into --to in one transaction, then compare the row counts.
    Stop every service process and worker on --from first: what is written meanwhile is lost."""
    reading, writing = engine_for(_url(source)), engine_for(_url(target))
    lines = ProgressLines.on(console)
    try:
        with lines.progress:
            found = copy_database(reading, writing, replace, batch, lines)
    except CopyRefused as refused:
        console.print(f"[red]{refused}[/red]")
        raise typer.Exit(1) from None
    finally:
        reading.dispose()
        writing.dispose()
    seconds = lines.seconds
    Console().print(count_table(found))
    console.print(
        f"copied {lines.rows} rows, {lines.size / 1e6:.1f} MB of text, in {seconds:.1f} s "
        f"({lines.rows / seconds:.0f} rows/s, {lines.size / 1e6 / seconds:.1f} MB/s)"
    )
    differ = [c.table for c in found if not c.equal]
    if differ:
        console.print(
            f"[red]the row counts differ in {', '.join(differ)}: the source was written during "
            "the copy; stop every process that writes to it and copy again with --replace[/red]"
        )
        raise typer.Exit(3)


@app.command(name="migrate")
def migrate_database(db: Annotated[str, typer.Option(help="Database URL")]) -> None:
    """Bring a database to this code's schema (the service also does it at start-up)."""
    engine = engine_for(_url(db))
    try:
        before = revision(engine)
        migrate(engine)
    finally:
        engine.dispose()
    typer.echo(f"{before or 'empty'} → {head_revision()}")
