"""The RESTful interactions, independent of HTTP: the routes and the transaction processor both
call these, so a transaction entry behaves exactly like the same request sent alone.

Every function runs inside a caller-owned database transaction and raises FhirError for anything
the client must hear about; it never commits half a change.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import jsonpatch
from sqlalchemy import Connection

from service.access.facts import check_read, check_scope, check_write
from service.access.participation import read_visible
from service.auth.principal import Principal
from service.outcome import FhirError, has_errors, issue, operation_outcome
from service.search import lookup, query
from service.search.request import LARGEST_INTEGER, SearchRequest, parse
from service.storage.store import Store, Stored

Resource = dict[str, Any]
ValidateFn = Callable[[Resource], Resource]
WriteHook = Callable[[Connection, Stored, Stored | None, Principal], list[Resource]]


def _no_hook(
    conn: Connection, stored: Stored, previous: Stored | None, principal: Principal
) -> list[Resource]:
    return []


def _with(outcome: Resource, extra: list[Resource]) -> Resource:
    """The validation outcome plus the workflow's warnings."""
    if not extra:
        return outcome
    issues = [i for i in outcome.get("issue", []) if i.get("severity") != "information"]
    return operation_outcome(*issues, *extra)


def limited_search(
    principal: Principal,
    res_type: str,
    params: list[tuple[str, str]],
    strict: bool,
    default_count: int,
    max_count: int,
    action: str = "search-type",
) -> SearchRequest:
    """A parsed search limited to what the principal may read: its matches, `total` and
    includes never count or show what it takes no part in. Searches and exports both use it,
    so an export can never show more than the same search would."""
    check_scope(principal, action, res_type)
    request = parse(res_type, params, default_count, max_count, strict)
    if not principal.reads_everything:
        request.visible_to = principal.units  # also limits the includes of a public search
    return request


@dataclass
class Result:
    """What an interaction produced: status, the stored version (if any), extra outcome."""

    status: int
    stored: Stored | None = None
    outcome: Resource | None = None
    body: Resource | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Engine:
    store: Store
    validate: ValidateFn
    default_count: int = 20
    max_count: int = 500
    on_write: WriteHook = _no_hook

    # ---- checks shared by create, update and patch ----
    def _checked(self, resource: Resource) -> Resource:
        outcome = self.validate(resource)
        if has_errors(outcome):
            raise FhirError(422, outcome)
        return outcome

    # ---- create ----
    def create(
        self,
        conn: Connection,
        principal: Principal,
        res_type: str,
        resource: Resource,
        if_none_exist: str | None = None,
        new_id: str | None = None,
    ) -> Result:
        """Create with a server-assigned id (`new_id` lets a transaction assign it up front).

        If-None-Exist decides over what the principal may read: a match it may not see counts
        as none, so a conditional create never reveals that another party's resource exists."""
        if if_none_exist:
            self.store.lock(conn, f"create:{res_type}?{if_none_exist}")
            found = self.search_stored(conn, principal, res_type, if_none_exist, limit=2)
            if len(found) > 1:
                raise FhirError.of(
                    412,
                    "duplicate",
                    f"If-None-Exist {if_none_exist!r} matches more than one {res_type}",
                )
            if found:
                return Result(200, found[0])
        resource = {**resource, "id": new_id or str(uuid.uuid4())}
        check_scope(principal, "create", res_type)
        outcome = self._checked(resource)  # what is wrong with the content comes first
        check_write(conn, principal, "create", res_type, resource, None)
        stored = self.store.write(conn, resource, None, "POST")
        warnings = self.on_write(conn, stored, None, principal)
        return Result(201, stored, _with(outcome, warnings))

    # ---- read ----
    def read(self, conn: Connection, principal: Principal, res_type: str, res_id: str) -> Stored:
        stored = self.read_any(conn, principal, res_type, res_id)
        if stored.deleted:
            raise FhirError(
                410,
                operation_outcome(issue("error", "deleted", f"{res_type}/{res_id} was deleted")),
                {"ETag": stored.etag},
            )
        return stored

    def read_any(
        self,
        conn: Connection,
        principal: Principal,
        res_type: str,
        res_id: str,
        action: str = "read",
    ) -> Stored:
        """The current version even when it is a deletion (history stays readable); one the
        principal may not see is answered as one that does not exist."""
        stored, seen = read_visible(conn, self.store, principal, res_type, res_id)
        if stored is None:
            check_scope(principal, action, res_type)
            raise FhirError.of(404, "not-found", f"{res_type}/{res_id} does not exist")
        check_read(conn, principal, action, res_type, res_id, seen)
        return stored

    def vread(
        self, conn: Connection, principal: Principal, res_type: str, res_id: str, version: str
    ) -> Stored:
        self.read_any(conn, principal, res_type, res_id, "vread")
        digits = version.isascii() and version.isdigit()  # "²".isdigit() is True
        if not digits or int(version) > LARGEST_INTEGER:
            raise FhirError.of(404, "not-found", f"{res_type}/{res_id} has no version {version!r}")
        stored = self.store.vread(conn, res_type, res_id, int(version))
        if stored is None:
            raise FhirError.of(404, "not-found", f"{res_type}/{res_id} has no version {version}")
        if stored.resource is None:
            raise FhirError(
                410,
                operation_outcome(
                    issue(
                        "error",
                        "deleted",
                        f"version {version} of {res_type}/{res_id} is a deletion",
                    )
                ),
            )
        return stored

    # ---- update ----
    def update(
        self,
        conn: Connection,
        principal: Principal,
        res_type: str,
        res_id: str,
        resource: Resource,
        if_match: str | None = None,
        action: str = "update",
        current: Stored | None = None,
    ) -> Result:
        """`current`: the stored resource as this transaction read it under lock
        (`search_stored(lock=True)`), so it is not read again; otherwise it is."""
        body_id = resource.get("id")
        if body_id is None:
            raise FhirError.of(
                400, "required", "an update must carry the resource id in the body", "id"
            )
        if body_id != res_id:
            raise FhirError.of(
                400,
                "invalid",
                f"the body's id {body_id!r} differs from the URL's id {res_id!r}",
                "id",
            )
        if current is None or (current.res_type, current.res_id) != (res_type, res_id):
            current = self.store.read(conn, res_type, res_id, lock=True)
        check_scope(principal, action, res_type)
        outcome = self._checked(resource)
        check_write(conn, principal, action, res_type, resource, current, res_id)
        live = current if current is not None and not current.deleted else None
        if if_match is not None and (live is None or str(live.version_id) != if_match):
            have = f'W/"{live.version_id}"' if live else "none"
            raise FhirError.of(
                412,
                "conflict",
                f'If-Match W/"{if_match}" does not match the current version ({have})',
            )
        created = live is None
        stored = self.store.write(conn, resource, current, "POST" if created else "PUT")
        warnings = self.on_write(conn, stored, current, principal)
        return Result(201 if created else 200, stored, _with(outcome, warnings))

    def conditional_update(
        self,
        conn: Connection,
        principal: Principal,
        res_type: str,
        criteria: str,
        resource: Resource,
        if_match: str | None,
    ) -> Result:
        """The criteria match only what the principal may read, as in a conditional create."""
        self.store.lock(conn, f"update:{res_type}?{criteria}")
        found = self.search_stored(conn, principal, res_type, criteria, limit=2, lock=True)
        if len(found) > 1:
            raise FhirError.of(
                412, "multiple-matches", f"{criteria!r} matches more than one {res_type}"
            )
        if found:
            res_id = found[0].res_id
            if resource.get("id") not in (None, res_id):
                raise FhirError.of(
                    400,
                    "invalid",
                    f"the body's id does not match the resource {criteria!r} found",
                    "id",
                )
            with_id = {**resource, "id": res_id}
            return self.update(
                conn, principal, res_type, res_id, with_id, if_match, current=found[0]
            )
        if "id" in resource:
            return self.update(conn, principal, res_type, resource["id"], resource, if_match)
        return self.create(conn, principal, res_type, resource)

    # ---- patch ----
    def patch(
        self,
        conn: Connection,
        principal: Principal,
        res_type: str,
        res_id: str,
        operations: Any,
        if_match: str | None,
    ) -> Result:
        current = self.read(conn, principal, res_type, res_id)
        if not isinstance(operations, list):
            raise FhirError.of(400, "structure", "a JSON Patch body is an array of operations")
        patched: Any = current.resource
        for index, operation in enumerate(operations):  # one by one, to name the one that fails
            try:
                patched = jsonpatch.apply_patch(patched, [operation])
            except (
                jsonpatch.JsonPatchException,
                jsonpatch.JsonPointerException,
                TypeError,
            ) as error:
                raise FhirError.of(
                    422,
                    "processing",
                    f"operation {index} of the JSON Patch cannot be applied: {error}",
                    f"[{index}]",
                ) from None
        if not isinstance(patched, dict) or patched.get("resourceType") != res_type:
            raise FhirError.of(
                422, "processing", "the JSON Patch must not change resourceType", "resourceType"
            )
        if patched.get("id") != res_id:
            raise FhirError.of(
                422, "processing", "the JSON Patch must not change the id", f"{res_type}.id"
            )
        return self.update(conn, principal, res_type, res_id, patched, if_match, "patch")

    # ---- delete ----
    def delete(self, conn: Connection, principal: Principal, res_type: str, res_id: str) -> Result:
        current = self.store.read(conn, res_type, res_id, lock=True)
        if current is None:
            check_scope(principal, "delete", res_type)
            raise FhirError.of(404, "not-found", f"{res_type}/{res_id} does not exist")
        check_write(conn, principal, "delete", res_type, None, current, res_id)
        if current.deleted:
            return Result(204, current)
        stored = self.store.delete(conn, current)
        self.on_write(conn, stored, current, principal)  # e.g. a Subscription's queue is voided
        return Result(200, stored)

    # ---- search ----
    def search_request(
        self,
        principal: Principal,
        res_type: str,
        params: list[tuple[str, str]],
        strict: bool,
        action: str = "search-type",
    ) -> SearchRequest:
        return limited_search(
            principal, res_type, params, strict, self.default_count, self.max_count, action
        )

    def search_ids(
        self, conn: Connection, principal: Principal, res_type: str, criteria: str, limit: int
    ) -> list[str]:
        request = self._conditional(principal, res_type, criteria)
        token = lookup.token_of(request)
        if token is not None:
            return [s.res_id for s in lookup.find(conn, self.store, request, token, limit)]
        return self._page_ids(conn, request, limit)

    def search_stored(
        self,
        conn: Connection,
        principal: Principal,
        res_type: str,
        criteria: str,
        limit: int,
        lock: bool = False,
    ) -> list[Stored]:
        """What `search_ids` finds, read whole (one round trip for an identifier); `lock`
        holds the rows for an update in this transaction, which may then pass them as
        `current`."""
        request = self._conditional(principal, res_type, criteria)
        token = lookup.token_of(request)
        if token is not None:
            return lookup.find(conn, self.store, request, token, limit, lock)
        ids = self._page_ids(conn, request, limit)
        found = (self.store.read(conn, res_type, res_id, lock) for res_id in ids)
        return [stored for stored in found if stored is not None]

    def _conditional(self, principal: Principal, res_type: str, criteria: str) -> SearchRequest:
        request = self.search_request(
            principal, res_type, parse_qsl(criteria, keep_blank_values=True), strict=True
        )
        if not request.criteria:
            raise FhirError.of(400, "invalid", f"conditional criteria {criteria!r} select nothing")
        return request

    def _page_ids(self, conn: Connection, request: SearchRequest, limit: int) -> list[str]:
        request.count, request.offset = limit, 0
        return [row.res_id for row in conn.execute(query.page_query(request))]
