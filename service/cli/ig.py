"""`lus-fhir ig …`: check and pack the implementation guide."""

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from fhir_profiles import PACKAGE_ID, VERSION, consistency, package
from fhir_profiles.guide import guide

app = typer.Typer(no_args_is_help=True, help="Check and package the LUS implementation guide.")
console = Console(stderr=True)


@app.command()
def check() -> None:
    """Verify the guide is internally consistent (references, codes, profiles, invalid cases)."""
    g = guide()
    problems = consistency.check(g)
    for problem in problems:
        console.print(f"[red]✗[/red] {escape(problem)}")
    summary = f"{len(g.definitions)} definitions, {len(g.examples)} examples"
    if problems:
        console.print(f"[red]{len(problems)} problem(s)[/red] in {PACKAGE_ID} ({summary})")
        raise typer.Exit(1)
    console.print(f"[green]✓[/green] {PACKAGE_ID} {VERSION} is consistent ({summary})")


@app.command()
def pack(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the package into")],
) -> None:
    """Write the guide as a FHIR NPM package (package.json, .index.json, one file per resource)."""
    tarball = package.write(out)
    console.print(
        f"[green]✓[/green] wrote {escape(str(out / 'package'))} and {escape(str(tarball))}"
    )
