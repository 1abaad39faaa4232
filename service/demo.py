"""Demo data for `lus-fhir serve --demo`: the Stockholm county routing directory and the guide's
example patients, stays and care teams, loaded with their ids (idempotent).

Notifications are left out on purpose: the example endpoints (*.example.se) do not exist, and a
stored notification would be routed to them. `lus-fhir demo` drives a journey with receivers.

So that the web pages' charts are not empty, a database without stays of its own also gets a
small simulated year (`history_in_background`): the simulator, seeded, writes it in a thread
after start-up (its deliveries are queued, never sent), oldest month first.
"""

import json
import logging
import threading
from datetime import datetime, timedelta
from typing import Any

from rich.console import Console
from sqlalchemy import func, select

from fhir_profiles.build.directory import OUTPUT as DIRECTORY
from fhir_profiles.guide import guide
from service.auth.principal import INTERNAL
from service.fhirtime import STOCKHOLM
from service.rest.transaction import Processor
from service.settings import Settings
from service.storage.schema import resources
from service.storage.store import Store
from service.workflow.order import load_order

log = logging.getLogger(__name__)
HISTORY_MONTHS = 12
HISTORY_STAYS_PER_MONTH = 15  # about 1 500 writes: half a minute on a laptop
HISTORY_SEED = 1

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


def has_stays(store: Store) -> bool:
    """Whether the database holds stays beyond the guide's examples (its own or simulated)."""
    examples = sum(1 for r in examples_in_load_order() if r["resourceType"] == "Encounter")
    query = select(func.count()).select_from(resources).where(resources.c.res_type == "Encounter")
    with store.reading() as conn:
        return int(conn.execute(query).scalar_one()) > examples


def history_in_background(settings: Settings, now: datetime) -> threading.Thread:
    """Start writing a simulated year ending with the last complete month (`serve --demo` does
    when the database has no stays of its own, once the server is up)."""
    from service.simulation.history import simulate  # the simulator is only needed here

    last = now.astimezone(STOCKHOLM).date().replace(day=1) - timedelta(days=1)

    def run() -> None:
        try:
            summary = simulate(
                settings,
                HISTORY_MONTHS,
                HISTORY_STAYS_PER_MONTH,
                HISTORY_SEED,
                last,
                console=Console(quiet=True),
            )
            log.info("demo history: %d writes in %.0f s", summary.writes, summary.seconds)
        except Exception:  # the server goes on serving what is there
            log.exception("the demo history could not be written")

    thread = threading.Thread(target=run, name="demo-history", daemon=True)
    thread.start()
    return thread
