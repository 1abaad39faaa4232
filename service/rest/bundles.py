"""The Bundles the server answers with: searchset with paging links, history, and their entries."""

import uuid
from typing import Any
from urllib.parse import urlencode

from service.fhirtime import Clock, instant
from service.outcome import issue, operation_outcome
from service.search.execute import SearchResult
from service.search.request import SearchRequest
from service.storage.store import Stored

Resource = dict[str, Any]


def _bundle(kind: str, clock: Clock, total: int | None) -> Resource:
    bundle: Resource = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": instant(clock())},
        "type": kind,
    }
    if total is not None:
        bundle["total"] = total
    return bundle


def _page_links(
    url: str, params: list[tuple[str, str]], count: int, offset: int, total: int | None, shown: int
) -> list[Resource]:
    """self/first/previous/next links that repeat the query with explicit _count and _offset."""
    kept = [(k, v) for k, v in params if k not in ("_count", "_offset")]

    def link(relation: str, at: int) -> Resource:
        query = urlencode([*kept, ("_count", str(count)), ("_offset", str(at))])
        return {"relation": relation, "url": f"{url}?{query}"}

    links = [link("self", offset), link("first", 0)]
    if offset > 0:
        links.append(link("previous", max(offset - count, 0)))
    more = offset + shown < total if total is not None else shown == count and count > 0
    if more:
        links.append(link("next", offset + count))
    return links


def searchset(
    base: str,
    url: str,
    params: list[tuple[str, str]],
    request: SearchRequest,
    result: SearchResult,
    clock: Clock,
) -> Resource:
    bundle = _bundle("searchset", clock, result.total)
    bundle["link"] = _page_links(
        url, params, request.count, request.offset, result.total, len(result.matches)
    )
    if request.summary_count:
        bundle["link"] = bundle["link"][:1]  # a count has no pages
    entries: list[Resource] = []
    for resource, mode in [(r, "match") for r in result.matches] + [
        (r, "include") for r in result.included
    ]:
        entries.append(
            {
                "fullUrl": f"{base}/{resource['resourceType']}/{resource['id']}",
                "resource": resource,
                "search": {"mode": mode},
            }
        )
    if request.ignored:
        names = ", ".join(sorted(set(request.ignored)))
        warning = operation_outcome(
            issue(
                "warning", "not-supported", f"ignored unknown or unsupported parameter(s): {names}"
            )
        )
        entries.append({"resource": warning, "search": {"mode": "outcome"}})
    if entries:
        bundle["entry"] = entries
    return bundle


def history(
    base: str,
    url: str,
    params: list[tuple[str, str]],
    versions: list[Stored],
    total: int,
    count: int,
    offset: int,
    clock: Clock,
) -> Resource:
    bundle = _bundle("history", clock, total)
    bundle["link"] = _page_links(url, params, count, offset, total, len(versions))
    entries = []
    for stored in versions:
        path = f"{stored.res_type}/{stored.res_id}"
        entry: Resource = {"fullUrl": f"{base}/{path}"}
        if stored.resource is not None:
            entry["resource"] = stored.resource
        method = stored.method or ("DELETE" if stored.resource is None else "PUT")
        entry["request"] = {"method": method, "url": stored.res_type if method == "POST" else path}
        status = {"POST": "201 Created", "DELETE": "204 No Content"}.get(method, "200 OK")
        entry["response"] = {
            "status": status,
            "etag": stored.etag,
            "lastModified": stored.last_updated,
        }
        entries.append(entry)
    if entries:
        bundle["entry"] = entries
    return bundle
