"""`lus-fhir serve`: run the FHIR service with uvicorn (graceful shutdown on SIGINT/SIGTERM)."""

from typing import Annotated

import typer
import uvicorn
from rich.console import Console

from service.cli import options
from service.demo import load_demo
from service.rest.app import create_app

console = Console(stderr=True)


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8080,
    db: options.Database = None,
    data_dir: options.DataDir = None,
    demo: Annotated[
        bool, typer.Option(help="Load the guide's example journey and directory")
    ] = False,
) -> None:
    """Run the LUS FHIR service (FHIR base at /fhir)."""
    settings = options.settings(db, data_dir)
    app = create_app(settings)
    if demo:
        services = app.state.services
        count = load_demo(services.engine_processor(f"http://{host}:{port}/fhir"))
        console.print(f"loaded {count} demo resources")
    console.print(f"FHIR base: http://{host}:{port}/fhir  (database: {settings.database()})")
    uvicorn.run(app, host=host, port=port, log_level="info")
