"""Two municipalities and a ward, on SQLite and PostgreSQL: the ward admits Tolvan (who lives in
Hägersten-Älvsjö) and sends the admission notice, which goes to Hägersten-Älvsjö's social
services (A). Nacka's social services (B) takes no part in the stay. Each party has its own
token; A and B each have a rest-hook subscription filtered on Tolvan."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.demo import directory_bundle
from service.rest.app import create_app
from service.settings import Settings
from tests.hl7v2.messages import SENDERS_FILE
from tests.subscriptions.support import Hook, subscription
from tests.support.auth import principal, signed_in
from tests.support.databases import fresh_postgres_database
from tests.workflow.conftest import FHIR, notification, patient, send, stay

WARD = "Organization/sos-avd-51"
A = "Organization/sdf-hagersten-alvsjo"
B = "Organization/socialtjanst-0182"
PERSONNUMMER = "191212121212"


@dataclass
class World:
    admin: TestClient  # the region's administration (region-wide role)
    ward: TestClient
    a: TestClient
    b: TestClient
    patient: str
    stay: str
    task: str
    task_identifier: str
    a_subscription: str
    b_subscription: str
    hook: Hook

    def markers(self) -> list[str]:
        """Strings that only a response about Tolvan's stay can contain (B knows Tolvan's
        Patient id: its subscription names it, so the id alone tells nothing)."""
        return [self.stay, self.task, self.task_identifier, PERSONNUMMER]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def party(app: Any, organization: str) -> TestClient:
    return signed_in(app, principal(organization, region=False))


@pytest.fixture
def world(backend: str, tmp_path: Path) -> Iterator[World]:
    url = fresh_postgres_database() if backend == "postgres" else None
    settings = Settings(
        data_dir=tmp_path, database_url=url, run_worker=False, hl7v2_senders=Path(SENDERS_FILE)
    )
    app = create_app(settings)
    hook = Hook().start()
    with signed_in(app) as admin:
        assert admin.post("/fhir", json=directory_bundle(), headers=FHIR).status_code == 200
        ward, a, b = party(app, WARD), party(app, A), party(app, B)
        who = patient(ward, "0180", "hagersten-alvsjo")
        encounter = stay(ward, who, "2026-11-20T08:00:00+01:00")
        subscriptions = []
        for client in (a, b):
            resource = subscription(
                "inskrivning",
                f"{hook.url}/{uuid.uuid4().hex}",
                "full-resource",
                filters=(f"patient=Patient/{who}",),
            )
            response = client.post("/fhir/Subscription", json=resource, headers=FHIR)
            assert response.status_code == 201, response.text
            subscriptions.append(response.json()["id"])
        task = notification("inskrivningsmeddelande", who, encounter, "2026-11-20T09:00:00+01:00")
        sent = send(ward, task)
        yield World(
            admin,
            ward,
            a,
            b,
            who,
            encounter,
            str(sent["_id"]),
            task["identifier"][0]["value"],
            subscriptions[0],
            subscriptions[1],
            hook,
        )
    hook.stop()
