"""One entry of the access log: who (client, organization, token, how it authenticated), what
(the interaction, the resources and patients it touched), when, the outcome and the request it
belongs to.

Kept as one narrow row plus its patient and entity links (see storage.schema.audit_events), so
logging a request costs two small inserts; the FHIR AuditEvent is rendered only when read.
"""

import os
import random
import uuid
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table

from service.access.links import links
from service.auth.principal import Principal
from service.fhirtime import stamp
from service.storage.schema import audit_events, audit_links

Resource = dict[str, Any]
# What the HTTP layer knows about the request being served (set per request by the middleware;
# the engine's threads inherit it), so a write logged in its transaction names its request.
REQUEST: ContextVar["RequestInfo | None"] = ContextVar("lus_audit_request", default=None)
ACTIONS = {
    "create": "C",
    "read": "R",
    "vread": "R",
    "history-instance": "R",
    "update": "U",
    "patch": "U",
    "delete": "D",
}
SUCCESS, MINOR_FAILURE, SERIOUS_FAILURE = "0", "4", "8"


# A generator of our own, seeded from os.urandom, rather than the random module's shared one:
# anything may seed that (hypothesis does for every example, so ids repeated and the log's
# unique key refused a request). Reseeded in a forked child so no two processes share a stream.
_IDS = random.Random()
os.register_at_fork(after_in_child=_IDS.seed)


def new_id() -> str:
    """A random (version 4) UUID for a request or an entry, from a Mersenne Twister rather than
    os.urandom: made on the event loop for every request, and os.urandom gives up the GIL,
    which a busy request thread may then keep for the 5 ms switch interval (4 % of a read's
    samples). The ids need to be unique, not secret."""
    return str(uuid.UUID(int=_IDS.getrandbits(128), version=4))


@dataclass(frozen=True)
class RequestInfo:
    request_id: str
    address: str | None = None
    line: str | None = None  # method and path with query, e.g. "GET /fhir/Task?patient=…"


@dataclass
class AuditRecord:
    subtype: str  # a restful-interaction code, an operation name, or token / login
    outcome: str = SUCCESS
    client_id: str | None = None
    organization: str | None = None
    token_id: str | None = None
    authentication: str | None = None  # how the caller proved who it is: Principal.method
    request: RequestInfo | None = None
    detail: str | None = None
    patients: set[str] = field(default_factory=set)
    entities: set[str] = field(default_factory=set)
    id: str = field(default_factory=new_id)

    @staticmethod
    def of(principal: Principal | None, subtype: str, outcome: str = SUCCESS) -> "AuditRecord":
        record = AuditRecord(subtype, outcome, request=REQUEST.get())
        if principal is not None:
            record.client_id = principal.client_id
            record.organization = principal.organization
            record.token_id = principal.token_id
            record.authentication = principal.method
        return record

    @property
    def action(self) -> str:
        return ACTIONS.get(self.subtype, "E")

    def touched(self, resources: Sequence[Resource | None]) -> "AuditRecord":
        """Add the resources (and each one's patient) a response showed or a write stored."""
        for resource in resources:
            if not resource or "resourceType" not in resource:
                continue
            self.entities.add(f"{resource['resourceType']}/{resource.get('id')}")
            patient = links(resource).patient
            if patient:
                self.patients.add(patient)
        return self


def subtype_of(method: str, path: str) -> str:
    """The interaction a refused or failed request attempted, from its method and path."""
    parts = [p for p in path.split("/") if p][1:]  # after /fhir
    if any(p.startswith("$") for p in parts):
        return "operation"
    if method == "GET":
        if "_history" in parts:
            return "vread" if parts[-1] != "_history" else "history-instance"
        return "read" if len(parts) == 2 else "search-type"
    if method == "POST":
        return "batch" if not parts else "search-type" if parts[-1] == "_search" else "create"
    return {"PUT": "update", "PATCH": "patch", "DELETE": "delete"}.get(method, "operation")


def audited(principal: Principal) -> bool:
    """The service's own work (monitor, deliveries, directory load) is not a client's access."""
    return principal.method != "internal"


_EVENT_COLUMNS = (
    "id",
    "recorded",
    "subtype",
    "action",
    "outcome",
    "client_id",
    "organization",
    "request_id",
    "token_id",
    "authentication",
    "address",
    "query",
    "detail",
)
_LINK_COLUMNS = ("audit_id", "kind", "value", "recorded")


def _limits(table: Table, columns: tuple[str, ...]) -> tuple[int | None, ...]:
    return tuple(getattr(table.c[name].type, "length", None) for name in columns)


_EVENT_LIMITS = _limits(audit_events, _EVENT_COLUMNS)
_LINK_LIMITS = _limits(audit_links, _LINK_COLUMNS)


def _insert_sql(table: Table, columns: tuple[str, ...], marker: str) -> str:
    markers = ", ".join([marker] * len(columns))
    return f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({markers})"


# Plain SQL, one per paramstyle (sqlite3: qmark, psycopg: format/pyformat), executed with the rows
# as tuples: the log takes an entry for every request, and SQLAlchemy's compiled insert spent
# more CPU processing each row's parameters than the database spent inserting it.
_INSERTS = {
    style: (
        _insert_sql(audit_events, _EVENT_COLUMNS, m),
        _insert_sql(audit_links, _LINK_COLUMNS, m),
    )
    for style, m in (("qmark", "?"), ("format", "%s"), ("pyformat", "%s"))
}


def _fitted(row: tuple[Any, ...], limits: tuple[int | None, ...]) -> tuple[Any, ...]:
    """A row every database takes: what a request brought in (a decoded path, the text of a
    refusal) may hold NUL, which PostgreSQL's text refuses, or be longer than its column; one
    row the database refuses would hold up the log's batch writer for good."""
    return tuple(
        value.replace("\x00", "\ufffd")[:limit] if isinstance(value, str) else value
        for value, limit in zip(row, limits, strict=True)
    )


def write(conn: Connection, records: list[AuditRecord], at: datetime) -> None:
    """Insert records in the caller's transaction (a write's own, or the read log's batch):
    two statements of plain SQL for any number of records."""
    if not records:
        return
    recorded = stamp(at)
    events = []
    links: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for record in records:
        request = record.request
        events.append(
            _fitted(
                (
                    record.id,
                    recorded,
                    record.subtype,
                    record.action,
                    record.outcome,
                    record.client_id,
                    record.organization,
                    request.request_id if request else None,
                    record.token_id,
                    record.authentication,
                    request.address if request else None,
                    request.line if request else None,
                    record.detail,
                ),
                _EVENT_LIMITS,
            )
        )
        for kind, values in (("patient", record.patients), ("entity", record.entities)):
            for value in sorted(values):
                link = _fitted((record.id, kind, value, recorded), _LINK_LIMITS)
                links[link[:3]] = link  # values cut alike are one link
    insert_event, insert_link = _INSERTS[conn.dialect.paramstyle]
    conn.exec_driver_sql(insert_event, events)
    if links:
        conn.exec_driver_sql(insert_link, list(links.values()))
