"""Two stays at Södersjukhuset avd 51, on SQLite and PostgreSQL: Tolvan lives in
Hägersten-Älvsjö, whose social services (A) receive its admission notice; Nilsson lives in
Nacka, whose social services (B) receive his. The region's follow-up reads everything. Each
party exports over HTTP with its own token; the export worker is run by the test."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.demo import directory_bundle
from service.export.worker import Exporter
from service.rest.app import create_app
from service.settings import Settings
from tests.support.auth import principal, signed_in
from tests.support.databases import fresh_postgres_database
from tests.workflow.conftest import FHIR, notification, patient, send, stay

WARD = "Organization/sos-avd-51"
A = "Organization/sdf-hagersten-alvsjo"
B = "Organization/socialtjanst-0182"
ASYNC = {"Prefer": "respond-async", "Accept": "application/fhir+json"}


@dataclass
class World:
    region: TestClient
    ward: TestClient
    a: TestClient
    b: TestClient
    settings: Settings
    tolvan: str  # Patient id, Hägersten-Älvsjö (0180)
    tolvan_stay: str
    nilsson: str  # Patient id, Nacka (0182)
    nilsson_stay: str

    @property
    def services(self) -> Any:
        return self.region.app.state.services  # type: ignore[attr-defined]

    def exporter(self, clock: Any = None) -> Exporter:
        return Exporter(self.services.store, clock or self.services.clock, self.settings)

    def run_exports(self) -> int:
        """Run every queued job to its end, as the background worker would; how many ran."""
        exporter, ran = self.exporter(), 0
        while exporter.run_once():
            ran += 1
        return ran


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    url = fresh_postgres_database() if request.param == "postgres" else None
    data_dir = tmp_path_factory.mktemp("bulk")
    settings = Settings(data_dir=data_dir, database_url=url, run_worker=False)
    app = create_app(settings)
    with signed_in(app) as region:
        assert region.post("/fhir", json=directory_bundle(), headers=FHIR).status_code == 200
        parties = [signed_in(app, principal(o, region=False)) for o in (WARD, A, B)]
        ward, a, b = parties
        tolvan = patient(ward, "0180", "hagersten-alvsjo")
        tolvan_stay = stay(ward, tolvan, "2026-11-20T08:00:00+01:00")
        send(
            ward,
            notification(
                "inskrivningsmeddelande", tolvan, tolvan_stay, "2026-11-20T09:00:00+01:00"
            ),
        )
        nilsson = patient(ward, "0182")
        nilsson_stay = stay(ward, nilsson, "2026-11-21T08:00:00+01:00")
        send(
            ward,
            notification(
                "inskrivningsmeddelande", nilsson, nilsson_stay, "2026-11-21T09:00:00+01:00"
            ),
        )
        yield World(region, ward, a, b, settings, tolvan, tolvan_stay, nilsson, nilsson_stay)
        for party in parties:
            party.close()


def kick_off(client: TestClient, path: str = "/fhir/$export", **params: str) -> str:
    """Kick an export off; the status URL (as a path the TestClient can ask)."""
    answer = client.get(path, params=params, headers=ASYNC)
    assert answer.status_code == 202, answer.text
    assert answer.json()["resourceType"] == "OperationOutcome"
    return local(answer.headers["Content-Location"])


def local(url: str) -> str:
    return url.removeprefix("http://testserver")


def manifest(client: TestClient, status: str) -> dict[str, Any]:
    answer = client.get(status)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    found: dict[str, Any] = answer.json()
    return found


def files(client: TestClient, found: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every file of a manifest, downloaded and parsed: type → its resources."""
    import json

    contents = {}
    for entry in found["output"]:
        answer = client.get(local(entry["url"]))
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("application/fhir+ndjson")
        lines = [json.loads(line) for line in answer.text.splitlines()]
        assert len(lines) == entry["count"]
        assert {r["resourceType"] for r in lines} == {entry["type"]}
        contents[entry["type"]] = lines
    return contents


def exported(
    world: World, client: TestClient, path: str = "/fhir/$export", **params: str
) -> dict[str, list[dict[str, Any]]]:
    status = kick_off(client, path, **params)
    world.run_exports()
    return files(client, manifest(client, status))


def ids(contents: dict[str, list[dict[str, Any]]], kind: str) -> set[str]:
    return {r["id"] for r in contents.get(kind, [])}
