"""The patient a notification is about, read from its payload (for the deviation's `patient`).

A REST payload is the Task itself (Task.for); a message Bundle names its focus in the
MessageHeader, and the focus resource carries the patient. The ordering key (receiver + patient)
is the last resort.
"""

import json
import re
from typing import Any

_PATIENT = re.compile(r"Patient/[A-Za-z0-9\-.]{1,64}")


def _patient_of(resource: Any) -> str | None:
    if not isinstance(resource, dict):
        return None
    if resource.get("resourceType") == "Patient" and isinstance(resource.get("id"), str):
        return f"Patient/{resource['id']}"
    for element in ("for", "patient", "subject"):
        reference = resource.get(element)
        if isinstance(reference, dict):
            text = reference.get("reference")
            if isinstance(text, str) and _PATIENT.fullmatch(text):
                return text
    return None


def _focus(bundle: dict[str, Any]) -> list[Any]:
    entries = [e for e in bundle.get("entry", []) if isinstance(e, dict)]
    header = entries[0].get("resource") if entries else None
    if not isinstance(header, dict) or header.get("resourceType") != "MessageHeader":
        return [e.get("resource") for e in entries]
    wanted = [f.get("reference") for f in header.get("focus", []) if isinstance(f, dict)]
    found = []
    for reference in wanted:
        if not isinstance(reference, str):
            continue
        for entry in entries:
            resource = entry.get("resource")
            full_url = entry.get("fullUrl")
            same = isinstance(resource, dict) and (
                f"{resource.get('resourceType')}/{resource.get('id')}" == reference
            )
            if same or (isinstance(full_url, str) and full_url.endswith(f"/{reference}")):
                found.append(resource)
    return found + [e.get("resource") for e in entries[1:]]


def patient_of(payload: str, ordering_key: str = "") -> str | None:
    """`Patient/…` of the notification, or None when neither payload nor key names one."""
    try:
        document = json.loads(payload)
    except ValueError:
        document = None
    if isinstance(document, dict):
        if document.get("resourceType") == "Bundle":
            for resource in _focus(document):
                if found := _patient_of(resource):
                    return found
        elif found := _patient_of(document):
            return found
    match = _PATIENT.search(ordering_key)
    return match.group(0) if match else None
