"""What a resource says about who may see it, read from its content alone (no I/O).

- its *stay* (the Encounter it is part of) and its *patient*: the contexts it is visible in;
- its *actors*: the organizations it is written in the name of (a writer must be one of them);
- its *parties*: the organizations it makes take part in its stay (a notification's requester and
  owner, the SIP's invitees, the care team's members, the ward of a stay).

A reference to a PractitionerRole names an organization only through the stored role, so such
references are returned as they are and resolved by the caller (`participation.organizations`).
"""

from dataclasses import dataclass
from typing import Any

from fhir_profiles import CANONICAL

Resource = dict[str, Any]
SUBSCRIBER = f"{CANONICAL}/StructureDefinition/lus-subscriber"

# Readable by every authenticated caller: the routing directory and the guide's definitions.
DIRECTORY = frozenset({"Organization", "HealthcareService", "Endpoint", "PractitionerRole"})
CONFORMANCE = frozenset(
    {
        "CapabilityStatement",
        "CodeSystem",
        "ConceptMap",
        "ImplementationGuide",
        "MessageDefinition",
        "NamingSystem",
        "OperationDefinition",
        "SearchParameter",
        "StructureDefinition",
        "ValueSet",
    }
)
PUBLIC = DIRECTORY | CONFORMANCE

# The element(s) a resource is written in the name of: the writer must be (a unit of) each.
ACTORS: dict[str, tuple[str, ...]] = {
    "Task": ("requester",),
    "CommunicationRequest": ("sender",),
    "DetectedIssue": ("author",),
    "CarePlan": ("author",),
    "CareTeam": ("managingOrganization",),
    "Encounter": ("serviceProvider",),
    "Consent": ("organization",),
    "Patient": ("managingOrganization",),
    "MessageHeader": ("sender",),
}
# Elements naming the organizations that take part in the resource's stay because of it.
PARTIES: dict[str, tuple[str, ...]] = {
    "Task": ("requester", "owner"),
    "CommunicationRequest": ("sender", "recipient"),
    "DetectedIssue": ("author", "implicated"),
    "CarePlan": ("author", "contributor"),
    "CareTeam": ("managingOrganization", "participant.member"),
    "Encounter": ("serviceProvider",),
    "Consent": ("organization",),
}
PATIENT_ELEMENTS = ("subject", "patient", "for", "beneficiary")
STAY_ELEMENTS = ("encounter", "focus", "context")
# Types whose references to notifications lead to a stay (a deviation about a delivery).
NOTIFICATIONS = ("Task", "CommunicationRequest")


@dataclass(frozen=True)
class Links:
    stay: str | None  # Encounter/…
    patient: str | None  # Patient/…
    notifications: tuple[str, ...] = ()  # Task/… a deviation implicates, to find its stay


def references(value: Any) -> list[str]:
    """The literal references of an element (a Reference or a list of them)."""
    items = value if isinstance(value, list) else [value]
    return [
        i["reference"] for i in items if isinstance(i, dict) and isinstance(i.get("reference"), str)
    ]


def path(resource: Resource, path: str) -> list[Any]:
    values: list[Any] = [resource]
    for name in path.split("."):
        found: list[Any] = []
        for value in values:
            child = value.get(name) if isinstance(value, dict) else None
            found += child if isinstance(child, list) else [] if child is None else [child]
        values = found
    return values


def _first(refs: list[str], kind: str) -> str | None:
    return next((r for r in refs if r.startswith(f"{kind}/") and r.count("/") == 1), None)


def links(resource: Resource) -> Links:
    kind = resource.get("resourceType", "")
    own = f"{kind}/{resource.get('id')}"
    if kind == "Patient":
        return Links(None, own)
    patient = _first([r for e in PATIENT_ELEMENTS for r in references(resource.get(e))], "Patient")
    if kind == "Encounter":
        return Links(own, patient)
    linked = [r for e in STAY_ELEMENTS for r in references(resource.get(e))]
    linked += references(resource.get("about")) + references(resource.get("implicated"))
    stay = _first(linked, "Encounter")
    notifications = tuple(r for r in linked if r.split("/", 1)[0] in NOTIFICATIONS)
    return Links(stay, patient, notifications if stay is None else ())


def actors(resource: Resource) -> list[str]:
    """Organizations (or PractitionerRoles) the resource is written in the name of."""
    kind = resource.get("resourceType", "")
    found = [r for e in ACTORS.get(kind, ()) for r in references(path(resource, e))]
    if kind == "Subscription":
        found += [
            r
            for e in resource.get("extension", [])
            if isinstance(e, dict) and e.get("url") == SUBSCRIBER
            for r in references(e.get("valueReference"))
        ]
    return [r for r in found if r.startswith(("Organization/", "PractitionerRole/"))]


def parties(resource: Resource) -> list[str]:
    kind = resource.get("resourceType", "")
    found = [r for e in PARTIES.get(kind, ()) for r in references(path(resource, e))]
    return list(
        dict.fromkeys(r for r in found if r.startswith(("Organization/", "PractitionerRole/")))
    )
