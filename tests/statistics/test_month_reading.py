"""A month read the fast way equals the month read from whole resources, on a simulated county
month (movers, late and cancelled notices, SIP, readmissions, deviations), SQLite and PostgreSQL.

The fast way picks out only the elements facts.py maps (selection.LEAN) in the database; the
reference reads every resource whole, as a stay's page does."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from service.fhirtime import parse_range, start_of
from service.settings import Settings
from service.simulation.history import months_until, simulate
from service.statistics import selection
from service.storage.database import engine_for
from tests.support.databases import fresh_postgres_database

LAST = date(2026, 5, 1)
STAYS = 60


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def county(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    if request.param == "postgres":
        url = fresh_postgres_database()
    else:
        url = f"sqlite:///{Path(tmp_path_factory.mktemp('month')) / 'county.sqlite3'}"
    settings = Settings(database_url=url, run_worker=False)
    simulate(settings, 1, STAYS, seed=7, last_month=LAST)
    engine = engine_for(url)
    yield engine
    engine.dispose()


def test_the_fast_reading_equals_the_reference(county: Engine) -> None:
    month = months_until(LAST, 1)[0]
    with county.connect() as conn:
        fast = selection.discharged_stays(conn, month)
        reference = selection.discharged_stays(conn, month, picked=None)
    assert len(fast) > STAYS // 2
    assert fast == reference
    # the month has what the rules look at, so the comparison covers them
    assert any(n.cancelled for s in fast for n in s.notices)
    assert any(s.sip_invitations for s in fast)
    assert any(s.later_admissions for s in fast)
    assert any(s.deviations for s in fast)
    assert any(s.home_care for s in fast)


@pytest.mark.parametrize(
    "text",
    [
        "2026-08-14T01:54:38+02:00",
        "2026-08-14T01:54:38Z",
        "2026-10-25T02:30:00+01:00",  # the hour daylight saving ends repeats
        "2026-08-14T01:54:38-00:00",
        "2026-08-14T01:54:38+23:59",
        "2026-08-14T01:54:38+24:00",  # an offset of a day: not a dateTime
        "0001-01-01T00:30:00+01:00",  # before year 1 in UTC
        "9999-12-31T23:59:59-05:00",  # after 9999 in UTC
        "2026-02-30T01:00:00Z",
        "2026-08-14T24:00:00Z",
    ],
)
def test_the_quick_instant_reading_equals_the_range_start(text: str) -> None:
    parsed = parse_range(text)
    assert start_of(text) == (parsed[0] if parsed else None)
