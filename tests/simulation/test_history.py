"""The county simulator writes what the product itself would have written: the same seed gives
the same history, validating by sample stores exactly what validating every write stores, and
replaying its writes over REST, each at its moment, gives the same case states, deliveries and
deviations."""

import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, select

from service.demo import directory_bundle
from service.rest.app import create_app
from service.settings import Settings
from service.simulation.cached import cached_history
from service.simulation.history import Summary, simulate
from service.simulation.sampling import shape
from service.statistics.writes import EngineWrites
from service.storage.database import engine_for
from service.storage.schema import cases, outbox, resources, versions
from tests.support.auth import ServiceAuth, principal, signed_in
from tests.support.databases import fresh_postgres_database

FHIR = {"Content-Type": "application/fhir+json"}
LAST = date(2026, 3, 1)  # the warm-up month is January, March has the start of summer time
Written = tuple[datetime, dict[str, Any]]


def _settings(url: str) -> Settings:
    return Settings(database_url=url, run_worker=False)


def _history(url: str, seed: int = 5, validate_all: bool = False) -> Summary:
    return simulate(_settings(url), 2, 6, seed, LAST, batch=40, validate_all=validate_all)


def _rows(url: str) -> dict[str, list[Any]]:
    """What the simulator leaves behind, ordered, without the outbox's own sequence numbers."""
    engine = engine_for(url)
    with engine.connect() as conn:
        dump = {
            "resources": _all(conn, select(resources).order_by("res_type", "res_id")),
            "versions": _all(
                conn,
                select(versions).order_by(versions.c.res_type, versions.c.res_id, "version_id"),
            ),
            "cases": _all(conn, select(cases).order_by(cases.c.encounter)),
            "outbox": _all(
                conn,
                select(
                    outbox.c.idempotency_key,
                    outbox.c.notification,
                    outbox.c.receiver,
                    outbox.c.status,
                    outbox.c.created_at,
                ).order_by(outbox.c.idempotency_key),
            ),
        }
    engine.dispose()
    return _named_by_identifier(dump)


def _named_by_identifier(dump: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[Any]]:
    """Deviations get ids of the service's own drawing; their identifiers are derived from what
    they are about, so the dump names each deviation by its identifier."""
    names = {}
    for row in dump["resources"]:
        if row[0] == "DetectedIssue":
            names[row[1]] = json.loads(row[5])["identifier"][0]["value"]

    def renamed(row: tuple[Any, ...]) -> str:
        text = repr(row)
        for res_id, identifier in names.items():
            text = text.replace(res_id, identifier)
        return text

    return {table: sorted(renamed(row) for row in rows) for table, rows in dump.items()}


def _all(conn: Connection, query: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in conn.execute(query)]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    if request.param == "postgres":
        yield fresh_postgres_database(), fresh_postgres_database()
    else:
        yield f"sqlite:///{tmp_path}/a.sqlite3", f"sqlite:///{tmp_path}/b.sqlite3"


def test_same_seed_same_history_and_sampled_validation_stores_what_full_validation_stores(
    urls: tuple[str, str],
) -> None:
    sampled, full = urls
    summary = _history(sampled)
    assert _history(full, validate_all=True).writes == summary.writes  # every write validated
    first, second = _rows(sampled), _rows(full)
    assert summary.writes > 100 and len(first["cases"]) >= 18
    assert first == second


def test_another_seed_tells_another_story(tmp_path: Path) -> None:
    _history(f"sqlite:///{tmp_path}/a.sqlite3", seed=5)
    _history(f"sqlite:///{tmp_path}/b.sqlite3", seed=6)
    a, b = _rows(f"sqlite:///{tmp_path}/a.sqlite3"), _rows(f"sqlite:///{tmp_path}/b.sqlite3")
    stays = [{r for r in rows["resources"] if r.startswith("('Encounter'")} for rows in (a, b)]
    assert stays[0] and stays[1] and stays[0].isdisjoint(stays[1])


def test_a_shape_keeps_codes_and_blanks_drawn_values() -> None:
    def task(res_id: str, at: str, code: str) -> dict[str, Any]:
        return {
            "resourceType": "Task",
            "id": res_id,
            "authoredOn": at,
            "code": {"coding": [{"code": code}]},
        }

    same = shape(task("a", "2026-01-01T10:00:00+01:00", "utskrivningsklar"))
    assert shape(task("b", "2026-02-03T11:30:00+01:00", "utskrivningsklar")) == same
    assert shape(task("a", "2026-01-01T10:00:00+01:00", "makulering")) != same


def test_replaying_the_simulated_writes_over_rest_gives_the_same_cases_deliveries_and_deviations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[Written] = []
    create, update = EngineWrites.create, EngineWrites.update

    def record(method: Any) -> Any:
        def wrapped(self: EngineWrites, conn: Connection, resource: dict[str, Any]) -> Any:
            written.append((self.services.clock(), resource))
            return method(self, conn, resource)

        return wrapped

    monkeypatch.setattr(EngineWrites, "create", record(create))
    monkeypatch.setattr(EngineWrites, "update", record(update))
    simulated = f"sqlite:///{tmp_path}/simulated.sqlite3"
    simulate(_settings(simulated), 1, 8, 7, LAST)
    monkeypatch.undo()
    replayed = f"sqlite:///{tmp_path}/replayed.sqlite3"
    clock = _Clock(written[0][0])
    app = create_app(_settings(replayed), clock=clock)
    with signed_in(app) as client:
        assert client.post("/fhir", json=directory_bundle(), headers=FHIR).status_code == 200
        for at, resource in written:
            clock.now = at
            url = f"/fhir/{resource['resourceType']}/{resource['id']}"
            receiver = _receipt_of(resource)  # a receipt is written by its receiver
            auth = ServiceAuth(app, principal(receiver, region=False)) if receiver else None
            response = client.put(url, json=resource, headers=FHIR, auth=auth or client.auth)
            assert response.status_code in (200, 201), response.text[:1000]
    a, b = _rows(simulated), _rows(replayed)
    assert a["cases"] == b["cases"] and len(a["cases"]) >= 8
    assert a["outbox"] == b["outbox"]
    assert _deviations(simulated) == _deviations(replayed) != []


def _receipt_of(resource: dict[str, Any]) -> str | None:
    for extension in resource.get("extension", []):
        if extension["url"].endswith("/lus-kvittens"):
            parts = {p["url"]: p for p in extension["extension"]}
            return str(parts["receiver"]["valueReference"]["reference"])
    return None


class _Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _deviations(url: str) -> list[str]:
    """Each deviation as what it says (its id is the service's own)."""
    engine = engine_for(url)
    query = select(resources.c.content).where(resources.c.res_type == "DetectedIssue")
    with engine.connect() as conn:
        found = sorted(
            f"{d.get('code')} {d.get('implicated')} {d.get('detail')}"
            for d in (json.loads(c) for c in conn.execute(query).scalars())
        )
    engine.dispose()
    return found


def test_a_cached_history_is_built_once_with_its_first_month_kept_apart(tmp_path: Path) -> None:
    built = cached_history(tmp_path, 2, 3, 5, LAST)
    assert built.summary is not None and built.summary.writes > 0
    counts = [len(_rows(url)["versions"]) for url in (built.first_month_url, built.url)]
    assert 0 < counts[0] < counts[1]
    again = cached_history(tmp_path, 2, 3, 5, LAST)
    assert again.summary is None and again.url == built.url
