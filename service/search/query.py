"""Turns a parsed search into SQL over the resources and search_index tables.

Each criterion is an EXISTS over the index rows of its parameter; values of one criterion are OR-ed,
criteria are AND-ed. Date comparisons follow the FHIR prefix semantics on [start, end) ranges.
"""

from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    exists,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.sql.elements import ColumnElement as Column

from service.access.links import PUBLIC
from service.access.visibility import packed, visible_condition
from service.fhirtime import parse_range, stamp
from service.outcome import FhirError
from service.search.extract import normalise
from service.search.parameters import for_type
from service.search.request import Criterion, SearchRequest
from service.storage.schema import resources, search_index

PREFIXES = ("eq", "ne", "lt", "gt", "le", "ge", "sa", "eb", "ap")


def _bad(text: str, name: str) -> FhirError:
    return FhirError.of(400, "invalid", text, name)


def _token(value: str) -> ColumnElement[bool]:
    idx = search_index.c
    if "|" in value:
        system, code = value.split("|", 1)
        parts = []
        if system:
            parts.append(idx.system == system)
        else:
            parts.append(idx.system.is_(None))
        if code:
            parts.append(idx.value == code)
        return and_(*parts)
    return idx.value == value


def _string(value: str, modifier: str) -> ColumnElement[bool]:
    idx = search_index.c
    if modifier == "exact":
        return idx.exact == value
    needle = normalise(value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{needle}%" if modifier == "contains" else f"{needle}%"
    return idx.value.like(pattern, escape="\\")


def _prefixed(raw: str, name: str) -> tuple[str, str, str]:
    """(prefix, low, high) of a date parameter value such as `ge2026-11-02`."""
    prefix, value = ("eq", raw)
    if raw[:2] in PREFIXES:
        prefix, value = raw[:2], raw[2:]
    parsed = parse_range(value)
    if parsed is None:
        raise _bad(f"{name}: {value!r} is not a FHIR date, dateTime or instant", name)
    return prefix, stamp(parsed[0]), stamp(parsed[1])


def point_condition(moment: Column[Any], raw: str, name: str) -> ColumnElement[bool]:
    """Prefix semantics for a single instant (meta.lastUpdated)."""
    prefix, low, high = _prefixed(raw, name)
    inside = and_(moment >= low, moment < high)
    conditions: dict[str, ColumnElement[bool]] = {
        "eq": inside,
        "ap": inside,
        "ne": not_(inside),
        "lt": moment < low,
        "eb": moment < low,
        "le": moment < high,
        "gt": moment >= high,
        "sa": moment >= high,
        "ge": moment >= low,
    }
    return conditions[prefix]


def _date_condition(
    start: Column[Any], end: Column[Any], raw: str, name: str
) -> ColumnElement[bool]:
    prefix, low, high = _prefixed(raw, name)
    conditions: dict[str, ColumnElement[bool]] = {
        "eq": and_(start >= low, end <= high),
        "ne": not_(and_(start >= low, end <= high)),
        "lt": start < low,
        "gt": end > high,
        "le": start < high,
        "ge": end > low,
        "sa": start >= high,
        "eb": end <= low,
        "ap": and_(start < high, end > low),
    }
    return conditions[prefix]


def _reference(value: str, criterion: Criterion) -> ColumnElement[bool]:
    idx = search_index.c
    target = criterion.modifier if criterion.modifier and criterion.param else None
    if value.startswith(("http://", "https://")):
        parts = value.rstrip("/").split("/")
        relative = "/".join(parts[-2:])
        return or_(idx.value == value, idx.value == relative)
    if "/" in value:
        return or_(idx.value == value, idx.value.like(f"%/{value}"))
    if target:
        return idx.value == f"{target}/{value}"
    return or_(idx.value.like(f"%/{value}"), idx.value == value)


def _value_condition(criterion: Criterion, value: str) -> ColumnElement[bool]:
    kind = criterion.kind
    if kind == "token":
        return _token(value)
    if kind == "string":
        return _string(value, criterion.modifier)
    if kind == "date":
        return _date_condition(
            search_index.c.date_start, search_index.c.date_end, value, criterion.name
        )
    if kind == "reference":
        return _reference(value, criterion)
    if kind == "uri":
        if criterion.modifier == "below":
            return search_index.c.value.like(f"{value}%")
        return search_index.c.value == value
    if kind in ("number", "quantity"):
        return search_index.c.number == repr(_number(value, criterion.name))
    raise _bad(f"{criterion.name}: search on {kind} parameters is not supported", criterion.name)


def _number(value: str, name: str) -> float | int:
    try:
        return int(value)
    except ValueError:
        try:
            return float(value)
        except ValueError:
            raise _bad(f"{name}: {value!r} is not a number", name) from None


def _index_exists(
    res_type: str, id_column: Any, criterion: Criterion, condition: ColumnElement[bool]
) -> ColumnElement[bool]:
    idx = search_index.c
    return exists().where(
        and_(
            idx.res_type == res_type,
            idx.res_id == id_column,
            idx.param == criterion.name,
            condition,
        )
    )


def visible(
    res_type: str, id_column: Any, visible_to: frozenset[str] | None
) -> ColumnElement[bool]:
    """The read rule as SQL: nothing to add for public types or an unlimited search."""
    if visible_to is None or res_type in PUBLIC:
        return true()
    if id_column is resources.c.res_id:
        return _visible_match(res_type, packed(visible_to))
    return visible_condition(visible_to, literal(res_type), id_column)


@lru_cache(maxsize=1024)
def _visible_match(res_type: str, units: str) -> ColumnElement[bool]:
    """The rule on a search's matches, built once per type and caller: building the correlated
    EXISTS cost a sixth of a search, and its units bound as one string keep the compiled
    statement cached."""
    return visible_condition(
        bindparam(None, units, unique=True), literal(res_type), resources.c.res_id
    )


def criterion_condition(
    res_type: str, id_column: Any, criterion: Criterion, visible_to: frozenset[str] | None = None
) -> ColumnElement[bool]:
    """The condition one criterion puts on the resources of `res_type` whose id is `id_column`;
    a chain only follows references to what `visible_to` may read (a chain is no oracle)."""
    if criterion.name == "_id":
        condition: ColumnElement[bool] = id_column.in_(criterion.values)
        return condition
    if criterion.name == "_lastUpdated":
        return or_(
            *(
                point_condition(resources.c.last_updated, v, "_lastUpdated")
                for v in criterion.values
            )
        )
    if criterion.modifier == "missing":
        missing = criterion.values[-1] == "true"
        present = _index_exists(res_type, id_column, criterion, true())
        return not_(present) if missing else present
    if criterion.chain is not None:
        return _chained(res_type, id_column, criterion, visible_to)
    values = (
        or_(*(_value_condition(criterion, v) for v in criterion.values))
        if criterion.values
        else false()
    )
    if criterion.modifier == "not":
        return not_(_index_exists(res_type, id_column, criterion, values))
    return _index_exists(res_type, id_column, criterion, values)


def _chained(
    res_type: str, id_column: Any, criterion: Criterion, visible_to: frozenset[str] | None
) -> ColumnElement[bool]:
    """`subject:Patient.identifier=x`: the reference points at a Patient matching the inner one."""
    assert criterion.chain is not None and criterion.chain_type is not None
    target = resources.alias("chained")
    kind = criterion.chain_type
    inner = criterion_condition(kind, target.c.res_id, criterion.chain, visible_to)
    reference = (literal(f"{kind}/") + target.c.res_id).label("reference")
    matching_targets = (
        select(reference)
        .where(
            and_(
                target.c.res_type == kind,
                target.c.deleted == false(),
                inner,
                visible(kind, target.c.res_id, visible_to),
            )
        )
        .cte()
    )
    idx = search_index.c
    return exists().where(
        and_(
            idx.res_type == res_type,
            idx.res_id == id_column,
            idx.param == criterion.name,
            idx.value.in_(select(matching_targets.c.reference)),
        )
    )


def matches(request: SearchRequest) -> ColumnElement[bool]:
    kind, limit = request.res_type, request.visible_to
    conditions = [resources.c.res_type == kind, resources.c.deleted == false()]
    conditions += [
        criterion_condition(kind, resources.c.res_id, c, limit) for c in request.criteria
    ]
    conditions.append(visible(kind, resources.c.res_id, limit))
    return and_(*conditions)


def _sort_key(request: SearchRequest, name: str) -> Any:
    if name == "_id":
        return resources.c.res_id
    if name == "_lastUpdated":
        return resources.c.last_updated
    idx = search_index.c
    column = idx.date_start if _kind(request, name) == "date" else idx.value
    return (
        select(func.min(column))
        .where(
            and_(
                idx.res_type == request.res_type,
                idx.res_id == resources.c.res_id,
                idx.param == name,
            )
        )
        .scalar_subquery()
    )


def _kind(request: SearchRequest, name: str) -> str:
    return for_type(request.res_type)[name].type


def holding(res_type: str, param: str, value: str, system: str | None = None) -> Select[Any]:
    """The live resources of `res_type` whose `param` is indexed as exactly `value` (in
    `system`), found from one index range: the write path's own look-ups (a patient's care
    teams, an existing deviation). A search's correlated EXISTS makes SQLite visit every
    resource of the type instead, which over a county year is seconds per look-up.

    The statement is built once per shape and given the values: building the join and its
    cache key anew cost ~0.1 ms, every Encounter an HL7 v2 A01 creates (its care teams)."""
    values = {"k_type": res_type, "k_param": param, "k_value": value}
    if system is not None:
        values["k_system"] = system
    return _holding(system is not None).params(values)


@lru_cache(maxsize=2)
def _holding(with_system: bool) -> Select[Any]:
    idx = search_index.c
    conditions = [
        idx.res_type == bindparam("k_type"),
        idx.param == bindparam("k_param"),
        idx.value == bindparam("k_value"),
    ]
    if with_system:
        conditions.append(idx.system == bindparam("k_system"))
    joined = search_index.join(
        resources,
        and_(resources.c.res_type == idx.res_type, resources.c.res_id == idx.res_id),
    )
    return (
        select(resources.c.res_id, resources.c.content)
        .select_from(joined)
        .where(*conditions, resources.c.deleted == false())
        .distinct()
        .order_by(resources.c.res_id)
    )


def page_query(request: SearchRequest) -> Select[Any]:
    query = select(resources.c.res_id, resources.c.content).where(matches(request))
    order = []
    for name, descending in request.sort:
        key = _sort_key(request, name)
        order.append(key.desc() if descending else key.asc())
    order.append(resources.c.res_id.asc())
    return query.order_by(*order).limit(request.count).offset(request.offset)


def count_query(request: SearchRequest) -> Select[Any]:
    return select(func.count()).select_from(resources).where(matches(request))
