"""`lus-fhir db copy`: a county's month written by the real write path (the simulator, REST writes
of every kind, a registered client signing in, the access log, a kept statistics month, an HL7 v2
message, a subscription, an export) arrives in PostgreSQL and back in SQLite row for row, and the
copy works: a server on it answers what the source answers, the month's figures are the same, its
outbox delivers and its next writes get new numbers. A copy that cannot finish leaves nothing."""

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from typer.testing import CliRunner

from service.auth.backend_client import token_form
from service.cli.main import app as cli
from service.delivery import DeliveryConfig, Worker
from service.demo import PEOPLE_AND_STAYS, directory_bundle, examples_in_load_order
from service.rest.app import create_app
from service.settings import Settings
from service.simulation.history import simulate
from service.storage.copy import SEEDED, copy_database, counts, head_revision
from service.storage.database import MIGRATIONS, engine_for, migrate
from service.storage.schema import metadata, outbox
from service.storage.store import Store
from tests.hl7v2.conftest import ER7, corpus
from tests.hl7v2.messages import SENDERS_FILE
from tests.subscriptions.support import subscription
from tests.support.auth import ServiceAuth, principal, register, seed, signed_in
from tests.support.databases import fresh_postgres_database
from tests.support.receiver import Receiver

FHIR = {"Content-Type": "application/fhir+json"}
AMOUNTS = '{"2026": 11500}'
MONTH = {"periodStart": "2026-03-01", "periodEnd": "2026-03-31"}
EVALUATE = "/fhir/Measure/lus-betalningsansvar/$evaluate-measure"
# Tables the filled database must hold rows of, so that comparing them proves something.
FILLED = {
    "resources",
    "versions",
    "search_index",
    "outbox",
    "messages",
    "cases",
    "subscriptions_state",
    "generations",
    "clients",
    "signing_keys",
    "assertion_jtis",
    "participants",
    "resource_contexts",
    "audit_events",
    "audit_links",
    "hl7v2_messages",
    "invoice_bases",
    "statistics_cells",
    "statistics_stays",
    "export_jobs",
}


@dataclass(frozen=True)
class Filled:
    url: str
    receiver: Receiver  # every Endpoint of the directory points here


def _settings(url: str) -> Settings:
    return Settings(
        database_url=url,
        run_worker=False,
        daily_amounts=AMOUNTS,
        hl7v2_senders=Path(SENDERS_FILE),
    )


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Filled]:
    """March 2026 of a 50-stays-a-month county, then what the other write paths write."""
    url = f"sqlite:///{tmp_path_factory.mktemp('copy') / 'source.sqlite3'}"
    receiver = Receiver().start()
    directory = directory_bundle()
    for entry in directory["entry"]:
        if entry["resource"]["resourceType"] == "Endpoint":
            entry["resource"]["address"] = receiver.url
    with signed_in(create_app(_settings(url))) as client:
        assert client.post("/fhir", json=directory, headers=FHIR).status_code == 200
    simulate(_settings(url), 1, 50, 3, date(2026, 3, 1), batch=100)
    with signed_in(create_app(_settings(url))) as client:
        _rest_writes(client, url)
    result = CliRunner().invoke(
        cli,
        ["report", "statistics", "--month", "2026-03", "--store", "--db", url],
        env={"LUS_FHIR_DAILY_AMOUNTS": AMOUNTS},
    )
    assert result.exit_code == 0, result.output
    yield Filled(url, receiver)
    receiver.stop()


def _rest_writes(client: TestClient, url: str) -> None:
    """Every kind of resource the guide's examples hold (stored as an import does), a message,
    an HL7 v2 admission, a subscription, an issued invoice basis, an export kick-off and a
    client's SMART sign-in."""
    examples = examples_in_load_order()
    seed(client.app, [r for r in examples if r["resourceType"] in PEOPLE_AND_STAYS])
    [message] = [r for r in _guide_bundles() if r["id"] == "meddelande-inskrivningsmeddelande"]
    answered = client.post("/fhir/$process-message", json=message, headers=FHIR)
    assert answered.status_code == 200, answered.text[:2000]
    seed(client.app, [r for r in examples if r["resourceType"] not in PEOPLE_AND_STAYS])
    assert (
        client.post("/hl7v2", content=corpus("takecare-a01-admit"), headers=ER7).status_code == 200
    )
    hook = subscription("avvikelse", "http://127.0.0.1:9/hook")
    assert client.post("/fhir/Subscription", json=hook, headers=FHIR).status_code == 201
    issued = client.post(
        "/fhir/Measure/lus-betalningsansvar/$invoice-basis",
        params={"kommun": "0180", "month": "2026-03"},
    )
    assert issued.status_code == 200, issued.text[:2000]
    kick = client.get("/fhir/$export", headers={"Prefer": "respond-async", **FHIR})
    assert kick.status_code == 202, kick.text
    client_id, key = register(url, scopes="system/*.rs")
    form = token_form(client_id, key, "http://testserver/auth/token", "system/*.rs")
    signed = client.post("/auth/token", data=form, auth=None)
    assert signed.status_code == 200, signed.text


def _guide_bundles() -> list[dict[str, Any]]:
    from fhir_profiles.guide import guide

    return [r for r in guide().examples if r["resourceType"] == "Bundle"]


def _dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in one order whatever the database's collation."""
    engine = engine_for(Settings(database_url=url).database())
    with engine.connect() as conn:
        found = {
            table.name: sorted((tuple(row) for row in conn.execute(select(table))), key=repr)
            for table in metadata.sorted_tables
        }
    engine.dispose()
    return found


def _copy(source: str, target: str, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["db", "copy", "--from", source, "--to", target, *extra])
    return result.exit_code, " ".join(result.output.split())  # unwrapped


def _answer(client: TestClient, path: str, **kwargs: Any) -> Any:
    """A read's body without what a server makes up per answer (a searchset's id and time)."""
    response = client.get(path, **kwargs)
    assert response.status_code == 200, (path, response.text[:1000])
    body = response.json()
    if body.get("resourceType") == "Bundle":
        body.pop("id", None)
        body.pop("meta", None)
        body["entry"] = sorted(body.get("entry", []), key=repr)
    return body


def _reads(client: TestClient) -> list[str]:
    """Reads and searches over what the simulator and the REST writes stored."""
    tasks = _answer(client, "/fhir/Task", params={"_count": 5, "code": "utskrivningsklar"})
    task = tasks["entry"][0]["resource"]
    patient = task["for"]["reference"]
    encounter = task["focus"]["reference"]
    return [
        f"/fhir/{patient}",
        f"/fhir/{encounter}",
        f"/fhir/Task/{task['id']}/_history",
        f"/fhir/Task?patient={patient}&_count=200",
        f"/fhir/Encounter?subject={patient}&_include=Encounter:subject",
        "/fhir/Encounter?utskrivningsklar=ge2026-03-15&_count=500",
        "/fhir/Patient?kommun=0180&_count=500",
        "/fhir/Task?code=utskrivningsmeddelande&_summary=count",
        "/fhir/DetectedIssue?_count=500",
        "/fhir/MeasureReport?_count=500",
        "/fhir/Subscription",
        "/fhir/Patient/tolvan",
    ]


@pytest.mark.postgres
def test_sqlite_to_postgres_and_back_copies_every_row_and_the_copy_works(
    filled: Filled, tmp_path: Path
) -> None:
    source_rows = _dump(filled.url)
    assert {name for name, rows in source_rows.items() if rows} >= FILLED
    postgres, back = fresh_postgres_database(), f"sqlite:///{tmp_path / 'back.sqlite3'}"

    code, said = _copy(filled.url, postgres)
    assert code == 0, said
    versions = len(source_rows["versions"])
    assert f"│ versions │ {versions} │ {versions} │" in said and "DIFFERS" not in said
    assert _dump(postgres) == source_rows
    copied = engine_for(Settings(database_url=postgres).database())
    with copied.connect() as conn:  # the planner has the copied rows' statistics at once
        analysed = conn.execute(
            text("SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL")
        ).scalars()
        assert set(metadata.tables) <= set(analysed)
    copied.dispose()
    code, said = _copy(postgres, back)
    assert code == 0, said
    assert _dump(back) == source_rows

    source_app, copy_app = create_app(_settings(filled.url)), create_app(_settings(postgres))
    with signed_in(source_app) as source, TestClient(copy_app) as copy:
        copy.auth = ServiceAuth(source_app, principal())  # its keys moved too: same tokens
        for path in _reads(source):
            assert _answer(copy, path) == _answer(source, path), path
        figures = [_answer(c, EVALUATE, params=MONTH)["group"] for c in (source, copy)]
        assert figures[0] == figures[1] and figures[0]
        person = {k: v for k, v in _answer(copy, "/fhir/Patient/tolvan").items() if k != "id"}
        created = copy.post("/fhir/Patient", json=person, headers=FHIR)
        assert created.status_code == 201, created.text  # the sequences are past the copied rows
    _delivers(postgres, filled.receiver)


def _delivers(url: str, receiver: Receiver) -> None:
    """The copied outbox's pending rows go to their receivers from the copy."""
    store = Store(engine_for(Settings(database_url=url).database()))
    config = DeliveryConfig(timeout_seconds=5.0, concurrency=4)
    worker = Worker(store, lambda *_: None, config)
    try:
        for _ in range(3):
            worker.run_once()
        with store.reading() as conn:
            sent = conn.execute(
                select(outbox.c.notification, outbox.c.payload).where(
                    outbox.c.status == "delivered"
                )
            ).all()
    finally:
        worker.close()
        store.dispose()
    arrived = {r.body.decode() for r in receiver.requests}
    assert len(sent) >= 3
    assert {payload for _, payload in sent} <= arrived


def test_a_target_with_rows_is_refused_naming_the_table_unless_replace(
    filled: Filled, tmp_path: Path
) -> None:
    target = f"sqlite:///{tmp_path / 'target.sqlite3'}"
    assert _copy(filled.url, target)[0] == 0
    code, said = _copy(filled.url, target)
    assert code == 1 and "table assertion_jtis holds rows" in said and "--replace" in said
    code, said = _copy(filled.url, target, "--replace")
    assert code == 0, said
    assert _dump(target) == _dump(filled.url)


def test_a_source_at_another_revision_or_not_a_lus_database_is_refused(tmp_path: Path) -> None:
    old = tmp_path / "old.sqlite3"
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine_for(f"sqlite:///{old}").begin() as connection:  # as the previous version left it
        config.attributes["connection"] = connection
        command.upgrade(config, "0015")
    code, said = _copy(f"sqlite:///{old}", f"sqlite:///{tmp_path / 't.sqlite3'}")
    assert code == 1 and "at migration 0015;" in said and head_revision() in said
    migrated = CliRunner().invoke(cli, ["db", "migrate", "--db", f"sqlite:///{old}"])
    assert migrated.output.strip() == f"0015 → {head_revision()}"
    assert _copy(f"sqlite:///{old}", f"sqlite:///{tmp_path / 't.sqlite3'}")[0] == 0
    sqlite3.connect(tmp_path / "other.sqlite3").execute("CREATE TABLE x (a)").close()
    code, said = _copy(f"sqlite:///{tmp_path / 'other.sqlite3'}", f"sqlite:///{tmp_path / 'u.db'}")
    assert code == 1 and "not a lus-fhir database" in said
    respelled = f"sqlite:///{tmp_path}/../{tmp_path.name}/old.sqlite3"
    code, said = _copy(f"sqlite:///{old}", respelled, "--replace")
    assert code == 1 and "same database" in said
    code, said = _copy(f"sqlite:///{tmp_path / 'typo.sqlite3'}", f"sqlite:///{tmp_path / 'v.db'}")
    assert code == 1 and "does not exist" in said and not (tmp_path / "typo.sqlite3").exists()


class _WritesMeanwhile:
    """A service still writing to the source while the copy reads it: a client registered once
    the first table is being read, so before its table (clients) is."""

    def __init__(self, source: str) -> None:
        self.source = source

    def started(self, table: str, rows: int) -> None:
        if table == "assertion_jtis":
            register(self.source, client_id="late")

    def copied(self, table: str, rows: int, size: int) -> None:
        pass


def test_a_write_to_the_source_during_the_copy_shows_as_a_count_that_differs(
    filled: Filled, tmp_path: Path
) -> None:
    running = tmp_path / "running.sqlite3"
    with (
        sqlite3.connect(filled.url.removeprefix("sqlite:///")) as source,
        sqlite3.connect(running) as copy,
    ):
        source.backup(copy)
    source_engine = engine_for(f"sqlite:///{running}")
    target = engine_for(f"sqlite:///{tmp_path / 'target.sqlite3'}")
    found = copy_database(source_engine, target, watcher=_WritesMeanwhile(f"sqlite:///{running}"))
    # the copy holds the source as of its first read (one snapshot), the counts as of the end
    assert [(c.table, c.source - c.target) for c in found if not c.equal] == [("clients", 1)]
    source_engine.dispose()
    target.dispose()


@pytest.mark.postgres
def test_a_row_the_target_refuses_undoes_the_whole_copy(filled: Filled, tmp_path: Path) -> None:
    broken = tmp_path / "broken.sqlite3"
    with (
        sqlite3.connect(filled.url.removeprefix("sqlite:///")) as source,
        sqlite3.connect(broken) as copy,
    ):
        source.backup(copy)
    with sqlite3.connect(broken) as conn:  # PostgreSQL's text holds no NUL; SQLite's does
        conn.execute("UPDATE versions SET content = content || char(0) WHERE seq = 7")
    target = fresh_postgres_database()
    code, said = _copy(f"sqlite:///{broken}", target)
    assert code == 1 and "table versions" in said and "holds none of it" in said
    engine = engine_for(Settings(database_url=target).database())
    left = counts(engine)
    with engine.connect() as conn:
        next_seq = conn.execute(text("SELECT nextval('outbox_seq_seq')")).scalar_one()
    engine.dispose()
    assert {name for name, n in left.items() if n} == SEEDED
    assert next_seq == 1  # the sequences are set only once every table is copied


def test_the_seeded_tables_are_those_a_fresh_migration_fills(tmp_path: Path) -> None:
    engine = engine_for(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    migrate(engine)
    assert {name for name, n in counts(engine).items() if n} == SEEDED
    engine.dispose()
