"""The Alembic migrations create exactly the schema the code's table definitions describe."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from service.storage.database import engine_for, migrate
from service.storage.schema import metadata


def test_migrated_schema_matches_table_definitions(tmp_path: Path) -> None:
    engine = engine_for(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    migrate(engine)
    migrate(engine)  # idempotent
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    assert diff == []
