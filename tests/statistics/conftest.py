"""One service with the Stockholm county directory per test module, on a clock the scenarios move.

Every scenario uses a municipality (or district and month) of its own, so its figures are exactly
the stays it tells."""

from collections.abc import Iterator

import pytest

from service.demo import directory_bundle
from service.rest.app import create_app
from service.settings import Settings
from tests.statistics.world import AMOUNTS, FHIR, Clock, World
from tests.support.auth import signed_in
from tests.support.databases import fresh_postgres_database


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("statistics"), run_worker=False, daily_amounts=AMOUNTS
    )
    if request.param == "postgres":
        settings = Settings(
            database_url=fresh_postgres_database(), run_worker=False, daily_amounts=AMOUNTS
        )
    clock = Clock()
    with signed_in(create_app(settings, clock=clock)) as client:
        response = client.post("/fhir", json=directory_bundle(), headers=FHIR)
        assert response.status_code == 200, response.text[:2000]
        yield World(client, clock, settings.database())
