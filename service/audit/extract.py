"""A patient's log extract (Patientdatalagen 8 kap. 5 §, HSLF-FS 2016:40 4 kap.): which
organization accessed what of the patient's data, when, through which system and to what end.

The patient is named by personnummer (or samordningsnummer); every Patient resource carrying it
is the patient, so an extract also covers duplicates made by different parties.
"""

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, false, select

from service.fhirtime import STOCKHOLM, stamp, start_of
from service.storage.schema import audit_events, audit_links, resources, search_index

IDENTIFIER_SYSTEMS = (
    "http://electronichealth.se/identifier/personnummer",
    "http://electronichealth.se/identifier/samordningsnummer",
)
WHAT = {"C": "skapade", "R": "läste", "U": "ändrade", "D": "tog bort", "E": "sökte/hämtade"}


@dataclass(frozen=True)
class Access:
    tidpunkt: str  # local time, Europe/Stockholm
    organisation: str
    organisationsnamn: str
    system: str  # the client id
    handling: str
    resurser: str
    utfall: str
    request_id: str


def patients_with(conn: Connection, personnummer: str) -> list[str]:
    rows = conn.execute(
        select(search_index.c.res_id)
        .where(
            and_(
                search_index.c.res_type == "Patient",
                search_index.c.param == "identifier",
                search_index.c.system.in_(IDENTIFIER_SYSTEMS),
                search_index.c.value == personnummer,
            )
        )
        .distinct()
    )
    return sorted(f"Patient/{r}" for r in rows.scalars())


def _names(conn: Connection, organizations: set[str]) -> dict[str, str]:
    ids = [o.split("/", 1)[1] for o in organizations if o.startswith("Organization/")]
    rows = conn.execute(
        select(resources.c.res_id, resources.c.content).where(
            and_(
                resources.c.res_type == "Organization",
                resources.c.res_id.in_(ids),
                resources.c.deleted == false(),
            )
        )
    )
    return {f"Organization/{r.res_id}": json.loads(r.content).get("name", "") for r in rows}


def extract(conn: Connection, personnummer: str, since: datetime | None = None) -> list[Access]:
    patients = patients_with(conn, personnummer)
    if not patients:
        return []
    condition = and_(audit_links.c.kind == "patient", audit_links.c.value.in_(patients))
    if since is not None:
        condition = and_(condition, audit_links.c.recorded >= stamp(since))
    ids = select(audit_links.c.audit_id).where(condition)
    rows = conn.execute(
        select(audit_events).where(audit_events.c.id.in_(ids)).order_by(audit_events.c.seq)
    ).all()
    entities: dict[str, list[str]] = {}
    for audit_id, value in conn.execute(
        select(audit_links.c.audit_id, audit_links.c.value).where(
            and_(audit_links.c.audit_id.in_([r.id for r in rows]), audit_links.c.kind == "entity")
        )
    ):
        entities.setdefault(audit_id, []).append(value)
    names = _names(conn, {r.organization for r in rows if r.organization})
    found = []
    for row in rows:
        moment = start_of(row.recorded)
        assert moment is not None
        found.append(
            Access(
                tidpunkt=moment.astimezone(STOCKHOLM).isoformat(timespec="seconds"),
                organisation=row.organization or "",
                organisationsnamn=names.get(row.organization or "", ""),
                system=row.client_id or "",
                handling=f"{WHAT.get(row.action, row.action)} ({row.subtype})",
                resurser=" ".join(sorted(entities.get(row.id, []))),
                utfall="ok" if row.outcome == "0" else f"nekad/misslyckad: {row.detail or ''}",
                request_id=row.request_id or "",
            )
        )
    return found


def as_dicts(accesses: list[Access]) -> list[dict[str, Any]]:
    return [asdict(a) for a in accesses]
