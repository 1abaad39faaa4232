"""The patient journey every suite needs on the server first: the guide's examples, PUT by id.

The resources are PUT one by one (update-as-create with the examples' ids), each only after the
resources it references, so a server that enforces referential integrity accepts them. Reference
cycles (Organization.endpoint <-> Endpoint.managingOrganization) are broken with a stub: the
resource without the element that points forward, PUT first and replaced by the full example later.
"""

import json
import re
from collections.abc import Iterable

from conformance.suites.generate.blocks import (
    EXAMPLES,
    Json,
    check,
    fixture,
    guide_resource,
    operation,
)

ROOTS = (
    "Patient/tolvan",
    "Encounter/tolvan-vardtillfalle",
    "Organization/sdf-hagersten-alvsjo",
    "Organization/sos-avd-51",
    "Consent/tolvan-samtycke",
    "PractitionerRole/fvk-liljeholmen",
    "RelatedPerson/tolvan-dotter",
    "Task/tolvan-inskrivningsmeddelande-felsant",
    "Task/tolvan-utskrivningsmeddelande-hemtjanst",
)
_REFERENCE = re.compile(r'"reference": "([A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64})"')


def references(value: object) -> set[str]:
    return set(_REFERENCE.findall(json.dumps(value)))


def key(resource: Json) -> str:
    return f"{resource['resourceType']}/{resource['id']}"


def file_name(reference: str) -> str:
    return reference.replace("/", "-", 1) + ".json"


def resources(roots: Iterable[str] = ROOTS) -> dict[str, Json]:
    """The roots and everything they reference among the guide's examples."""
    found: dict[str, Json] = {}
    pending = sorted(roots)
    while pending:
        reference = pending.pop()
        if reference in found:
            continue
        found[reference] = guide_resource(file_name(reference))
        pending.extend(sorted(references(found[reference]) - set(found)))
    return found


# The elements that close a reference cycle among the examples, dropped from the stub.
CYCLE_ELEMENTS = {"Organization": "endpoint"}


def plan(roots: Iterable[str] = ROOTS) -> list[tuple[str, Json, bool]]:
    """(reference, body, is_stub) in an order where each PUT references only stored resources."""
    pending = resources(roots)
    stored: set[str] = set()
    steps: list[tuple[str, Json, bool]] = []
    while pending:
        ready = [r for r in sorted(pending) if references(pending[r]) - {r} <= stored]
        for reference in ready:
            steps.append((reference, pending.pop(reference), False))
            stored.add(reference)
        if ready:
            continue
        # A cycle: store one resource without the element that closes it, as a stub first.
        for reference in sorted(pending):
            resource = pending[reference]
            element = CYCLE_ELEMENTS.get(resource["resourceType"])
            if element is None or element not in resource or (reference in stored):
                continue
            stub = {k: v for k, v in resource.items() if k != element}
            if references(stub) - {reference} <= stored:
                steps.append((reference, stub, True))
                stored.add(reference)
                break
        else:
            raise ValueError(f"cannot order the journey: {sorted(pending)}")
    return steps


def stub_file(reference: str) -> str:
    return "stub-" + file_name(reference)


def stubs() -> dict[str, Json]:
    """Stub fixture files (file name → body) a suite folder holds under fixtures/."""
    return {stub_file(ref): body for ref, body, is_stub in plan() if is_stub}


def fixture_id(reference: str, is_stub: bool = False) -> str:
    return ("stub-" if is_stub else "journey-") + reference.replace("/", "-", 1)


def fixtures() -> list[Json]:
    out = []
    for reference, _, is_stub in plan():
        path = (
            f"fixtures/{stub_file(reference)}" if is_stub else f"{EXAMPLES}/{file_name(reference)}"
        )
        out.append(fixture(fixture_id(reference, is_stub), path))
    return out


def setup() -> list[Json]:
    """PUT every journey resource with its example id; 200 (updated) or 201 (created)."""
    actions: list[Json] = []
    for reference, _, is_stub in plan():
        what = f"{reference} (without forward references)" if is_stub else reference
        actions.append(
            operation("update", label=f"PUT {what}", sourceId=fixture_id(reference, is_stub))
        )
        actions.append(check(f"{what} stored (200/201)", responseCode="200,201", operator="in"))
    return actions
