"""The write path's look-up by one exact token (`identifier=system|value`): an HL7 v2 message's
patient and stay, a conditional create's If-None-Exist, a conditional update's criteria.

A search (`query.page_query`) is built afresh for every request, and its correlated EXISTS makes
SQLite visit every resource of the type: a quarter of an HL7 v2 message's CPU, growing with the
store. Here one prebuilt statement per shape starts from the token's index range and returns the
stored rows themselves, so the caller does not read them again. The matches are those of the
same search: live, visible to `visible_to`, by id.
"""

from functools import cache
from typing import Any

from sqlalchemy import BindParameter, Connection, Select, bindparam, false, select

from service.access.links import PUBLIC
from service.access.visibility import packed, visible_condition
from service.search.request import SearchRequest
from service.storage.schema import resources, search_index
from service.storage.store import Store, Stored

# How the token names its system: `s|v` one system, `|v` none, `v` any (FHIR token search).
ONE, NONE, ANY = "one", "none", "any"


def token_of(request: SearchRequest) -> tuple[str, str, str | None, str] | None:
    """(parameter, system shape, system, value) of a request that is one exact token and
    nothing else; None for any other search (it runs as a search)."""
    if len(request.criteria) != 1 or request.sort:
        return None
    criterion = request.criteria[0]
    if (
        criterion.kind != "token"
        or criterion.param is None
        or criterion.modifier
        or criterion.chain is not None
        or len(criterion.values) != 1
    ):
        return None
    value = criterion.values[0]
    if "|" not in value:
        return (criterion.name, ANY, None, value) if value else None
    system, code = value.split("|", 1)
    if not code:
        return None
    return (criterion.name, ONE, system, code) if system else (criterion.name, NONE, None, code)


def looks_up(request: SearchRequest, page: int) -> bool:
    """Whether a search is a look-up: by `_id` or one exact token, nothing included, at most a
    default page. Its query is an index probe, as cheap as a read by id."""
    if request.include or request.revinclude or request.count > page:
        return False
    if token_of(request) is not None:
        return True
    if len(request.criteria) != 1 or request.sort:
        return False
    criterion = request.criteria[0]
    return criterion.name == "_id" and not criterion.modifier and len(criterion.values) <= page


def find(
    conn: Connection,
    store: Store,
    request: SearchRequest,
    token: tuple[str, str, str | None, str],
    limit: int,
    lock: bool = False,
) -> list[Stored]:
    """At most `limit` stored resources `token` (from `token_of(request)`) selects; `lock`
    holds their rows for an update in this transaction (PostgreSQL: FOR UPDATE)."""
    param, shape, system, value = token
    limited = request.visible_to is not None and request.res_type not in PUBLIC
    values: dict[str, Any] = {
        "k_type": request.res_type,
        "k_param": param,
        "k_value": value,
        "k_limit": limit,
    }
    if shape == ONE:
        values["k_system"] = system
    if limited:
        assert request.visible_to is not None
        values["k_units"] = packed(request.visible_to)
    return store.read_all(conn, _statement(shape, limited, lock), values)


@cache
def _statement(shape: str, limited: bool, lock: bool) -> Select[Any]:
    """Built once per shape: constructing and cache-keying a statement cost more than running
    it; the units bound as one string keep it one statement whoever asks."""
    idx = search_index.c
    matching = [
        idx.res_type == bindparam("k_type"),
        idx.param == bindparam("k_param"),
        idx.value == bindparam("k_value"),
    ]
    if shape == ONE:
        matching.append(idx.system == bindparam("k_system"))
    elif shape == NONE:
        matching.append(idx.system.is_(None))
    conditions = [
        resources.c.res_type == bindparam("k_type"),
        resources.c.deleted == false(),
        resources.c.res_id.in_(select(idx.res_id).where(*matching)),
    ]
    if limited:
        units: BindParameter[str] = bindparam("k_units")
        conditions.append(visible_condition(units, resources.c.res_type, resources.c.res_id))
    statement = (
        select(resources)
        .where(*conditions)
        .order_by(resources.c.res_id)
        .limit(bindparam("k_limit"))
    )
    return statement.with_for_update(of=resources) if lock else statement
