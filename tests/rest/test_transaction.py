"""Batch and transaction Bundles: atomicity, urn:uuid rewriting, ordering, per-entry outcomes."""

from typing import Any

from fastapi.testclient import TestClient

from tests.rest.conftest import FHIR, example


def _entry(
    resource: dict[str, Any], method: str, url: str, full_url: str | None = None
) -> dict[str, Any]:
    entry: dict[str, Any] = {"resource": resource, "request": {"method": method, "url": url}}
    if full_url:
        entry["fullUrl"] = full_url
    return entry


def _journey_transaction() -> dict[str, Any]:
    patient = {k: v for k, v in example("Patient-tolvan").items() if k != "id"}
    patient.pop("generalPractitioner")
    encounter = {k: v for k, v in example("Encounter-tolvan-vardtillfalle").items() if k != "id"}
    encounter["subject"] = {"reference": "urn:uuid:0c9f2a64-61c5-4a4e-9d0e-5d8d8f5e0001"}
    ward = example("Organization-sos-avd-51")
    del ward["partOf"], ward["endpoint"]
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            _entry(encounter, "POST", "Encounter", "urn:uuid:0c9f2a64-61c5-4a4e-9d0e-5d8d8f5e0002"),
            _entry(patient, "POST", "Patient", "urn:uuid:0c9f2a64-61c5-4a4e-9d0e-5d8d8f5e0001"),
            _entry(ward, "PUT", "Organization/sos-avd-51"),
        ],
    }


def test_transaction_rewrites_urn_uuid_references(client: TestClient) -> None:
    response = client.post("/fhir", json=_journey_transaction(), headers=FHIR)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["type"] == "transaction-response"
    statuses = [e["response"]["status"] for e in result["entry"]]
    assert statuses == ["201", "201", "201"]
    patient_location = result["entry"][1]["response"]["location"]
    patient_id = patient_location.split("/")[1]
    encounter = result["entry"][0]["resource"]
    assert encounter["subject"]["reference"] == f"Patient/{patient_id}"
    assert client.get(f"/fhir/Patient/{patient_id}").status_code == 200


def test_transaction_is_all_or_nothing(client: TestClient) -> None:
    bundle = _journey_transaction()
    bundle["entry"][1]["resource"]["birthDate"] = "not a date"
    response = client.post("/fhir", json=bundle, headers=FHIR)
    assert response.status_code == 422
    outcome = response.json()
    assert outcome["issue"][0]["expression"][0].startswith("Bundle.entry[1]")
    assert client.get("/fhir/Organization/sos-avd-51").status_code == 404
    assert client.get("/fhir/_history").json()["total"] == 0


def test_batch_reports_each_entry(client: TestClient) -> None:
    good = example("Organization-sos-avd-51")
    del good["partOf"], good["endpoint"]
    bad = {**good, "id": "broken", "active": "yes"}
    bundle = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            _entry(good, "PUT", "Organization/sos-avd-51"),
            _entry(bad, "PUT", "Organization/broken"),
            {"request": {"method": "GET", "url": "Organization?partstyp=vardavdelning"}},
            {"request": {"method": "GET", "url": "Organization/nope"}},
        ],
    }
    result = client.post("/fhir", json=bundle, headers=FHIR).json()
    assert result["type"] == "batch-response"
    statuses = [e["response"]["status"] for e in result["entry"]]
    assert statuses == ["201", "422", "200", "404"]
    assert result["entry"][1]["response"]["outcome"]["resourceType"] == "OperationOutcome"
    assert result["entry"][2]["resource"]["total"] == 1


def test_transaction_conditional_create_reuses_existing(client: TestClient) -> None:
    patient = {
        k: v for k, v in example("Patient-tolvan").items() if k not in ("id", "generalPractitioner")
    }
    first = client.post("/fhir/Patient", json=patient, headers=FHIR).json()
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:0c9f2a64-61c5-4a4e-9d0e-5d8d8f5e0003",
                "resource": patient,
                "request": {
                    "method": "POST",
                    "url": "Patient",
                    "ifNoneExist": "identifier=http://electronichealth.se/identifier/personnummer|191212121212",
                },
            }
        ],
    }
    result = client.post("/fhir", json=bundle, headers=FHIR).json()
    assert result["entry"][0]["response"]["status"] == "200"
    assert result["entry"][0]["response"]["location"].startswith(f"Patient/{first['id']}/")


def test_bundle_must_be_transaction_or_batch(client: TestClient) -> None:
    response = client.post(
        "/fhir", json={"resourceType": "Bundle", "type": "collection"}, headers=FHIR
    )
    assert response.status_code == 400
    missing = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [{"resource": {"resourceType": "Patient"}}],
    }
    response = client.post("/fhir", json=missing, headers=FHIR)
    assert response.status_code == 400
    assert response.json()["issue"][0]["expression"] == ["Bundle.entry[0].request"]


def test_entry_limit(client: TestClient) -> None:
    limit = client.app.state.services.settings.max_bundle_entries  # type: ignore[attr-defined]
    entries = [{"request": {"method": "GET", "url": "Patient"}}] * (limit + 1)
    response = client.post(
        "/fhir", json={"resourceType": "Bundle", "type": "batch", "entry": entries}, headers=FHIR
    )
    assert response.status_code == 413
