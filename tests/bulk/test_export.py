"""$export as a municipality and the region use it: kick off, poll, download NDJSON that our
validator accepts line by line, and never more than the caller may read."""

import json
import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from service.export import jobs
from service.export.files import ExportFiles
from service.fhirtime import utc_now
from service.outcome import has_errors
from service.storage.schema import audit_events, audit_links
from service.validation import validator
from service.workflow.payloads import PROTECTED
from tests.bulk.conftest import (
    ASYNC,
    A,
    World,
    exported,
    files,
    ids,
    kick_off,
    local,
    manifest,
)
from tests.support.auth import principal, signed_in
from tests.workflow.conftest import SD


def test_round_trip_every_line_is_valid(world: World) -> None:
    status = kick_off(world.region, _type="Patient,Encounter,Task,Organization,Endpoint")
    assert world.run_exports() == 1
    found = manifest(world.region, status)
    assert found["requiresAccessToken"] is True
    assert found["request"].startswith("http://testserver/fhir/$export?_type=")
    assert found["error"] == []
    assert found["transactionTime"].endswith("Z")
    contents = files(world.region, found)
    assert set(contents) == {"Patient", "Encounter", "Task", "Organization", "Endpoint"}
    for kind, lines in contents.items():
        for resource in lines:
            outcome = validator().validate(resource)
            assert not has_errors(outcome), (kind, resource["id"], outcome)


def test_municipality_exports_only_its_stays_and_the_region_all(world: World) -> None:
    kinds = "Patient,Encounter,Task"
    a = exported(world, world.a, _type=kinds)
    b = exported(world, world.b, _type=kinds)
    region = exported(world, world.region, _type=kinds)
    assert ids(a, "Patient") == {world.tolvan}
    assert ids(a, "Encounter") == {world.tolvan_stay}
    assert ids(b, "Patient") == {world.nilsson}
    assert ids(b, "Encounter") == {world.nilsson_stay}
    assert {t["focus"]["reference"] for t in a["Task"]} == {f"Encounter/{world.tolvan_stay}"}
    assert {t["focus"]["reference"] for t in b["Task"]} == {f"Encounter/{world.nilsson_stay}"}
    assert ids(region, "Patient") >= {world.tolvan, world.nilsson}
    # the export shows exactly what the same party's search shows: one access rule
    for client, contents in ((world.a, a), (world.b, b), (world.region, region)):
        for kind in kinds.split(","):
            bundle = client.get(f"/fhir/{kind}?_count=500").json()
            assert ids(contents, kind) == {e["resource"]["id"] for e in bundle.get("entry", [])}


def test_a_municipality_group_holds_its_residents(world: World) -> None:
    nacka = exported(world, world.region, "/fhir/Group/kommun-0182/$export")
    assert ids(nacka, "Patient") == {world.nilsson}
    assert ids(nacka, "Encounter") == {world.nilsson_stay}
    assert "Organization" not in nacka  # the directory is no patient's data
    assert exported(world, world.a, "/fhir/Group/kommun-0182/$export") == {}  # takes no part
    unknown = world.region.get("/fhir/Group/kommun-9999/$export", headers=ASYNC)
    assert unknown.status_code == 404
    assert "kommun-<kommunkod>" in unknown.text


def test_patient_export_holds_the_patient_compartment(world: World) -> None:
    contents = exported(world, world.a, "/fhir/Patient/$export")
    assert ids(contents, "Patient") == {world.tolvan}
    assert ids(contents, "Encounter") == {world.tolvan_stay}
    assert "Task" in contents and "Organization" not in contents


def test_since_exports_only_what_changed_after(world: World) -> None:
    first = manifest(world.a, _done(world, kick_off(world.a, _type="Patient,Encounter")))
    nothing = exported(world, world.a, _since=first["transactionTime"], _type="Patient,Encounter")
    assert nothing == {}
    tolvan = world.ward.get(f"/fhir/Patient/{world.tolvan}").json()
    tolvan["name"][0]["given"] = ["Tolvan"]
    assert world.ward.put(f"/fhir/Patient/{world.tolvan}", json=tolvan).status_code == 200
    changed = exported(world, world.a, _since=first["transactionTime"])
    assert set(changed) == {"Patient"} and ids(changed, "Patient") == {world.tolvan}


def _done(world: World, status: str) -> str:
    world.run_exports()
    return status


@pytest.mark.parametrize(
    ("query", "headers", "status", "named"),
    [
        ("_type=Patient", {"Accept": "application/fhir+json"}, 400, "Prefer"),
        ("_outputFormat=text/csv", ASYNC, 400, "_outputFormat"),
        ("_outputFormat=ndjson&_outputFormat=ndjson", ASYNC, 400, "_outputFormat"),
        ("_type=Nonsense", ASYNC, 400, "_type"),
        ("_type=Patient,AuditEvent", ASYNC, 400, "_type"),
        ("_since=yesterday", ASYNC, 400, "_since"),
        ("_elements=id", ASYNC, 400, "_elements"),
        ("_typeFilter=Task%3Fstatus%3Drequested", ASYNC, 400, "_typeFilter"),
        ("colour=red", ASYNC, 400, "colour"),
        ("", {**ASYNC, "Accept": "application/fhir+xml"}, 406, None),
    ],
)
def test_bad_kick_off_is_an_operation_outcome(
    world: World, query: str, headers: dict[str, str], status: int, named: str | None
) -> None:
    answer = world.a.get(f"/fhir/$export?{query}", headers=headers)
    assert answer.status_code == status, answer.text
    outcome = answer.json()
    assert outcome["resourceType"] == "OperationOutcome"
    if named:
        assert outcome["issue"][0]["expression"] == [named]


def test_a_type_outside_the_token_is_refused(world: World) -> None:
    app = world.region.app
    with signed_in(
        app, principal("Organization/socialtjanst-0182", False, "system/Patient.rs")
    ) as patients_only:
        refused = patients_only.get("/fhir/$export?_type=Task", headers=ASYNC)
        assert refused.status_code == 403 and "system/Task.s" in refused.text
        status = kick_off(patients_only)  # without _type: what the token may search
        world.run_exports()
        assert {e["type"] for e in manifest(patients_only, status)["output"]} == {"Patient"}
    with signed_in(
        app, principal("Organization/socialtjanst-0182", False, "system/Task.c")
    ) as no_search:
        assert no_search.get("/fhir/$export", headers=ASYNC).status_code == 403


def test_status_while_queued_then_the_manifest(world: World) -> None:
    status = kick_off(world.a, _type="Patient")
    waiting = world.a.get(status)
    assert waiting.status_code == 202
    assert waiting.headers["X-Progress"] == "queued" and int(waiting.headers["Retry-After"]) > 0
    with world.services.store.begin() as conn:
        job = jobs.claim(conn, utc_now(), timedelta(seconds=60))
        assert job is not None
        jobs.renew(conn, job, utc_now(), timedelta(seconds=60), 1, 4)
    running = world.a.get(status)
    assert running.status_code == 202 and running.headers["X-Progress"] == "25% (1 of 4 resources)"
    world.exporter().run(job)
    assert [e["type"] for e in manifest(world.a, status)["output"]] == ["Patient"]


def test_only_the_client_that_kicked_off_sees_the_job(world: World) -> None:
    status = kick_off(world.a, _type="Patient,Encounter")
    world.run_exports()
    found = manifest(world.a, status)
    file_url = local(found["output"][0]["url"])
    for other in (world.b, world.region):  # even the region-wide role: a job is its client's
        assert other.get(status).status_code == 404
        assert other.get(file_url).status_code == 404
        assert other.delete(status).status_code == 404
    assert world.a.get(file_url).status_code == 200


def _folder(world: World, status: str) -> Any:
    return ExportFiles.under(world.settings.data_dir).root / status.rsplit("/", 1)[1]


def test_deleted_job_and_its_files_are_gone(world: World) -> None:
    status = kick_off(world.a)
    world.run_exports()
    file_url = local(manifest(world.a, status)["output"][0]["url"])
    assert any(_folder(world, status).rglob("*.ndjson"))
    answer = world.a.delete(status)
    assert answer.status_code == 202 and answer.json()["resourceType"] == "OperationOutcome"
    assert not _folder(world, status).exists()
    assert world.a.get(status).status_code == 404
    assert world.a.get(file_url).status_code == 404
    assert world.a.delete(status).status_code == 404


def test_a_job_deleted_while_running_leaves_no_files(world: World) -> None:
    status = kick_off(world.a)
    with world.services.store.begin() as conn:
        job = jobs.claim(conn, utc_now(), timedelta(seconds=60))
    assert job is not None
    assert world.a.delete(status).status_code == 202
    world.exporter().run(job)  # the worker notices at its first renewal and gives up
    assert not _folder(world, status).exists()
    assert world.a.get(status).status_code == 404


def test_expired_jobs_and_files_are_removed(world: World) -> None:
    status = kick_off(world.a, _type="Patient")
    world.run_exports()
    manifest(world.a, status)
    assert _folder(world, status).exists()
    retention = timedelta(hours=world.settings.export_retention_hours)
    world.exporter(lambda: utc_now() + retention - timedelta(minutes=1)).sweep()
    assert world.a.get(status).status_code == 200  # not yet
    world.exporter(lambda: utc_now() + retention + timedelta(minutes=1)).sweep()
    assert not _folder(world, status).exists()
    assert world.a.get(status).status_code == 404


def test_two_jobs_run_at_once_by_two_workers(world: World) -> None:
    statuses = [kick_off(world.a), kick_off(world.region, _type="Patient,Encounter")]
    exporters = [world.exporter(), world.exporter()]
    claimed: list[bool] = []
    threads = [threading.Thread(target=lambda e=e: claimed.append(e.run_once())) for e in exporters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert claimed == [True, True]  # each worker took one job
    assert world.run_exports() == 0
    a = files(world.a, manifest(world.a, statuses[0]))
    region = files(world.region, manifest(world.region, statuses[1]))
    assert ids(a, "Patient") == {world.tolvan}
    assert ids(region, "Patient") >= {world.tolvan, world.nilsson}


def test_a_job_whose_worker_died_is_taken_up_again(world: World) -> None:
    status = kick_off(world.a, _type="Patient")
    lease = timedelta(seconds=world.settings.export_lease_seconds)
    with world.services.store.begin() as conn:
        dead = jobs.claim(conn, utc_now(), lease)  # this worker never comes back …
    assert dead is not None
    assert world.exporter().run_once() is False  # … and its lease still holds
    later = world.exporter(lambda: utc_now() + lease + timedelta(seconds=1))
    assert later.run_once() is True
    assert ids(files(world.a, manifest(world.a, status)), "Patient") == {world.tolvan}
    world.exporter().run(dead)  # the stale worker wakes up: fenced off, its folder removed
    assert not (_folder(world, status) / str(dead.attempt)).exists()
    assert ids(files(world.a, manifest(world.a, status)), "Patient") == {world.tolvan}


def test_protected_identity_leaves_without_address(world: World) -> None:
    """Even a protected Patient stored with an address (written before it was protected, or
    with validation off) is exported with only its municipality code and district."""
    hidden: dict[str, Any] = {
        "resourceType": "Patient",
        "id": "skyddad-export",
        "meta": {"security": [{"system": PROTECTED[0], "code": PROTECTED[1]}]},
        "address": [
            {
                "line": ["Hemlig väg 1"],
                "city": "Ort",
                "extension": [
                    {
                        "url": f"{SD}/lus-kommunkod",
                        "valueCoding": {"system": "urn:oid:1.2.752.129.2.2.1.17", "code": "0182"},
                    }
                ],
            }
        ],
    }
    store = world.services.store
    with store.begin() as conn:
        store.write(conn, hidden, None, "POST")
    contents = exported(world, world.region, _type="Patient")
    line = next(r for r in contents["Patient"] if r["id"] == "skyddad-export")
    assert line["address"] == [{"extension": hidden["address"][0]["extension"]}]
    assert "Hemlig" not in json.dumps(contents)


def test_the_access_log_names_what_was_exported(world: World) -> None:
    kick_off(world.a, _type="Patient,Encounter")
    world.run_exports()
    with world.services.store.reading() as conn:
        query = select(audit_events.c.id).where(audit_events.c.subtype == "export")
        entries = set(conn.execute(query.where(audit_events.c.organization == A)).scalars())
        linked = {
            (row.kind, row.value)
            for row in conn.execute(select(audit_links).where(audit_links.c.audit_id.in_(entries)))
        }
    assert ("patient", f"Patient/{world.tolvan}") in linked
    assert ("entity", f"Encounter/{world.tolvan_stay}") in linked
    assert ("patient", f"Patient/{world.nilsson}") not in linked


def test_capability_statement_declares_the_export(world: World) -> None:
    capability = world.region.get("/fhir/metadata").json()
    names = {o["name"] for o in capability["rest"][0]["operation"]}
    assert {"export", "patient-export", "group-export"} <= names
    assert (
        "http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"
        in capability["instantiates"]
    )
