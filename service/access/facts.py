"""Gathers the facts the access policy decides on, with indexed look-ups (the policy itself has
no I/O). Also the guard the engine calls: decide, and raise the refusal as a FhirError."""

import json
from typing import Any

from sqlalchemy import Connection, bindparam, select

from service.access import links as content
from service.access.participation import visible
from service.access.policy import (
    RECEIVER_ELEMENTS,
    Decision,
    Facts,
    actors_decision,
    decide,
    scope_decision,
)
from service.access.units import organization_of
from service.auth.principal import Principal
from service.outcome import FhirError, issue, operation_outcome
from service.storage.schema import outbox
from service.storage.store import Stored

Resource = dict[str, Any]
KVITTENS = "https://lus-fhir.se/fhir/StructureDefinition/lus-kvittens"
SERVER_META = ("versionId", "lastUpdated")
_RECEIVERS = select(outbox.c.receiver).where(outbox.c.notification == bindparam("k_ref"))


def refusal(decision: Decision, res_type: str, res_id: str | None) -> FhirError:
    """The error a refused decision answers with; a hidden resource reads as a missing one."""
    if decision.status == 404:
        what = f"{res_type}/{res_id}" if res_id else res_type
        return FhirError.of(404, "not-found", f"{what} does not exist")
    code = "not-supported" if decision.status == 405 else "forbidden"
    return FhirError(decision.status, operation_outcome(issue("error", code, decision.reason)))


def check(principal: Principal, action: str, facts: Facts, res_id: str | None = None) -> None:
    decision = decide(principal, action, facts)
    if not decision.allowed:
        raise refusal(decision, facts.res_type, res_id)


def check_scope(principal: Principal, action: str, res_type: str) -> None:
    decision = scope_decision(principal, action, res_type)
    if not decision.allowed:
        raise refusal(decision, res_type, None)


def check_read(
    conn: Connection,
    principal: Principal,
    action: str,
    res_type: str,
    res_id: str,
    seen: bool | None = None,
) -> None:
    """`seen`: whether the principal may see it, when the caller already knows."""
    shown = visible(conn, principal, res_type, res_id) if seen is None else seen
    check(principal, action, Facts(res_type, visible=shown), res_id)


def _actors(conn: Connection, resource: Resource | None) -> list[tuple[str, str]]:
    if resource is None:
        return []
    found = []
    kind = resource.get("resourceType", "")
    for element in content.ACTORS.get(kind, ()):
        for reference in content.references(content.path(resource, element)):
            organization = organization_of(conn, reference)
            if organization:
                found.append((element, organization))
    if kind == "Subscription":
        found += [("extension:lus-subscriber", r) for r in content.actors(resource)]
    return found


def _unlinked(conn: Connection, principal: Principal, resource: Resource) -> str | None:
    """The first stay or patient the content refers to that the principal cannot see."""
    if principal.reads_everything:
        return None
    own = f"{resource.get('resourceType')}/{resource.get('id')}"
    found = content.links(resource)
    for reference in (found.stay, found.patient, *found.notifications):
        if reference is None or reference == own:
            continue
        kind, _, rid = reference.partition("/")
        if not visible(conn, principal, kind, rid):
            return reference
    return None


def _without_receiver_fields(task: Resource, units: frozenset[str]) -> Resource:
    """The Task as far as a receiver may not change it."""
    kept = {k: v for k, v in task.items() if k not in RECEIVER_ELEMENTS and k != "meta"}
    kept["meta"] = {k: v for k, v in task.get("meta", {}).items() if k not in SERVER_META}
    kept["extension"] = [
        e
        for e in task.get("extension", [])
        if not (e.get("url") == KVITTENS and _receipt_of(e) in units)
    ]
    return kept


def _receipt_of(extension: Resource) -> str | None:
    for part in extension.get("extension", []):
        if part.get("url") == "receiver":
            return str((part.get("valueReference") or {}).get("reference"))
    return None


def _receipts(resource: Resource | None) -> dict[str, str]:
    """Receiver → its lus-kvittens, as JSON text (to compare before and after)."""
    found = {}
    for extension in (resource or {}).get("extension", []):
        if isinstance(extension, dict) and extension.get("url") == KVITTENS:
            found[str(_receipt_of(extension))] = json.dumps(extension, sort_keys=True)
    return found


def _foreign_receipt(
    principal: Principal, before: Resource | None, new: Resource | None
) -> str | None:
    """A receipt the change adds, alters or drops that names another organization."""
    old, now = _receipts(before), _receipts(new)
    changed = {r for r in old.keys() | now.keys() if old.get(r) != now.get(r)}
    return next((r for r in sorted(changed) if not principal.acts_for(r)), None)


def _is_receiver(conn: Connection, principal: Principal, task: Resource) -> bool:
    owners = content.references(task.get("owner"))
    if any(principal.acts_for(o) for o in owners):
        return True
    reference = f"Task/{task.get('id')}"
    routed = conn.execute(_RECEIVERS, {"k_ref": reference}).scalars()
    return any(principal.acts_for(r) for r in routed)


def write_facts(
    conn: Connection,
    principal: Principal,
    res_type: str,
    new: Resource | None,
    current: Stored | None,
) -> Facts:
    """What a create, update, patch or delete is decided on; `new` is None for a delete."""
    before = current.resource if current is not None else None
    exists = current is not None and not (current.deleted and new is not None)
    unlinked = _unlinked(conn, principal, new) if new is not None else None
    seen = current is not None and exists and visible(conn, principal, res_type, current.res_id)
    receiver = change_only = False
    if res_type == "Task" and before is not None and new is not None:
        receiver = _is_receiver(conn, principal, before)
        if receiver:
            change_only = _without_receiver_fields(before, principal.units) == (
                _without_receiver_fields(new, principal.units)
            )
    return Facts(
        res_type,
        exists=exists,
        visible=seen,
        links_visible=unlinked is None,
        unlinked=unlinked,
        actors=tuple(dict.fromkeys(_actors(conn, before) + _actors(conn, new))),
        receiver=receiver,
        receiver_change_only=change_only,
        foreign_receipt=(
            _foreign_receipt(principal, before, new) if res_type == "Task" and new else None
        ),
    )


def check_write(
    conn: Connection,
    principal: Principal,
    action: str,
    res_type: str,
    new: Resource | None,
    current: Stored | None,
    res_id: str | None = None,
) -> None:
    if principal.internal:
        return
    check(principal, action, write_facts(conn, principal, res_type, new, current), res_id)


def check_actors(conn: Connection, principal: Principal, resource: Resource) -> None:
    """A message's header must name the principal's organization as its sender."""
    kind = str(resource.get("resourceType"))
    decision = actors_decision(principal, kind, tuple(_actors(conn, resource)))
    if not decision.allowed:
        raise refusal(decision, kind, None)
