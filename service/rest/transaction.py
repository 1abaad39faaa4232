"""Batch and transaction Bundles.

A transaction is one database transaction: entries run in the order the spec prescribes (DELETE,
POST, PUT/PATCH, GET), `urn:uuid:` fullUrls are replaced by the ids the server assigns wherever
they are referenced, and any failure rolls everything back. A batch runs each entry on its own and
reports each entry's outcome.
"""

import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy import Connection

from service.auth.principal import Principal
from service.http.headers import parse_version_tag
from service.outcome import FhirError, issue, operation_outcome
from service.rest.body import check_resource
from service.rest.bundles import searchset
from service.rest.engine import Engine, Result
from service.search import execute

Resource = dict[str, Any]
ORDER = {"DELETE": 0, "POST": 1, "PUT": 2, "PATCH": 2, "GET": 3, "HEAD": 3}


@dataclass
class Entry:
    index: int
    method: str
    path: str
    query: str
    resource: Resource | None
    full_url: str | None
    request: Resource


def _entries(bundle: Resource, max_entries: int) -> list[Entry]:
    raw = bundle.get("entry", [])
    if not isinstance(raw, list):
        raise FhirError.of(400, "structure", "Bundle.entry must be an array", "Bundle.entry")
    if len(raw) > max_entries:
        raise FhirError.of(
            413, "too-costly", f"the Bundle has {len(raw)} entries; the limit is {max_entries}"
        )
    entries = []
    for index, entry in enumerate(raw):
        where = f"Bundle.entry[{index}]"
        request = entry.get("request") if isinstance(entry, dict) else None
        if not isinstance(request, dict) or not request.get("method") or not request.get("url"):
            raise FhirError.of(
                400, "required", f"{where} needs request.method and request.url", f"{where}.request"
            )
        method = str(request["method"]).upper()
        if method not in ORDER:
            raise FhirError.of(
                400,
                "not-supported",
                f"{where}: method {method} is not supported",
                f"{where}.request.method",
            )
        split = urlsplit(str(request["url"]))
        resource = entry.get("resource")
        if method in ("POST", "PUT"):
            resource = check_resource(resource, None, f"{where}.resource")
        entries.append(
            Entry(
                index,
                method,
                split.path.strip("/"),
                split.query,
                resource,
                entry.get("fullUrl"),
                request,
            )
        )
    return entries


def _rewrite(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {
            k: (ids.get(v, v) if k == "reference" and isinstance(v, str) else _rewrite(v, ids))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_rewrite(v, ids) for v in value]
    return value


def _response(result: Result) -> Resource:
    response: Resource = {"status": f"{result.status}"}
    if result.stored is not None:
        response["location"] = (
            f"{result.stored.res_type}/{result.stored.res_id}/_history/{result.stored.version_id}"
        )
        response["etag"] = result.stored.etag
        response["lastModified"] = result.stored.last_updated
    if result.outcome is not None:
        response["outcome"] = result.outcome
    entry: Resource = {"response": response}
    if result.body is not None:
        entry["resource"] = result.body
    elif result.stored is not None and result.stored.resource is not None:
        entry["resource"] = result.stored.resource
    return entry


class Processor:
    def __init__(self, engine: Engine, base: str, max_entries: int) -> None:
        self.engine = engine
        self.base = base
        self.max_entries = max_entries

    def _assign_ids(
        self, conn: Connection, principal: Principal, entries: list[Entry]
    ) -> dict[str, str]:
        """fullUrl → `Type/id` for every entry whose resource the transaction creates or updates."""
        ids: dict[str, str] = {}
        for entry in entries:
            if entry.method != "POST" or entry.resource is None or not entry.full_url:
                continue
            res_type = entry.resource["resourceType"]
            if_none_exist = entry.request.get("ifNoneExist")
            existing = (
                self.engine.search_ids(conn, principal, res_type, if_none_exist, limit=2)
                if if_none_exist
                else []
            )
            if len(existing) > 1:
                raise FhirError.of(
                    412,
                    "duplicate",
                    f"Bundle.entry[{entry.index}]: ifNoneExist matches more than one {res_type}",
                )
            new_id = existing[0] if existing else str(uuid.uuid4())
            entry.request["_assigned"] = new_id
            ids[entry.full_url] = f"{res_type}/{new_id}"
        return ids

    def _execute(
        self, conn: Connection, principal: Principal, entry: Entry, strict: bool
    ) -> Result:
        engine = self.engine
        parts = entry.path.split("/") if entry.path else []
        if not parts:
            raise FhirError.of(
                400, "invalid", f"Bundle.entry[{entry.index}]: request.url names no resource type"
            )
        res_type = parts[0]
        if entry.method == "POST":
            assert entry.resource is not None
            check_resource(entry.resource, res_type, f"Bundle.entry[{entry.index}].resource")
            assigned = entry.request.get("_assigned")
            if assigned and engine.store.read(conn, res_type, assigned) is not None:
                return Result(200, engine.store.read(conn, res_type, assigned))
            if_none_exist = entry.request.get("ifNoneExist")
            return engine.create(conn, principal, res_type, entry.resource, if_none_exist, assigned)
        if entry.method == "PUT":
            assert entry.resource is not None
            check_resource(entry.resource, res_type, f"Bundle.entry[{entry.index}].resource")
            if_match = _version(entry.request.get("ifMatch"))
            if len(parts) == 2:
                return engine.update(conn, principal, res_type, parts[1], entry.resource, if_match)
            return engine.conditional_update(
                conn, principal, res_type, entry.query, entry.resource, if_match
            )
        if entry.method == "PATCH":
            if len(parts) != 2:
                raise FhirError.of(400, "not-supported", "PATCH needs Type/id")
            if_match = _version(entry.request.get("ifMatch"))
            return engine.patch(conn, principal, res_type, parts[1], entry.resource, if_match)
        if entry.method == "DELETE":
            if len(parts) != 2:
                raise FhirError.of(400, "not-supported", "conditional DELETE is not supported")
            return engine.delete(conn, principal, res_type, parts[1])
        if len(parts) == 2:
            return Result(200, engine.read(conn, principal, res_type, parts[1]))
        if len(parts) == 4 and parts[2] == "_history":
            return Result(200, engine.vread(conn, principal, res_type, parts[1], parts[3]))
        request = engine.search_request(
            principal, res_type, parse_qsl(entry.query, keep_blank_values=True), strict
        )
        result = execute.run(conn, request)
        body = searchset(
            self.base,
            f"{self.base}/{res_type}",
            parse_qsl(entry.query),
            request,
            result,
            engine.store.clock,
        )
        return Result(200, body=body)

    def process(self, bundle: Resource, principal: Principal, strict: bool = False) -> Resource:
        """Every entry runs as `principal`, through the same checks as the request sent alone."""
        kind = bundle.get("type")
        if kind not in ("transaction", "batch"):
            raise FhirError.of(
                400,
                "invalid",
                f"a Bundle posted to the base must be a transaction or batch, not {kind!r}",
                "Bundle.type",
            )
        entries = _entries(bundle, self.max_entries)
        responses: dict[int, Resource] = {}
        if kind == "transaction":
            with self.engine.store.begin() as conn:
                ids = self._assign_ids(conn, principal, entries)
                for entry in entries:
                    entry.resource = (
                        _rewrite(entry.resource, ids) if entry.resource else entry.resource
                    )
                for entry in sorted(entries, key=lambda e: ORDER[e.method]):
                    try:
                        result = self._execute(conn, principal, entry, strict)
                        responses[entry.index] = _response(result)
                    except FhirError as error:
                        raise _located(error, entry.index) from None
        else:
            for entry in entries:
                try:
                    with self.engine.store.begin() as conn:
                        result = self._execute(conn, principal, entry, strict)
                        responses[entry.index] = _response(result)
                except FhirError as error:
                    responses[entry.index] = {
                        "response": {
                            "status": str(error.status),
                            "outcome": _located(error, entry.index).outcome,
                        }
                    }
        return {
            "resourceType": "Bundle",
            "id": str(uuid.uuid4()),
            "type": f"{kind}-response",
            "entry": [responses[i] for i in range(len(entries))],
        }


def _version(value: Any) -> str | None:
    return parse_version_tag(value, "ifMatch") if value else None


def _located(error: FhirError, index: int) -> FhirError:
    """The same error, with every issue saying which entry it concerns."""
    issues = []
    for item in error.outcome.get("issue", []):
        text = item.get("details", {}).get("text", "")
        located = issue(
            item.get("severity", "error"),
            item.get("code", "processing"),
            text if text.startswith("Bundle.entry[") else f"Bundle.entry[{index}]: {text}",
        )
        located["details"] = {**item.get("details", {}), "text": located["details"]["text"]}
        expressions = item.get("expression") or []
        located["expression"] = [_in_entry(e, index) for e in expressions] or [
            f"Bundle.entry[{index}]"
        ]
        issues.append(located)
    return FhirError(error.status, operation_outcome(*issues), error.headers)


def _in_entry(expression: str, index: int) -> str:
    """`Patient.name[0]` of entry 2 → `Bundle.entry[2].resource.name[0]`."""
    if expression.startswith("Bundle."):
        return expression
    _, _, rest = expression.partition(".")
    return f"Bundle.entry[{index}].resource" + (f".{rest}" if rest else "")
