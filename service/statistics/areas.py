"""The areas the figures are reported for: the county's municipalities (SCB kommunkod) and
Stockholm city's districts with their validity periods, both read from the guide's CodeSystems."""

from dataclasses import dataclass
from datetime import date
from functools import cache

from fhir_profiles import CANONICAL
from fhir_profiles.guide import guide

KOMMUNKOD_SYSTEM = "urn:oid:1.2.752.129.2.2.1.17"
STADSDEL_SYSTEM = f"{CANONICAL}/CodeSystem/stockholm-stadsdel"
STOCKHOLM_CITY = "0180"
COUNTY = "01"  # SCB länskod of Stockholms län
COUNTY_NAME = "Stockholms län"


@dataclass(frozen=True)
class District:
    code: str
    name: str
    start: date | None  # first day (inclusive)
    end: date | None  # last day (inclusive); None while it exists

    def valid_on(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class Areas:
    kommuner: dict[str, str]  # kommunkod → name
    districts: dict[str, District]

    def district_on(self, code: str, day: date, successors: dict[str, str]) -> str:
        """The district valid on `day` for an address that names `code`: a district merged away
        before that day is reported as its successor."""
        seen = {code}
        while code in self.districts and not self.districts[code].valid_on(day):
            successor = successors.get(code)
            if successor is None or successor in seen:
                break
            seen.add(successor)
            code = successor
        return code

    def districts_between(self, first: date, last: date) -> list[str]:
        """Districts that existed on some day of [first, last], in the CodeSystem's order."""
        return [
            d.code
            for d in self.districts.values()
            if (d.start is None or d.start <= last) and (d.end is None or first <= d.end)
        ]

    def name(self, kommun: str | None, stadsdel: str | None = None) -> str:
        if stadsdel:
            district = self.districts.get(stadsdel)
            return district.name if district else stadsdel
        if kommun is None or kommun == COUNTY:
            return COUNTY_NAME
        return self.kommuner.get(kommun, kommun)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


@cache
def areas() -> Areas:
    systems = {cs["url"]: cs for cs in guide().by_type("CodeSystem")}
    kommuner = {c["code"]: c["display"] for c in systems[KOMMUNKOD_SYSTEM]["concept"]}
    districts = {}
    for concept in systems[STADSDEL_SYSTEM]["concept"]:
        props = {p["code"]: p.get("valueDateTime") for p in concept.get("property", [])}
        districts[concept["code"]] = District(
            concept["code"],
            concept["display"],
            _day(props.get("effective-from")),
            _day(props.get("effective-to")),
        )
    return Areas(kommuner, districts)
