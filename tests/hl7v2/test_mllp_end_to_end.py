"""End to end over loopback: `lus-fhir serve --mllp-port` (SQLite and PostgreSQL) receives a whole
stay (A01 → A02 → A08 → A03) from a real MLLP client. The stay's Encounter and case, and the
routing of the ward's notifications about it, equal those of the same stay written over FHIR; a
message whose ACK is lost with the connection is resent and applied once; two senders at once."""

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from service.hl7v2.client import MllpClient, messages_in
from service.hl7v2.framing import frame
from service.simulation.net import free_port
from service.storage.database import engine_for
from service.storage.schema import cases, outbox
from tests.hl7v2.conftest import corpus
from tests.hl7v2.messages import SENDERS_FILE, adt
from tests.support.auth import REGION, load_directory, principal, register
from tests.support.databases import fresh_postgres_database
from tests.support.server import ServerProcess, start_server
from tests.workflow.conftest import notification

FHIR = {"Content-Type": "application/fhir+json"}
PERSONNUMMER = "http://electronichealth.se/identifier/personnummer"
TWIN_VISIT = [{"system": "urn:oid:1.2.752.97.3.1.3", "value": "SOS-TWIN-1"}]
PEOPLE = (("191212121212", 1), ("194809304829", 1), ("197010632391", 3))
# The region's integration engine: its MLLP feed writes the stays of the region's wards.
FEED_SCOPES = "system/Patient.cruds system/Encounter.cruds system/Task.cruds"
AUTH: list[httpx.Auth | None] = [None]  # the signed-in identity of the test's server
STAY = ("takecare-a01-admit", "takecare-a02-transfer", "takecare-a08-update")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[ServerProcess, int, str]]:
    url = fresh_postgres_database() if request.param == "postgres" else None
    database = url or f"sqlite:///{tmp_path / 'lus-fhir.sqlite3'}"
    port = free_port()
    load_directory(database)
    feed, _ = register(database, REGION, region=False, scopes=FEED_SCOPES, client_id="hl7-feed")
    monkeypatch.setenv("LUS_FHIR_MLLP_PORT", str(port))
    monkeypatch.setenv("LUS_FHIR_HL7V2_SENDERS", SENDERS_FILE)
    monkeypatch.setenv("LUS_FHIR_MLLP_CLIENT", feed)
    process = start_server(tmp_path, url)
    AUTH[0] = process.auth(principal(REGION, region=False))
    try:
        yield process, port, database
    finally:
        process.stop()


def mllp(port: int, name: str) -> bytes:
    with MllpClient("127.0.0.1", port, timeout=60) as client:
        return client.send(messages_in(corpus(name))[0])


def found(base: str, kind: str, query: str) -> dict[str, Any]:
    bundle = httpx.get(auth=AUTH[0], url=f"{base}/{kind}?{query}", timeout=30).json()
    assert bundle["total"] == 1, bundle
    return dict(bundle["entry"][0]["resource"])


def task(base: str, event: str, patient: str, encounter: str, authored: str) -> str:
    body = notification(event, patient, encounter, authored)
    response = httpx.post(auth=AUTH[0], url=f"{base}/Task", json=body, headers=FHIR, timeout=30)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def receivers(url: str, task_id: str) -> set[str]:
    engine = engine_for(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        rows = conn.execute(
            select(outbox.c.receiver).where(outbox.c.notification == f"Task/{task_id}")
        )
        found_receivers = {row.receiver for row in rows}
    engine.dispose()
    return found_receivers


def case_of(url: str, encounter: str) -> dict[str, Any]:
    engine = engine_for(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        row = conn.execute(select(cases).where(cases.c.encounter == f"Encounter/{encounter}")).one()
    engine.dispose()
    return {
        k: v for k, v in row._mapping.items() if k not in ("encounter", "patient", "updated_at")
    }


def fhir_twin(base: str, patient: dict[str, Any], first: dict[str, Any]) -> tuple[str, str]:
    """The same patient and admission as a ward's FHIR client writes them, under another
    personnummer and visit number."""
    twin = {k: v for k, v in patient.items() if k not in ("id", "meta")}
    twin["identifier"] = [{"system": PERSONNUMMER, "value": "194809304829"}]
    created = httpx.post(auth=AUTH[0], url=f"{base}/Patient", json=twin, headers=FHIR, timeout=30)
    assert created.status_code == 201, created.text
    twin_id = str(created.json()["id"])
    body = {k: v for k, v in first.items() if k not in ("id", "meta")}
    body |= {"identifier": TWIN_VISIT, "subject": {"reference": f"Patient/{twin_id}"}}
    response = httpx.post(
        auth=AUTH[0], url=f"{base}/Encounter", json=body, headers=FHIR, timeout=30
    )
    assert response.status_code == 201, response.text
    return twin_id, str(response.json()["id"])


def fhir_update(base: str, twin: str, encounter: str, version: dict[str, Any]) -> None:
    body = {k: v for k, v in version.items() if k not in ("id", "meta")}
    body |= {"id": encounter, "identifier": TWIN_VISIT, "subject": {"reference": f"Patient/{twin}"}}
    response = httpx.put(
        auth=AUTH[0], url=f"{base}/Encounter/{encounter}", json=body, headers=FHIR, timeout=30
    )
    assert response.status_code == 200, response.text


def history(process: ServerProcess) -> int:
    return int(
        httpx.get(auth=AUTH[0], url=f"{process.base}/Encounter/_history", timeout=30).json()[
            "total"
        ]
    )


def same_stay(resource: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resource.items() if k not in ("id", "meta", "identifier", "subject")}


def test_a_whole_stay_over_mllp_equals_the_same_stay_over_fhir(
    server: tuple[ServerProcess, int, str],
) -> None:
    process, port, url = server
    base = process.base
    versions: list[dict[str, Any]] = []
    assert b"MSA|AA|TC000101" in mllp(port, "takecare-a01-admit")
    patient = found(base, "Patient", "identifier=191212121212")
    versions.append(found(base, "Encounter", "identifier=SOS-2026-448812"))
    stay_id = versions[0]["id"]
    admission = task(
        base, "inskrivningsmeddelande", patient["id"], stay_id, "2026-11-02T15:10:00+01:00"
    )
    for name in STAY[1:]:
        assert b"MSA|AA" in mllp(port, name), name
        versions.append(found(base, "Encounter", "identifier=SOS-2026-448812"))
    assert b"MSA|AA" in mllp(port, "takecare-a03-discharge")
    versions.append(found(base, "Encounter", "identifier=SOS-2026-448812"))
    discharge = task(
        base, "utskrivningsmeddelande", patient["id"], stay_id, "2026-11-10T10:50:00+01:00"
    )
    final = versions[-1]
    assert (
        final["status"] == "finished"
        and final["serviceProvider"]["reference"] == "Organization/sos-avd-14"
    )

    twin, twin_stay = fhir_twin(base, patient, versions[0])
    twin_admission = task(
        base, "inskrivningsmeddelande", twin, twin_stay, "2026-11-02T15:10:00+01:00"
    )
    for version in versions[1:]:  # transfer, update, discharge: a PUT each
        fhir_update(base, twin, twin_stay, version)
    twin_discharge = task(
        base, "utskrivningsmeddelande", twin, twin_stay, "2026-11-10T10:50:00+01:00"
    )

    assert same_stay(found(base, "Encounter", f"_id={twin_stay}")) == same_stay(final)
    assert case_of(url, twin_stay) == case_of(url, stay_id)
    assert case_of(url, stay_id)["state"] == "discharged"
    assert receivers(url, admission) == receivers(url, twin_admission) != set()
    assert receivers(url, discharge) == receivers(url, twin_discharge) != set()
    assert "Organization/sdf-hagersten-alvsjo" in receivers(url, admission)
    assert "Organization/vc-liljeholmen" in receivers(url, admission)


def test_a_message_resent_after_a_dropped_connection_is_applied_once(
    server: tuple[ServerProcess, int, str],
) -> None:
    process, port, _ = server
    message = messages_in(corpus("takecare-a01-admit"))[0]
    with MllpClient("127.0.0.1", port, timeout=60) as client:
        client.sock.sendall(frame(message))  # and hang up before the ACK
    first_ack = mllp(port, "takecare-a01-admit")  # the sender's resend after its timeout
    assert b"MSA|AA|TC000101" in first_ack
    assert history(process) == 1  # whichever of the two came first, the stay was written once
    again = mllp(port, "takecare-a01-admit")
    assert again == first_ack
    assert history(process) == 1
    sender = "TAKECARE%7CSE2321000016-15CQ"
    looked_up = httpx.get(
        auth=AUTH[0],
        url=f"{process.base.removesuffix('/fhir')}/hl7v2/messages?sender={sender}&control-id=TC000101",
        timeout=30,
    ).json()
    assert len(looked_up["changed"]) == 2  # the Patient and the Encounter, once


def test_two_senders_at_once(server: tuple[ServerProcess, int, str]) -> None:
    process, port, _ = server
    acks: dict[str, list[bytes]] = {}

    def feed(sender: str, facility: str, ward: str, prefix: str) -> None:
        with MllpClient("127.0.0.1", port, timeout=60) as client:
            acks[sender] = [
                client.send(
                    adt(
                        control_id=f"{prefix}-{n}",
                        f3=sender,
                        f4=facility,
                        f7=f"202611021{n:02d}000",
                        pid={3: f"{number}^^^&1.2.752.129.2.1.3.{kind}&ISO"},
                        pv1={3: ward, 19: f"{prefix}-V{n}^^^&1.2.752.97.{len(prefix)}&ISO"},
                    )
                )
                for n, (number, kind) in enumerate(PEOPLE, 1)
            ]

    threads = [
        threading.Thread(
            target=feed, args=("TAKECARE", "SE2321000016-15CQ", "SE2321000016-1A2B", "SOS")
        ),
        threading.Thread(
            target=feed, args=("COSMIC", "SE2321000016-9K1S", "SE2321000016-9K2M", "KARO")
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert all(b"MSA|AA|" in a for sent in acks.values() for a in sent), acks
    assert httpx.get(auth=AUTH[0], url=f"{process.base}/Encounter", timeout=30).json()["total"] == 6
    assert httpx.get(auth=AUTH[0], url=f"{process.base}/Patient", timeout=30).json()["total"] == 3


def test_the_cli_sends_a_file_and_reports_each_ack(
    server: tuple[ServerProcess, int, str], tmp_path: Path
) -> None:
    _, port, _ = server
    stay = b"".join(corpus(name) for name in STAY)  # three messages, LF between segments
    file = tmp_path / "stay.hl7"
    file.write_bytes(stay)
    command = [sys.executable, "-m", "service.cli.main", "hl7v2", "send", str(file)]
    sent = subprocess.run([*command, "--to", f"127.0.0.1:{port}"], capture_output=True, timeout=120)
    assert sent.returncode == 0, sent.stdout.decode() + sent.stderr.decode()
    assert sent.stdout.decode().count(": AA") == 3
    (tmp_path / "bad.hl7").write_bytes(corpus("error-bad-admit-time"))
    bad = [*command[:-1], str(tmp_path / "bad.hl7"), "--to", f"127.0.0.1:{port}"]
    refused = subprocess.run(bad, capture_output=True, timeout=120)
    assert refused.returncode == 1 and b"PV1^1^44" in refused.stdout
    closed = subprocess.run([*command, "--to", f"127.0.0.1:{free_port()}"], capture_output=True)
    assert closed.returncode == 2


def test_enhanced_mode_and_a_held_discharge_over_mllp(
    server: tuple[ServerProcess, int, str],
) -> None:
    process, port, url = server
    early = messages_in(corpus("takecare-a03-discharge"))[0].replace(b"|P|2.5", b"|P|2.5|||AL|AL")
    with MllpClient("127.0.0.1", port, timeout=60) as client:
        accept = client.send(early)
        application = client.receive()  # the second frame: the application ACK
        assert b"MSA|CA|TC000104" in accept and b"MSA|AA|TC000104" in application
        assert b"held" in application and b"|NE|NE" in application.split(b"\r")[0]
        assert client.send(messages_in(corpus("takecare-a01-admit"))[0]).count(b"MSA|AA") == 1
        quiet = adt("A08", control_id="Q-1", f7="20261110120000", f15="NE", f16="NE")
        assert client.exchange(quiet, quiet=1.0) == []  # asked for no ACK, got none
        loud = adt("A08", control_id="Q-2", f7="20261110130000", f15="AL", f16="AL")
        accepted, applied = client.exchange(loud)
        assert b"MSA|CA|Q-2" in accepted and b"MSA|AA|Q-2" in applied
    stay = found(process.base, "Encounter", "identifier=SOS-2026-448812")
    assert stay["status"] == "finished" and stay["period"]["end"] == "2026-11-10T10:45:00+01:00"
    assert case_of(url, stay["id"])["state"] == "admitted"  # the case opened; no notice yet
    sender = "TAKECARE%7CSE2321000016-15CQ"
    looked_up = httpx.get(
        auth=AUTH[0],
        url=f"{process.base.removesuffix('/fhir')}/hl7v2/messages?sender={sender}&control-id=TC000104",
        timeout=30,
    ).json()
    assert looked_up["state"] == "applied"
    assert looked_up["ack"].encode() == accept + application  # what a resend gets again
