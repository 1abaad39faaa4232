"""The statistics scenarios' Stockholm world (tests/statistics/world.py) with a few stays told for
the pages: Upplands Väsby (0114) in September and October 2026, Nacka (0182) in October, so the
county differs from each municipality. The clock reads the reports on 2026-11-30, so the default
12 months end with October 2026."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.demo import directory_bundle
from service.rest.app import create_app
from service.settings import Settings
from tests.statistics.world import AMOUNTS, FHIR, Clock, World
from tests.support.auth import principal, signed_in
from tests.support.databases import fresh_postgres_database

VASBY = "Organization/socialtjanst-0114"
NACKA = "Organization/socialtjanst-0182"


@dataclass
class Story:
    world: World
    region: TestClient  # the region-wide role
    vasby: TestClient  # Upplands Väsby's social services
    nacka: TestClient
    september: str  # a stay of Upplands Väsby, three billable days
    october: list[str]  # Upplands Väsby's October stays
    nacka_stay: str


def tell(world: World) -> dict[str, object]:
    """Upplands Väsby: September one somatic stay (ready Mon 09:00, out 6 days later: 4 billable
    days); October a somatic stay with 1 billable day and a psychiatric one with none (5 free days).
    Nacka: October one somatic stay whose admission notice was late (excluded)."""
    september = world.stay(
        world.patient("0114"),
        "2026-09-01T08:00:00+02:00",
        "2026-09-07T09:00:00+02:00",
        "2026-09-13T10:00:00+02:00",
    )
    october = [
        world.stay(
            world.patient("0114"),
            "2026-10-01T08:00:00+02:00",
            "2026-10-05T10:00:00+02:00",
            "2026-10-08T14:00:00+02:00",
        ),
        world.stay(
            world.patient("0114"),
            "2026-10-01T08:00:00+02:00",
            "2026-10-05T10:00:00+02:00",
            "2026-10-09T14:00:00+02:00",
            vardform="psykiatrisk",
        ),
    ]
    nacka = world.stay(
        world.patient("0182"),
        "2026-10-01T08:00:00+02:00",
        "2026-10-05T10:00:00+02:00",
        "2026-10-15T14:00:00+02:00",
        admission_notice="2026-10-03T08:00:00+02:00",
    )
    return {"september": september, "october": october, "nacka_stay": nacka}


def told_world(data: Path, url: str | None) -> dict[str, object]:
    """The web tests' scripted stays, written by an in-process app into the server's database."""
    settings = Settings(data_dir=data, database_url=url, run_worker=False, daily_amounts=AMOUNTS)
    clock = Clock()
    app = create_app(settings, clock=clock)
    with signed_in(app) as client:
        assert client.post("/fhir", json=directory_bundle(), headers=FHIR).status_code == 200
        told = tell(World(client, clock, settings.database()))
    app.state.services.store.dispose()
    return told


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def story(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Story]:
    url = fresh_postgres_database() if request.param == "postgres" else None
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("web"),
        database_url=url,
        run_worker=False,
        daily_amounts=AMOUNTS,
    )
    clock = Clock()
    app = create_app(settings, clock=clock)
    with signed_in(app) as region:
        response = region.post("/fhir", json=directory_bundle(), headers=FHIR)
        assert response.status_code == 200, response.text[:2000]
        world = World(region, clock, settings.database())
        told = tell(world)
        vasby = signed_in(app, principal(VASBY, region=False))
        nacka = signed_in(app, principal(NACKA, region=False))
        yield Story(world, region, vasby, nacka, **told)  # type: ignore[arg-type]
