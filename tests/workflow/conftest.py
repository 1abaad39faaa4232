"""A service with the Stockholm county directory loaded, and builders for patients and stays."""

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from fhir_profiles import CANONICAL
from service.demo import directory_bundle
from service.rest.app import create_app
from service.settings import Settings
from service.storage.schema import cases, outbox
from tests.support.auth import signed_in

FHIR = {"Content-Type": "application/fhir+json"}
SD = f"{CANONICAL}/StructureDefinition"
EVENT = f"{CANONICAL}/CodeSystem/lus-event"


@pytest.fixture(scope="module")
def app_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("workflow")


@pytest.fixture(scope="module")
def client(app_dir: Path) -> Iterator[TestClient]:
    app = create_app(Settings(data_dir=app_dir, run_worker=False))
    with signed_in(app) as test_client:
        response = test_client.post("/fhir", json=directory_bundle(), headers=FHIR)
        assert response.status_code == 200, response.text[:2000]
        yield test_client


def patient(
    client: TestClient,
    kommun: str,
    stadsdel: str | None = None,
    protected: bool = False,
    listed_at: str | None = None,
) -> str:
    address_ext = [
        {
            "url": f"{SD}/lus-kommunkod",
            "valueCoding": {"system": "urn:oid:1.2.752.129.2.2.1.17", "code": kommun},
        }
    ]
    if stadsdel:
        address_ext.append(
            {
                "url": f"{SD}/lus-stadsdel",
                "valueCoding": {
                    "system": f"{CANONICAL}/CodeSystem/stockholm-stadsdel",
                    "code": stadsdel,
                },
            }
        )
    address: dict[str, Any] = {"extension": address_ext}
    if not protected:
        address |= {"line": ["Storgatan 1"], "city": "Ort"}
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "meta": {"profile": [f"{SD}/lus-patient"]},
        "identifier": [
            {
                "system": "http://electronichealth.se/identifier/personnummer",
                "value": "191212121212",
            }
        ],
        "name": [{"family": "Testsson", "given": ["Test"]}],
        "address": [address],
    }
    if protected:
        resource["meta"]["security"] = [
            {"system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R"}
        ]
    if listed_at:
        resource["generalPractitioner"] = [{"reference": f"Organization/{listed_at}"}]
    response = client.post("/fhir/Patient", json=resource, headers=FHIR)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def stay(client: TestClient, patient_id: str, admitted: str, ward: str = "sos-avd-51") -> str:
    resource = {
        "resourceType": "Encounter",
        "meta": {"profile": [f"{SD}/lus-encounter"]},
        "extension": [
            {
                "url": f"{SD}/lus-vardform",
                "valueCodeableConcept": {
                    "coding": [
                        {"system": f"{CANONICAL}/CodeSystem/lus-care-type", "code": "somatisk"}
                    ]
                },
            }
        ],
        "status": "in-progress",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"},
        "priority": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/v3-ActPriority", "code": "EM"}
            ]
        },
        "subject": {"reference": f"Patient/{patient_id}"},
        "period": {"start": admitted},
        "serviceProvider": {"reference": f"Organization/{ward}"},
    }
    response = client.post("/fhir/Encounter", json=resource, headers=FHIR)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def care_team(client: TestClient, patient_id: str, members: dict[str, str]) -> None:
    resource = {
        "resourceType": "CareTeam",
        "meta": {"profile": [f"{SD}/lus-careteam"]},
        "status": "active",
        "subject": {"reference": f"Patient/{patient_id}"},
        "participant": [
            {
                "role": [
                    {
                        "coding": [
                            {"system": f"{CANONICAL}/CodeSystem/lus-participant-role", "code": role}
                        ]
                    }
                ],
                "member": {"reference": f"Organization/{org}"},
            }
            for role, org in members.items()
        ],
    }
    response = client.post("/fhir/CareTeam", json=resource, headers=FHIR)
    assert response.status_code == 201, response.text


def notification(
    event: str, patient_id: str, encounter_id: str, authored: str, **extra: Any
) -> dict[str, Any]:
    profile = (
        "lus-task"
        if event
        in ("fast-vardkontakt", "andrat-beraknat-utskrivningsdatum", "informationsoverforing")
        else f"lus-{event}"
    )
    task: dict[str, Any] = {
        "resourceType": "Task",
        "meta": {"profile": [f"{SD}/{profile}"]},
        "identifier": [{"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{uuid.uuid4()}"}],
        "status": "requested",
        "intent": "order",
        "code": {"coding": [{"system": EVENT, "code": event}]},
        "focus": {"reference": f"Encounter/{encounter_id}"},
        "for": {"reference": f"Patient/{patient_id}"},
        "authoredOn": authored,
        "requester": {"reference": "Organization/sos-avd-51"},
    }
    task.update(extra)
    return task


def send(client: TestClient, task: dict[str, Any], status: int = 201) -> dict[str, Any]:
    response = client.post(
        "/fhir/Task", json=task, headers={**FHIR, "Prefer": "return=OperationOutcome"}
    )
    assert response.status_code == status, response.text
    location = response.headers.get("location", "")
    body: dict[str, Any] = response.json()
    body["_id"] = location.split("/Task/")[-1].split("/")[0] if location else None
    return body


def receivers(client: TestClient, task_id: str) -> set[str]:
    store = client.app.state.services.store  # type: ignore[attr-defined]
    with store.reading() as conn:
        rows = conn.execute(
            select(outbox.c.receiver).where(outbox.c.notification == f"Task/{task_id}")
        )
        return {row.receiver.split("/", 1)[1] for row in rows}


def case_state(client: TestClient, encounter_id: str) -> str:
    store = client.app.state.services.store  # type: ignore[attr-defined]
    with store.reading() as conn:
        row = conn.execute(
            select(cases.c.state).where(cases.c.encounter == f"Encounter/{encounter_id}")
        ).first()
        return str(row.state) if row else "none"


def deviations(client: TestClient, patient_id: str) -> list[str]:
    bundle = client.get(f"/fhir/DetectedIssue?patient=Patient/{patient_id}").json()
    return sorted(e["resource"]["code"]["coding"][0]["code"] for e in bundle.get("entry", []))
