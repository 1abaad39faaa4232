"""The intake over HTTP against the real engine: a whole stay, repeats, errors that write nothing,
out-of-order messages, merges and protected identities."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from service.rest.app import create_app
from service.settings import Settings
from service.storage.schema import cases, versions
from service.workflow.deadlines import DeadlineMonitor
from tests.hl7v2.conftest import ER7, corpus, send
from tests.hl7v2.messages import adt, segment
from tests.support.auth import principal, signed_in
from tests.workflow.conftest import notification

SOS = "sender=TAKECARE%7CSE2321000016-15CQ"


def one(client: TestClient, kind: str, query: str) -> dict[str, Any]:
    bundle = client.get(f"/fhir/{kind}?{query}").json()
    assert bundle["total"] == 1, bundle
    return dict(bundle["entry"][0]["resource"])


def version_count(client: TestClient) -> int:
    store = client.app.state.services.store  # type: ignore[attr-defined]
    with store.reading() as conn:
        return int(conn.execute(select(func.count()).select_from(versions)).scalar_one())


def msa(ack: list[list[str]]) -> list[str]:
    return next(s for s in ack if s[0] == "MSA")


def errs(ack: list[list[str]]) -> list[list[str]]:
    return [s for s in ack if s[0] == "ERR"]


def test_a_whole_stay_keeps_patient_and_encounter_current(client: TestClient) -> None:
    admitted = send(client, corpus("takecare-a01-admit"))
    assert msa(admitted)[:3] == ["MSA", "AA", "TC000101"]
    patient = one(client, "Patient", "identifier=191212121212")
    assert patient["generalPractitioner"] == [{"reference": "Organization/vc-liljeholmen"}]
    stay = one(client, "Encounter", "identifier=SOS-2026-448812")
    assert stay["serviceProvider"] == {"reference": "Organization/sos-avd-51"}
    assert stay["subject"] == {"reference": f"Patient/{patient['id']}"}
    assert (stay["status"], stay["period"]) == (
        "in-progress",
        {"start": "2026-11-02T14:30:00+01:00"},
    )
    store = client.app.state.services.store  # type: ignore[attr-defined]
    with store.reading() as conn:
        case = conn.execute(
            select(cases).where(cases.c.encounter == f"Encounter/{stay['id']}")
        ).one()
    assert case.state == "admitted"  # the deadline monitor now watches for the admission notice

    for name in ("takecare-a02-transfer", "takecare-a08-update", "takecare-a03-discharge"):
        assert msa(send(client, corpus(name)))[1] == "AA", name
    stay = one(client, "Encounter", "identifier=SOS-2026-448812")
    assert stay["serviceProvider"] == {"reference": "Organization/sos-avd-14"}
    assert stay["status"] == "finished"
    assert stay["hospitalization"]["dischargeDisposition"]["coding"][0]["code"] == "home"
    assert stay["period"] == {
        "start": "2026-11-02T14:30:00+01:00",
        "end": "2026-11-10T10:45:00+01:00",
    }
    expected = [e for e in stay["extension"] if e["url"].endswith("beraknat-utskrivningsdatum")]
    assert expected[0]["valueDate"] == "2026-11-09"
    assert "telecom" not in one(client, "Patient", "identifier=191212121212")  # A08: PID-13 ""

    assert msa(send(client, corpus("takecare-a13-cancel-discharge")))[1] == "AA"
    stay = one(client, "Encounter", "identifier=SOS-2026-448812")
    assert stay["status"] == "in-progress" and "end" not in stay["period"]
    assert "hospitalization" not in stay  # A13: nor where the patient went

    looked_up = client.get(f"/hl7v2/messages?{SOS}&control-id=TC000104").json()
    assert looked_up["messageType"] == "ADT^A03"
    assert looked_up["changed"] == [f"Encounter/{stay['id']}/_history/4"]


def test_a_resent_message_gets_the_same_ack_and_changes_nothing(client: TestClient) -> None:
    first = client.post("/hl7v2", content=corpus("takecare-a01-admit"), headers=ER7_HEADERS)
    written = version_count(client)
    again = client.post("/hl7v2", content=corpus("takecare-a01-admit"), headers=ER7_HEADERS)
    assert again.content == first.content
    assert version_count(client) == written


def test_an_error_is_ae_naming_the_field_and_writes_nothing(client: TestClient) -> None:
    before = version_count(client)
    ack = send(client, corpus("error-bad-admit-time"))
    assert msa(ack)[1] == "AE"
    assert errs(ack)[0][2:5] == ["PV1^1^44^1", "102^Data type error^HL70357", "E"]
    unknown_ward = send(client, adt(pv1={3: "SE2321000016-0ZZZ"}))
    assert msa(unknown_ward)[1] == "AE" and errs(unknown_ward)[0][2] == "PV1^1^3^1"
    bad_check_digit = send(client, adt(pid={3: "191212121213^^^&1.2.752.129.2.1.3.1&ISO"}))
    assert msa(bad_check_digit)[1] == "AE"
    assert errs(bad_check_digit)[0][2] == "PID^1^3^1" and "lus-pnr-1" in errs(bad_check_digit)[0][8]
    nul = send(client, adt(pid={5: "Tolvans\x00son^Tolvan"}))  # PostgreSQL's text takes no NUL
    assert msa(nul)[1] == "AE" and errs(nul)[0][2] == "PID^1^5^1" and "0x00" in errs(nul)[0][8]
    assert version_count(client) == before


def test_a_control_character_escaped_in_a_name_is_dropped(client: TestClient) -> None:
    ack = send(client, adt(pid={5: "Tolvans\\X00\\son^Tolvan"}))
    assert msa(ack)[1] == "AA"
    assert one(client, "Patient", "identifier=191212121212")["name"][0]["family"] == "Tolvansson"


def test_unsupported_type_and_version_are_refused(client: TestClient) -> None:
    assert msa(send(client, corpus("error-oru-refused")))[1] == "AR"
    assert msa(send(client, corpus("error-version-21")))[1] == "AR"
    garbage = send(client, b"\x00\x01hello")
    assert msa(garbage)[1] == "AE"


def test_a_message_before_its_admission_is_held_then_applied_in_order(
    client: TestClient,
) -> None:
    before = version_count(client)
    early = send(client, corpus("takecare-a03-discharge"))
    assert msa(early)[1] == "AA"  # stored: the sender need not resend
    assert errs(early)[0][2:5] == ["PV1^1^19^1", "0^Message accepted^HL70357", "W"]
    assert "held" in errs(early)[0][8]
    assert version_count(client) == before  # not even the Patient: never half-applied
    transfer = adt(
        "A02", control_id="TC-A02-EARLY", f7="20261105090000", pv1={3: "SE2321000016-1C4D"}
    )
    assert msa(send(client, transfer))[1] == "AA"
    listed = client.get("/hl7v2/messages?state=held").json()["messages"]
    assert [(m["controlId"], m["awaiting"]) for m in listed] == [
        ("TC000104", "urn:oid:1.2.752.97.3.1.3|SOS-2026-448812"),
        ("TC-A02-EARLY", "urn:oid:1.2.752.97.3.1.3|SOS-2026-448812"),
    ]
    assert send(client, corpus("takecare-a03-discharge")) == early  # a resend: the same ACK

    assert msa(send(client, corpus("takecare-a01-admit")))[1] == "AA"
    stay = one(client, "Encounter", "identifier=SOS-2026-448812")
    assert stay["status"] == "finished"  # A02 (sent 5 Nov) then A03 (10 Nov) applied
    assert stay["serviceProvider"] == {"reference": "Organization/sos-avd-14"}
    assert stay["meta"]["versionId"] == "3"
    assert client.get("/hl7v2/messages?state=held").json()["messages"] == []
    looked_up = client.get(f"/hl7v2/messages?{SOS}&control-id=TC000104").json()
    assert looked_up["state"] == "applied" and looked_up["changed"] == [
        f"Encounter/{stay['id']}/_history/3"
    ]


def test_a_held_message_that_cannot_apply_fails_alone_and_overdue_ones_are_listed(
    client: TestClient,
) -> None:
    services = client.app.state.services  # type: ignore[attr-defined]
    a11 = adt("A11", control_id="EARLY-A11", f7="20261102150000")
    a13 = adt("A13", control_id="EARLY-A13", f7="20261102160000")  # the stay is not discharged
    assert msa(send(client, a11))[1] == "AA" and msa(send(client, a13))[1] == "AA"
    assert client.get("/hl7v2/messages?state=held&overdue=true").json()["messages"] == []
    real_clock = services.clock
    services.clock = lambda: real_clock() + timedelta(minutes=61)
    overdue = client.get("/hl7v2/messages?state=held&overdue=true").json()["messages"]
    assert {m["controlId"] for m in overdue} == {"EARLY-A11", "EARLY-A13"}
    assert all(m["overdue"] for m in overdue)
    services.clock = real_clock
    assert msa(send(client, adt(control_id="ADMIT-1", f7="20261102143512")))[1] == "AA"
    stay = one(client, "Encounter", "identifier=SOS-2026-448812")
    assert stay["status"] == "cancelled"  # the A11 applied; the A13 could not, alone
    failed = client.get("/hl7v2/messages?state=failed").json()["messages"]
    assert [m["controlId"] for m in failed] == ["EARLY-A13"]
    assert "status is cancelled" in failed[0]["outcome"]


def test_stale_and_impossible_messages_are_refused_clearly(client: TestClient) -> None:
    assert msa(send(client, corpus("takecare-a01-admit")))[1] == "AA"
    assert msa(send(client, corpus("takecare-a03-discharge")))[1] == "AA"
    stale = send(client, adt("A08", control_id="OLD-1", f7="20261101120000"))
    assert msa(stale)[1] == "AE" and errs(stale)[0][2] == "MSH^1^7^1"
    wrong = send(client, adt("A13", control_id="A13-1", f7="20261111120000"))
    assert msa(wrong)[1] == "AA"  # a cancelled discharge is possible after a discharge
    twice = send(client, adt("A13", control_id="A13-2", f7="20261111130000"))
    assert msa(twice)[1] == "AE" and "status is in-progress" in errs(twice)[0][8]


def test_listing_messages_needs_the_region_role(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, run_worker=False)
    ward = principal("Organization/sos-avd-51", region=False)
    with signed_in(create_app(settings), ward) as ward_client:
        assert ward_client.get("/hl7v2/messages?state=held").status_code == 403


def test_an_outpatient_registration_updates_only_the_patient(client: TestClient) -> None:
    ack = send(client, corpus("takecare-a04-outpatient"))
    assert msa(ack)[1] == "AA" and errs(ack)[0][2:5] == [
        "PV1^1^2^1",
        "103^Table value not found^HL70357",
        "W",
    ]
    assert client.get("/fhir/Encounter").json()["total"] == 0
    one(client, "Patient", "identifier=191212121212")


def test_a_protected_identity_never_stores_its_address(client: TestClient) -> None:
    assert msa(send(client, corpus("cosmic-a01-protected")))[1] == "AA"
    patient = one(client, "Patient", "identifier=194809304829")
    assert patient["meta"]["security"][0]["code"] == "R"
    assert [set(a) for a in patient["address"]] == [{"extension"}] and "telecom" not in patient


def test_a_merge_replaces_the_prior_patient_and_moves_its_stays(client: TestClient) -> None:
    prior = adt(
        control_id="KS-1",
        f3="COSMIC",
        f4="SE2321000016-9K1S",
        f18="UNICODE UTF-8",
        pid={3: "99520314001^^^KSRES", 5: "Okänd^Kvinna", 7: "19520314", 8: "F"},
        pv1={3: "SE2321000016-9K2M", 19: "KS-2026-000999"},
    )
    assert msa(send(client, prior))[1] == "AA"
    assert msa(send(client, corpus("cosmic-a40-merge")))[1] == "AA"
    old = one(client, "Patient", "identifier=99520314001&active=false")
    new = one(client, "Patient", "identifier=195203142384")
    assert old["link"] == [{"other": {"reference": f"Patient/{new['id']}"}, "type": "replaced-by"}]
    assert {"other": {"reference": f"Patient/{old['id']}"}, "type": "replaces"} in new["link"]
    stay = one(client, "Encounter", "identifier=KS-2026-000999")
    assert stay["subject"] == {"reference": f"Patient/{new['id']}"}


def test_the_care_type_of_a_psychiatric_feed(client: TestClient) -> None:
    assert msa(send(client, corpus("psyk-a01-lpt-ascii")))[1] == "AA"
    stay = one(client, "Encounter", "vardform=lpt")
    assert stay["serviceProvider"] == {"reference": "Organization/sg-avd-86"}
    assert one(client, "Patient", "identifier=196604273356")["name"][0]["family"] == "Järvinen"


def test_a_wrong_content_type_is_415(client: TestClient) -> None:
    response = client.post("/hl7v2", content=b"MSH|", headers={"Content-Type": "text/csv"})
    assert response.status_code == 415 and response.json()["resourceType"] == "OperationOutcome"


def test_pd1_12_and_a_listed_unit_outside_the_directory(client: TestClient) -> None:
    pd1 = segment("PD1", {3: "Okänd^^SE2321000016-0000"})
    ack = send(client, adt(extra=(pd1,)))
    assert msa(ack)[1] == "AA" and errs(ack)[0][2] == "PD1^1^3^1" and errs(ack)[0][4] == "W"


ER7_HEADERS = {"Content-Type": "x-application/hl7-v2+er7"}
FHIR_JSON = {"Content-Type": "application/fhir+json"}


def test_a_cancelled_admission_ends_the_case_and_names_the_notices_to_withdraw(
    client: TestClient,
) -> None:
    assert msa(send(client, corpus("takecare-a01-admit")))[1] == "AA"
    stay = one(client, "Encounter", "identifier=SOS-2026-448812")
    patient = stay["subject"]["reference"].removeprefix("Patient/")
    notice = notification(
        "inskrivningsmeddelande", patient, stay["id"], "2026-11-02T15:10:00+01:00"
    )
    task = client.post("/fhir/Task", json=notice, headers=FHIR_JSON)
    assert task.status_code == 201, task.text
    cancel = send(client, adt("A11", control_id="TC-A11", f7="20261102160000"))
    assert msa(cancel)[1] == "AA"
    warning = errs(cancel)[0]
    assert warning[2:5] == ["PV1^1", "0^Message accepted^HL70357", "W"]
    assert f"Task/{task.json()['id']}" in warning[8] and "makulering" in warning[8]
    assert one(client, "Encounter", "identifier=SOS-2026-448812")["status"] == "cancelled"
    services = client.app.state.services  # type: ignore[attr-defined]
    with services.store.reading() as conn:
        case = conn.execute(select(cases).where(cases.c.encounter == f"Encounter/{stay['id']}"))
        assert case.one().state == "cancelled"
    later = datetime(2026, 11, 5, 12, tzinfo=UTC)  # past the 24-hour admission-notice deadline
    monitor = DeadlineMonitor(services.store, services.workflow, lambda: later, 240)
    assert not [d for d in monitor.run_once() if stay["id"] in d]
    late = notification("utskrivningsklar", patient, stay["id"], "2026-11-03T10:00:00+01:00")
    refused = client.post("/fhir/Task", json=late, headers=FHIR_JSON)
    assert refused.status_code == 422 and "cancelled" in refused.text
    again = send(client, adt("A01", control_id="TC-A01-AGAIN", f7="20261102170000"))
    assert msa(again)[1] == "AE" and "status is cancelled" in errs(again)[0][8]


def acks_of(body: bytes) -> list[list[list[str]]]:
    """Each ACK of a body (enhanced mode may send two), split into segments and fields."""
    text = body.decode("latin-1").replace("\rMSH|", "\r\x00MSH|")
    return [[s.split("|") for s in part.split("\r") if s] for part in text.split("\x00")]


def test_enhanced_mode_sends_the_accept_and_application_acks_msh_15_16_ask_for(
    client: TestClient,
) -> None:
    both = client.post("/hl7v2", content=adt(f15="AL", f16="AL"), headers=ER7_HEADERS)
    accept, application = acks_of(both.content)
    assert msa(accept)[:3] == ["MSA", "CA", "C1"] and msa(application)[:3] == ["MSA", "AA", "C1"]
    assert application[0][14:16] == ["NE", "NE"]  # our application ACK wants no answer
    again = client.post("/hl7v2", content=adt(f15="AL", f16="AL"), headers=ER7_HEADERS)
    assert again.content == both.content  # a repeat: both ACKs, byte for byte
    quiet = adt("A08", control_id="C2", f7="20261102150000", f15="NE", f16="NE")
    assert client.post("/hl7v2", content=quiet, headers=ER7_HEADERS).status_code == 204
    bad = adt("A08", control_id="C3", f7="20261102160000", f15="AL", f16="ER", pv1={44: "2026x"})
    not_committed, rejected = acks_of(client.post("/hl7v2", content=bad, headers=ER7).content)
    assert msa(not_committed)[1] == "CE" and msa(rejected)[1] == "AE"
    assert errs(not_committed)[0][2] == errs(rejected)[0][2] == "PV1^1^44^1"
    refused = adt(f9="ORU^R01", control_id="C4", f15="ER", f16="NE")
    assert [
        msa(a)[1] for a in acks_of(client.post("/hl7v2", content=refused, headers=ER7).content)
    ] == ["CR"]
    success_only = adt("A08", control_id="C5", f7="20261102170000", f15="ER", f16="SU")
    sent = acks_of(client.post("/hl7v2", content=success_only, headers=ER7).content)
    assert [msa(a)[1] for a in sent] == ["AA"]
