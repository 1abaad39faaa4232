"""Database URLs for tests: a fresh SQLite file, and PostgreSQL when CI started one.

`.ci/run` starts PostgreSQL from Debian's packages (tests/support/postgres.sh) and exports
LUS_FHIR_TEST_POSTGRES_URL; without it PostgreSQL tests skip and say why.
"""

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

POSTGRES_ENV = "LUS_FHIR_TEST_POSTGRES_URL"
REQUIRE_ENV = "LUS_FHIR_REQUIRE_REAL_COMPONENTS"
SKIP_REASON = f"PostgreSQL not available: set {POSTGRES_ENV} (tests/support/postgres.sh starts one)"


def skip_or_fail(reason: str) -> None:
    """Outside CI a missing real component skips visibly; in CI (REQUIRE_ENV set) it fails."""
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{reason} — required because {REQUIRE_ENV} is set")
    pytest.skip(reason)


def postgres_url() -> str | None:
    return os.environ.get(POSTGRES_ENV)


def fresh_postgres_database() -> str:
    """A new empty database on the test server, so tests never see each other's rows."""
    url = postgres_url()
    if url is None:
        skip_or_fail(SKIP_REASON)
        raise AssertionError("unreachable")
    name = f"lus_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(
        url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.rsplit("/", 1)[0] + f"/{name}"
