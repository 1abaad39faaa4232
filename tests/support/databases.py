"""Database URLs for tests: a fresh SQLite file, and PostgreSQL when CI started one.

`.ci/run` starts PostgreSQL from Debian's packages (tests/support/postgres.sh) and exports
LUS_FHIR_TEST_POSTGRES_URL; without it PostgreSQL tests skip and say why.
"""

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

POSTGRES_ENV = "LUS_FHIR_TEST_POSTGRES_URL"
SKIP_REASON = f"PostgreSQL not available: set {POSTGRES_ENV} (tests/support/postgres.sh starts one)"


def postgres_url() -> str | None:
    return os.environ.get(POSTGRES_ENV)


def fresh_postgres_database() -> str:
    """A new empty database on the test server, so tests never see each other's rows."""
    url = postgres_url()
    if url is None:
        pytest.skip(SKIP_REASON)
    name = f"lus_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(
        url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.rsplit("/", 1)[0] + f"/{name}"
