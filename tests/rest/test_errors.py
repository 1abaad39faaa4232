"""Every client error is a 4xx with an OperationOutcome naming what is wrong."""

import pytest
from fastapi.testclient import TestClient

from tests.rest.conftest import FHIR, example


def _outcome(response, status: int) -> dict:  # type: ignore[no-untyped-def,type-arg]
    assert response.status_code == status, response.text
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["details"]["text"]
    return body  # type: ignore[no-any-return]


def test_malformed_json_is_400(client: TestClient) -> None:
    _outcome(client.post("/fhir/Patient", content=b"{nope", headers=FHIR), 400)


def test_unknown_type_is_404(client: TestClient) -> None:
    _outcome(client.get("/fhir/Spaceship/1"), 404)
    _outcome(client.post("/fhir/Spaceship", json={"resourceType": "Spaceship"}, headers=FHIR), 404)


def test_unknown_route_and_method(client: TestClient) -> None:
    _outcome(client.get("/fhir/Patient/1/_history/1/extra"), 404)
    _outcome(client.request("TRACE", "/fhir/Patient"), 405)


def test_xml_is_415(client: TestClient) -> None:
    response = client.post(
        "/fhir/Patient", content=b"<Patient/>", headers={"Content-Type": "application/fhir+xml"}
    )
    _outcome(response, 415)


def test_accept_xml_only_is_406(client: TestClient) -> None:
    _outcome(client.get("/fhir/metadata", headers={"Accept": "application/fhir+xml"}), 406)


def test_validation_failure_is_422_with_expression(client: TestClient) -> None:
    patient = example("Patient-tolvan")
    patient["identifier"][0]["value"] = "191212121213"
    body = _outcome(client.post("/fhir/Patient", json=patient, headers=FHIR), 422)
    codes = [c["code"] for i in body["issue"] for c in i["details"].get("coding", [])]
    assert "invariant.lus-pnr-1" in codes


def test_wrong_resource_type_for_url_is_400(client: TestClient) -> None:
    body = _outcome(
        client.post("/fhir/Patient", json=example("Encounter-tolvan-vardtillfalle"), headers=FHIR),
        400,
    )
    assert "does not match" in body["issue"][0]["details"]["text"]


def test_not_an_object_is_400(client: TestClient) -> None:
    _outcome(client.post("/fhir/Patient", content=b"[1,2]", headers=FHIR), 400)


def test_deep_nesting_is_400(client: TestClient) -> None:
    deep = '{"resourceType":"Patient","extension":' + "[" * 200 + "]" * 200 + "}"
    _outcome(client.post("/fhir/Patient", content=deep.encode(), headers=FHIR), 400)


def test_oversized_body_is_413(client: TestClient) -> None:
    settings = client.app.state.services.settings  # type: ignore[attr-defined]
    big = b'{"resourceType":"Patient","text":"' + b"x" * (settings.max_request_bytes + 1) + b'"}'
    _outcome(client.post("/fhir/Patient", content=big, headers=FHIR), 413)


def test_rejected_write_leaves_nothing_behind(client: TestClient) -> None:
    patient = example("Patient-tolvan")
    patient["birthDate"] = "yesterday"
    _outcome(client.put("/fhir/Patient/tolvan", json=patient, headers=FHIR), 422)
    _outcome(client.get("/fhir/Patient/tolvan"), 404)
    assert client.get("/fhir/_history").json()["total"] == 0


@pytest.mark.parametrize(
    ("query", "parameter"),
    [("_count=", "_count"), ("_count=many", "_count"), ("_offset=-1", "_offset")],
)
def test_bad_history_paging_is_400_naming_the_parameter(
    client: TestClient, query: str, parameter: str
) -> None:
    """Found by the fuzz test: `_history?_count=` used to answer 500."""
    for url in ("/fhir/_history", "/fhir/Patient/_history"):
        response = client.get(f"{url}?{query}")
        assert response.status_code == 400, response.text
        issue = response.json()["issue"][0]
        assert issue["expression"] == [parameter]
        assert parameter in issue["details"]["text"]


def test_vread_of_a_non_ascii_digit_version_is_404(client: TestClient) -> None:
    _outcome(client.get("/fhir/Patient/nope/_history/²"), 404)


def test_a_duplicate_property_is_refused_not_silently_dropped(client: TestClient) -> None:
    raw = b'{"resourceType": "Patient", "gender": "male", "gender": "female"}'
    response = client.post("/fhir/Patient", content=raw, headers=FHIR)
    assert response.status_code == 400
    issue = response.json()["issue"][0]
    assert "'gender' twice" in issue["details"]["text"]
    assert issue["expression"] == ["Patient"]


def test_a_nul_in_the_url_is_400(client: TestClient) -> None:
    """PostgreSQL cannot compare text with NUL: a read of Task/%00 answered 500 there."""
    for url, parameter in (
        ("/fhir/Task/%00", None),
        ("/fhir/Task?status=%00", "status"),
        ("/fhir/Task/x/_history/%00", None),
        ("/hl7v2/messages?sender=%00&control-id=1", "sender"),
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        issue = response.json()["issue"][0]
        assert "NUL" in issue["details"]["text"]
        assert issue.get("expression") == ([parameter] if parameter else None)


def test_a_nul_in_a_json_string_is_400_naming_where(client: TestClient) -> None:
    """PostgreSQL's text takes no NUL: a family name or a transaction entry's URL holding one
    answered 500 there (the index row, the search)."""
    patient = example("Patient-tolvan")
    patient["name"][0]["family"] = "Tolvans\u0000son"
    response = client.post("/fhir/Patient", json=patient, headers=FHIR)
    assert response.status_code == 400
    assert response.json()["issue"][0]["expression"] == ["Patient.name[0].family"]
    batch = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [{"request": {"method": "GET", "url": "Task?status=\u0000"}}],
    }
    response = client.post("/fhir", json=batch, headers=FHIR)
    assert response.status_code == 400
    assert response.json()["issue"][0]["expression"] == ["Bundle.entry[0].request.url"]
    patient["name"][0]["family"] = "Tolvans\\u0000son"  # a backslash, then u0000: no NUL
    assert client.post("/fhir/Patient", json=patient, headers=FHIR).status_code == 201


def test_numbers_beyond_a_database_integer(client: TestClient) -> None:
    """Binding an integer past 2**63 - 1 fails in the driver: these answered 500."""
    huge = "99999999999999999999"
    for url in (
        f"/fhir/Task?_offset={huge}",
        f"/fhir/_history?_offset={huge}",
        f"/fhir/AuditEvent?_offset={huge}",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "entry" not in response.json()  # past every match
    created = client.post("/fhir/Patient", json=example("Patient-tolvan"), headers=FHIR).json()
    _outcome(client.get(f"/fhir/Patient/{created['id']}/_history/{huge}"), 404)
    invoice = "/fhir/Measure/lus-betalningsansvar/$invoice-basis"
    query = {"kommun": "0180", "month": "2026-01", "version": huge}
    response = client.post(invoice, params=query, headers={"Accept": "application/fhir+json"})
    assert response.status_code == 400
    assert response.json()["issue"][0]["expression"] == ["version"]
