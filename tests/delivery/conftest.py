from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from service.delivery import DeliveryConfig, Worker
from service.delivery.escalation import WEEKEND_PATH
from service.storage.database import engine_for, migrate
from service.storage.store import Store
from service.workflow.notify import Workflow
from tests.delivery.support import FakeClock
from tests.support.databases import fresh_postgres_database

PHONE = "+46 8 508 18 000"
CONFIG = DeliveryConfig(
    timeout_seconds=2.0,
    base_delay_seconds=5.0,
    max_delay_seconds=3600.0,
    horizon=timedelta(hours=72),
    poll_seconds=0.05,
    lease_seconds=60.0,
    concurrency=8,
)


def database_url(backend: str, tmp_path: Path) -> str:
    if backend == "postgres":
        return fresh_postgres_database().replace("postgresql://", "postgresql+psycopg://", 1)
    return f"sqlite:///{tmp_path / 'delivery.sqlite3'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def engine(backend: str, tmp_path: Path) -> Iterator[Engine]:
    created = engine_for(database_url(backend, tmp_path))
    migrate(created)
    yield created
    created.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(engine: Engine, clock: FakeClock) -> Store:
    return Store(engine, clock)


@pytest.fixture
def worker(store: Store, clock: FakeClock) -> Iterator[Worker]:
    created = Worker(store, Workflow(store, clock).deviation, CONFIG, unit_random=lambda: 1.0)
    yield created
    created.close()


@pytest.fixture
def directory(store: Store) -> Callable[..., None]:
    """Store the receiver's Organization and HealthcareService (with its weekend contact path)."""

    def create(weekend_endpoint: str | None) -> None:
        contact: list[dict[str, Any]] = [
            {"url": "telecom", "valueContactPoint": {"system": "phone", "value": PHONE}}
        ]
        resources: list[dict[str, Any]] = [
            {"resourceType": "Organization", "id": "hemtjanst", "name": "Aros Hemtjänst AB"}
        ]
        if weekend_endpoint:
            contact.append({"url": "endpoint", "valueReference": {"reference": "Endpoint/helg"}})
            resources.append(
                {
                    "resourceType": "Endpoint",
                    "id": "helg",
                    "status": "active",
                    "connectionType": {
                        "system": "http://terminology.hl7.org/CodeSystem/endpoint-connection-type",
                        "code": "hl7-fhir-rest",
                    },
                    "payloadType": [{"text": "LUS"}],
                    "address": weekend_endpoint,
                }
            )
        resources.append(
            {
                "resourceType": "HealthcareService",
                "id": "tjanst-hemtjanst",
                "providedBy": {"reference": "Organization/hemtjanst"},
                "extension": [{"url": WEEKEND_PATH, "extension": contact}],
            }
        )
        with store.begin() as conn:
            for resource in resources:
                store.write(conn, resource, None, "POST")

    return create
