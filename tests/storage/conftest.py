from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from service.storage.database import engine_for, migrate
from tests.support.databases import fresh_postgres_database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty store's database on each backend."""
    if request.param == "postgres":
        url = fresh_postgres_database().replace("postgresql://", "postgresql+psycopg://", 1)
    else:
        url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    created = engine_for(url)
    migrate(created)
    yield created
    created.dispose()
