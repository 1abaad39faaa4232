"""`lus-fhir serve`: run the FHIR service with uvicorn (graceful shutdown on SIGINT/SIGTERM)."""

from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.console import Console

from service.demo import load_demo
from service.rest.app import create_app
from service.settings import Settings

console = Console(stderr=True)


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8080,
    db: Annotated[
        str | None,
        typer.Option(help="Database URL (postgresql://…); default SQLite in --data-dir"),
    ] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Directory for the SQLite database")] = None,
    demo: Annotated[
        bool, typer.Option(help="Load the guide's example journey and directory")
    ] = False,
) -> None:
    """Run the LUS FHIR service (FHIR base at /fhir)."""
    overrides: dict[str, object] = {}
    if db:
        overrides["database_url"] = db
    if data_dir:
        overrides["data_dir"] = data_dir
    settings = Settings(**overrides)  # type: ignore[arg-type]
    app = create_app(settings)
    if demo:
        services = app.state.services
        count = load_demo(services.engine_processor(f"http://{host}:{port}/fhir"))
        console.print(f"loaded {count} demo resources")
    console.print(f"FHIR base: http://{host}:{port}/fhir  (database: {settings.database()})")
    uvicorn.run(app, host=host, port=port, log_level="info")
