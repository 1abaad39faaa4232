"""Concurrent writers through real HTTP against a real server process: no duplicate conditional
creates, no lost updates, and nothing acknowledged is lost when the process is killed."""

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.rest.conftest import FHIR, example
from tests.support.databases import fresh_postgres_database
from tests.support.server import ServerProcess, start_server

PNR = "http://electronichealth.se/identifier/personnummer|191212121212"


@pytest.fixture
def server(backend: str, tmp_path: Path) -> Iterator[ServerProcess]:
    url = fresh_postgres_database() if backend == "postgres" else None
    process = start_server(tmp_path, url)
    yield process
    process.stop()


def test_parallel_conditional_creates_make_one_resource(server: ServerProcess) -> None:
    patient = example("Patient-tolvan")
    headers = {**FHIR, "If-None-Exist": f"identifier={PNR}"}

    def create(_: int) -> int:
        with httpx.Client(timeout=60, auth=server.auth()) as client:
            return client.post(f"{server.base}/Patient", json=patient, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(create, range(20)))
    assert sorted(statuses) == [200] * 19 + [201]
    found = httpx.get(
        f"{server.base}/Patient", params={"identifier": PNR}, auth=server.auth()
    ).json()
    assert found["total"] == 1


def test_parallel_if_match_updates_one_winner_per_version(server: ServerProcess) -> None:
    httpx.put(
        f"{server.base}/Patient/tolvan",
        json=example("Patient-tolvan"),
        headers=FHIR,
        auth=server.auth(),
    )
    barrier = threading.Barrier(50)

    def update(i: int) -> tuple[int, str | None]:
        body = {
            **example("Patient-tolvan"),
            "telecom": [{"system": "phone", "value": f"+46 8 {i:03}"}],
        }
        with httpx.Client(timeout=60, auth=server.auth()) as client:
            barrier.wait()
            response = client.put(
                f"{server.base}/Patient/tolvan", json=body, headers={**FHIR, "If-Match": 'W/"1"'}
            )
            return response.status_code, response.headers.get("etag")

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(update, range(50)))
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [412] * 49
    history = httpx.get(f"{server.base}/Patient/tolvan/_history", auth=server.auth()).json()
    assert [e["resource"]["meta"]["versionId"] for e in history["entry"]] == ["2", "1"]


def test_kill_during_writes_loses_nothing_acknowledged(backend: str, tmp_path: Path) -> None:
    url = fresh_postgres_database() if backend == "postgres" else None
    server = start_server(tmp_path, url)
    acknowledged: list[str] = []
    stop = threading.Event()

    def writer() -> None:
        patient = example("Patient-tolvan")
        with httpx.Client(timeout=10, auth=server.auth()) as client:
            while not stop.is_set():
                try:
                    response = client.post(f"{server.base}/Patient", json=patient, headers=FHIR)
                except httpx.TransportError:
                    return
                if response.status_code == 201:
                    acknowledged.append(response.json()["id"])

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    while len(acknowledged) < 40:
        threading.Event().wait(0.05)
    server.kill()
    stop.set()
    for thread in threads:
        thread.join(timeout=20)
    restarted = start_server(tmp_path, url)
    try:
        missing: list[Any] = []
        with httpx.Client(timeout=10, auth=server.auth()) as client:
            for res_id in acknowledged:
                if client.get(f"{restarted.base}/Patient/{res_id}").status_code != 200:
                    missing.append(res_id)
        assert missing == []
        assert len(acknowledged) >= 40
    finally:
        restarted.stop()
