"""Demo data for `lus-fhir serve --demo`: the guide's own examples, loaded with their ids, so a
newcomer can browse a patient journey and its directory entries straight away."""

from typing import Any

from fhir_profiles.guide import guide
from service.rest.transaction import Processor
from service.workflow.order import load_order


def examples_in_load_order() -> list[dict[str, Any]]:
    """The guide's standalone examples (message Bundles excluded) in an order they can be stored."""
    return sorted((r for r in guide().examples if r["resourceType"] != "Bundle"), key=load_order)


def demo_bundle() -> dict[str, Any]:
    """A transaction that PUTs every standalone example (message Bundles are not stored as-is)."""
    entries = [
        {
            "fullUrl": f"{r['resourceType']}/{r['id']}",
            "resource": r,
            "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"},
        }
        for r in examples_in_load_order()
    ]
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def load_demo(processor: Processor) -> int:
    """Load the examples (idempotent: PUT with the examples' ids); returns how many."""
    bundle = demo_bundle()
    processor.process(bundle)
    return len(bundle["entry"])
