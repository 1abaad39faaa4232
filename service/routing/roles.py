"""How each routing role is filled for one notification: the organizations it names.

Protected identities route on the municipality code and district only; those are the only address
parts such a Patient may carry (invariant lus-pat-2), and nothing else of the address is read.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import Connection, select

from fhir_profiles import CANONICAL
from service.routing.directory import care_teams, organizations, search
from service.storage.schema import outbox

Resource = dict[str, Any]
KOMMUNKOD = f"{CANONICAL}/StructureDefinition/lus-kommunkod"
STADSDEL = f"{CANONICAL}/StructureDefinition/lus-stadsdel"
STOCKHOLM_CITY = "0180"


@dataclass
class Context:
    conn: Connection
    event: str
    notification: Resource
    patient: Resource | None
    encounter: Resource | None
    at: datetime

    @cached_property
    def care_teams(self) -> list[Resource]:
        """The patient's active care teams, searched once for the roles that read them."""
        if self.patient is None:
            return []
        return care_teams(self.conn, f"Patient/{self.patient['id']}")


class Unroutable(Exception):
    """A role that must be filled could not be: the reason becomes a deviation and a warning."""


def _ext(element: Resource, url: str) -> str | None:
    for ext in element.get("extension", []):
        if ext.get("url") == url:
            return str(ext.get("valueCoding", {}).get("code")) or None
    return None


def _home(patient: Resource | None) -> tuple[str, str | None]:
    if patient is None:
        raise Unroutable("the patient is unknown, so the municipality is unknown")
    for address in patient.get("address", []):
        kommun = _ext(address, KOMMUNKOD)
        if kommun:
            return kommun, _ext(address, STADSDEL)
    raise Unroutable(
        f"Patient/{patient.get('id')} has no municipality code (lus-kommunkod) in its address"
    )


def socialtjanst(ctx: Context) -> list[str]:
    kommun, stadsdel = _home(ctx.patient)
    params = [("partstyp", "socialtjanst"), ("kommun", kommun)]
    if kommun == STOCKHOLM_CITY:
        if not stadsdel:
            raise Unroutable(
                "the patient lives in Stockholm city but the address names no district"
            )
        params.append(("stadsdel", stadsdel))
    found = organizations(ctx.conn, params, ctx.at)
    if not found:
        where = f"district {stadsdel}" if kommun == STOCKHOLM_CITY else f"municipality {kommun}"
        raise Unroutable(f"no social services unit in the directory for {where} on {ctx.at.date()}")
    return [f"Organization/{o['id']}" for o in found]


def _organization_of(ctx: Context, reference: str) -> str | None:
    if reference.startswith("Organization/"):
        return reference
    if reference.startswith("PractitionerRole/"):
        roles = search(ctx.conn, "PractitionerRole", [("_id", reference.split("/", 1)[1])])
        if roles and "organization" in roles[0]:
            return str(roles[0]["organization"].get("reference"))
    return None


def primarvard(ctx: Context) -> list[str]:
    refs = [g.get("reference", "") for g in (ctx.patient or {}).get("generalPractitioner", [])]
    return [o for o in (_organization_of(ctx, r) for r in refs) if o]


def _care_team_members(ctx: Context, role: str) -> list[str]:
    members = []
    for team in ctx.care_teams:
        for participant in team.get("participant", []):
            codes = {c.get("code") for c in participant.get("role", [{}])[0].get("coding", [])}
            if role in codes:
                reference = participant.get("member", {}).get("reference", "")
                organization = _organization_of(ctx, reference)
                if organization:
                    members.append(organization)
    return members


def kommunal_hsl(ctx: Context) -> list[str]:
    return _care_team_members(ctx, "kommunal-sjukskoterska")


def hemtjanst(ctx: Context) -> list[str]:
    return _care_team_members(ctx, "hemtjanstutforare")


def avdelning(ctx: Context) -> list[str]:
    reference = (ctx.encounter or {}).get("serviceProvider", {}).get("reference")
    return [reference] if reference else []


def mottagare_makulerat(ctx: Context) -> list[str]:
    cancelled = [b.get("reference", "") for b in ctx.notification.get("basedOn", [])]
    rows = ctx.conn.execute(
        select(outbox.c.receiver).where(outbox.c.notification.in_(cancelled))
    ).all()
    receivers = [row.receiver for row in rows]
    for reference in cancelled:
        tasks = search(ctx.conn, "Task", [("_id", reference.split("/", 1)[-1])])
        receivers += [t["owner"]["reference"] for t in tasks if "owner" in t]
    return list(dict.fromkeys(receivers))


def inbjudna(ctx: Context) -> list[str]:
    refs = [r.get("reference", "") for r in ctx.notification.get("recipient", [])]
    return [o for o in (_organization_of(ctx, r) for r in refs) if o]


ROLES: dict[str, Callable[[Context], list[str]]] = {
    "socialtjanst": socialtjanst,
    "primarvard": primarvard,
    "kommunal-hsl": kommunal_hsl,
    "hemtjanst": hemtjanst,
    "avdelning": avdelning,
    "mottagare-makulerat": mottagare_makulerat,
    "inbjudna": inbjudna,
}
