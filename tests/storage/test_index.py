"""A write leaves exactly the new version's search-index rows, and an update touches only the
rows whose values changed: the others keep their row ids."""

from typing import Any

from sqlalchemy import Connection, Engine, select

from service.search.extract import index_rows
from service.storage.schema import search_index
from service.storage.store import Store, Stored

COLUMNS = ("param", "system", "value", "exact", "date_start", "date_end", "number")


def _indexed(conn: Connection, res_id: str) -> dict[int, tuple[Any, ...]]:
    idx = search_index.c
    rows = conn.execute(
        select(idx.row_id, *(idx[c] for c in COLUMNS)).where(
            idx.res_type == "Encounter", idx.res_id == res_id
        )
    )
    return {row.row_id: tuple(row[1:]) for row in rows}


def _expected(resource: dict[str, Any]) -> list[tuple[Any, ...]]:
    return sorted((tuple(r.get(c) for c in COLUMNS) for r in index_rows(resource)), key=repr)


def _stay(**changes: Any) -> dict[str, Any]:
    return {
        "resourceType": "Encounter",
        "id": "e1",
        "status": "in-progress",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"},
        "identifier": [{"system": "urn:visit", "value": "B-1"}],
        "subject": {"reference": "Patient/p1"},
        "serviceProvider": {"reference": "Organization/ward-a"},
        "period": {"start": "2026-11-01T12:00:00+01:00"},
    } | changes


def test_an_update_rewrites_only_the_rows_that_changed(engine: Engine) -> None:
    store = Store(engine)
    with store.begin() as conn:
        first = store.write(conn, _stay(), None, "POST")
        store.write(conn, _stay(id="e2"), None, "POST")  # rows after e1's: no row id reused
        before = _indexed(conn, "e1")
        assert sorted(before.values(), key=repr) == _expected(first.resource or {})

        moved = _stay(serviceProvider={"reference": "Organization/ward-b"})
        second = store.write(conn, moved, first, "PUT")
        after = _indexed(conn, "e1")
        assert sorted(after.values(), key=repr) == _expected(moved)
        kept = {k for k, v in before.items() if after.get(k) == v}
        assert [v[0] for k, v in before.items() if k not in kept] == ["service-provider"]

        same = store.write(conn, moved, second, "PUT")
        assert _indexed(conn, "e1") == after  # nothing to rewrite, not even a row id

        ended = _stay(
            status="finished",
            identifier=[{"system": "urn:visit", "value": "B-1"}] * 2,  # a row twice
            period={"start": "2026-11-01T12:00:00+01:00", "end": "2026-11-05T12:00:00+01:00"},
        )
        third = store.write(conn, ended, same, "PUT")
        assert sorted(_indexed(conn, "e1").values(), key=repr) == _expected(ended)

        back = store.write(conn, _stay(), third, "PUT")
        assert sorted(_indexed(conn, "e1").values(), key=repr) == _expected(back.resource or {})


def test_amend_and_delete_keep_the_index_in_step(engine: Engine) -> None:
    store = Store(engine)
    with store.begin() as conn:
        first: Stored = store.write(conn, _stay(), None, "POST")
        amended = _stay(status="finished")
        store.amend(conn, first, amended)
        assert sorted(_indexed(conn, "e1").values(), key=repr) == _expected(amended)
        store.delete(conn, first)
        assert _indexed(conn, "e1") == {}
