"""The write path's look-up by one exact token finds what the same search finds: live resources,
by id, only those the caller takes part in, the system matched as FHIR token search matches it."""

from typing import Any
from urllib.parse import parse_qsl

import pytest
from sqlalchemy import Engine

from service.access import participation
from service.auth.principal import INTERNAL, Principal
from service.auth.scopes import ALL
from service.rest.engine import limited_search
from service.search import lookup, query
from service.search.request import SearchRequest
from service.storage.store import Store


def _unit(name: str) -> Principal:
    organization = f"Organization/{name}"
    return Principal(organization, frozenset({organization}), name, ALL)


WARD, CLINIC = _unit("ward"), _unit("clinic")
# (id, writer, identifiers as (system, value), deleted)
PATIENTS: list[tuple[str, Principal, list[tuple[str | None, str]], bool]] = [
    ("p1", WARD, [("urn:a", "1")], False),
    ("p2", CLINIC, [("urn:a", "1"), ("urn:b", "1")], False),
    ("p3", WARD, [(None, "1")], False),
    ("p4", WARD, [("urn:a", "2"), ("urn:a", "2")], False),  # the same identifier twice
    ("p5", WARD, [("urn:a", "2")], True),
    ("p6", CLINIC, [("urn:a", "3")], False),
]
CRITERIA = [
    "identifier=urn:a|1",
    "identifier=|1",
    "identifier=1",
    "identifier=urn:b|1",
    "identifier=urn:a|2",
    "identifier=urn:a|3",
    "identifier=urn:a|404",
]


@pytest.fixture
def store(engine: Engine) -> Store:
    made = Store(engine)
    with made.begin() as conn:
        for res_id, writer, identifiers, deleted in PATIENTS:
            resource: dict[str, Any] = {
                "resourceType": "Patient",
                "id": res_id,
                "identifier": [
                    {"value": value} | ({"system": system} if system else {})
                    for system, value in identifiers
                ],
            }
            stored = made.write(conn, resource, None, "POST")
            participation.record(conn, stored, writer)
            if deleted:
                made.delete(conn, stored)
    return made


def _request(principal: Principal, criteria: str) -> SearchRequest:
    return limited_search(principal, "Patient", parse_qsl(criteria), True, 20, 500)


@pytest.mark.parametrize("criteria", CRITERIA)
@pytest.mark.parametrize("lock", [False, True])
def test_the_lookup_finds_what_the_search_finds(store: Store, criteria: str, lock: bool) -> None:
    with store.begin() as conn:
        for principal in (WARD, CLINIC, INTERNAL):
            request = _request(principal, criteria)
            token = lookup.token_of(request)
            assert token is not None
            found = lookup.find(conn, store, request, token, 10, lock)
            request.count = 10
            searched = [row.res_id for row in conn.execute(query.page_query(request))]
            assert [s.res_id for s in found] == searched, (criteria, principal.client_id)
            for stored in found:
                assert stored == store.read(conn, "Patient", stored.res_id)


def test_what_each_caller_finds(store: Store) -> None:
    """The comparison above is not with an empty answer: the rule and the systems decide."""

    def ids(principal: Principal, criteria: str, limit: int = 10) -> list[str]:
        request = _request(principal, criteria)
        token = lookup.token_of(request)
        assert token is not None
        with store.begin() as conn:
            return [s.res_id for s in lookup.find(conn, store, request, token, limit)]

    assert ids(INTERNAL, "identifier=urn:a|1") == ["p1", "p2"]
    assert ids(INTERNAL, "identifier=urn:a|1", limit=1) == ["p1"]
    assert ids(WARD, "identifier=urn:a|1") == ["p1"]
    assert ids(CLINIC, "identifier=urn:a|1") == ["p2"]
    assert ids(INTERNAL, "identifier=|1") == ["p3"]
    assert ids(INTERNAL, "identifier=1") == ["p1", "p2", "p3"]
    assert ids(WARD, "identifier=urn:a|2") == ["p4"]  # once, and not the deleted p5
    assert ids(WARD, "identifier=urn:a|3") == []


@pytest.mark.parametrize(
    "criteria",
    [
        "identifier:not=urn:a|1",
        "identifier=urn:a|1,urn:a|2",
        "identifier=urn:a|",
        "identifier=urn:a|1&gender=male",
        "identifier=urn:a|1&_sort=birthdate",
        "name=urn:a|1",
        "general-practitioner=Organization/ward",
    ],
)
def test_other_searches_are_not_looked_up(criteria: str) -> None:
    assert lookup.token_of(_request(INTERNAL, criteria)) is None


@pytest.mark.parametrize(
    ("criteria", "looks_up"),
    [
        ("_id=p1", True),
        ("_id=p1,p2", True),
        ("identifier=urn:a|1", True),
        ("identifier=1&_count=20", True),
        ("_id=p1&_count=21", False),  # more than a default page
        ("_id=p1&_include=Patient:general-practitioner", False),
        ("_id=p1&_revinclude=Encounter:subject", False),
        ("identifier:not=urn:a|1", False),
        ("_id=p1&identifier=1", False),
        ("name=Tolvan", False),
        ("general-practitioner:Organization.name=x", False),
        ("", False),
    ],
)
def test_a_search_by_id_or_one_exact_token_is_a_look_up(criteria: str, looks_up: bool) -> None:
    """Services.search runs these as reads by id are run (on SQLite on the event loop)."""
    assert lookup.looks_up(_request(INTERNAL, criteria), 20) is looks_up


def test_the_read_check_answers_as_the_visibility_rule(store: Store) -> None:
    """`read_visible` runs the driver's own SQL, compiled once per dialect: the resource it
    returns is the plain read's, and its flag is `visible`'s (a separately built statement)."""
    stranger = _unit("stranger")
    seen: dict[str, set[str]] = {}
    with store.begin() as conn:
        for principal in (WARD, CLINIC, stranger):
            for res_id in [p[0] for p in PATIENTS] + ["missing"]:
                stored, flag = participation.read_visible(conn, store, principal, "Patient", res_id)
                assert stored == store.read(conn, "Patient", res_id)
                assert flag == participation.visible(conn, principal, "Patient", res_id)
                if flag:
                    seen.setdefault(principal.client_id, set()).add(res_id)
    assert seen == {"ward": {"p1", "p3", "p4", "p5"}, "clinic": {"p2", "p6"}}


def test_holding_binds_each_calls_values(store: Store) -> None:
    """`query.holding` is one statement per shape: each call's values, not the first's."""

    def ids(value: str, system: str | None = None) -> list[str]:
        with store.begin() as conn:
            found = conn.execute(query.holding("Patient", "identifier", value, system))
            return [row.res_id for row in found]

    assert ids("1") == ["p1", "p2", "p3"]
    assert ids("1", "urn:a") == ["p1", "p2"]
    assert ids("1", "urn:b") == ["p2"]
    assert ids("2", "urn:a") == ["p4"]  # once, and not the deleted p5
    assert ids("3") == ["p6"]
    assert ids("404") == []
    with store.begin() as conn:
        assert conn.execute(query.holding("Encounter", "identifier", "1")).all() == []
