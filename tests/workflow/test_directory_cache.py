"""Routing reads the directory from a per-process cache: a directory change must reroute the very
next notification, in this process and in another one sharing the database, and a change that
was rolled back must leave no trace in the cache."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from service.demo import directory_bundle
from service.rest.app import create_app
from service.settings import Settings
from tests.support.auth import signed_in
from tests.support.databases import fresh_postgres_database
from tests.support.server import start_server
from tests.workflow.conftest import FHIR, notification, patient, stay

Client = TestClient | httpx.Client
ENDPOINT = "endpoint-socialtjanst-0182"  # Nacka social services' main endpoint
RECEIVER = "Organization/socialtjanst-0182"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with signed_in(create_app(Settings(data_dir=tmp_path, run_worker=False))) as test_client:
        assert test_client.post("/fhir", json=directory_bundle(), headers=FHIR).status_code == 200
        yield test_client


def _move(client: Client, address: str) -> None:
    endpoint = client.get(f"/fhir/Endpoint/{ENDPOINT}").json()
    endpoint["address"] = address
    response = client.put(f"/fhir/Endpoint/{ENDPOINT}", json=endpoint, headers=FHIR)
    assert response.status_code == 200, response.text


def _routed_address(client: Client, who: str, encounter: str) -> str:
    """Send a notification about the stay; the address its social-services delivery goes to."""
    task = notification("utskrivningsklar", who, encounter, "2026-11-20T17:00:00+01:00")
    response = client.post("/fhir/Task", json=task, headers=FHIR)
    assert response.status_code == 201, response.text
    status = client.get(f"/fhir/Task/{response.json()['id']}/$delivery-status").json()
    for delivery in status["parameter"]:
        parts: dict[str, Any] = {p["name"]: p for p in delivery["part"]}
        if parts["receiver"]["valueReference"]["reference"] == RECEIVER:
            return str(parts["address"]["valueUrl"])
    raise AssertionError(f"not routed to {RECEIVER}: {status}")


def _admitted(client: Client) -> tuple[str, str]:
    who = patient(client, "0182")  # type: ignore[arg-type]
    return who, stay(client, who, "2026-11-20T08:00:00+01:00")  # type: ignore[arg-type]


def test_directory_change_reroutes_the_next_notification(client: TestClient) -> None:
    ids = _admitted(client)
    before = _routed_address(client, *ids)
    _move(client, "https://nacka.example.se/ny/fhir")
    assert before != "https://nacka.example.se/ny/fhir"
    assert _routed_address(client, *ids) == "https://nacka.example.se/ny/fhir"


def test_rolled_back_directory_change_is_not_cached(client: TestClient) -> None:
    ids = _admitted(client)
    _move(client, "https://nacka.example.se/v2/fhir")
    assert _routed_address(client, *ids) == "https://nacka.example.se/v2/fhir"
    endpoint = client.get(f"/fhir/Endpoint/{ENDPOINT}").json()
    endpoint["address"] = "https://nacka.example.se/rolled-back/fhir"
    task = notification("utskrivningsklar", *ids, "2026-11-20T17:00:00+01:00")
    task["status"] = "not-a-status"  # fails validation: the whole transaction is refused
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"resource": endpoint, "request": {"method": "PUT", "url": f"Endpoint/{ENDPOINT}"}},
            {"resource": task, "request": {"method": "POST", "url": "Task"}},
        ],
    }
    assert client.post("/fhir", json=bundle, headers=FHIR).status_code in (400, 422)
    assert _routed_address(client, *ids) == "https://nacka.example.se/v2/fhir"


@pytest.mark.postgres
def test_change_through_one_process_reroutes_in_another(tmp_path: Path) -> None:
    database = fresh_postgres_database()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = start_server(tmp_path / "a", database)
    second = start_server(tmp_path / "b", database)
    try:
        with (
            first.client() as one,
            second.client() as other,
        ):
            assert one.post("/fhir", json=directory_bundle(), headers=FHIR).status_code == 200
            ids = _admitted(other)
            before = _routed_address(other, *ids)  # the second process has cached the directory
            _move(one, "https://nacka.example.se/flyttad/fhir")
            assert before != "https://nacka.example.se/flyttad/fhir"
            assert _routed_address(other, *ids) == "https://nacka.example.se/flyttad/fhir"
    finally:
        first.stop()
        second.stop()
