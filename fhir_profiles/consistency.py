"""`lus-fhir ig check`: the guide must be internally consistent before anyone relies on it.

Checks that every canonical the guide points to resolves (in the guide, in the vendored R4 core, or
in a specification we name as external), that every code the guide uses exists in the code system
the guide ships, that every example declares a profile of the guide, that every non-abstract
profile has an example (or names where its examples are), and that every invalid case applies to
its valid example.
"""

from collections.abc import Iterator
from typing import Any

from fhir_profiles.build import invalid_examples
from fhir_profiles.guide import Guide, core, guide

# Canonicals of specifications the guide builds on but does not ship: the Subscriptions Backport IG,
# R5 cross-version extensions (resolved by validators by construction), and core operations.
EXTERNAL_PREFIXES = (
    "http://hl7.org/fhir/uv/subscriptions-backport/",
    "http://hl7.org/fhir/5.0/StructureDefinition/extension-",
    "http://hl7.org/fhir/OperationDefinition/",
)
# Code systems whose codes are defined outside FHIR R4 and not shipped: their codes cannot be
# checked. fhir-types is R5's, used by the Backport IG to mark a Basic as a SubscriptionTopic.
EXTERNAL_SYSTEMS = frozenset(
    {
        "http://hl7.org/fhir/fhir-types",
        "urn:ietf:rfc:3986",
        "urn:ietf:bcp:13",
        "urn:ietf:bcp:47",
        "http://loinc.org",
        "http://snomed.info/sct",
        "http://unitsofmeasure.org",
        "urn:iso:std:iso:3166",
    }
)
# Profiles without a guide example, and where their examples are instead: a Subscription carries
# the Backport IG's extensions, whose definitions the guide cannot ship (they are the IG's) and
# only the service registers, so a guide example would fail plain validation.
EXAMPLES_ELSEWHERE = {"lus-subscription": "tests/subscriptions/test_backport_profiles.py"}
IDENTIFIER_SYSTEMS_PREFIX = (
    "http://electronichealth.se/identifier/",
    "urn:oid:1.2.752.29.4.19",
    "urn:oid:2.5.4.97",
    "urn:oid:1.2.752.97.",
)

Resource = dict[str, Any]


def _objects(value: Any, path: str) -> Iterator[tuple[str, Resource]]:
    """(FHIRPath-like path, object) for every JSON object in `value`, itself included."""
    if isinstance(value, dict):
        yield path, value
        for key, child in value.items():
            yield from _objects(child, f"{path}.{key}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _objects(child, f"{path}[{index}]")


CANONICAL_KEYS = frozenset(
    {
        "profile",
        "targetProfile",
        "baseDefinition",
        "valueSet",
        "definition",
        "supportedProfile",
        "instantiates",
        "valueCanonical",
    }
)


def _canonical_references(resource: Resource) -> Iterator[tuple[str, str]]:
    for path, obj in _objects(resource, resource["resourceType"]):
        for key, value in obj.items():
            if key in CANONICAL_KEYS or (key == "url" and ".extension" in path):
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, str) and "://" in item:
                        yield f"{path}.{key}", item.split("|")[0]


def _resolves(url: str, known: set[str]) -> bool:
    return url in known or url.startswith(EXTERNAL_PREFIXES)


def unresolved_canonicals(g: Guide) -> list[str]:
    known = set(g.canonicals()) | set(core())
    problems = []
    for resource in g.resources:
        for path, url in _canonical_references(resource):
            if path.endswith("extension.url") and not url.startswith(("http", "https")):
                continue
            if not _resolves(url, known):
                problems.append(f"{_name(resource)}: {path} = {url} does not resolve")
    return problems


def _code_systems(g: Guide) -> dict[str, set[str] | None]:
    """Shipped code systems with their codes; None where the content is not complete."""
    systems: dict[str, set[str] | None] = {}
    for cs in [*core().values(), *g.by_type("CodeSystem")]:
        if cs.get("resourceType") != "CodeSystem":
            continue
        codes = set(_codes(cs.get("concept", [])))
        systems[cs["url"]] = codes if cs.get("content") in ("complete", "fragment") else None
    return systems


def _codes(concepts: list[Resource]) -> Iterator[str]:
    for concept in concepts:
        yield concept["code"]
        yield from _codes(concept.get("concept", []))


def unknown_codes(g: Guide) -> list[str]:
    systems = _code_systems(g)
    problems = []
    for resource in g.resources:
        if resource["resourceType"] == "CodeSystem":
            continue
        for path, coding in _objects(resource, resource["resourceType"]):
            system, code = coding.get("system"), coding.get("code")
            if not isinstance(system, str) or not isinstance(code, str):
                continue
            if system in EXTERNAL_SYSTEMS or system.startswith(IDENTIFIER_SYSTEMS_PREFIX):
                continue
            if system not in systems:
                problems.append(f"{_name(resource)}: {path} uses unknown system {system}")
            elif (codes := systems[system]) is not None and code not in codes:
                problems.append(f"{_name(resource)}: {path} code {code!r} is not in {system}")
    return problems


def _declared_profiles(resource: Resource) -> Iterator[tuple[str, Resource]]:
    yield resource["resourceType"], resource
    for index, entry in enumerate(resource.get("entry", [])):
        if "resource" in entry:
            yield f"Bundle.entry[{index}].resource", entry["resource"]


def undeclared_profiles(g: Guide) -> list[str]:
    profiles = {sd["url"] for sd in g.profiles}
    problems = []
    for example in g.examples:
        for where, resource in _declared_profiles(example):
            declared = resource.get("meta", {}).get("profile", [])
            if not any(p in profiles for p in declared):
                problems.append(f"{_name(example)}: {where} declares no profile of the guide")
    return problems


def profiles_without_examples(g: Guide) -> list[str]:
    used = {
        p
        for example in g.examples
        for _, resource in _declared_profiles(example)
        for p in resource.get("meta", {}).get("profile", [])
    }
    return [
        f"StructureDefinition/{sd['id']}: no example declares this profile"
        for sd in g.profiles
        if not sd.get("abstract") and sd["url"] not in used and sd["id"] not in EXAMPLES_ELSEWHERE
    ]


def broken_invalid_cases() -> list[str]:
    try:
        cases = invalid_examples.load()
        for case in cases:
            case.resource()
    except invalid_examples.CaseError as exc:
        return [str(exc)]
    return []


def _name(resource: Resource) -> str:
    return f"{resource['resourceType']}/{resource.get('id')}"


def check(g: Guide | None = None) -> list[str]:
    g = g or guide()
    return [
        *unresolved_canonicals(g),
        *unknown_codes(g),
        *undeclared_profiles(g),
        *profiles_without_examples(g),
        *broken_invalid_cases(),
    ]
