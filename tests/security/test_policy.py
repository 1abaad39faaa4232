"""The access policy as a table: principal × action × facts → allowed, or how it is refused."""

import pytest

from service.access.policy import Facts, decide, scope_decision
from service.auth.principal import INTERNAL, Principal
from service.auth.scopes import Scopes

WARD = "Organization/sos-avd-51"
HOSPITAL = "Organization/sodersjukhuset"
KOMMUN = "Organization/sdf-hagersten-alvsjo"


def who(
    org: str, scopes: str = "system/*.cruds", region: bool = False, units: tuple[str, ...] = ()
) -> Principal:
    return Principal(org, frozenset({org, *units}), "c", Scopes.parse(scopes), region=region)


HOSPITAL_P = who(HOSPITAL, units=(WARD,))
KOMMUN_P = who(KOMMUN)
REGION_P = who("Organization/region-stockholm", "system/*.rs", region=True)
READER = who(KOMMUN, "system/Task.rs")
REGION_ADMIN = who("Organization/region-stockholm", region=True)

TABLE = [
    # (name, principal, action, facts, allowed, status when refused)
    ("reads a stay it takes part in", KOMMUN_P, "read", Facts("Task", visible=True), True, 0),
    ("a hidden resource reads as missing", KOMMUN_P, "read", Facts("Task"), False, 404),
    ("the directory is readable by all", KOMMUN_P, "read", Facts("Organization"), True, 0),
    ("the region role reads everything", REGION_P, "read", Facts("Task"), True, 0),
    (
        "a scope is needed even for the visible",
        READER,
        "read",
        Facts("Patient", visible=True),
        False,
        403,
    ),
    (
        "read scope does not permit create",
        READER,
        "create",
        Facts("Task", exists=False),
        False,
        403,
    ),
    ("AuditEvent needs the region role", KOMMUN_P, "search-type", Facts("AuditEvent"), False, 403),
    ("AuditEvent for the region role", REGION_P, "read", Facts("AuditEvent"), True, 0),
    ("AuditEvent is never written", INTERNAL, "update", Facts("AuditEvent"), False, 405),
    (
        "writes in a unit's name",
        HOSPITAL_P,
        "create",
        Facts("Task", exists=False, actors=(("requester", WARD),)),
        True,
        0,
    ),
    (
        "not in another organization's name",
        KOMMUN_P,
        "create",
        Facts("Task", exists=False, actors=(("requester", WARD),)),
        False,
        403,
    ),
    (
        "the region role writes no clinical data in others' names",
        who("Organization/region-stockholm", region=True),
        "create",
        Facts("Task", exists=False, actors=(("requester", KOMMUN),)),
        False,
        403,
    ),
    (
        "cannot link to a stay it takes no part in",
        HOSPITAL_P,
        "create",
        Facts("Task", exists=False, links_visible=False, unlinked="Encounter/x"),
        False,
        403,
    ),
    ("a hidden resource cannot be updated", KOMMUN_P, "update", Facts("Task"), False, 403),
    ("a hidden resource cannot be deleted", KOMMUN_P, "delete", Facts("Task"), False, 404),
    (
        "a receiver records its receipt",
        KOMMUN_P,
        "update",
        Facts(
            "Task",
            visible=True,
            actors=(("requester", WARD),),
            receiver=True,
            receiver_change_only=True,
        ),
        True,
        0,
    ),
    (
        "a receiver changes nothing else",
        KOMMUN_P,
        "update",
        Facts("Task", visible=True, actors=(("requester", WARD),), receiver=True),
        False,
        403,
    ),
    (
        "a non-receiver cannot touch the Task",
        KOMMUN_P,
        "update",
        Facts("Task", visible=True, actors=(("requester", WARD),), receiver_change_only=True),
        False,
        403,
    ),
    (
        "nobody writes another's receipt",
        HOSPITAL_P,
        "update",
        Facts("Task", visible=True, actors=(("requester", WARD),), foreign_receipt=KOMMUN),
        False,
        403,
    ),
    (
        "the directory is written by the region",
        REGION_P.__class__(
            REGION_P.organization, REGION_P.units, "c", Scopes.parse("system/*.cruds"), region=True
        ),
        "update",
        Facts("Endpoint", visible=True),
        True,
        0,
    ),
    ("not by a municipality", KOMMUN_P, "update", Facts("Endpoint", visible=True), False, 403),
    (
        "the service itself writes anything",
        INTERNAL,
        "create",
        Facts("Task", exists=False, actors=(("requester", KOMMUN),)),
        True,
        0,
    ),
]


@pytest.mark.parametrize(
    ("name", "principal", "action", "facts", "allowed", "status"), TABLE, ids=[t[0] for t in TABLE]
)
def test_policy(
    name: str, principal: Principal, action: str, facts: Facts, allowed: bool, status: int
) -> None:
    decision = decide(principal, action, facts)
    assert decision.allowed is allowed, decision.reason
    if not allowed:
        assert decision.status == status
        assert decision.reason


def test_refusals_name_the_missing_scope() -> None:
    decision = decide(READER, "create", Facts("Task", exists=False))
    assert "system/Task.c" in decision.reason


def test_refusals_name_the_element_and_the_organization() -> None:
    decision = decide(
        KOMMUN_P, "create", Facts("Task", exists=False, actors=(("requester", WARD),))
    )
    assert "Task.requester" in decision.reason and WARD in decision.reason


def test_a_search_needs_the_search_scope_only() -> None:
    assert scope_decision(READER, "search-type", "Task").allowed
    assert not scope_decision(READER, "search-type", "Patient").allowed
    v1 = who(KOMMUN, "system/Task.read")
    assert scope_decision(v1, "search-type", "Task").allowed
    assert scope_decision(v1, "read", "Task").allowed
    assert not scope_decision(v1, "update", "Task").allowed
