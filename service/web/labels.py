"""Swedish display texts of the guide's codes (events, deviation types, care types), read from
its CodeSystems so a page says what the guide says."""

from functools import cache

from fhir_profiles.guide import guide


@cache
def _displays() -> dict[tuple[str, str], str]:
    found = {}
    for system in guide().by_type("CodeSystem"):
        for concept in system.get("concept", []):
            if concept.get("display"):
                found[(system["url"], concept["code"])] = concept["display"]
    return found


def display(system: str, code: str) -> str:
    """The code's display, or the code itself when the guide has none."""
    return _displays().get((system, code), code)
