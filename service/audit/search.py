"""Read and search of the access log as AuditEvents (region-wide role only; never written over
the API): `patient`, `agent` (the calling organization), `entity`, `date` (with prefixes),
`subtype`, `outcome`, `action`, `_id`, `_count`, `_offset` and `_sort=date|-date`."""

from typing import Any

from sqlalchemy import Connection, Select, and_, exists, func, or_, select, true

from service.audit.render import audit_event
from service.outcome import FhirError
from service.search.execute import SearchResult
from service.search.query import point_condition
from service.search.request import SearchRequest, integer_parameter
from service.storage.schema import audit_events, audit_links

Resource = dict[str, Any]
PARAMETERS = frozenset(
    {"_id", "patient", "agent", "entity", "date", "subtype", "outcome", "action"}
)
RESULT = frozenset({"_count", "_offset", "_sort", "_format", "_pretty", "_total"})


def _bad(text: str, name: str) -> FhirError:
    return FhirError.of(400, "invalid", text, name)


def _reference(value: str, kind: str | None = None) -> str:
    """`Patient/x` or a bare id (of `kind`); absolute URLs keep their last two segments."""
    parts = value.rstrip("/").split("/")
    if len(parts) >= 2:
        return "/".join(parts[-2:])
    return f"{kind}/{value}" if kind else value


def _linked(kind: str, values: list[str]) -> Any:
    return exists().where(
        and_(
            audit_links.c.audit_id == audit_events.c.id,
            audit_links.c.kind == kind,
            audit_links.c.value.in_(values),
        )
    )


def _condition(name: str, raw: str) -> Any:
    values = [v for v in raw.split(",") if v]
    if not values:
        raise _bad(f"{name} needs a value", name)
    if name == "_id":
        return audit_events.c.id.in_(values)
    if name == "patient":
        return _linked("patient", [_reference(v, "Patient") for v in values])
    if name == "entity":
        return _linked("entity", [_reference(v) for v in values])
    if name == "agent":
        return or_(
            audit_events.c.organization.in_([_reference(v, "Organization") for v in values]),
            audit_events.c.client_id.in_(values),
        )
    if name == "date":
        return or_(*(point_condition(audit_events.c.recorded, v, name) for v in values))
    column = {
        "subtype": audit_events.c.subtype,
        "outcome": audit_events.c.outcome,
        "action": audit_events.c.action,
    }[name]
    return column.in_([v.split("|")[-1] for v in values])


def _where(params: list[tuple[str, str]]) -> list[Any]:
    conditions = []
    for name, value in params:
        if name in PARAMETERS:
            conditions.append(_condition(name, value))
        elif name not in RESULT:
            known = ", ".join(sorted(PARAMETERS))
            raise _bad(f"AuditEvent has no search parameter {name!r} here (use {known})", name)
    return conditions


def _links(conn: Connection, ids: list[str]) -> dict[str, dict[str, list[str]]]:
    found: dict[str, dict[str, list[str]]] = {i: {"patient": [], "entity": []} for i in ids}
    if ids:
        rows = conn.execute(
            select(audit_links.c.audit_id, audit_links.c.kind, audit_links.c.value)
            .where(audit_links.c.audit_id.in_(ids))
            .order_by(audit_links.c.value)
        )
        for audit_id, kind, value in rows:
            found[audit_id][kind].append(value)
    return found


def _events(conn: Connection, query: Select[Any]) -> list[Resource]:
    rows = conn.execute(query).all()
    links = _links(conn, [r.id for r in rows])
    return [audit_event(r, links[r.id]["patient"], links[r.id]["entity"]) for r in rows]


def read(conn: Connection, audit_id: str) -> Resource:
    found = _events(conn, select(audit_events).where(audit_events.c.id == audit_id))
    if not found:
        raise FhirError.of(404, "not-found", f"AuditEvent/{audit_id} does not exist")
    return found[0]


def search(
    conn: Connection, params: list[tuple[str, str]], default_count: int, max_count: int
) -> tuple[SearchRequest, SearchResult]:
    args = dict(params)
    count = min(integer_parameter("_count", args.get("_count", str(default_count)), 0), max_count)
    offset = integer_parameter("_offset", args.get("_offset", "0"), 0)
    sort = args.get("_sort", "-date")
    if sort not in ("date", "-date"):
        raise _bad("AuditEvent sorts by date or -date", "_sort")
    where = and_(true(), *_where(params))  # and_() of nothing is deprecated in SQLAlchemy
    total = int(
        conn.execute(select(func.count()).select_from(audit_events).where(where)).scalar_one()
    )
    order = audit_events.c.seq.desc() if sort == "-date" else audit_events.c.seq.asc()
    page = select(audit_events).where(where).order_by(order).limit(count).offset(offset)
    request = SearchRequest("AuditEvent", count=count, offset=offset)
    return request, SearchResult(_events(conn, page), total)
