"""A principal writes only in its own name: refusals are 403 with an OperationOutcome naming the
element and the rule, and nothing of a refused request is written."""

from typing import Any

from tests.security.conftest import WARD, A, B, World
from tests.workflow.conftest import FHIR, SD, notification

SDF_RECEIPT = "2026-11-20T09:05:00+01:00"


def _receipt(receiver: str) -> dict[str, Any]:
    return {
        "url": f"{SD}/lus-kvittens",
        "extension": [
            {"url": "receiver", "valueReference": {"reference": receiver}},
            {"url": "received", "valueInstant": SDF_RECEIPT},
        ],
    }


def _refused(response: Any, *words: str) -> None:
    assert response.status_code == 403, response.text
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    text = outcome["issue"][0]["details"]["text"]
    for word in words:
        assert word in text, text


def _tasks(world: World, identifier: str) -> int:
    query = f"/fhir/Task?identifier=urn:ietf:rfc:3986|{identifier}&_summary=count"
    return int(world.admin.get(query).json()["total"])


def test_a_notification_in_the_wards_name_is_refused_and_not_stored(world: World) -> None:
    task = notification(
        "inskrivningsmeddelande", world.patient, world.stay, "2026-11-20T10:00:00+01:00"
    )
    response = world.a.post("/fhir/Task", json=task, headers=FHIR)
    assert response.status_code == 403, response.text
    assert _tasks(world, task["identifier"][0]["value"]) == 0


def test_the_receiver_records_status_and_its_own_receipt_only(world: World) -> None:
    task = world.a.get(f"/fhir/Task/{world.task}").json()
    received = {**task, "status": "received", "extension": [_receipt(A)]}
    answer = world.a.put(f"/fhir/Task/{world.task}", json=received, headers=FHIR)
    assert answer.status_code == 200, answer.text
    changed = {**answer.json(), "description": "ändrad av mottagaren"}
    _refused(
        world.a.put(f"/fhir/Task/{world.task}", json=changed, headers=FHIR), "receives this Task"
    )
    forged = {**answer.json(), "extension": [_receipt(A), _receipt(B)]}
    _refused(world.a.put(f"/fhir/Task/{world.task}", json=forged, headers=FHIR), B)
    assert world.admin.get(f"/fhir/Task/{world.task}").json()["meta"]["versionId"] == "2"


def test_the_sender_cannot_write_the_receivers_receipt(world: World) -> None:
    task = world.ward.get(f"/fhir/Task/{world.task}").json()
    faked = {**task, "status": "received", "extension": [_receipt(A)]}
    _refused(
        world.ward.put(f"/fhir/Task/{world.task}", json=faked, headers=FHIR), "lus-kvittens", A
    )


def test_a_stay_in_another_wards_name_is_refused(world: World) -> None:
    encounter = world.ward.get(f"/fhir/Encounter/{world.stay}").json()
    encounter.pop("id")
    encounter["serviceProvider"] = {"reference": "Organization/ks-solna-avd-m63"}
    _refused(
        world.ward.post("/fhir/Encounter", json=encounter, headers=FHIR),
        "Encounter.serviceProvider",
        "ks-solna-avd-m63",
    )


def test_a_message_from_another_sender_is_refused_and_not_stored(world: World) -> None:
    task = notification(
        "inskrivningsmeddelande", world.patient, world.stay, "2026-11-20T10:00:00+01:00"
    )
    task["id"] = "fran-nacka"
    header = {
        "resourceType": "MessageHeader",
        "id": "h1",
        "eventCoding": {"system": "https://lus-fhir.se/fhir/CodeSystem/lus-event", "code": "x"},
        "sender": {"reference": WARD},
        "source": {"endpoint": "https://nacka.example.se/fhir"},
        "focus": [{"reference": "Task/fran-nacka"}],
    }
    bundle = {
        "resourceType": "Bundle",
        "id": "m1",
        "type": "message",
        "timestamp": "2026-11-20T10:00:00+01:00",
        "entry": [{"resource": header}, {"resource": task}],
    }
    _refused(
        world.b.post("/fhir/$process-message", json=bundle, headers=FHIR), "MessageHeader.sender"
    )
    assert world.admin.get("/fhir/Task/fran-nacka").status_code == 404


def test_a_transaction_with_one_foreign_entry_writes_nothing(world: World) -> None:
    own = world.b.get(f"/fhir/Patient/{world.patient}")
    assert own.status_code == 404
    patient = world.ward.get(f"/fhir/Patient/{world.patient}").json()
    patient.pop("id")
    patient.pop("meta")
    patient["name"] = [{"family": "Nackasson", "given": ["Ny"]}]
    foreign = notification(
        "inskrivningsmeddelande", world.patient, world.stay, "2026-11-20T10:00:00+01:00"
    )
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"resource": patient, "request": {"method": "POST", "url": "Patient"}},
            {"resource": foreign, "request": {"method": "POST", "url": "Task"}},
        ],
    }
    response = world.b.post("/fhir", json=bundle, headers=FHIR)
    assert response.status_code == 403, response.text
    assert world.admin.get("/fhir/Patient?family=Nackasson&_summary=count").json()["total"] == 0


def test_only_the_region_writes_the_directory(world: World) -> None:
    endpoint = world.a.get("/fhir/Endpoint/endpoint-sdf-hagersten-alvsjo").json()
    endpoint["address"] = "https://elsewhere.example.se/fhir"
    _refused(
        world.a.put("/fhir/Endpoint/endpoint-sdf-hagersten-alvsjo", json=endpoint, headers=FHIR),
        "region-wide role",
    )
    stored = world.admin.get("/fhir/Endpoint/endpoint-sdf-hagersten-alvsjo").json()
    assert stored["address"] != "https://elsewhere.example.se/fhir"


def test_audit_events_are_never_written_over_the_api(world: World) -> None:
    event = {"resourceType": "AuditEvent", "id": "x"}
    for client in (world.admin, world.a):
        answer = client.put("/fhir/AuditEvent/x", json=event, headers=FHIR)
        assert answer.status_code in (403, 405, 422), answer.text
    assert world.admin.delete("/fhir/AuditEvent/x").status_code in (404, 405)
