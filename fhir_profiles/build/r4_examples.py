"""Vendors the official R4 examples (npm package hl7.fhir.r4.examples) of the resource types the
guide and the service use, so tests can prove the validator raises no false errors on them."""

import json
import shutil
from pathlib import Path

from fhir_profiles import ROOT

PACKAGE = ROOT / "node_modules" / "hl7.fhir.r4.examples"
OUT = ROOT / "r4-examples"
TYPES = frozenset(
    {
        "AuditEvent", "Basic", "CarePlan", "CareTeam", "Communication", "CommunicationRequest",
        "Composition", "Consent", "DetectedIssue", "Device", "DocumentReference", "Encounter",
        "Endpoint", "HealthcareService", "Location", "MessageDefinition", "MessageHeader",
        "OperationOutcome", "Organization", "Patient", "Practitioner",
        "PractitionerRole", "Provenance", "RelatedPerson", "Subscription", "Task",
    }
)  # fmt: skip


def write(package: Path = PACKAGE, out: Path = OUT) -> int:
    if not package.is_dir():
        raise FileNotFoundError(f"{package} is missing: run `make node` (npm ci in fhir_profiles/)")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    count = 0
    for path in sorted(package.glob("*.json")):
        try:
            kind = json.loads(path.read_bytes()).get("resourceType")
        except ValueError:
            continue
        if kind in TYPES:
            shutil.copyfile(path, out / path.name)
            count += 1
    return count
