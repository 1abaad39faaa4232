"""Who takes part in which stay, kept as data by the write path (in the write's transaction).

Every write records the contexts of the resource (`resource_contexts`: its stay, its patient, or
itself) and the organizations it makes take part (`participants`): the writer, the parties the
content names, the routed receivers of a notification (`join`, called by the workflow), the care
team's members. A read check is then one indexed join (`visible_condition`), never a scan of
notifications.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BindParameter,
    Connection,
    Dialect,
    and_,
    bindparam,
    delete,
    false,
    insert,
    literal,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite

from service.access import links as content
from service.access.units import organization_of
from service.access.visibility import packed, visible_condition
from service.auth.principal import INTERNAL, Principal
from service.routing.directory import care_teams
from service.storage.database import is_postgres
from service.storage.schema import outbox, participants, resource_contexts, resources
from service.storage.store import Store, Stored
from service.workflow.order import load_order

Resource = dict[str, Any]
CARE_TEAM_ROLE = "vardteam"
RECEIVER_ROLE = "mottagare"

_CONTEXTS = select(resource_contexts.c.context).where(
    and_(
        resource_contexts.c.res_type == bindparam("k_type"),
        resource_contexts.c.res_id == bindparam("k_id"),
    )
)
_UNCONTEXT = delete(resource_contexts).where(
    and_(
        resource_contexts.c.res_type == bindparam("k_type"),
        resource_contexts.c.res_id == bindparam("k_id"),
    )
)
_STAY_PATIENT = (
    select(participants.c.patient)
    .where(
        and_(participants.c.context == bindparam("k_context"), participants.c.patient.is_not(None))
    )
    .limit(1)
)


# Built once: constructing and cache-keying the statement cost several times running it.
_UNITS: BindParameter[str] = bindparam("k_units")
_VISIBLE = select(literal(1)).where(
    visible_condition(_UNITS, bindparam("k_type"), bindparam("k_id"))
)
_READ_VISIBLE = select(
    resources,
    visible_condition(_UNITS, resources.c.res_type, resources.c.res_id).label("flag"),
).where(and_(resources.c.res_type == bindparam("k_type"), resources.c.res_id == bindparam("k_id")))


@dataclass(frozen=True)
class _DriverStatement:
    """A statement compiled once for a dialect, run as the driver's own SQL."""

    sql: str
    order: tuple[str, ...] | None  # the parameters' order, for a positional paramstyle
    defaults: dict[str, Any]  # the statement's literals

    @staticmethod
    def of(statement: Any, dialect: Dialect) -> "_DriverStatement":
        compiled = statement.compile(dialect=dialect)
        order = tuple(compiled.positiontup) if compiled.positional else None
        return _DriverStatement(str(compiled), order, dict(compiled.params))

    def parameters(self, values: dict[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        merged = self.defaults | values
        return merged if self.order is None else tuple(merged[name] for name in self.order)


# The read check runs on every read: executing even the prebuilt select spent 20-40 us of CPU on
# SQLAlchemy's cache key and parameter processing (a quarter of the check on SQLite).
_READ_VISIBLE_SQL: dict[tuple[str, str], _DriverStatement] = {}


def read_visible(
    conn: Connection, store: Store, principal: Principal, res_type: str, res_id: str
) -> tuple[Stored | None, bool]:
    """The stored resource and whether the principal may see it, in one query."""
    if res_type in content.PUBLIC or principal.reads_everything:
        return store.read(conn, res_type, res_id), True
    dialect = conn.dialect
    key = (dialect.name, dialect.paramstyle)
    statement = _READ_VISIBLE_SQL.get(key)
    if statement is None:
        statement = _READ_VISIBLE_SQL[key] = _DriverStatement.of(_READ_VISIBLE, dialect)
    values = {"k_type": res_type, "k_id": res_id, "k_units": packed(principal.units)}
    return store.read_flagged(conn, statement.sql, statement.parameters(values))


def visible(conn: Connection, principal: Principal, res_type: str, res_id: str) -> bool:
    """Whether the principal may see this stored resource (a missing one is not visible)."""
    if res_type in content.PUBLIC or principal.reads_everything:
        return True
    values = {"k_type": res_type, "k_id": res_id, "k_units": packed(principal.units)}
    return conn.execute(_VISIBLE, values).first() is not None


def contexts_for(
    conn: Connection, resource: Resource, found: content.Links | None = None
) -> list[str]:
    """The contexts a resource belongs to, from its content (a deviation that only implicates a
    notification belongs to that notification's stay); `found` is its links, if read already."""
    found = found or content.links(resource)
    known = _own_contexts(resource, found)
    if known is not None:
        return known
    for notification in found.notifications:
        kind_, _, rid = notification.partition("/")
        stored = [c for c in conn.execute(_CONTEXTS, {"k_type": kind_, "k_id": rid}).scalars()]
        if stored:
            return stored
    return _patient_or_self(resource, found)


def _own_contexts(resource: Resource, found: content.Links) -> list[str] | None:
    """The contexts the content alone decides; None when they are a stored notification's."""
    if resource.get("resourceType", "") in content.PUBLIC:
        return []
    if found.stay:
        return [found.stay]
    if found.notifications:
        return None
    return _patient_or_self(resource, found)


def _patient_or_self(resource: Resource, found: content.Links) -> list[str]:
    return (
        [found.patient]
        if found.patient
        else [f"{resource.get('resourceType')}/{resource.get('id')}"]
    )


# Built once per dialect, like the statements above.
_INSERTS = {
    postgres: dialect.insert(participants).on_conflict_do_nothing()
    for postgres, dialect in ((True, postgresql), (False, sqlite))
}


def _insert(conn: Connection) -> Any:
    return _INSERTS[is_postgres(conn.engine)]


def _patient_of(conn: Connection, context: str, named: str | None) -> str | None:
    if named or not context.startswith("Encounter/"):
        return named or (context if context.startswith("Patient/") else None)
    found = conn.execute(_STAY_PATIENT, {"k_context": context}).scalar()
    return str(found) if found else None


def join(
    conn: Connection,
    contexts: Iterable[str],
    patient: str | None,
    organizations: Iterable[str],
    role: str,
) -> None:
    """Make organizations participants of contexts (idempotent)."""
    _join(conn, contexts, patient, [(o, role) for o in organizations])


def _join(
    conn: Connection, contexts: Iterable[str], patient: str | None, roles: list[tuple[str, str]]
) -> None:
    """Make each (organization, role) a participant of the contexts, in one statement: an
    organization named twice keeps the first role."""
    orgs: dict[str, str] = {}
    for organization, role in roles:
        if organization.startswith("Organization/"):
            orgs.setdefault(organization, role)
    if not orgs:
        return
    rows = [
        {"context": c, "organization": o, "patient": stay_patient, "role": r}
        for c in dict.fromkeys(contexts)
        for stay_patient in (_patient_of(conn, c, patient),)
        for o, r in orgs.items()
    ]
    if rows:
        conn.execute(_insert(conn), rows)


def join_resource(
    conn: Connection, reference: str, organizations: Iterable[str], role: str
) -> None:
    """Make organizations participants of every context of a stored resource (a notification's
    routed receivers)."""
    kind, _, rid = reference.partition("/")
    contexts = list(conn.execute(_CONTEXTS, {"k_type": kind, "k_id": rid}).scalars())
    join(conn, contexts, None, organizations, role)


def stays_of(conn: Connection, patient: str) -> list[str]:
    rows = conn.execute(
        select(participants.c.context)
        .where(and_(participants.c.patient == patient, participants.c.context.like("Encounter/%")))
        .distinct()
    )
    return [str(r) for r in rows.scalars()]


def record(
    conn: Connection, stored: Stored, principal: Principal, previous: Stored | None = None
) -> None:
    """The access part of every write: the resource's contexts and whoever it makes take part.
    `previous` (the version before) spares the read of the stored contexts when its content
    alone gave the same ones (an Encounter's or Patient's always do)."""
    resource = stored.resource
    if resource is None or stored.res_type in content.PUBLIC:
        return  # a deletion keeps its contexts: the history stays readable to the same parties
    found = content.links(resource)
    contexts = contexts_for(conn, resource, found)
    before = previous.resource if previous is not None else None
    if before is None or _own_contexts(before, content.links(before)) != contexts:
        _recontext(conn, stored, contexts)
    patient = found.patient
    roles = [] if principal.internal else [(principal.organization, "author")]
    named = [o for o in (organization_of(conn, r) for r in content.parties(resource)) if o]
    _join(conn, contexts, patient, roles + [(o, "part") for o in named])
    if stored.res_type == "CareTeam" and patient:
        stays = [c for c in contexts if c.startswith("Encounter/")] or stays_of(conn, patient)
        join(conn, stays, patient, _members(conn, [resource]), CARE_TEAM_ROLE)
    elif stored.res_type == "Encounter" and patient and stored.version_id == 1:
        join(conn, contexts, patient, _members(conn, care_teams(conn, patient)), CARE_TEAM_ROLE)


def _recontext(conn: Connection, stored: Stored, contexts: list[str]) -> None:
    """Bring the stored contexts of the resource up to `contexts`."""
    key = {"k_type": stored.res_type, "k_id": stored.res_id}
    found = sorted(conn.execute(_CONTEXTS, key).scalars())
    if found == sorted(contexts):
        return
    if found:
        conn.execute(_UNCONTEXT, key)
    conn.execute(
        insert(resource_contexts),
        [{"res_type": stored.res_type, "res_id": stored.res_id, "context": c} for c in contexts],
    )


def _members(conn: Connection, teams: list[Resource]) -> list[str]:
    """The organizations of the care teams' members (directly or through a PractitionerRole)."""
    refs = [
        r for team in teams for r in content.references(content.path(team, "participant.member"))
    ]
    return [o for o in (organization_of(conn, r) for r in refs) if o]


def backfill(conn: Connection) -> None:
    """Build the participation rows of everything already stored (migration 0006): each live
    resource recorded in load order (stays before their notifications, notifications before the
    deviations about them), then every delivery's receiver joined to its notification's stay.
    Who wrote what before this was recorded is unknown, so only the parties the content names
    and the receivers take part."""
    rows = conn.execute(
        select(
            resources.c.res_type, resources.c.res_id, resources.c.version_id, resources.c.content
        )
        .where(resources.c.deleted == false())
        .order_by(resources.c.res_type, resources.c.res_id)
    ).all()
    ordered = sorted(
        rows,
        key=lambda r: (load_order({"resourceType": r.res_type})[0], r.res_type == "DetectedIssue"),
    )
    for row in ordered:
        resource = json.loads(row.content)
        stored = Stored(row.res_type, row.res_id, row.version_id, "", False, resource)
        record(conn, stored, INTERNAL)
    deliveries = conn.execute(select(outbox.c.notification, outbox.c.receiver).distinct())
    for notification, receiver in deliveries:
        join_resource(conn, notification, [receiver], RECEIVER_ROLE)
