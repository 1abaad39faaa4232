"""The database's own failures, raised by real databases, are told from bugs: a full SQLite
file answers 507, an unreachable PostgreSQL 503 with Retry-After, a wrong statement stays a bug
(500). The chaos runs (tests/chaos/) show the same answers over HTTP under load."""

from pathlib import Path

import pytest
from sqlalchemy import create_engine, exc, text

from service.simulation.net import free_port
from service.storage.failure import unavailable


def raised(url: str, *statements: str) -> exc.SQLAlchemyError:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement))
    except exc.SQLAlchemyError as error:
        return error
    finally:
        engine.dispose()
    raise AssertionError("the statements did not fail")


def test_a_full_sqlite_database_is_507(tmp_path: Path) -> None:
    error = raised(
        f"sqlite:///{tmp_path / 'full.sqlite3'}",
        "CREATE TABLE t (x TEXT)",
        "PRAGMA max_page_count = 3",
        *["INSERT INTO t VALUES (hex(randomblob(2000)))"] * 20,
    )
    failure = unavailable(error)
    assert failure is not None and failure.status == 507
    assert "disk is full" in failure.outcome["issue"][0]["details"]["text"]


def test_an_unreachable_postgres_is_503_with_retry_after() -> None:
    error = raised(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none", "SELECT 1")
    failure = unavailable(error)
    assert failure is not None and failure.status == 503
    assert failure.outcome["issue"][0]["code"] == "transient"
    assert failure.headers["Retry-After"]


@pytest.mark.parametrize("statement", ["SELECT * FROM no_such_table", "SELECT 1 +"])
def test_a_wrong_statement_is_still_a_bug(tmp_path: Path, statement: str) -> None:
    assert unavailable(raised(f"sqlite:///{tmp_path / 'x.sqlite3'}", statement)) is None
