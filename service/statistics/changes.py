"""Which stays' and months' figures the writes after a watermark may have changed.

Every write adds a row to `versions`, numbered by `seq`. A month's figures read the Encounters
discharged in it, their Patients' versions, the Tasks, SIP invitations, plans and deviations about
those stays and the same patients' later admissions. So a changed resource of those kinds
touches the months of the stays it names (`Encounter/…`) and of every stay of the patients it
names (`Patient/…`), in any of its versions (a reference taken away counts too), plus an
Encounter's own month before and after the change. A changed Organization (the home-care
providers) touches every month. Other kinds (MeasureReports, Locations, subscriptions …) touch
none. The answer errs on the side of too many stays and months, never too few: a kept month
brings only those stays up to date (kept.py).
"""

import json
import re
from dataclasses import dataclass

from sqlalchemy import Connection, func, select, tuple_

from service.fhirtime import STOCKHOLM, start_of
from service.statistics.selection import CHUNK, chunks
from service.storage.schema import search_index, versions

READ = frozenset(
    {"Encounter", "Patient", "Task", "CommunicationRequest", "CarePlan", "DetectedIssue"}
)
EVERYTHING = frozenset({"Organization"})
REFERENCE = re.compile(r'"reference"\s*:\s*"(Encounter|Patient)/([^"/]+)')


@dataclass(frozen=True)
class Touched:
    """What writes may have changed: these Encounters' figures, in these months (`YYYY-MM`)."""

    encounters: frozenset[str]
    months: frozenset[str]


def latest(conn: Connection) -> int:
    """The newest `versions.seq` (0 for an empty store)."""
    return int(conn.execute(select(func.coalesce(func.max(versions.c.seq), 0))).scalar_one())


def _month(end: object) -> str | None:
    moment = start_of(end)
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m") if moment else None


def _encounter_months(conn: Connection, encounters: set[str], months: set[str]) -> None:
    for chunk in chunks(encounters):
        query = select(versions.c.content).where(
            versions.c.res_type == "Encounter",
            versions.c.res_id.in_(chunk),
            versions.c.content.is_not(None),
        )
        for row in conn.execute(query):
            month = _month(json.loads(row.content).get("period", {}).get("end"))
            if month:
                months.add(month)


def affected(conn: Connection, since: int, until: int) -> frozenset[str] | None:
    """Months (`YYYY-MM`) that writes with `since < seq <= until` may have changed; None when
    they may have changed every month."""
    found = touched(conn, since, until)
    return None if found is None else found.months


def touched(conn: Connection, since: int, until: int) -> Touched | None:
    """The stays and months that writes with `since < seq <= until` may have changed; None when
    they may have changed every stay."""
    changed = {
        (row.res_type, row.res_id)
        for row in conn.execute(
            select(versions.c.res_type, versions.c.res_id)
            .where(versions.c.seq > since, versions.c.seq <= until)
            .distinct()
        )
    }
    if any(kind in EVERYTHING for kind, _ in changed):
        return None
    changed = {(kind, res_id) for kind, res_id in changed if kind in READ}
    encounters, patients = set(), set()
    keys = sorted(changed)
    for i in range(0, len(keys), CHUNK):
        query = select(versions.c.res_type, versions.c.res_id, versions.c.content).where(
            tuple_(versions.c.res_type, versions.c.res_id).in_(keys[i : i + CHUNK])
        )
        for row in conn.execute(query):
            if row.res_type == "Encounter":
                encounters.add(row.res_id)
            elif row.res_type == "Patient":
                patients.add(row.res_id)
            for kind, res_id in REFERENCE.findall(row.content or ""):
                (encounters if kind == "Encounter" else patients).add(res_id)
    for chunk in chunks(f"Patient/{p}" for p in patients):
        query = select(search_index.c.res_id).where(
            search_index.c.res_type == "Encounter",
            search_index.c.param == "subject",
            search_index.c.value.in_(chunk),
        )
        encounters.update(row.res_id for row in conn.execute(query))
    months: set[str] = set()
    _encounter_months(conn, encounters, months)
    return Touched(frozenset(encounters), frozenset(months))
