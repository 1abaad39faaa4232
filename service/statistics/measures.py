"""The guide's Measures as the service evaluates them: their groups, populations and stratifiers
read from the guide, and the score of each group computed from a figures Cell.

A population's criteria is the FHIRPath `%figures.<name>`: the Cell count it reports. The score
table below is the one thing per group the guide cannot say; a test holds the two together.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from fhir_profiles.guide import guide
from service.outcome import FhirError
from service.statistics.figures import Cell, share

Resource = dict[str, Any]
FIGURE_PREFIX = "%figures."
UCUM = "http://unitsofmeasure.org"
ISO4217 = "urn:iso:std:iso:4217"


def number(value: Decimal | int) -> float | int:
    """JSON has no decimal type: a FHIR decimal goes out as the nearest float (3.25, 0.1667)."""
    return float(value) if isinstance(value, Decimal) else value


def days(value: Decimal | int | None) -> Resource | None:
    if value is None:
        return None
    return {"value": number(value), "unit": "d", "system": UCUM, "code": "d"}


def kronor(value: int | None) -> Resource | None:
    if value is None:
        return None
    return {"value": value, "unit": "SEK", "system": ISO4217, "code": "SEK"}


def ratio(value: Decimal | None) -> Resource | None:
    return None if value is None else {"value": number(value)}


SCORES: dict[str, Callable[[Cell], Resource | None]] = {
    "skr": lambda c: days(c.skr_mean),
    "summa-dagar": lambda c: days(c.ready_days),
    "medel-inkl-dag-0": lambda c: days(c.mean_with_dag0),
    "dagar": lambda c: days(c.billable_days),
    "belopp": lambda c: kronor(c.priced_amount),
    "aterinskrivning": lambda c: ratio(c.readmission_share),
    "inskrivningsmeddelande-24h": lambda c: ratio(share(c.admission_on_time, c.stays)),
    "kallelse-sip-3d": lambda c: ratio(share(c.sip_invited_on_time, c.sip_expected)),
    "sip-delaktighet": lambda c: ratio(share(c.sip_participation, c.sips)),
    "informationsoverforing": lambda c: ratio(share(c.information_on_time, c.stays)),
    "hemtjanst-kvittens": lambda c: ratio(share(c.home_care_acknowledged, c.home_care_expected)),
    "avvikelser": lambda c: None,  # a cohort: the count is the answer
}


@dataclass(frozen=True)
class Population:
    id: str
    code: str
    figure: str  # the Cell attribute it counts


@dataclass(frozen=True)
class Stratifier:
    key: str  # kommun | stadsdel | vardform | kommun-vardform | … | avvikelsetyp | ansvarig
    code: Resource  # the Measure's stratifier.code, repeated in the report
    components: tuple[tuple[str, Resource], ...]  # (key, code) of each component


@dataclass(frozen=True)
class Group:
    id: str
    populations: tuple[Population, ...]
    stratifiers: tuple[Stratifier, ...]

    def score(self, cell: Cell) -> Resource | None:
        return SCORES[self.id](cell)


@dataclass(frozen=True)
class Measure:
    id: str
    url: str
    version: str
    scoring: str
    improvement: Resource | None
    groups: tuple[Group, ...]


def _key(code: Resource) -> str:
    return next((str(c["code"]) for c in code.get("coding", [])), str(code.get("text", "")))


def count(cell: Cell, figure: str) -> int:
    return int(getattr(cell, figure))


def _population(entry: Resource) -> Population:
    expression = entry["criteria"]["expression"]
    if not expression.startswith(FIGURE_PREFIX):
        raise ValueError(f"population {entry['id']}: criteria {expression!r} names no figure")
    figure = expression.removeprefix(FIGURE_PREFIX)
    if not hasattr(Cell(), figure):
        raise ValueError(f"population {entry['id']}: {figure!r} is not a figure of the Cell")
    return Population(entry["id"], _key(entry["code"]), figure)


def _stratifier(entry: Resource) -> Stratifier:
    components = tuple((_key(c["code"]), c["code"]) for c in entry.get("component", []))
    return Stratifier(_key(entry["code"]), entry["code"], components)


def _measure(resource: Resource) -> Measure:
    groups = tuple(
        Group(
            g["id"],
            tuple(_population(p) for p in g.get("population", [])),
            tuple(_stratifier(s) for s in g.get("stratifier", [])),
        )
        for g in resource.get("group", [])
    )
    unscored = [g.id for g in groups if g.id not in SCORES]
    if unscored:
        raise ValueError(f"Measure/{resource['id']}: no score for groups {unscored}")
    return Measure(
        resource["id"],
        resource["url"],
        resource.get("version", ""),
        _key(resource["scoring"]),
        resource.get("improvementNotation"),
        groups,
    )


@cache
def measures() -> dict[str, Measure]:
    return {m["id"]: _measure(m) for m in guide().by_type("Measure")}


def measure(measure_id: str) -> Measure:
    found = measures().get(measure_id)
    if found is None:
        known = ", ".join(sorted(measures()))
        raise FhirError.of(
            404, "not-found", f"Measure/{measure_id} is not a Measure of this service ({known})"
        )
    return found
