"""Runs a parsed search: the page of matches, `_include`/`_revinclude` resources and the total."""

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, and_, false, select

from service.search import query
from service.search.parameters import for_type
from service.search.request import SearchRequest
from service.storage.schema import resources, search_index

Resource = dict[str, Any]


@dataclass
class SearchResult:
    matches: list[Resource]
    total: int | None
    included: list[Resource] = field(default_factory=list)


def _load(
    conn: Connection, refs: set[tuple[str, str]], visible_to: frozenset[str] | None
) -> list[Resource]:
    """The included resources, as far as the searcher may read them (an include is no way
    around the read rule)."""
    found = []
    for res_type, res_id in sorted(refs):
        row = conn.execute(
            select(resources.c.content).where(
                and_(
                    resources.c.res_type == res_type,
                    resources.c.res_id == res_id,
                    resources.c.deleted == false(),
                    query.visible(res_type, resources.c.res_id, visible_to),
                )
            )
        ).first()
        if row is not None:
            found.append(json.loads(row.content))
    return found


def _included(conn: Connection, request: SearchRequest, matches: list[Resource]) -> list[Resource]:
    refs: set[tuple[str, str]] = set()
    for source, code, target in request.include:
        param = for_type(source)[code]
        for resource in matches:
            if resource["resourceType"] != source:
                continue
            for value in param.evaluate(resource):
                reference = value.get("reference", "") if isinstance(value, dict) else ""
                parts = reference.split("/")
                if len(parts) >= 2 and (target is None or parts[-2] == target):
                    refs.add((parts[-2], parts[-1]))
    for source, code, target in request.revinclude:
        keys = [f"{r['resourceType']}/{r['id']}" for r in matches]
        if target is not None:
            keys = [k for k in keys if k.startswith(f"{target}/")]
        if not keys:
            continue
        rows = conn.execute(
            select(search_index.c.res_id).where(
                and_(
                    search_index.c.res_type == source,
                    search_index.c.param == code,
                    search_index.c.value.in_(keys),
                )
            )
        )
        refs.update((source, row.res_id) for row in rows)
    already = {(r["resourceType"], r["id"]) for r in matches}
    return _load(conn, refs - already, request.visible_to)


def run(conn: Connection, request: SearchRequest) -> SearchResult:
    if request.summary_count:
        return SearchResult([], _count(conn, request))
    matches = [json.loads(row.content) for row in conn.execute(query.page_query(request))]
    total = None
    if request.total != "none":
        # A first page that is not full holds every match: no second query to count them.
        complete = request.offset == 0 and len(matches) < request.count
        total = len(matches) if complete else _count(conn, request)
    return SearchResult(matches, total, _included(conn, request, matches))


def _count(conn: Connection, request: SearchRequest) -> int:
    return int(conn.execute(query.count_query(request)).scalar_one())
