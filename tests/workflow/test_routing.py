"""Who receives a notification: the exact receivers for patients in different municipalities,
Stockholm city districts before and after the 2023 merger, with and without home care, and with
protected identity; and what happens when nobody can be found."""

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.workflow.conftest import (
    FHIR,
    care_team,
    deviations,
    notification,
    patient,
    receivers,
    send,
    stay,
)


def _admit(client: TestClient, patient_id: str, admitted: str, authored: str) -> set[str]:
    encounter = stay(client, patient_id, admitted)
    sent = send(client, notification("inskrivningsmeddelande", patient_id, encounter, authored))
    return receivers(client, sent["_id"])


def test_municipality_social_services_and_listed_primary_care(client: TestClient) -> None:
    nacka = patient(client, "0182", listed_at="vc-sickla")
    assert _admit(client, nacka, "2026-11-02T10:00:00+01:00", "2026-11-02T12:00:00+01:00") == {
        "socialtjanst-0182",
        "vc-sickla",
    }


def test_other_municipality_without_listing(client: TestClient) -> None:
    solna = patient(client, "0184")
    assert _admit(client, solna, "2026-11-02T10:00:00+01:00", "2026-11-02T12:00:00+01:00") == {
        "socialtjanst-0184"
    }


def test_stockholm_district_after_the_2023_merger(client: TestClient) -> None:
    after = patient(client, "0180", "jarva")
    assert _admit(client, after, "2024-03-01T08:00:00+01:00", "2024-03-01T09:00:00+01:00") == {
        "sdf-jarva"
    }


def test_stockholm_district_before_the_2023_merger(client: TestClient) -> None:
    before = patient(client, "0180", "rinkeby-kista")
    assert _admit(client, before, "2023-03-01T08:00:00+01:00", "2023-03-01T09:00:00+01:00") == {
        "sdf-rinkeby-kista"
    }


def test_former_district_after_the_merger_is_unroutable_and_flagged(client: TestClient) -> None:
    stale = patient(client, "0180", "rinkeby-kista")
    encounter = stay(client, stale, "2024-03-01T08:00:00+01:00")
    sent = send(
        client,
        notification("inskrivningsmeddelande", stale, encounter, "2024-03-01T09:00:00+01:00"),
    )
    assert receivers(client, sent["_id"]) == set()
    warnings = [i["details"]["text"] for i in sent["issue"] if i["severity"] == "warning"]
    assert any("rinkeby-kista" in w for w in warnings)
    assert deviations(client, stale) == ["ej-routbar"]


def test_discharge_reaches_home_care_provider_when_there_is_one(client: TestClient) -> None:
    with_care = patient(client, "0180", "hagersten-alvsjo", listed_at="vc-liljeholmen")
    care_team(client, with_care, {"hemtjanstutforare": "hemtjanst-aros"})
    encounter = stay(client, with_care, "2026-11-02T10:00:00+01:00")
    send(
        client,
        notification("inskrivningsmeddelande", with_care, encounter, "2026-11-02T11:00:00+01:00"),
    )
    discharge = send(
        client,
        notification("utskrivningsmeddelande", with_care, encounter, "2026-11-06T11:00:00+01:00"),
    )
    assert receivers(client, discharge["_id"]) == {
        "sdf-hagersten-alvsjo",
        "vc-liljeholmen",
        "hemtjanst-aros",
    }

    without = patient(client, "0180", "hagersten-alvsjo", listed_at="vc-liljeholmen")
    encounter = stay(client, without, "2026-11-02T10:00:00+01:00")
    send(
        client,
        notification("inskrivningsmeddelande", without, encounter, "2026-11-02T11:00:00+01:00"),
    )
    discharge = send(
        client,
        notification("utskrivningsmeddelande", without, encounter, "2026-11-06T11:00:00+01:00"),
    )
    assert receivers(client, discharge["_id"]) == {"sdf-hagersten-alvsjo", "vc-liljeholmen"}


def test_a_care_team_formed_during_the_stay_receives_the_next_notification(
    client: TestClient,
) -> None:
    """Routing reuses the SQL of its look-ups (service/routing/directory.py), never their answers
    for clinical data: the care team searched for at admission is searched for again."""
    late = patient(client, "0180", "hagersten-alvsjo")
    encounter = stay(client, late, "2026-11-02T10:00:00+01:00")
    admission = notification("inskrivningsmeddelande", late, encounter, "2026-11-02T11:00:00+01:00")
    assert receivers(client, send(client, admission)["_id"]) == {"sdf-hagersten-alvsjo"}
    care_team(client, late, {"hemtjanstutforare": "hemtjanst-aros"})
    discharge = notification("utskrivningsmeddelande", late, encounter, "2026-11-06T11:00:00+01:00")
    assert receivers(client, send(client, discharge)["_id"]) == {
        "sdf-hagersten-alvsjo",
        "hemtjanst-aros",
    }


def test_protected_identity_routes_on_municipality_without_address(client: TestClient) -> None:
    hidden = patient(client, "0182", protected=True)
    assert _admit(client, hidden, "2026-11-02T10:00:00+01:00", "2026-11-02T12:00:00+01:00") == {
        "socialtjanst-0182"
    }


def test_owner_directed_notification_goes_to_owner_only(client: TestClient) -> None:
    solna = patient(client, "0184")
    encounter = stay(client, solna, "2026-11-02T10:00:00+01:00")
    task = notification(
        "inskrivningsmeddelande",
        solna,
        encounter,
        "2026-11-02T11:00:00+01:00",
        owner={"reference": "Organization/kommunal-halso-och-sjukvard-0184"},
    )
    assert receivers(client, send(client, task)["_id"]) == {"kommunal-halso-och-sjukvard-0184"}


def _as_message(task: dict[str, Any], event: str) -> dict[str, Any]:
    header = {
        "resourceType": "MessageHeader",
        "id": str(uuid.uuid4()),
        "meta": {"profile": ["https://lus-fhir.se/fhir/StructureDefinition/lus-messageheader"]},
        "eventCoding": {"system": "https://lus-fhir.se/fhir/CodeSystem/lus-event", "code": event},
        "destination": [{"endpoint": "https://lus.example.se/fhir/$process-message"}],
        "sender": task["requester"],
        "source": {"endpoint": "https://sos.example.se/fhir"},
        "focus": [{"reference": f"Task/{task['id']}"}],
        "definition": f"https://lus-fhir.se/fhir/MessageDefinition/{event}",
    }
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"profile": ["https://lus-fhir.se/fhir/StructureDefinition/lus-meddelande"]},
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{uuid.uuid4()}"},
        "type": "message",
        "timestamp": task["authoredOn"],
        "entry": [
            {
                "fullUrl": f"https://sos.example.se/fhir/MessageHeader/{header['id']}",
                "resource": header,
            },
            {"fullUrl": f"https://sos.example.se/fhir/Task/{task['id']}", "resource": task},
        ],
    }


@pytest.mark.parametrize(
    ("kommun", "stadsdel", "protected", "admitted", "expected"),
    [
        ("0182", None, False, "2026-11-02T10:00:00+01:00", {"socialtjanst-0182", "vc-sickla"}),
        ("0180", "jarva", False, "2024-03-01T08:00:00+01:00", {"sdf-jarva", "vc-sickla"}),
        # before the directory's go-live (2024-01-01) only the former district had an endpoint
        ("0180", "spanga-tensta", False, "2023-03-01T08:00:00+01:00", {"sdf-spanga-tensta"}),
        ("0184", None, True, "2026-11-02T10:00:00+01:00", {"socialtjanst-0184", "vc-sickla"}),
    ],
)
def test_message_path_routes_like_the_rest_path(
    client: TestClient,
    kommun: str,
    stadsdel: str | None,
    protected: bool,
    admitted: str,
    expected: set[str],
) -> None:
    via_rest = patient(client, kommun, stadsdel, protected, listed_at="vc-sickla")
    via_message = patient(client, kommun, stadsdel, protected, listed_at="vc-sickla")
    sent = admitted.replace("T08:", "T09:").replace("T10:", "T11:")
    rest_task = send(
        client,
        notification("inskrivningsmeddelande", via_rest, stay(client, via_rest, admitted), sent),
    )
    task = notification(
        "inskrivningsmeddelande", via_message, stay(client, via_message, admitted), sent
    )
    task["id"] = f"msg-{uuid.uuid4().hex[:10]}"
    response = client.post(
        "/fhir/$process-message", json=_as_message(task, "inskrivningsmeddelande"), headers=FHIR
    )
    assert response.status_code == 200, response.text
    assert response.json()["entry"][0]["resource"]["response"]["code"] == "ok"
    assert receivers(client, rest_task["_id"]) == expected
    assert receivers(client, task["id"]) == expected


def test_a_message_resource_without_an_id_is_named(client: TestClient) -> None:
    who = patient(client, "0180", "hagersten-alvsjo")
    encounter = stay(client, who, "2026-11-02T10:00:00+01:00")
    task = notification("inskrivningsmeddelande", who, encounter, "2026-11-02T11:00:00+01:00")
    task["id"] = "utan-id"
    message = _as_message(task, "inskrivningsmeddelande")
    del message["entry"][1]["resource"]["id"]
    response = client.post("/fhir/$process-message", json=message, headers=FHIR)
    assert response.status_code == 422
    outcome = next(
        e["resource"]
        for e in response.json()["entry"]
        if e["resource"]["resourceType"] == "OperationOutcome"
    )
    assert [i.get("expression") for i in outcome["issue"]] == [["Bundle.entry[1].resource.id"]]
