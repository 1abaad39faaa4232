"""The access log: every interaction leaves an entry (writes in their own transaction, reads and
refusals before they are answered), the region reads it as BALP-shaped AuditEvents, nobody
writes it, and a patient's log extract lists who accessed what."""

import json
import os
import random
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from service.audit.event import (
    MINOR_FAILURE,
    SUCCESS,
    AuditRecord,
    RequestInfo,
    audited,
    new_id,
    write,
)
from service.cli.main import app
from service.fhirtime import stamp
from service.storage.database import engine_for, migrate
from service.storage.schema import audit_events, audit_links
from service.validation import validator
from tests.security.conftest import PERSONNUMMER, WARD, A, B, World
from tests.support.databases import fresh_postgres_database
from tests.workflow.conftest import FHIR, notification


def _log(world: World) -> list[dict[str, object]]:
    services = world.admin.app.state.services
    services.audit.flush()
    with services.store.reading() as conn:
        rows = conn.execute(select(audit_events).order_by(audit_events.c.seq)).mappings().all()
        links = conn.execute(select(audit_links)).mappings().all()
    found = []
    for row in rows:
        entry = dict(row)
        entry["patients"] = {
            r["value"] for r in links if r["audit_id"] == row["id"] and r["kind"] == "patient"
        }
        entry["entities"] = {
            r["value"] for r in links if r["audit_id"] == row["id"] and r["kind"] == "entity"
        }
        found.append(entry)
    return found


def test_writes_are_logged_with_who_what_and_the_request(world: World) -> None:
    created = [e for e in _log(world) if e["subtype"] == "create" and e["organization"] == WARD]
    assert {next(iter(e["entities"])).split("/")[0] for e in created} >= {
        "Patient",
        "Encounter",
        "Task",
    }
    task = next(e for e in created if f"Task/{world.task}" in e["entities"])
    assert task["patients"] == {f"Patient/{world.patient}"}
    assert task["action"] == "C" and task["outcome"] == "0"
    assert task["request_id"] and task["token_id"]


def test_reads_searches_and_refusals_are_logged(world: World) -> None:
    response = world.a.get(f"/fhir/Task/{world.task}", headers={"X-Request-Id": "las-1"})
    assert response.headers["x-request-id"] == "las-1"
    world.a.get(f"/fhir/Task?patient=Patient/{world.patient}")
    assert world.b.get(f"/fhir/Task/{world.task}").status_code == 404
    assert (
        world.b.get("/fhir/Task", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    )
    log = _log(world)
    read = next(e for e in log if e["request_id"] == "las-1")
    assert (read["organization"], read["subtype"], read["action"]) == (A, "read", "R")
    assert read["patients"] == {f"Patient/{world.patient}"}
    search = [e for e in log if e["organization"] == A and e["subtype"] == "search-type"]
    assert search and f"Task/{world.task}" in search[-1]["entities"]
    refused = [e for e in log if e["organization"] == B and e["outcome"] == "4"]
    assert refused and "404" in str(refused[-1]["detail"])
    assert any(e["subtype"] == "authenticate" and e["outcome"] == "4" for e in log)


def test_what_a_request_brings_in_never_holds_up_the_log(world: World) -> None:
    """A NUL in the decoded path (PostgreSQL's text refuses it) made the log's writer retry its
    batch for good: every later entry waited, and at last every request was refused (503)."""
    assert world.a.get("/fhir/Task/%00", headers={"X-Request-Id": "nul-1"}).status_code == 400
    refused = next(e for e in _log(world) if e["request_id"] == "nul-1")
    assert refused["query"] == "GET /fhir/Task/\ufffd"


def test_a_rolled_back_write_logs_only_its_failure(world: World) -> None:
    bad = notification("inskrivningsmeddelande", world.patient, world.stay, "inte ett datum")
    before = len(_log(world))
    assert world.ward.post("/fhir/Task", json=bad, headers=FHIR).status_code == 422
    new = _log(world)[before:]
    assert [(e["subtype"], e["outcome"]) for e in new] == [("create", "4")]
    assert new[0]["entities"] == set()


def test_tokens_issued_and_refused_are_logged(world: World) -> None:
    refused = world.b.post("/auth/token", data={"grant_type": "client_credentials"})
    assert refused.status_code in (400, 401)
    assert any(e["subtype"] == "token" and e["outcome"] == "4" for e in _log(world))


def test_the_region_searches_the_log_as_audit_events(world: World) -> None:
    world.a.get(f"/fhir/Task/{world.task}", headers={"X-Request-Id": "las-2"})
    patient = f"Patient/{world.patient}"
    by_patient = world.admin.get(f"/fhir/AuditEvent?patient={patient}&agent={A}").json()
    events = [e["resource"] for e in by_patient["entry"]]
    assert events and all(e["resourceType"] == "AuditEvent" for e in events)
    mine = next(
        e
        for e in events
        if any(x.get("what", {}).get("identifier", {}).get("value") == "las-2" for x in e["entity"])
    )
    assert {"reference": A} in [a["who"] for a in mine["agent"]]
    assert mine["agent"][0]["policy"] == ["urn:lus-fhir:authentication:token"]
    outcome = validator().validate(mine, [])
    assert not [i for i in outcome["issue"] if i["severity"] in ("error", "fatal")], outcome
    one = world.admin.get(f"/fhir/AuditEvent/{mine['id']}").json()
    assert one["id"] == mine["id"]
    entity = world.admin.get(f"/fhir/AuditEvent?entity=Task/{world.task}&date=ge2020-01-01").json()
    assert entity["total"] >= 2
    assert world.admin.get("/fhir/AuditEvent?date=lt2000-01-01").json()["total"] == 0
    assert world.admin.get("/fhir/AuditEvent?nonsense=1").status_code == 400
    assert world.a.get("/fhir/AuditEvent").status_code == 403


def test_the_patients_log_extract(world: World, tmp_path: Path) -> None:
    world.a.get(f"/fhir/Task/{world.task}")
    services = world.admin.app.state.services
    services.audit.flush()  # read entries are committed within moments; the CLI reads the store
    database = services.settings.database()
    out = tmp_path / "extract.json"
    run = CliRunner().invoke(
        app,
        [
            "audit",
            "extract",
            "--patient",
            PERSONNUMMER,
            "--format",
            "json",
            "--out",
            str(out),
            "--db",
            database,
        ],
    )
    assert run.exit_code == 0, run.output
    rows = json.loads(out.read_text(encoding="utf-8"))
    organizations = {r["organisation"] for r in rows}
    assert {WARD, A} <= organizations and B not in organizations
    named = next(r for r in rows if r["organisation"] == A)
    assert (
        named["organisationsnamn"].startswith("Stadsdelsförvaltning") or named["organisationsnamn"]
    )
    assert "+01:00" in named["tidpunkt"] or "+02:00" in named["tidpunkt"]
    csv = CliRunner().invoke(app, ["audit", "extract", "--patient", PERSONNUMMER, "--db", database])
    assert csv.stdout.startswith("\ufefftidpunkt;organisation;")
    assert (
        CliRunner()
        .invoke(app, ["audit", "extract", "--patient", "123", "--db", database])
        .exit_code
        == 2
    )


def test_the_services_own_work_is_not_a_clients_access() -> None:
    from service.auth.principal import INTERNAL

    assert not audited(INTERNAL)


def test_entry_ids_do_not_follow_the_shared_random_seed() -> None:
    # hypothesis (and any library) may seed the random module; the log's ids must not repeat then.
    random.seed(0)
    first = new_id()
    random.seed(0)
    assert new_id() != first


def test_a_forked_process_draws_other_ids() -> None:
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:
        os.write(writer, new_id().encode())
        os._exit(0)
    os.close(writer)
    os.waitpid(child, 0)
    theirs = os.read(reader, 64).decode()
    os.close(reader)
    assert theirs and theirs != new_id()


def test_entries_are_written_whole_and_fitted_in_the_callers_transaction(
    backend: str, tmp_path: Path
) -> None:
    """`write` inserts through the transaction's DBAPI cursor: every column as given, NUL
    replaced, overlong values cut to their column, links that cut alike written once, and
    nothing kept when the caller's transaction rolls back."""
    url = fresh_postgres_database() if backend == "postgres" else f"sqlite:///{tmp_path}/a.db"
    engine = engine_for(url)
    migrate(engine)
    long = "Organization/" + "x" * 200
    full = AuditRecord(
        "search-type",
        MINOR_FAILURE,
        client_id="sos\x00system",
        organization=long,
        token_id="t-1",
        authentication="token",
        request=RequestInfo("req-1", "10.0.0.1", "GET /fhir/Task?x=\x00"),
        detail="refused: " + "d" * 5000,
        patients={"Patient/p1"},
        entities={long + "a", long + "b", "Task/t1"},
    )
    bare = AuditRecord("token")
    at = datetime(2026, 12, 4, 2, 30, tzinfo=UTC)
    try:
        with engine.connect() as conn:
            write(conn, [full, bare], at)
            conn.rollback()
            assert conn.execute(select(audit_events)).all() == []
            write(conn, [full, bare], at)
            conn.commit()
        with engine.connect() as conn:
            rows = conn.execute(select(audit_events).order_by(audit_events.c.seq)).mappings()
            events = [{k: v for k, v in row.items() if k != "seq"} for row in rows]
            links = set(conn.execute(select(audit_links)).tuples())
    finally:
        engine.dispose()
    recorded = stamp(at)
    cut = long[:140]
    assert events == [
        {
            "id": full.id,
            "recorded": recorded,
            "subtype": "search-type",
            "action": "E",
            "outcome": MINOR_FAILURE,
            "client_id": "sos\ufffdsystem",
            "organization": cut,
            "request_id": "req-1",
            "token_id": "t-1",
            "authentication": "token",
            "address": "10.0.0.1",
            "query": "GET /fhir/Task?x=\ufffd",
            "detail": "refused: " + "d" * 5000,
        },
        {
            "id": bare.id,
            "recorded": recorded,
            "subtype": "token",
            "action": "E",
            "outcome": SUCCESS,
            **dict.fromkeys(
                ("client_id", "organization", "request_id", "token_id", "authentication"), None
            ),
            **dict.fromkeys(("address", "query", "detail"), None),
        },
    ]
    assert links == {
        (full.id, "patient", "Patient/p1", recorded),
        (full.id, "entity", cut, recorded),
        (full.id, "entity", "Task/t1", recorded),
    }
