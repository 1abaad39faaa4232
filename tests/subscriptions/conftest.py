"""An in-process service (no directory: notifications route nowhere, so the only outbox rows are
the subscriptions'), a settable clock shared with a delivery worker driven round by round, and
a rest-hook receiver on loopback."""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from service.delivery import DeliveryConfig, Worker
from service.rest.app import create_app
from service.settings import Settings
from service.storage.schema import outbox
from service.storage.store import Store
from tests.delivery.support import FakeClock
from tests.subscriptions.support import FHIR, Hook
from tests.support.auth import signed_in
from tests.support.databases import fresh_postgres_database
from tests.workflow.conftest import notification, patient, send, stay

BASE = "http://lus.test/fhir"
CONFIG = DeliveryConfig(
    timeout_seconds=2.0,
    base_delay_seconds=5.0,
    max_delay_seconds=60.0,
    poll_seconds=0.05,
    lease_seconds=60.0,
    concurrency=8,
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


# A module that runs its tests on both databases overrides `backend` with these as its params.
BOTH = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def client(backend: str, tmp_path: Path, clock: FakeClock) -> Iterator[TestClient]:
    if backend == "postgres":
        settings = Settings(database_url=fresh_postgres_database(), run_worker=False, base_url=BASE)
    else:
        settings = Settings(data_dir=tmp_path, run_worker=False, base_url=BASE)
    with signed_in(create_app(settings, clock)) as test_client:
        yield test_client


@pytest.fixture
def store(client: TestClient) -> Store:
    found: Store = client.app.state.services.store  # type: ignore[attr-defined]
    return found


@pytest.fixture
def worker(client: TestClient, store: Store) -> Iterator[Worker]:
    deviations = client.app.state.services.workflow.deviation  # type: ignore[attr-defined]
    created = Worker(store, deviations, CONFIG, unit_random=lambda: 1.0)
    yield created
    created.close()


@pytest.fixture
def hook() -> Iterator[Hook]:
    running = Hook().start()
    yield running
    running.stop()


@pytest.fixture
def drain(worker: Worker, store: Store, clock: FakeClock) -> Callable[..., None]:
    """Deliver until nothing is pending, advancing the clock past each retry delay."""

    def pending() -> int:
        with store.reading() as conn:
            query = select(func.count()).where(outbox.c.status == "pending")
            return int(conn.execute(query).scalar_one())

    def run(rounds: int = 50, settle: bool = True) -> None:
        """`settle=False`: just try `rounds` times (e.g. while the receiver is down)."""
        for _ in range(rounds):
            if not worker.run_once():
                if not pending():
                    return
                clock.advance(seconds=CONFIG.max_delay_seconds)
        if settle:
            raise AssertionError(f"{pending()} rows still pending after {rounds} rounds")

    return run


@pytest.fixture
def stay_of(client: TestClient) -> Callable[[], tuple[str, str]]:
    def create() -> tuple[str, str]:
        patient_id = patient(client, "0180", "hagersten-alvsjo")
        return patient_id, stay(client, patient_id, "2026-11-20T08:00:00+01:00")

    return create


@pytest.fixture
def notify(client: TestClient) -> Callable[..., dict[str, Any]]:
    """Send a notification Task; returns it as stored."""

    def create(event: str, ids: tuple[str, str], **extra: Any) -> dict[str, Any]:
        task = notification(event, *ids, "2026-11-20T17:00:00+01:00", **extra)
        sent = send(client, task)
        stored: dict[str, Any] = client.get(f"/fhir/Task/{sent['_id']}", headers=FHIR).json()
        return stored

    return create
