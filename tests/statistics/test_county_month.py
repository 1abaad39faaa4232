"""A simulated county month (movers, late and cancelled notices, SIP, readmissions, deviations) on
SQLite and PostgreSQL: read the fast way it equals the month read from whole resources, and the
cells the monthly job keeps equal the month evaluated from its stays; after a late write the kept
month brought up to date from the stays the write touched (refresh.py) equals it too, as do the
municipalities' invoice bases read from the kept month's stays.

The fast way picks out only the elements facts.py maps (selection.LEAN) in the database; the
reference reads every resource whole, as a stay's page does."""

import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, select

from service.auth.principal import INTERNAL
from service.fhirtime import parse_range, start_of
from service.rest.services import Services
from service.settings import Settings
from service.simulation.history import months_until, simulate
from service.simulation.resources import address
from service.statistics import changes, kept, refresh, selection
from service.statistics.basis import Basis, basis_for
from service.statistics.evaluate import answers, evaluate, figures, narrow
from service.statistics.figures import Cell, Key
from service.statistics.files import table_file
from service.statistics.invoice import dumps, invoice_basis
from service.statistics.job import MonthlyReports
from service.statistics.questions import Answered, answered
from service.statistics.rows import statistics_table
from service.statistics.scope import COUNTY_AREA, Area
from service.statistics.stay import Stay
from service.storage.database import engine_for
from service.storage.schema import statistics_cells, statistics_stays
from service.storage.store import Store
from tests.statistics.world import AMOUNTS
from tests.support.databases import fresh_postgres_database

LAST = date(2026, 5, 1)
MONTH = months_until(LAST, 1)[0]
STAYS = 60
NOW = datetime(2026, 6, 20, 12, tzinfo=UTC)  # the month is complete
Table = dict[Key, Cell]


@dataclass
class County:
    engine: Engine
    settings: Settings

    @property
    def basis(self) -> Basis:
        return basis_for(self.settings)

    def job(self, now: datetime = NOW) -> MonthlyReports:
        services = Services(self.settings, Store(self.engine, lambda: now), lambda: now)
        return replace(MonthlyReports.starting_with(services, self.basis), months=1)

    def kept_months(self) -> set[str]:
        with self.engine.connect() as conn:
            return set(kept.fresh(conn, self.basis, [MONTH]))

    def figures(self, area: Area = COUNTY_AREA) -> tuple[Table, Table]:
        """(the pages' figures, the month evaluated from its stays) of `area`."""
        with self.engine.connect() as conn:
            shown = figures(conn, INTERNAL, self.basis, [MONTH], area, NOW)[0]
            evaluated = evaluate(conn, INTERNAL, self.basis, MONTH, area, NOW)
        return shown.table, evaluated.table

    def answers(self, area: Area) -> tuple[list[Answered], list[Answered]]:
        """(Uppföljning's stays with their answers, the same from the evaluated month)."""
        with self.engine.connect() as conn:
            shown = answers(conn, INTERNAL, self.basis, [MONTH], area, NOW)[0][1]
            evaluated = evaluate(conn, INTERNAL, self.basis, MONTH, area, NOW)
        return shown, [answered(b.timeline) for b in evaluated.billed]

    def csv(self) -> list[bytes]:
        """The statistics file from the pages' figures and from the evaluated month."""
        with self.engine.connect() as conn:
            shown = figures(conn, INTERNAL, self.basis, [MONTH], COUNTY_AREA, NOW)
            evaluated = [evaluate(conn, INTERNAL, self.basis, MONTH, COUNTY_AREA, NOW)]
        groups = self.basis.rules.groups
        return [
            table_file(statistics_table(found, self.basis.areas, groups), "csv").content
            for found in (shown, evaluated)
        ]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def county(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[County]:
    if request.param == "postgres":
        url = fresh_postgres_database()
    else:
        url = f"sqlite:///{Path(tmp_path_factory.mktemp('month')) / 'county.sqlite3'}"
    settings = Settings(database_url=url, run_worker=False, daily_amounts=AMOUNTS)
    simulate(settings, 1, STAYS, seed=7, last_month=LAST)
    engine = engine_for(url)
    yield County(engine, settings)
    engine.dispose()


def test_the_fast_reading_equals_the_reference(county: County) -> None:
    with county.engine.connect() as conn:
        fast = selection.discharged_stays(conn, MONTH)
        reference = selection.discharged_stays(conn, MONTH, picked=None)
    assert len(fast) > STAYS // 2
    assert fast == reference
    # the month has what the rules look at, so the comparison covers them
    assert any(n.cancelled for s in fast for n in s.notices)
    assert any(s.sip_invitations for s in fast)
    assert any(s.later_admissions for s in fast)
    assert any(s.deviations for s in fast)
    assert any(s.home_care for s in fast)


def test_home_care_is_every_home_care_provider_a_discharge_notice_went_to(county: County) -> None:
    """The deliveries are read for home-care receivers only: the same as all of them, filtered."""
    with county.engine.connect() as conn:
        stays = selection.discharged_stays(conn, MONTH)
        notices = {
            f"Task/{n.task}": s.encounter
            for s in stays
            for n in s.notices
            if n.event == "utskrivningsmeddelande"
        }
        routed = selection.deliveries(conn, notices)
        providers = selection.home_care_providers(conn)
    expected: dict[str, set[str]] = {}
    for ref, receivers in routed.items():
        expected.setdefault(notices[ref], set()).update(r for r in receivers if r in providers)
    assert any(r not in providers for receivers in routed.values() for r in receivers)
    assert {s.encounter: set(s.home_care) for s in stays if s.home_care} == {
        e: found for e, found in expected.items() if found
    }


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


def _ready_notice(county: County) -> dict[str, Any]:
    """A counted ready notice of a stay of the month with ready days, as stored."""
    with county.engine.connect() as conn:
        stays = selection.discharged_stays(conn, MONTH, picked=None)
    for stay in stays:
        for notice in stay.notices:
            counted = notice.event == "utskrivningsklar" and not notice.cancelled
            if counted and (stay.discharged - notice.sent).days >= 2:
                with county.engine.connect() as conn:
                    found = Store(county.engine, lambda: NOW).read(conn, "Task", notice.task)
                assert found is not None and found.resource is not None
                return found.resource
    raise AssertionError("the simulated month has no ready notice of two days or more")


def test_kept_cells_are_the_evaluated_month_until_late_data_touches_it(county: County) -> None:
    assert county.kept_months() == set()
    job = county.job()
    job.run_once()
    assert county.kept_months() == {MONTH.label}
    for area in (COUNTY_AREA, Area("0180"), Area("0180", "sodermalm"), Area("0182")):
        shown, evaluated = county.figures(area)
        assert shown == evaluated, area
        listed, evaluated_stays = county.answers(area)
        assert listed == evaluated_stays, area
    assert any("n" in a.marks for a in county.answers(COUNTY_AREA)[0])
    shown_csv, evaluated_csv = county.csv()
    assert shown_csv == evaluated_csv
    before, _ = county.figures()

    # late data: the ward withdraws a ready notice as entered in error
    task = _ready_notice(county)
    services = job.writes.services
    with services.store.begin() as conn:
        job.writes.update(conn, {**task, "status": "entered-in-error"})
    assert county.kept_months() == set()  # touched: the page brings it up to date itself
    shown, evaluated = county.figures()
    assert shown == evaluated != before

    job.run_once()  # the first run after the write marks it right only up to the previous run
    job.run_once()
    assert county.kept_months() == {MONTH.label}
    assert county.figures()[0] == evaluated


def test_cells_kept_under_other_rules_are_not_used(county: County) -> None:
    county.job().run_once()
    assert county.kept_months() == {MONTH.label}
    rules = replace(county.basis.rules, skr_min_days=county.basis.rules.skr_min_days + 1)
    other = replace(county.basis, rules=rules)
    with county.engine.connect() as conn:
        assert kept.fresh(conn, other, [MONTH]) == {}


def test_the_job_re_makes_months_at_start_up_when_the_rules_changed(county: County) -> None:
    stopped = threading.Event()
    stopped.set()  # run_until returns before its first interval
    with county.engine.begin() as conn:
        conn.execute(delete(statistics_cells))
    county.job().run_until(stopped, 3600)
    assert county.kept_months() == set()  # nothing kept, so nothing to re-make at once
    county.job().run_once()
    rules = replace(county.basis.rules, skr_min_days=county.basis.rules.skr_min_days + 1)
    changed = replace(county.job(), basis=replace(county.basis, rules=rules))
    assert changed.rules_changed() and not county.job().rules_changed()
    changed.run_until(stopped, 3600)
    assert not changed.rules_changed()
    with county.engine.connect() as conn:
        assert set(kept.fresh(conn, changed.basis, [MONTH])) == {MONTH.label}
        assert kept.fresh(conn, county.basis, [MONTH]) == {}
    county.job().run_once()  # the module's other tests read the month kept under its rules
    assert county.kept_months() == {MONTH.label}


def test_writes_touch_the_months_of_the_stays_and_patients_they_name(county: County) -> None:
    task = _ready_notice(county)
    services = county.job().writes.services
    with county.engine.connect() as conn:
        before = changes.latest(conn)
    with services.store.begin() as conn:
        county.job().writes.update(conn, {**task, "status": "entered-in-error"})
    with county.engine.connect() as conn:
        after = changes.latest(conn)
        assert changes.affected(conn, before, after) is not None
        assert MONTH.label in (changes.affected(conn, before, after) or ())
        assert changes.affected(conn, after, after) == frozenset()
    organization = Store(county.engine, lambda: NOW)
    with services.store.begin() as conn:
        found = organization.read(conn, "Organization", "region-stockholm")
        assert found is not None and found.resource is not None
        county.job().writes.update(conn, {**found.resource, "name": "Region Stockholm (ny)"})
    with county.engine.connect() as conn:
        assert changes.affected(conn, after, changes.latest(conn)) is None  # every month


def _kept_stays(county: County) -> list[dict[str, Any]]:
    with county.engine.connect() as conn:
        query = select(statistics_stays).where(statistics_stays.c.month == MONTH.label)
        rows = [dict(row._mapping) for row in conn.execute(query)]
    return sorted(rows, key=lambda r: str(r["encounter"]))


def _as_evaluated(county: County) -> None:
    """The pages' figures and lists of stays, the statistics file and every municipality's
    invoice basis are those of the month evaluated from all its stays."""
    shown, evaluated = county.figures()
    assert shown == evaluated
    for area in (COUNTY_AREA, Area("0180"), Area("0180", "sodermalm")):
        listed, evaluated_stays = county.answers(area)
        assert listed == evaluated_stays, area
    shown_csv, evaluated_csv = county.csv()
    assert shown_csv == evaluated_csv
    basis = county.basis
    with county.engine.connect() as conn:
        full = evaluate(conn, INTERNAL, basis, MONTH, COUNTY_AREA, NOW)
        for kommun in sorted({b.timeline.kommun for b in full.billed if b.timeline.kommun}):
            assert refresh.candidates(conn, basis, MONTH, kommun) is not None
            mine = evaluate(conn, INTERNAL, basis, MONTH, Area(kommun), NOW)
            county_wide = narrow(full, Area(kommun))
            assert dumps(invoice_basis(mine, basis)) == dumps(invoice_basis(county_wide, basis))


def _brought_up_to_date(county: County, job: MonthlyReports) -> None:
    """Read before the job and kept by it, the month is the month evaluated from its stays; the
    job kept it from the touched stays and its kept stays are those a full evaluation keeps."""
    assert county.kept_months() == set()
    _as_evaluated(county)  # kept stays' cells and the touched stays evaluated anew
    store = job.writes.services.store
    with store.begin() as conn:
        assert refresh.refresh(store, conn, county.basis, MONTH, changes.latest(conn), NOW)
    assert county.kept_months() == {MONTH.label}
    _as_evaluated(county)  # the kept cells
    with county.engine.connect() as conn:
        full = evaluate(conn, INTERNAL, county.basis, MONTH, COUNTY_AREA, NOW)
    rows = kept.stay_rows(MONTH, full.billed, county.basis)
    assert _kept_stays(county) == sorted(rows, key=lambda r: str(r["encounter"]))


def _stay_of_the_month(county: County, number: int) -> Stay:
    with county.engine.connect() as conn:
        stays = selection.discharged_stays(conn, MONTH, picked=None)
    return [s for s in stays if s.notices][number]


def _stored(county: County, kind: str, res_id: str) -> dict[str, Any]:
    with county.engine.connect() as conn:
        found = Store(county.engine, lambda: NOW).read(conn, kind, res_id)
    assert found is not None and found.resource is not None
    return found.resource


def test_a_month_late_data_touches_is_brought_up_to_date_from_the_touched_stays(
    county: County,
) -> None:
    job = county.job()
    job.run_once()
    assert county.kept_months() == {MONTH.label}
    writes = job.writes
    store = writes.services.store
    before = county.figures()[0]

    # a late ready notice: a copy of a stay's notice sent a day earlier
    task = _stored(county, "Task", _stay_of_the_month(county, 0).notices[0].task)
    sent = datetime.fromisoformat(task["authoredOn"]).replace(day=1)
    with store.begin() as conn:
        writes.create(conn, {**task, "id": "late-notice", "authoredOn": sent.isoformat()})
    _brought_up_to_date(county, job)

    # a ready notice withdrawn as entered in error
    withdrawn = {**_ready_notice(county), "status": "entered-in-error"}
    with store.begin() as conn:
        writes.update(conn, withdrawn)
    _brought_up_to_date(county, job)

    # a patient moves after discharge (the stay stays where it was)
    stay = _stay_of_the_month(county, 1)
    patient = _stored(county, "Patient", stay.patient)
    moved_to = "0182" if stay.kommun == "0180" else "0180"
    with store.begin() as conn:
        writes.update(conn, {**patient, "address": [address(moved_to, None)]})
    _brought_up_to_date(county, job)
    assert _stay_of_the_month(county, 1).kommun == stay.kommun

    # a stay discharged in the month written late (the same patient's second stay)
    encounter = _stored(county, "Encounter", _stay_of_the_month(county, 2).encounter)
    with store.begin() as conn:
        writes.create(conn, {**encounter, "id": "late-stay"})
    _brought_up_to_date(county, job)
    assert county.figures()[0] != before


def test_the_job_keeps_the_current_months_cells_without_its_reports(county: County) -> None:
    during = datetime(2026, 5, 25, 12, tzinfo=UTC)  # MONTH is the current month
    job = county.job(during)
    with county.engine.begin() as conn:
        conn.execute(delete(statistics_cells))
    stored = job.run_once()
    assert MONTH.label not in stored  # its reports would change with every write
    assert list(stored) == ["2026-04"]
    assert county.kept_months() == {MONTH.label}
    _as_evaluated(county)

    # a write during the month: the pages bring the kept month up to date themselves
    task = _stored(county, "Task", _stay_of_the_month(county, 3).notices[0].task)
    with job.writes.services.store.begin() as conn:
        job.writes.create(conn, {**task, "id": "current-notice"})
    assert county.kept_months() == set()
    _as_evaluated(county)
    job.run_once()
    job.run_once()
    assert county.kept_months() == {MONTH.label}
    _as_evaluated(county)
