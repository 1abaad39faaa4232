"""Which resource types the server serves, and which guide profile each is checked against."""

from functools import cache

from fhir_profiles.guide import guide
from service.definitions.registry import registry

CORE = "http://hl7.org/fhir/StructureDefinition/"


@cache
def supported_types() -> frozenset[str]:
    """Every concrete resource type whose R4 definition the project vendors."""
    return frozenset(
        sd["type"]
        for sd in registry().structures()
        if sd.get("kind") == "resource"
        and not sd.get("abstract")
        and sd.get("derivation") != "constraint"
        and sd.get("url") == CORE + sd.get("type", "")
    )


@cache
def guide_profiles() -> dict[str, str]:
    """Resource type → the guide profile the server's CapabilityStatement names for it."""
    server = next(cs for cs in guide().by_type("CapabilityStatement") if cs["id"] == "lus-server")
    return {r["type"]: r["profile"] for r in server["rest"][0]["resource"] if "profile" in r}
