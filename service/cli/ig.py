"""`lus-fhir ig …`: check and pack the implementation guide."""

import typer

app = typer.Typer(no_args_is_help=True, help="Check and package the LUS implementation guide.")
