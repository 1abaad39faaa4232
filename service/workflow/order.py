"""The order in which related resources can be stored."""

from typing import Any

# Directory first, then the people and the stay, then what refers to them: the workflow rejects a
# notification about a stay it does not know.
ORDER = (
    "Organization",
    "Endpoint",
    "HealthcareService",
    "PractitionerRole",
    "Patient",
    "RelatedPerson",
    "Encounter",
    "Consent",
    "CareTeam",
)


def load_order(resource: dict[str, Any]) -> tuple[int, str]:
    kind = resource["resourceType"]
    return (ORDER.index(kind) if kind in ORDER else len(ORDER), str(resource.get("id")))
