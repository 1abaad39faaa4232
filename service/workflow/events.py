"""Which LUS event a stored resource is, if any."""

from typing import Any

from fhir_profiles import CANONICAL

EVENT_SYSTEM = f"{CANONICAL}/CodeSystem/lus-event"
DEVIATION_SYSTEM = f"{CANONICAL}/CodeSystem/lus-deviation-type"


def _codes(concept: Any, system: str) -> list[str]:
    if not isinstance(concept, dict):
        return []
    return [
        str(c["code"])
        for c in concept.get("coding", [])
        if isinstance(c, dict) and c.get("system") == system and "code" in c
    ]


def event_of(resource: dict[str, Any]) -> str | None:
    kind = resource.get("resourceType")
    if kind == "Task":
        codes = _codes(resource.get("code"), EVENT_SYSTEM)
    elif kind == "CommunicationRequest":
        codes = [c for cat in resource.get("category", []) for c in _codes(cat, EVENT_SYSTEM)]
    elif kind == "DetectedIssue":
        codes = ["avvikelse"] if _codes(resource.get("code"), DEVIATION_SYSTEM) else []
    else:
        codes = []
    return codes[0] if codes else None


def reference_id(reference: Any, kind: str) -> str | None:
    """The id in a relative reference `Kind/id` (None for other kinds or absolute URLs)."""
    if isinstance(reference, dict):
        reference = reference.get("reference")
    if isinstance(reference, str) and reference.startswith(f"{kind}/"):
        return reference.split("/", 1)[1].split("/", 1)[0]
    return None
