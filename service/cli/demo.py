"""`lus-fhir demo`: the service with the Stockholm directory, simulated receivers on loopback, and
one complete patient journey; prints who received and acknowledged what, and when."""

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from service.settings import Settings

if TYPE_CHECKING:
    from service.simulation.journey import Step

console = Console(width=140)
COLUMNS = ("notification", "path", "receiver", "status", "delivered (UTC)", "acknowledged (UTC)")


def _clock(value: str | None) -> str:
    return value[11:23] if value else "—"


def timeline(steps: "list[Step]") -> Table:
    table = Table(title="Who received and acknowledged what")
    for column in COLUMNS:
        table.add_column(column)
    for step in steps:
        if not step.deliveries:
            table.add_row(step.event, step.path, "[red]nobody[/red]", "", "", "")
        for delivery in step.deliveries:
            table.add_row(
                step.event,
                step.path,
                delivery["receiver"].removeprefix("Organization/"),
                delivery["status"],
                _clock(delivery["delivered"]),
                _clock(delivery["acknowledged"]),
            )
    return table


def demo(
    port: Annotated[int, typer.Option(help="port for the service (0: any free port)")] = 0,
    data_dir: Annotated[Path | None, typer.Option(help="SQLite directory (default: temp)")] = None,
    wait: Annotated[float, typer.Option(help="seconds to wait for acknowledgements")] = 30.0,
) -> None:
    """Run one complete LUS journey against simulated receivers and print the timeline."""
    from service.simulation.harness import running  # the whole app: see serve()
    from service.simulation.journey import Journey
    from service.simulation.receivers import Receivers

    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(
            data_dir=data_dir or Path(scratch),
            worker_poll_seconds=0.1,
            delivery_base_delay_seconds=0.5,
        )
        with running(settings, port) as service:
            base = service.base
            console.print(
                f"service at {base}: loaded {service.loaded} directory and example resources"
            )
            receivers = Receivers(base, service.credentials).start()
            console.print(f"simulated receivers at {receivers.base}")
            journey = Journey(base, receivers, service.credentials)
            try:
                steps = journey.run(wait)
            finally:
                journey.close()
                receivers.stop()
    console.print(timeline(steps))
    open_deliveries = [
        d for s in steps for d in s.deliveries if d["status"] not in ("acknowledged", "delivered")
    ]
    if open_deliveries or any(not s.deliveries for s in steps):
        console.print(f"[red]{len(open_deliveries)} deliveries did not complete[/red]")
        raise typer.Exit(1)
