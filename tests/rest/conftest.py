import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fhir_profiles import GENERATED
from service.rest.app import create_app
from service.settings import Settings
from tests.support.auth import signed_in
from tests.support.databases import fresh_postgres_database

FHIR = {"Content-Type": "application/fhir+json"}


def example(name: str) -> dict[str, Any]:
    resource: dict[str, Any] = json.loads((GENERATED / f"{name}.json").read_text())
    return resource


def settings_for(backend: str, tmp_path: Path) -> Settings:
    if backend == "postgres":
        return Settings(database_url=fresh_postgres_database(), run_worker=False)
    return Settings(data_dir=tmp_path, run_worker=False)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def client(backend: str, tmp_path: Path) -> Iterator[TestClient]:
    with signed_in(create_app(settings_for(backend, tmp_path))) as test_client:
        yield test_client
