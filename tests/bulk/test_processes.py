"""Real `lus-fhir serve` processes: an export kicked off at one server survives its crash, and
a job whose worker died after claiming it is taken up again by the next server's worker."""

import json
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from service.export import jobs
from service.fhirtime import utc_now
from service.outcome import has_errors
from service.storage.database import engine_for
from service.storage.store import Store
from service.validation import validator
from tests.bulk.conftest import ASYNC
from tests.support.auth import load_directory
from tests.support.databases import fresh_postgres_database
from tests.support.server import ServerProcess, start_server, worker_process
from tests.workflow.conftest import patient, stay

FAST = {"LUS_FHIR_EXPORT_LEASE_SECONDS": "2", "LUS_FHIR_EXPORT_POLL_SECONDS": "0.2"}


def _kick_off(server: ServerProcess, client: httpx.Client, query: str) -> str:
    answer = client.get(f"/fhir/$export?{query}", headers=ASYNC)
    assert answer.status_code == 202, answer.text
    return str(answer.headers["Content-Location"]).removeprefix(server.base)


def _manifest(client: httpx.Client, status: str, seconds: float = 60) -> dict[str, object]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        answer = client.get(f"/fhir{status}")
        if answer.status_code == 200:
            found: dict[str, object] = answer.json()
            return found
        assert answer.status_code == 202, answer.text
        assert answer.headers["Retry-After"] and answer.headers["X-Progress"]
        time.sleep(0.2)
    raise AssertionError(f"{status} did not complete in {seconds} s")


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_export_survives_a_crash_and_a_dead_worker(backend: str, tmp_path: Path) -> None:
    url = (
        fresh_postgres_database()
        if backend == "postgres"
        else f"sqlite:///{tmp_path / 'lus-fhir.sqlite3'}"
    )
    load_directory(url)
    first = start_server(tmp_path, url)  # no background jobs: the exports wait
    try:
        with first.client() as client:
            patients = [patient(client, "0182") for _ in range(3)]  # type: ignore[arg-type]
            for who in patients:
                stay(client, who, "2026-11-20T08:00:00+01:00")  # type: ignore[arg-type]
            both = _kick_off(first, client, "_type=Patient,Encounter")
            patients_only = _kick_off(first, client, "_type=Patient")
        store = Store(engine_for(url))
        with store.begin() as conn:  # a worker claims the older job and dies at once
            assert jobs.claim(conn, utc_now(), timedelta(seconds=1)) is not None
        store.dispose()
    finally:
        first.kill()
    second = start_server(tmp_path, url, deliver=True, env=FAST)
    try:
        with second.client() as client:
            for status, kinds in ((both, {"Patient", "Encounter"}), (patients_only, {"Patient"})):
                found = _manifest(client, status)
                output = found["output"]
                assert isinstance(output, list)
                assert {entry["type"] for entry in output} == kinds
                for entry in output:
                    answer = client.get(str(entry["url"]))
                    assert answer.status_code == 200
                    lines = [json.loads(line) for line in answer.text.splitlines()]
                    assert len(lines) == entry["count"] == len(patients)
                    for resource in lines:
                        assert not has_errors(validator().validate(resource))
    finally:
        second.stop()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_a_worker_process_runs_the_exports_of_a_server(backend: str, tmp_path: Path) -> None:
    """Servers with LUS_FHIR_RUN_WORKER=false leave exports to `lus-fhir worker` processes
    that share their data directory."""
    url = (
        fresh_postgres_database()
        if backend == "postgres"
        else f"sqlite:///{tmp_path / 'lus-fhir.sqlite3'}"
    )
    load_directory(url)
    server = start_server(tmp_path, url)
    log = tmp_path / "worker.log"
    try:
        with server.client() as client, worker_process(url, log, "--data-dir", str(tmp_path)):
            status = _kick_off(server, client, "_type=Organization")
            found = _manifest(client, status)
            output = found["output"]
            assert isinstance(output, list) and [e["type"] for e in output] == ["Organization"]
            answer = client.get(str(output[0]["url"]))
            assert answer.status_code == 200
            assert len(answer.text.splitlines()) == output[0]["count"] > 0
    finally:
        server.stop()
