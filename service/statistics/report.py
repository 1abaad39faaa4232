"""A summary MeasureReport from the month's figure cells: one group per Measure group, its
populations with the Measure's ids and codes, the score, and every stratum of every stratifier."""

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fhir_profiles import CANONICAL
from service.fhirtime import instant
from service.statistics.areas import KOMMUNKOD_SYSTEM, STADSDEL_SYSTEM, STOCKHOLM_CITY, Areas
from service.statistics.figures import Cell, Key, merge
from service.statistics.measures import Group, Measure, Stratifier, count
from service.statistics.period import Period
from service.statistics.scope import Area

Resource = dict[str, Any]
POPULATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/measure-population"
CARE_GROUP_SYSTEM = f"{CANONICAL}/CodeSystem/lus-vardform-grupp"
DEVIATION_SYSTEM = f"{CANONICAL}/CodeSystem/lus-deviation-type"
UNKNOWN = "okand"  # stratum text for stays whose address names no municipality or district
Table = dict[Key, Cell]
Selector = Callable[[Key], bool]
Selectors = dict[str, list[tuple[str | None, Selector]]]


def _value(key: str, code: str | None, areas: Areas) -> Resource:
    if code is None:
        return {"text": UNKNOWN}
    if key == "kommun":
        coding = {"system": KOMMUNKOD_SYSTEM, "code": code, "display": areas.name(code)}
    elif key == "stadsdel":
        coding = {"system": STADSDEL_SYSTEM, "code": code, "display": areas.name(None, code)}
    elif key == "avvikelsetyp":
        coding = {"system": DEVIATION_SYSTEM, "code": code}
    elif key == "vardform":
        coding = {"system": CARE_GROUP_SYSTEM, "code": code}
    else:  # ansvarig: a routing role, not a coded concept
        return {"text": code}
    return {"coding": [coding], "text": code}


def _population(group_population: Any, count_of: int, with_id: bool) -> Resource:
    """A population; only the group's own carry the Measure's population id (an element id is
    unique within a resource, so the strata's repeat the code, not the id)."""
    found: Resource = {
        "code": {"coding": [{"system": POPULATION_SYSTEM, "code": group_population.code}]},
        "count": count_of,
    }
    return {"id": group_population.id, **found} if with_id else found


def _populations(group: Group, cell: Cell, with_id: bool = False) -> list[Resource]:
    return [_population(p, count(cell, p.figure), with_id) for p in group.populations]


def _deviation_populations(group: Group, total: int, with_id: bool = False) -> list[Resource]:
    return [_population(p, total, with_id) for p in group.populations]


def _selectors(
    table: Table, area: Area, period: Period, areas: Areas, groups: tuple[str, ...]
) -> Selectors:
    """Per single stratifier key: its stratum values and which cells belong to each."""
    kommuner: list[str | None] = [area.kommun] if area.kommun else [*areas.kommuner]
    kommuner += [k for k, _, _ in table if k not in kommuner]
    districts: list[str | None] = []
    if area.kommun in (None, STOCKHOLM_CITY):
        first, last = period.first, period.last
        districts = [area.stadsdel] if area.stadsdel else [*areas.districts_between(first, last)]
        districts += [s for k, s, _ in table if k == STOCKHOLM_CITY and s not in districts]

    def by_kommun(value: str | None) -> Callable[[Key], bool]:
        return lambda key: key[0] == value

    def by_district(value: str | None) -> Callable[[Key], bool]:
        return lambda key: key[0] == STOCKHOLM_CITY and key[1] == value

    def by_group(value: str | None) -> Callable[[Key], bool]:
        return lambda key: key[2] == value

    return {
        "kommun": [(k, by_kommun(k)) for k in kommuner],
        "stadsdel": [(s, by_district(s)) for s in districts],
        "vardform": [(g, by_group(g)) for g in groups],
    }


def _stratum(group: Group, cell: Cell, value: Resource | None, parts: list[Resource]) -> Resource:
    stratum: Resource = {}
    if value is not None:
        stratum["value"] = value
    if parts:
        stratum["component"] = parts
    stratum["population"] = _populations(group, cell)
    score = group.score(cell)
    if score is not None:
        stratum["measureScore"] = score
    return stratum


def _both(first: Selector, second: Selector) -> Selector:
    return lambda key: first(key) and second(key)


def _strata(
    group: Group,
    stratifier: Stratifier,
    table: Table,
    selectors: Selectors,
    areas: Areas,
) -> list[Resource]:
    if stratifier.key in ("avvikelsetyp", "ansvarig"):
        index = 0 if stratifier.key == "avvikelsetyp" else 1
        totals: Counter[str] = Counter()
        for cell in table.values():
            for (code, party), n in cell.deviations.items():
                totals[(code, party)[index]] += n
        return [
            {
                "value": _value(stratifier.key, value, areas),
                "population": _deviation_populations(group, n),
            }
            for value, n in sorted(totals.items())
        ]
    if not stratifier.components:
        return [
            _stratum(group, merge(table, keep), _value(stratifier.key, value, areas), [])
            for value, keep in selectors[stratifier.key]
        ]
    (first_key, first_code), (second_key, second_code) = stratifier.components
    strata = []
    for first, keep_first in selectors[first_key]:
        for second, keep_second in selectors[second_key]:
            cell = merge(table, _both(keep_first, keep_second))
            components = [
                {"code": first_code, "value": _value(first_key, first, areas)},
                {"code": second_code, "value": _value(second_key, second, areas)},
            ]
            strata.append(_stratum(group, cell, None, components))
    return strata


def measure_report(
    measure: Measure,
    table: Table,
    area: Area,
    period: Period,
    areas: Areas,
    groups: tuple[str, ...],
    complete: bool,
    now: datetime,
) -> Resource:
    selectors = _selectors(table, area, period, areas, groups)
    total = merge(table, lambda _: True)
    report_groups = []
    for group in measure.groups:
        entry: Resource = {"id": group.id}
        if measure.id == "lus-avvikelser":
            entry["population"] = _deviation_populations(group, total.deviation_count, True)
        else:
            entry["population"] = _populations(group, total, True)
            score = group.score(total)
            if score is not None:
                entry["measureScore"] = score
        entry["stratifier"] = []
        for stratifier in group.stratifiers:
            strata = _strata(group, stratifier, table, selectors, areas)
            # FHIR JSON has no empty arrays: a stratifier without strata carries only its code
            entry["stratifier"].append(
                {"code": [stratifier.code], **({"stratum": strata} if strata else {})}
            )
        report_groups.append(entry)
    report: Resource = {
        "resourceType": "MeasureReport",
        "status": "complete" if complete else "pending",
        "type": "summary",
        "measure": measure.url,
        "subject": {"reference": area.location, "display": areas.name(area.kommun, area.stadsdel)},
        "date": instant(now),
        "period": {"start": period.first.isoformat(), "end": period.last.isoformat()},
        "group": report_groups,
    }
    if measure.improvement is not None:
        report["improvementNotation"] = measure.improvement
    return report
