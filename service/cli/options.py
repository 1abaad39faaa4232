"""Options every command that opens the database shares, and the Settings they produce."""

from pathlib import Path
from typing import Annotated

import typer

from service.settings import Settings

Database = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (postgresql://…); default SQLite in --data-dir"),
]
DataDir = Annotated[Path | None, typer.Option(help="Directory for the SQLite database")]


def settings(db: str | None, data_dir: Path | None, **extra: object) -> Settings:
    """Settings from the environment (LUS_FHIR_*), overridden by the options given."""
    overrides: dict[str, object] = dict(extra)
    if db:
        overrides["database_url"] = db
    if data_dir:
        overrides["data_dir"] = data_dir
    return Settings(**overrides)  # type: ignore[arg-type]
