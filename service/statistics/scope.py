"""Who may see which area's figures: the county needs a principal that reads everything; a
municipality's own parties see their municipality, a Stockholm district administration its
district. The areas come from the directory Organizations' lus-kommunkod / lus-stadsdel."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from fhir_profiles import CANONICAL
from service.auth.principal import Principal
from service.outcome import FhirError
from service.routing.directory import search
from service.statistics.areas import COUNTY, STOCKHOLM_CITY, Areas
from service.statistics.facts import KOMMUNKOD, STADSDEL

PARTY_TYPE = f"{CANONICAL}/CodeSystem/lus-party-type"
LOCATION_PREFIX = {"kommun": "kommun-", "stadsdel": "stadsdel-"}


@dataclass(frozen=True)
class Area:
    """The county (kommun None), a municipality, or a Stockholm city district."""

    kommun: str | None = None
    stadsdel: str | None = None

    def covers(self, kommun: str | None, stadsdel: str | None) -> bool:
        if self.kommun is None:
            return True
        return self.kommun == kommun and self.stadsdel in (None, stadsdel)

    def within(self, other: "Area") -> bool:
        return other.covers(self.kommun, self.stadsdel)

    @property
    def location(self) -> str:
        """The Location (jurisdiction) a report for this area names as its subject."""
        if self.stadsdel:
            return f"Location/stadsdel-{self.stadsdel}"
        if self.kommun:
            return f"Location/kommun-{self.kommun}"
        return f"Location/lan-{COUNTY}"

    @property
    def key(self) -> str:
        return self.stadsdel or self.kommun or "lan"

    def describe(self) -> str:
        if self.stadsdel:
            return f"district {self.stadsdel} of {STOCKHOLM_CITY}"
        return f"municipality {self.kommun}" if self.kommun else "the county"


COUNTY_AREA = Area()


def _bad_area(text: str, where: str) -> FhirError:
    return FhirError.of(400, "invalid", text, where)


def municipality(code: str, areas: Areas, where: str = "kommun") -> Area:
    if code not in areas.kommuner:
        raise _bad_area(
            f"{where}={code!r} is not a kommunkod of Stockholm county (SCB code, e.g. 0180)", where
        )
    return Area(code)


def area_of_subject(subject: str, areas: Areas, where: str = "subject") -> Area:
    """`Location/lan-01`, `Location/kommun-0114` or `Location/stadsdel-jarva` → the area."""
    reference = subject.removeprefix("Location/")
    if reference == f"lan-{COUNTY}":
        return COUNTY_AREA
    if reference.startswith(LOCATION_PREFIX["kommun"]):
        return municipality(reference.removeprefix(LOCATION_PREFIX["kommun"]), areas, where)
    if reference.startswith(LOCATION_PREFIX["stadsdel"]):
        code = reference.removeprefix(LOCATION_PREFIX["stadsdel"])
        if code not in areas.districts:
            raise _bad_area(f"{where}={subject!r}: {code!r} is not a Stockholm district", where)
        return Area(STOCKHOLM_CITY, code)
    raise _bad_area(
        f"{where}={subject!r} names no area: use Location/lan-01, Location/kommun-<kommunkod> "
        "or Location/stadsdel-<district>",
        where,
    )


def _code(organization: dict[str, Any], url: str) -> str | None:
    for ext in organization.get("extension", []):
        if ext.get("url") == url:
            return str(ext.get("valueCoding", {}).get("code")) or None
    return None


def permitted(
    conn: Connection, principal: Principal, party_types: frozenset[str]
) -> frozenset[Area] | None:
    """The areas `principal` may see; None when it may see everything."""
    if principal.reads_everything:
        return None
    ids = sorted(
        {r.removeprefix("Organization/") for r in {principal.organization, *principal.units}}
    )
    found = set()
    for organization in search(conn, "Organization", [("_id", ",".join(ids))]) if ids else []:
        kinds = {
            c.get("code")
            for t in organization.get("type", [])
            for c in t.get("coding", [])
            if c.get("system") == PARTY_TYPE
        }
        kommun = _code(organization, KOMMUNKOD)
        if kommun and kinds & party_types:
            found.add(Area(kommun, _code(organization, STADSDEL)))
    return frozenset(found)


def require(
    conn: Connection, principal: Principal, wanted: Area, party_types: frozenset[str]
) -> frozenset[Area] | None:
    """Refuse (403) an area the principal may not see; returns what it may see."""
    allowed = permitted(conn, principal, party_types)
    if allowed is None or any(wanted.within(a) for a in allowed):
        return allowed
    mine = ", ".join(sorted(a.describe() for a in allowed)) or "no municipality"
    raise FhirError.of(
        403,
        "forbidden",
        f"{principal.organization} may see the figures of {mine} only; "
        f"{wanted.describe()} needs the region role",
    )
