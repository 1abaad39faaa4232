"""The data a chaos run writes against: the shipped Stockholm directory with every Endpoint
pointed at the run's receiver process, and a few patients with a stay each, so that every
notification Task the load posts is routed to real receivers over HTTP."""

import copy
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from service.demo import directory_bundle
from tests.workflow.conftest import FHIR, notification, patient, stay

ADMITTED = "2026-11-20T08:00:00+01:00"
READY = "2026-11-20T17:00:00+01:00"


def redirected_directory(receiver: str) -> dict[str, Any]:
    """The directory with each Endpoint's address moved under `receiver` (one path per original
    host, so the receiver's journal still tells the receiving organizations apart)."""
    bundle = copy.deepcopy(directory_bundle())
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "Endpoint":
            host = urlsplit(resource["address"]).hostname
            resource["address"] = f"{receiver}/{host}"
    return bundle


@dataclass(frozen=True)
class Stay:
    patient: str
    encounter: str

    def notice(self) -> dict[str, Any]:
        """A "utskrivningsklar" notice for this stay (each one a new Task, routed anew)."""
        return notification("utskrivningsklar", self.patient, self.encounter, READY)


def build(client: httpx.Client, receiver: str, stays: int) -> list[Stay]:
    """Load the directory and create `stays` patients in Hägersten-Älvsjö with a stay each."""
    loaded = client.post("/fhir", json=redirected_directory(receiver), headers=FHIR)
    loaded.raise_for_status()
    created = []
    for _ in range(stays):
        person = patient(client, "0180", "hagersten-alvsjo")  # type: ignore[arg-type]
        created.append(Stay(person, stay(client, person, ADMITTED)))  # type: ignore[arg-type]
    return created
