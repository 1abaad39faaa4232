"""Case state, impossible steps, late steps, and the deadline monitor on an injectable clock."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.demo import directory_bundle
from service.rest.app import create_app
from service.settings import Settings
from service.storage.schema import outbox
from service.workflow.deadlines import DeadlineMonitor, end_of_day, open_minutes
from tests.support.auth import signed_in
from tests.workflow.conftest import (
    FHIR,
    case_state,
    deviations,
    notification,
    patient,
    send,
    stay,
)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
def timed(tmp_path: Path, clock: Clock) -> Iterator[TestClient]:
    app = create_app(Settings(data_dir=tmp_path, run_worker=False), clock=clock)
    with signed_in(app) as client:
        assert client.post("/fhir", json=directory_bundle(), headers=FHIR).status_code == 200
        yield client


def _monitor(client: TestClient, clock: Clock) -> DeadlineMonitor:
    services = client.app.state.services  # type: ignore[attr-defined]
    return DeadlineMonitor(services.store, services.workflow, clock, 240)


def _routed_to(client: TestClient, code: str) -> set[str]:
    store = client.app.state.services.store  # type: ignore[attr-defined]
    bundle = client.get("/fhir/DetectedIssue", params={"avvikelsetyp": code}).json()
    refs = [f"DetectedIssue/{e['resource']['id']}" for e in bundle.get("entry", [])]
    with store.reading() as conn:
        rows = conn.execute(select(outbox.c.receiver).where(outbox.c.notification.in_(refs)))
        return {r.receiver for r in rows}


def test_missing_admission_notice_after_24_hours(timed: TestClient, clock: Clock) -> None:
    who = patient(timed, "0182", listed_at="vc-sickla")
    stay(timed, who, "2026-11-02T10:00:00+01:00")
    clock.now += timedelta(hours=23)
    assert _monitor(timed, clock).run_once() == []
    clock.now += timedelta(hours=2)
    raised = _monitor(timed, clock).run_once()
    assert [r.split(":")[0] for r in raised] == ["sent-inskrivningsmeddelande"]
    assert _monitor(timed, clock).run_once() == []  # raised once
    assert deviations(timed, who) == ["sent-inskrivningsmeddelande"]
    assert _routed_to(timed, "sent-inskrivningsmeddelande") == {"Organization/sos-avd-51"}


def test_late_admission_notice_is_accepted_with_deviation(timed: TestClient) -> None:
    who = patient(timed, "0184")
    encounter = stay(timed, who, "2026-11-02T10:00:00+01:00")
    sent = send(
        timed, notification("inskrivningsmeddelande", who, encounter, "2026-11-03T16:00:00+01:00")
    )
    assert any("sent-inskrivningsmeddelande" in i["details"]["text"] for i in sent["issue"])
    assert deviations(timed, who) == ["sent-inskrivningsmeddelande"]
    assert case_state(timed, encounter) == "admission-notified"


def test_missing_sip_invitation_three_days_after_ready(timed: TestClient, clock: Clock) -> None:
    who = patient(timed, "0182", listed_at="vc-sickla")
    encounter = stay(timed, who, "2026-11-02T10:00:00+01:00")
    send(timed, notification("inskrivningsmeddelande", who, encounter, "2026-11-02T11:00:00+01:00"))
    send(timed, notification("utskrivningsklar", who, encounter, "2026-11-04T10:00:00+01:00"))
    assert case_state(timed, encounter) == "ready"
    clock.now = datetime(2026, 11, 7, 8, 0, tzinfo=UTC)
    assert _monitor(timed, clock).run_once() == []
    clock.now = datetime(2026, 11, 7, 10, 0, tzinfo=UTC)
    assert [r.split(":")[0] for r in _monitor(timed, clock).run_once()] == ["sen-kallelse-sip"]
    assert _routed_to(timed, "sen-kallelse-sip") == {"Organization/vc-sickla"}


def test_withdrawal_returns_case_and_information_transfer_deadline(
    timed: TestClient, clock: Clock
) -> None:
    who = patient(timed, "0184")
    encounter = stay(timed, who, "2026-11-02T10:00:00+01:00")
    send(timed, notification("inskrivningsmeddelande", who, encounter, "2026-11-02T11:00:00+01:00"))
    send(timed, notification("utskrivningsklar", who, encounter, "2026-11-04T10:00:00+01:00"))
    send(
        timed,
        notification("inte-langre-utskrivningsklar", who, encounter, "2026-11-04T20:00:00+01:00"),
    )
    assert case_state(timed, encounter) == "admission-notified"
    send(timed, notification("utskrivningsmeddelande", who, encounter, "2026-11-06T11:00:00+01:00"))
    assert case_state(timed, encounter) == "discharged"
    clock.now = datetime(2026, 11, 6, 22, 59, tzinfo=UTC)  # 23:59 in Stockholm: still the same day
    assert "sen-informationsoverforing" not in " ".join(_monitor(timed, clock).run_once())
    clock.now = datetime(2026, 11, 6, 23, 0, tzinfo=UTC)  # midnight in Stockholm
    assert "sen-informationsoverforing" in " ".join(_monitor(timed, clock).run_once())


def test_impossible_steps_are_rejected(timed: TestClient) -> None:
    who = patient(timed, "0184")
    unknown = send(
        timed,
        notification("utskrivningsmeddelande", who, "no-such-stay", "2026-11-06T11:00:00+01:00"),
        status=422,
    )
    assert "does not know" in unknown["issue"][0]["details"]["text"]
    encounter = stay(timed, who, "2026-11-02T10:00:00+01:00")
    send(timed, notification("inskrivningsmeddelande", who, encounter, "2026-11-02T11:00:00+01:00"))
    send(timed, notification("utskrivningsmeddelande", who, encounter, "2026-11-06T11:00:00+01:00"))
    sip = {
        "resourceType": "CarePlan",
        "meta": {"profile": ["https://lus-fhir.se/fhir/StructureDefinition/lus-sip"]},
        "extension": [
            {
                "url": "https://lus-fhir.se/fhir/StructureDefinition/lus-sip-deltagande",
                "valueCodeableConcept": {
                    "coding": [
                        {
                            "system": "https://lus-fhir.se/fhir/CodeSystem/lus-sip-participation",
                            "code": "patient",
                        }
                    ]
                },
            }
        ],
        "status": "completed",
        "intent": "plan",
        "category": [
            {
                "coding": [
                    {
                        "system": "https://lus-fhir.se/fhir/CodeSystem/lus-event",
                        "code": "kallelse-sip",
                    }
                ]
            }
        ],
        "subject": {"reference": f"Patient/{who}"},
        "encounter": {"reference": f"Encounter/{encounter}"},
        "period": {"start": "2026-11-05", "end": "2026-12-01"},
        "author": {"reference": "Organization/vc-liljeholmen"},
        "careTeam": [{"reference": "CareTeam/tolvan-vardteam"}],
        "activity": [
            {
                "detail": {
                    "status": "completed",
                    "description": "Uppföljning",
                    "performer": [{"reference": "Organization/vc-liljeholmen"}],
                }
            }
        ],
    }
    assert timed.post("/fhir/CarePlan", json=sip, headers=FHIR).status_code == 201
    assert case_state(timed, encounter) == "closed"
    again = send(
        timed,
        notification("inskrivningsmeddelande", who, encounter, "2026-12-02T11:00:00+01:00"),
        status=422,
    )
    assert "closed" in again["issue"][0]["details"]["text"]


def test_day_and_opening_hour_arithmetic() -> None:
    assert end_of_day(datetime(2026, 11, 6, 12, 0, tzinfo=UTC)) == datetime(
        2026, 11, 6, 23, 0, tzinfo=UTC
    )
    assert end_of_day(datetime(2026, 7, 6, 12, 0, tzinfo=UTC)) == datetime(
        2026, 7, 6, 22, 0, tzinfo=UTC
    )
    weekdays = [
        {
            "daysOfWeek": ["mon", "tue", "wed", "thu", "fri"],
            "availableStartTime": "08:00:00",
            "availableEndTime": "16:30:00",
        }
    ]
    friday_afternoon = datetime(2026, 11, 6, 14, 0, tzinfo=UTC)  # 15:00 Stockholm
    monday_morning = datetime(2026, 11, 9, 8, 0, tzinfo=UTC)  # 09:00 Stockholm
    assert open_minutes(weekdays, friday_afternoon, monday_morning) == 90 + 60
    assert open_minutes([], friday_afternoon, monday_morning) == 66 * 60
