"""Swedish display texts of the guide's codes (events, deviation types, care types), read from
its CodeSystems so a page says what the guide says."""

from functools import cache

from fhir_profiles.guide import guide


@cache
def _concepts() -> dict[tuple[str, str], tuple[int, str]]:
    """(system, code) → (its place in the CodeSystem, its display)."""
    found = {}
    for system in guide().by_type("CodeSystem"):
        for place, concept in enumerate(system.get("concept", [])):
            found[(system["url"], concept["code"])] = (place, concept.get("display") or "")
    return found


def display(system: str, code: str) -> str:
    """The code's display, or the code itself when the guide has none."""
    return _concepts().get((system, code), (0, ""))[1] or code


def place(system: str, code: str) -> int:
    """The code's place in its CodeSystem: lus-event lists the process's steps in order."""
    return _concepts().get((system, code), (len(_concepts()), ""))[0]
