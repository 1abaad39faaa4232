"""Create, read, vread, update, delete, history: status codes, headers, versions."""

from typing import Any

from fastapi.testclient import TestClient

from tests.rest.conftest import FHIR, example


def _create(client: TestClient, resource: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/fhir/{resource['resourceType']}", json=resource, headers=FHIR)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_create_assigns_id_version_and_headers(client: TestClient) -> None:
    patient = example("Patient-tolvan")
    response = client.post("/fhir/Patient", json=patient, headers=FHIR)
    assert response.status_code == 201
    body = response.json()
    assert body["id"] != "tolvan"  # the server assigns ids on create
    assert body["meta"]["versionId"] == "1"
    assert response.headers["etag"] == 'W/"1"'
    assert response.headers["location"].endswith(f"/fhir/Patient/{body['id']}/_history/1")
    assert response.headers["content-type"].startswith("application/fhir+json")


def test_read_and_vread(client: TestClient) -> None:
    created = _create(client, example("Patient-tolvan"))
    read = client.get(f"/fhir/Patient/{created['id']}")
    assert read.status_code == 200
    assert read.json() == created
    assert read.headers["etag"] == 'W/"1"'
    assert client.get(f"/fhir/Patient/{created['id']}/_history/1").json() == created
    missing = client.get(f"/fhir/Patient/{created['id']}/_history/7")
    assert missing.status_code == 404
    assert missing.json()["resourceType"] == "OperationOutcome"


def test_update_creates_new_version_and_keeps_history(client: TestClient) -> None:
    created = _create(client, example("Patient-tolvan"))
    changed = {**created, "gender": "other"}
    response = client.put(f"/fhir/Patient/{created['id']}", json=changed, headers=FHIR)
    assert response.status_code == 200
    assert response.json()["meta"]["versionId"] == "2"
    history = client.get(f"/fhir/Patient/{created['id']}/_history").json()
    assert history["type"] == "history"
    assert history["total"] == 2
    assert [e["resource"]["meta"]["versionId"] for e in history["entry"]] == ["2", "1"]
    assert client.get(f"/fhir/Patient/{created['id']}/_history/1").json()["gender"] == "male"


def test_update_as_create_with_client_id(client: TestClient) -> None:
    patient = example("Patient-tolvan")
    response = client.put("/fhir/Patient/tolvan", json=patient, headers=FHIR)
    assert response.status_code == 201
    assert response.headers["location"].endswith("/fhir/Patient/tolvan/_history/1")
    assert client.get("/fhir/Patient/tolvan").status_code == 200


def test_update_id_mismatch_is_400(client: TestClient) -> None:
    patient = example("Patient-tolvan")
    response = client.put("/fhir/Patient/other", json=patient, headers=FHIR)
    assert response.status_code == 400
    assert response.json()["issue"][0]["expression"] == ["id"]


def test_if_match(client: TestClient) -> None:
    client.put("/fhir/Patient/tolvan", json=example("Patient-tolvan"), headers=FHIR)
    current = client.get("/fhir/Patient/tolvan").json()
    stale = client.put("/fhir/Patient/tolvan", json=current, headers={**FHIR, "If-Match": 'W/"9"'})
    assert stale.status_code == 412
    assert stale.json()["resourceType"] == "OperationOutcome"
    fresh = client.put("/fhir/Patient/tolvan", json=current, headers={**FHIR, "If-Match": 'W/"1"'})
    assert fresh.status_code == 200
    assert fresh.headers["etag"] == 'W/"2"'


def test_delete_then_read_is_gone(client: TestClient) -> None:
    created = _create(client, example("Patient-tolvan"))
    deleted = client.delete(f"/fhir/Patient/{created['id']}")
    assert deleted.status_code == 200
    gone = client.get(f"/fhir/Patient/{created['id']}")
    assert gone.status_code == 410
    assert gone.json()["issue"][0]["code"] == "deleted"
    assert client.delete(f"/fhir/Patient/{created['id']}").status_code == 204
    history = client.get(f"/fhir/Patient/{created['id']}/_history").json()
    assert history["entry"][0]["request"]["method"] == "DELETE"
    assert "resource" not in history["entry"][0]
    assert client.get(f"/fhir/Patient/{created['id']}/_history/2").status_code == 410


def test_delete_unknown_is_404(client: TestClient) -> None:
    assert client.delete("/fhir/Patient/nope").status_code == 404


def test_prefer_return(client: TestClient) -> None:
    patient = example("Patient-tolvan")
    minimal = client.post(
        "/fhir/Patient", json=patient, headers={**FHIR, "Prefer": "return=minimal"}
    )
    assert minimal.status_code == 201
    assert minimal.content == b""
    assert "location" in minimal.headers
    outcome = client.post(
        "/fhir/Patient", json=patient, headers={**FHIR, "Prefer": "return=OperationOutcome"}
    )
    assert outcome.json()["resourceType"] == "OperationOutcome"


def test_conditional_create(client: TestClient) -> None:
    patient = example("Patient-tolvan")
    condition = {
        "If-None-Exist": "identifier=http://electronichealth.se/identifier/personnummer|191212121212"
    }
    first = client.post("/fhir/Patient", json=patient, headers={**FHIR, **condition})
    second = client.post("/fhir/Patient", json=patient, headers={**FHIR, **condition})
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    client.post("/fhir/Patient", json=patient, headers=FHIR)
    third = client.post("/fhir/Patient", json=patient, headers={**FHIR, **condition})
    assert third.status_code == 412


def test_conditional_update(client: TestClient) -> None:
    patient = {k: v for k, v in example("Patient-tolvan").items() if k != "id"}
    criteria = "identifier=http://electronichealth.se/identifier/personnummer|191212121212"
    created = client.put(f"/fhir/Patient?{criteria}", json=patient, headers=FHIR)
    assert created.status_code == 201
    updated = client.put(
        f"/fhir/Patient?{criteria}", json={**patient, "gender": "other"}, headers=FHIR
    )
    assert updated.status_code == 200
    assert updated.json()["id"] == created.json()["id"]


def test_json_patch(client: TestClient) -> None:
    client.put("/fhir/Patient/tolvan", json=example("Patient-tolvan"), headers=FHIR)
    patch = [{"op": "replace", "path": "/gender", "value": "other"}]
    response = client.patch(
        "/fhir/Patient/tolvan",
        json=patch,
        headers={"Content-Type": "application/json-patch+json", "If-Match": 'W/"1"'},
    )
    assert response.status_code == 200
    assert response.json()["gender"] == "other"
    assert response.json()["meta"]["versionId"] == "2"
    breaking = [{"op": "replace", "path": "/birthDate", "value": "not-a-date"}]
    rejected = client.patch(
        "/fhir/Patient/tolvan",
        json=breaking,
        headers={"Content-Type": "application/json-patch+json"},
    )
    assert rejected.status_code == 422
    bad_path = [patch[0], {"op": "remove", "path": "/nothing/here"}]
    unapplied = client.patch(
        "/fhir/Patient/tolvan",
        json=bad_path,
        headers={"Content-Type": "application/json-patch+json"},
    )
    assert unapplied.status_code == 422
    assert unapplied.json()["issue"][0]["expression"] == ["[1]"]  # the operation that failed


def test_type_and_system_history(client: TestClient) -> None:
    _create(client, example("Patient-tolvan"))
    client.put(
        "/fhir/Organization/sos-avd-51", json=example("Organization-sos-avd-51"), headers=FHIR
    )
    assert client.get("/fhir/Patient/_history").json()["total"] == 1
    system = client.get("/fhir/_history").json()
    assert system["total"] == 2
    assert system["entry"][0]["resource"]["resourceType"] == "Organization"


def test_conditional_read_with_if_none_match(client: TestClient) -> None:
    created = _create(client, example("Patient-tolvan"))
    url = f"/fhir/Patient/{created['id']}"
    unchanged = client.get(url, headers={"If-None-Match": 'W/"1"'})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged.headers["etag"] == 'W/"1"'
    changed = client.get(url, headers={"If-None-Match": 'W/"0"'})
    assert changed.status_code == 200
    assert changed.json()["id"] == created["id"]


def test_dates_at_the_edge_of_time(client: TestClient) -> None:
    """0001-01-01 in Stockholm is year 0 in UTC, which Python's datetime does not hold: indexing
    the birth date answered 500. The resource is stored; its date is not searchable."""
    created = _create(client, {**example("Patient-tolvan"), "birthDate": "0001-01-01"})
    assert created["birthDate"] == "0001-01-01"
    for query in (
        "birthdate=0001-01-01",
        "birthdate=9999-12-31",
        "_lastUpdated=2026-11-02T10:00%2B99:00",
    ):
        response = client.get(f"/fhir/Patient?{query}")
        assert response.status_code == 400, query
        assert response.json()["issue"][0]["expression"] == [query.split("=")[0]]
