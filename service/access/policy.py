"""The access policy: may this principal do this to this resource? One pure function.

`decide(principal, action, facts)` has no I/O: the caller gathers the facts (is the resource in a
stay the principal takes part in, whom is it written in the name of, is the principal a receiver
of the Task) with indexed look-ups (`service.access.facts`) and every route asks here. A refusal
says which scope or rule is missing and never shows hidden data; a read of what the principal may
not see is refused as 404, exactly as if it did not exist.
"""

from dataclasses import dataclass

from service.access.links import PUBLIC
from service.auth.principal import Principal

# FHIR interaction → the SMART scope letter that permits it (App Launch 2.x scopes).
INTERACTION = {
    "read": "r",
    "vread": "r",
    "history-instance": "r",
    "operation": "r",
    "search-type": "s",
    "search-system": "s",
    "history-type": "s",
    "history-system": "s",
    "create": "c",
    "update": "u",
    "patch": "u",
    "delete": "d",
}
WRITES = frozenset({"create", "update", "patch", "delete"})
READ_ONLY = frozenset({"AuditEvent"})  # served from the audit log, never written over the API
REGION_ONLY = frozenset({"AuditEvent"})
RECEIVER_ELEMENTS = ("status", "statusReason", "businessStatus", "lastModified")


@dataclass(frozen=True)
class Facts:
    res_type: str
    exists: bool = True  # the resource exists (reads and updates of something stored)
    visible: bool = False  # the principal takes part in a context of the stored resource
    links_visible: bool = True  # the stay and patient the new content refers to are visible
    unlinked: str | None = None  # the first stay/patient reference that is not
    actors: tuple[tuple[str, str], ...] = ()  # (element, Organization/…) of current and new
    receiver: bool = False  # the principal owns or was routed this Task
    receiver_change_only: bool = False  # the change is status/statusReason/… and its receipt
    foreign_receipt: str | None = None  # a lus-kvittens added, changed or removed of another org


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""
    status: int = 200  # 403 refused, 404 hidden as if absent, 405 never over the API

    @staticmethod
    def allow(reason: str = "") -> "Decision":
        return Decision(True, reason)


def _deny(status: int, reason: str) -> Decision:
    return Decision(False, reason, status)


def _who(principal: Principal) -> str:
    return f"{principal.organization} (client {principal.client_id})"


def scope_decision(principal: Principal, action: str, res_type: str) -> Decision:
    """The scope part alone: what a search or an operation checks before it runs."""
    letter = INTERACTION[action]
    if not principal.scopes.permits(res_type, letter):
        return _deny(
            403,
            f"the access token does not permit {action} of {res_type}: it needs the scope "
            f"system/{res_type}.{letter} (or system/*.{letter}); granted: {principal.scopes}",
        )
    if res_type in REGION_ONLY and not principal.reads_everything:
        return _deny(403, f"{res_type} is readable only with the region-wide role")
    return Decision.allow()


def decide(principal: Principal, action: str, facts: Facts) -> Decision:
    res_type = facts.res_type
    if action in WRITES and res_type in READ_ONLY:
        return _deny(405, f"{res_type} is written by the server only and never changed")
    scoped = scope_decision(principal, action, res_type)
    if not scoped.allowed:
        return scoped
    if action not in WRITES:
        return _read(principal, facts)
    return _write(principal, action, facts)


def _read(principal: Principal, facts: Facts) -> Decision:
    if facts.res_type in PUBLIC:
        return Decision.allow("directory and definitions are readable by every caller")
    if principal.reads_everything:
        return Decision.allow("region-wide role")
    if facts.visible:
        return Decision.allow("takes part in the resource's stay")
    return _deny(404, "not found")


def _write(principal: Principal, action: str, facts: Facts) -> Decision:
    res_type = facts.res_type
    if principal.internal:
        return Decision.allow("the service itself")
    if res_type in PUBLIC:
        if principal.region:
            return Decision.allow("the region maintains the directory")
        return _deny(
            403,
            f"{res_type} belongs to the directory and the guide's definitions, which only a "
            f"client with the region-wide role writes; {_who(principal)} has not that role",
        )
    if facts.exists and not facts.visible and not principal.region:
        if action == "update":
            return _deny(403, f"{_who(principal)} may not write this {res_type}")
        return _deny(404, "not found")
    if not facts.links_visible:
        return _deny(
            403,
            f"the {res_type} refers to {facts.unlinked}, which {principal.organization} takes "
            "no part in (or which does not exist)",
        )
    if facts.foreign_receipt:
        return _deny(
            403,
            f"the lus-kvittens of {facts.foreign_receipt} is recorded only by "
            f"{facts.foreign_receipt} itself: a receipt is the receiver's own evidence",
        )
    as_itself = actors_decision(principal, res_type, facts.actors)
    receiving = res_type == "Task" and action in ("update", "patch") and facts.receiver
    if as_itself.allowed or not receiving:
        return as_itself
    if facts.receiver_change_only:
        return Decision.allow("a receiver records its receipt and status")
    return _deny(
        403,
        f"{principal.organization} receives this Task and may change only "
        f"{', '.join(RECEIVER_ELEMENTS)} and add its own lus-kvittens",
    )


def actors_decision(
    principal: Principal, res_type: str, actors: tuple[tuple[str, str], ...]
) -> Decision:
    """Whether every organization the content is written in the name of is the principal's."""
    foreign = [(e, org) for e, org in actors if not principal.acts_for(org)]
    if not foreign:
        return Decision.allow("written in the principal's own name")
    element, organization = foreign[0]
    return _deny(
        403,
        f"{res_type}.{element} is {organization}: {_who(principal)} may write only in the "
        f"name of {principal.organization} or its units",
    )
