"""Monthly MeasureReports stored as resources: one per Measure, month and area (the county, each
municipality, each Stockholm district), searchable by measure, period and subject.

A month is evaluated once for the county (or a kept one brought up to date from the stays late
data touched) and narrowed to each area. Each report has a fixed id, so
re-making a month after late data adds a version only where a figure changed, and the report's
history shows the change. The subjects are Location resources (jurisdictions) the same writer
keeps in place.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from service.auth.principal import INTERNAL
from service.statistics import kept
from service.statistics.areas import (
    COUNTY,
    COUNTY_NAME,
    KOMMUNKOD_SYSTEM,
    STADSDEL_SYSTEM,
    STOCKHOLM_CITY,
)
from service.statistics.basis import Basis
from service.statistics.evaluate import Figures, complete, evaluate, narrow, report_of
from service.statistics.facts import KOMMUNKOD, STADSDEL
from service.statistics.measures import measures
from service.statistics.period import Period
from service.statistics.refresh import refresh
from service.statistics.scope import COUNTY_AREA, Area
from service.statistics.writes import EngineWrites
from service.storage.store import Store

Resource = dict[str, Any]
LANSKOD_SYSTEM = "urn:oid:1.2.752.129.2.2.1.18"
PHYSICAL_TYPE = "http://terminology.hl7.org/CodeSystem/location-physical-type"


@dataclass(frozen=True)
class Stored:
    written: int  # reports and Locations that got a new version
    unchanged: int


def areas_of(period: Period, basis: Basis) -> list[Area]:
    districts = basis.areas.districts_between(period.first, period.last)
    return [
        COUNTY_AREA,
        *(Area(k) for k in basis.areas.kommuner),
        *(Area(STOCKHOLM_CITY, d) for d in districts),
    ]


def report_id(measure_id: str, period: Period, area: Area) -> str:
    return f"{measure_id}-{period.label}-{area.key}"


def _coding(system: str, code: str, display: str) -> Resource:
    return {"system": system, "code": code, "display": display}


def location(area: Area, basis: Basis) -> Resource:
    """The jurisdiction a report is about, with the codes routing and the reports share."""
    name = basis.areas.name(area.kommun, area.stadsdel)
    resource: Resource = {
        "resourceType": "Location",
        "id": area.location.removeprefix("Location/"),
        "status": "active",
        "name": name,
        "mode": "instance",
        "physicalType": {"coding": [_coding(PHYSICAL_TYPE, "jdn", "Jurisdiction")]},
    }
    if area.kommun is None:
        resource["identifier"] = [{"system": LANSKOD_SYSTEM, "value": COUNTY}]
        resource["name"] = COUNTY_NAME
        return resource
    extensions = [
        {
            "url": KOMMUNKOD,
            "valueCoding": _coding(KOMMUNKOD_SYSTEM, area.kommun, basis.areas.name(area.kommun)),
        }
    ]
    if area.stadsdel:
        extensions.append(
            {"url": STADSDEL, "valueCoding": _coding(STADSDEL_SYSTEM, area.stadsdel, name)}
        )
        resource["identifier"] = [{"system": STADSDEL_SYSTEM, "value": area.stadsdel}]
        resource["partOf"] = {"reference": Area(STOCKHOLM_CITY).location}
    else:
        resource["identifier"] = [{"system": KOMMUNKOD_SYSTEM, "value": area.kommun}]
        resource["partOf"] = {"reference": COUNTY_AREA.location}
    resource["address"] = {"extension": extensions}
    return resource


def keep_month(
    store: Store, conn: Connection, basis: Basis, period: Period, now: datetime, watermark: int
) -> Figures:
    """The county's figures of the month: the kept month brought up to date (refresh.py), or
    the month evaluated (as the service itself) and kept, as right up to `watermark`."""
    table = refresh(store, conn, basis, period, watermark, now)
    if table is not None:
        return Figures(period, COUNTY_AREA, table, complete(period, basis, now))
    county = evaluate(conn, INTERNAL, basis, period, COUNTY_AREA, now)
    kept.keep(store, conn, basis, period, county.table, county.billed, watermark, now)
    return county


def store_month(
    writes: EngineWrites,
    conn: Connection,
    basis: Basis,
    period: Period,
    now: datetime,
    watermark: int,
) -> Stored:
    """Keep the month (keep_month) and store every report."""
    county = keep_month(writes.services.store, conn, basis, period, now, watermark)
    written = unchanged = 0
    for area in areas_of(period, basis):
        found = county if area == COUNTY_AREA else narrow(county, area)
        resources = [location(area, basis)]
        for measure_id in measures():
            report = report_of(measure_id, found, basis, now)
            resources.append({**report, "id": report_id(measure_id, period, area)})
        for resource in resources:
            if writes.put_if_changed(conn, resource) is None:
                unchanged += 1
            else:
                written += 1
    return Stored(written, unchanged)
