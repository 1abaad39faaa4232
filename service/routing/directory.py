"""Directory look-ups over the stored Organization / HealthcareService / Endpoint resources,
honouring validity periods (`lus-giltighetsperiod`, `Endpoint.period`, `active`)."""

import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Select

from fhir_profiles import CANONICAL
from service.fhirtime import parse_range
from service.search import query
from service.search.request import parse
from service.storage import generations

Resource = dict[str, Any]
VALIDITY = f"{CANONICAL}/StructureDefinition/lus-giltighetsperiod"


@dataclass(frozen=True)
class Destination:
    organization: str  # Organization/…
    endpoint: str | None  # Endpoint/… or None when the unit has no usable endpoint
    address: str | None
    connection_type: str | None


def _period_covers(period: Resource | None, at: datetime) -> bool:
    if not period:
        return True
    start = parse_range(period["start"]) if "start" in period else None
    end = parse_range(period["end"]) if "end" in period else None
    return (start is None or start[0] <= at) and (end is None or at < end[1])


def valid_on(resource: Resource, at: datetime) -> bool:
    if resource.get("active") is False:
        return False
    periods = [
        e.get("valuePeriod") for e in resource.get("extension", []) if e.get("url") == VALIDITY
    ]
    return all(_period_covers(p, at) for p in periods)


_cache: generations.Cache[list[Resource]] = generations.Cache(generations.DIRECTORY)


@lru_cache(maxsize=512)
def _statement(res_type: str, params: tuple[tuple[str, str], ...]) -> Select[Any]:
    """The SQL of one look-up, built once: building and cache-keying a search statement costs
    SQLAlchemy more than running it, and routing asks the same questions again and again (the
    care teams of a patient with every notification of the stay)."""
    request = parse(res_type, [*params, ("_count", "500"), ("_total", "none")], 500, 500, True)
    return query.page_query(request)


def search(conn: Connection, res_type: str, params: list[tuple[str, str]]) -> list[Resource]:
    """Every match (up to 500), without the count query a client's search pays for.

    Directory types are answered from this process's cache while the directory is unchanged:
    routing asks the same few questions for every notification (this municipality's social
    services, that unit's endpoints). The result is shared: callers must not change it.
    """

    def run() -> list[Resource]:
        rows = conn.execute(_statement(res_type, tuple(params)))
        return [json.loads(row.content) for row in rows]

    if generations.WATCHED.get(res_type) != generations.DIRECTORY:
        return run()
    return _cache.get(conn, (res_type, tuple(params)), run)


def care_teams(conn: Connection, patient: str) -> list[Resource]:
    """The active care teams of `patient` (`Patient/…`), by its exact reference
    (`query.holding`): a reference search also matches absolute URLs by suffix, which no index
    serves, and over a county's tens of thousands of care teams each look-up took seconds."""
    rows = conn.execute(query.holding("CareTeam", "patient", patient))
    teams = [json.loads(row.content) for row in rows]
    return [team for team in teams if team.get("status") == "active"]


def organizations(conn: Connection, params: list[tuple[str, str]], at: datetime) -> list[Resource]:
    return [o for o in search(conn, "Organization", params) if valid_on(o, at)]


def _endpoint_ids(conn: Connection, organization: Resource, at: datetime) -> list[str]:
    refs = [e.get("reference", "") for e in organization.get("endpoint", [])]
    services = search(
        conn, "HealthcareService", [("organization", f"Organization/{organization['id']}")]
    )
    for service in services:
        if valid_on(service, at):
            refs += [e.get("reference", "") for e in service.get("endpoint", [])]
    return [r.split("/", 1)[1] for r in dict.fromkeys(refs) if r.startswith("Endpoint/")]


def destination(conn: Connection, organization: Resource, event: str, at: datetime) -> Destination:
    """The organization's endpoint that is active on `at` and takes `event` (first match)."""
    reference = f"Organization/{organization['id']}"
    ids = _endpoint_ids(conn, organization, at)
    endpoints = search(conn, "Endpoint", [("_id", ",".join(ids))]) if ids else []
    by_id = {e["id"]: e for e in endpoints}
    for endpoint_id in ids:
        endpoint = by_id.get(endpoint_id)
        if endpoint is None or endpoint.get("status") != "active":
            continue
        if not _period_covers(endpoint.get("period"), at):
            continue
        payloads = {
            c.get("code") for p in endpoint.get("payloadType", []) for c in p.get("coding", [])
        }
        if payloads and event not in payloads:
            continue
        return Destination(
            reference,
            f"Endpoint/{endpoint_id}",
            endpoint.get("address"),
            endpoint.get("connectionType", {}).get("code"),
        )
    return Destination(reference, None, None, None)
