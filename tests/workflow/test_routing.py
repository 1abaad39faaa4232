"""Who receives a notification: the exact receivers for patients in different municipalities,
Stockholm city districts before and after the 2023 merger, with and without home care, and with
protected identity; and what happens when nobody can be found."""

from fastapi.testclient import TestClient

from tests.workflow.conftest import (
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
