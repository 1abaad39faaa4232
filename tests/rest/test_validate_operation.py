"""`$validate` answers 200 with an OperationOutcome, for valid and invalid resources alike."""

from fastapi.testclient import TestClient

from fhir_profiles.build import invalid_examples
from tests.rest.conftest import FHIR, example


def test_validate_valid_resource(client: TestClient) -> None:
    response = client.post("/fhir/Patient/$validate", json=example("Patient-tolvan"), headers=FHIR)
    assert response.status_code == 200
    assert all(i["severity"] not in ("error", "fatal") for i in response.json()["issue"])


def test_validate_invalid_examples_report_their_error(client: TestClient) -> None:
    for case in invalid_examples.load()[:6]:
        resource = case.resource()
        response = client.post(
            f"/fhir/{resource['resourceType']}/$validate", json=resource, headers=FHIR
        )
        assert response.status_code == 200
        codes = {
            c["code"] for i in response.json()["issue"] for c in i["details"].get("coding", [])
        }
        assert case.code in codes, case.name


def test_validate_parameters_with_profile_and_mode(client: TestClient) -> None:
    encounter = example("Encounter-tolvan-vardtillfalle")
    parameters = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "resource", "resource": encounter},
            {"name": "mode", "valueCode": "create"},
            {
                "name": "profile",
                "valueUri": "https://lus-fhir.se/fhir/StructureDefinition/lus-patient",
            },
        ],
    }
    response = client.post("/fhir/Encounter/$validate", json=parameters, headers=FHIR)
    assert response.status_code == 200
    assert any(i["severity"] == "error" for i in response.json()["issue"])


def test_validate_unknown_profile_and_delete_mode(client: TestClient) -> None:
    response = client.post(
        "/fhir/Patient/$validate?profile=https://example.org/nope",
        json=example("Patient-tolvan"),
        headers=FHIR,
    )
    codes = {c["code"] for i in response.json()["issue"] for c in i["details"].get("coding", [])}
    assert "profile.unknown" in codes
    missing = client.post(
        "/fhir/Patient/nope/$validate?mode=delete",
        json={"resourceType": "Parameters"},
        headers=FHIR,
    )
    assert missing.json()["issue"][0]["code"] == "not-found"
