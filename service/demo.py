"""Demo data for `lus-fhir serve --demo`: the Stockholm county routing directory and the guide's
example patients, stays and care teams, loaded with their ids (idempotent).

Notifications are left out on purpose: the example endpoints (*.example.se) do not exist, and a
stored notification would be routed to them. `lus-fhir demo` drives a journey with receivers.
"""

import json
from typing import Any

from fhir_profiles.build.directory import OUTPUT as DIRECTORY
from fhir_profiles.guide import guide
from service.auth.principal import INTERNAL
from service.rest.transaction import Processor
from service.workflow.order import load_order

PEOPLE_AND_STAYS = (
    "Patient",
    "RelatedPerson",
    "PractitionerRole",
    "Encounter",
    "Consent",
    "CareTeam",
)


def examples_in_load_order() -> list[dict[str, Any]]:
    """The guide's standalone examples (message Bundles excluded) in an order they can be stored."""
    return sorted((r for r in guide().examples if r["resourceType"] != "Bundle"), key=load_order)


def directory_bundle() -> dict[str, Any]:
    bundle: dict[str, Any] = json.loads(DIRECTORY.read_text(encoding="utf-8"))
    return bundle


def demo_bundle() -> dict[str, Any]:
    """One transaction: the directory, then the example people and stays (PUT with their ids)."""
    entries = list(directory_bundle()["entry"])
    entries += [
        {
            "fullUrl": f"{r['resourceType']}/{r['id']}",
            "resource": r,
            "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"},
        }
        for r in examples_in_load_order()
        if r["resourceType"] in PEOPLE_AND_STAYS
    ]
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def load_demo(processor: Processor) -> int:
    """Load the demo data; returns how many resources."""
    bundle = demo_bundle()
    processor.process(bundle, INTERNAL)
    return len(bundle["entry"])
