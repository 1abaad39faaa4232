"""The one place the HL7 v2 intake writes: a mapped ADT message → Patient and Encounter through
the engine, so validation, case state, routing and subscriptions are those of a FHIR client's
writes. Everything runs in the caller's transaction; any error leaves nothing behind.

The principal is whom the writes are made for: a ward is written only by a principal that acts
for it (the service's INTERNAL principal acts for every one).
"""

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Connection

from mappers.hl7v2 import Adt, Location, MappingError, merge
from mappers.hl7v2.datatypes import HSA_OIDS
from mappers.hl7v2.errors import ACCEPTED, TABLE_VALUE, UNKNOWN_KEY, Problem
from service.auth.principal import Principal
from service.rest.engine import Engine
from service.routing.directory import search
from service.storage.store import Stored

Resource = dict[str, Any]
# A stay's status a trigger may not meet: out-of-order messages are refused, never half-applied.
# A cancelled admission (A11) ended its case: the stay cannot be admitted again under its number.
FORBIDDEN = {
    "admit": ("cancelled",),
    "preadmit": ("cancelled",),
    "transfer": ("cancelled", "finished"),
    "discharge": ("cancelled",),
    "update": ("cancelled",),
    "cancel-admit": ("finished", "cancelled"),
    "cancel-discharge": ("planned", "in-progress", "cancelled"),
}


class NotAdmitted(MappingError):
    """The message needs a stay no message has admitted yet (it arrived before its A01)."""

    def __init__(self, visit: str, trigger: str, number: str) -> None:
        super().__init__(
            Location("PV1", 19),
            UNKNOWN_KEY,
            f"{trigger} is about stay {number}, which was never admitted here",
        )
        self.visit = visit


def visit_key(visit: Resource) -> str:
    """The stay's identifier as one key (system|value), what a held message waits for."""
    return f"{visit.get('system', '')}|{visit['value']}"


@dataclass
class Applied:
    changed: list[str] = field(default_factory=list)  # Type/id/_history/n of every write
    warnings: list[Problem] = field(default_factory=list)


def apply(conn: Connection, engine: Engine, adt: Adt, principal: Principal) -> Applied:
    """Both look-ups (Patient, then Encounter: the order every writer locks them in) and the
    stay's checks come before the first write, so a message that is held (NotAdmitted) or
    refused has written nothing and needs no savepoint of its own."""
    applied = Applied(warnings=list(adt.warnings))
    current = _find(conn, engine, principal, "Patient", adt.patient.key)
    stay = _stay(conn, engine, adt, principal) if adt.encounter is not None else None
    patient = _patient(conn, engine, adt, principal, applied, current)
    if adt.prior is not None:
        _merge(conn, engine, adt.prior, patient, principal, applied)
    if adt.encounter is not None:
        _encounter(conn, engine, adt, patient, principal, applied, stay)
    return applied


def _criteria(identifier: Resource) -> str:
    return urlencode({"identifier": f"{identifier.get('system', '')}|{identifier['value']}"})


def _find(
    conn: Connection, engine: Engine, principal: Principal, kind: str, identifier: Resource
) -> Stored | None:
    """The one stored resource with this identifier that the sender may see, under the lock a
    conditional create takes, its row held for the update that follows."""
    criteria = _criteria(identifier)
    engine.store.lock(conn, f"create:{kind}?{criteria}")
    found = engine.search_stored(conn, principal, kind, criteria, limit=2, lock=True)
    if len(found) > 1:
        raise MappingError(
            Location("PID", 3) if kind == "Patient" else Location("PV1", 19),
            UNKNOWN_KEY,
            f"{identifier['value']} identifies more than one {kind} here",
        )
    return found[0] if found else None


def _write(
    conn: Connection,
    engine: Engine,
    principal: Principal,
    current: Stored | None,
    resource: Resource,
    applied: Applied,
) -> str:
    """Create or update; an update that changes nothing is not written (a resent snapshot)."""
    kind = resource["resourceType"]
    if current is not None and current.resource is not None:
        resource = {**resource, "id": current.res_id}
        if _content(resource) == _content(current.resource):
            return current.res_id
        result = engine.update(conn, principal, kind, current.res_id, resource, current=current)
    else:
        result = engine.create(conn, principal, kind, resource)
    assert result.stored is not None
    where = Location("PV1") if kind == "Encounter" else Location("PID")
    for found in (result.outcome or {}).get("issue", []):
        if found.get("severity") == "warning" and found.get("code") == "business-rule":
            text = found.get("details", {}).get("text", "")
            applied.warnings.append(Problem(where, ACCEPTED, text, "W"))
    applied.changed.append(f"{kind}/{result.stored.res_id}/_history/{result.stored.version_id}")
    return result.stored.res_id


def _content(resource: Resource) -> Resource:
    meta = {
        k: v for k, v in resource.get("meta", {}).items() if k not in ("versionId", "lastUpdated")
    }
    return {**resource, "meta": meta}


def organization(conn: Connection, hsa_id: str) -> str | None:
    """Organization/… of an HSA-id in the directory (either HSA OID)."""
    for oid in HSA_OIDS:
        found = search(conn, "Organization", [("identifier", f"urn:oid:{oid}|{hsa_id}")])
        if found:
            return f"Organization/{found[0]['id']}"
    return None


def _patient(
    conn: Connection,
    engine: Engine,
    adt: Adt,
    principal: Principal,
    applied: Applied,
    current: Stored | None,
) -> str:
    stored = current.resource if current else None
    changes = adt.patient.apply(stored)
    facility = adt.patient.primary_facility
    if facility:
        unit = organization(conn, facility)
        if unit:
            changes["generalPractitioner"] = [{"reference": unit}]
        else:
            where = Location("PD1", 3)
            rule = f"the listed unit {facility} is not in the directory: generalPractitioner kept"
            applied.warnings.append(Problem(where, TABLE_VALUE, rule, "W"))
    return _write(conn, engine, principal, current, merge(stored, changes), applied)


def _merge(
    conn: Connection,
    engine: Engine,
    prior: Resource,
    surviving: str,
    principal: Principal,
    applied: Applied,
) -> None:
    """A40: the prior Patient is replaced by the surviving one, and its stays move over."""
    found = _find(conn, engine, principal, "Patient", prior)
    if found is None or found.resource is None:
        raise MappingError(
            Location("MRG", 1), UNKNOWN_KEY, f"no patient has the prior identifier {prior['value']}"
        )
    if found.res_id == surviving:
        return
    old = found.resource
    replaced = {**old, "active": False}
    replaced["link"] = [{"other": {"reference": f"Patient/{surviving}"}, "type": "replaced-by"}]
    _write(conn, engine, principal, found, replaced, applied)
    target = engine.store.read(conn, "Patient", surviving, lock=True)
    assert target is not None and target.resource is not None
    kept = {i.get("system") for i in target.resource.get("identifier", [])}
    extra = [{**i, "use": "old"} for i in old.get("identifier", []) if i.get("system") not in kept]
    link = {"other": {"reference": f"Patient/{found.res_id}"}, "type": "replaces"}
    merged = {
        **target.resource,
        "identifier": target.resource.get("identifier", []) + extra,
        "link": [*target.resource.get("link", []), link],
    }
    _write(conn, engine, principal, target, merged, applied)
    criteria = urlencode({"subject": f"Patient/{found.res_id}"})
    for encounter_id in engine.search_ids(conn, principal, "Encounter", criteria, limit=500):
        stay = engine.store.read(conn, "Encounter", encounter_id, lock=True)
        if stay is not None and stay.resource is not None:
            moved = {**stay.resource, "subject": {"reference": f"Patient/{surviving}"}}
            _write(conn, engine, principal, stay, moved, applied)


def _stay(conn: Connection, engine: Engine, adt: Adt, principal: Principal) -> Stored | None:
    """The stored stay of PV1-19, when the trigger may meet it: NotAdmitted when a trigger that
    needs it finds none, MappingError when its status forbids the trigger."""
    mapped = adt.encounter
    assert mapped is not None
    visit = Location("PV1", 19)
    current = _find(conn, engine, principal, "Encounter", mapped.visit)
    stored = current.resource if current else None
    if stored is None:
        if not mapped.creates:
            raise NotAdmitted(visit_key(mapped.visit), adt.header.trigger, mapped.visit["value"])
        return current
    status = stored.get("status", "")
    if status in FORBIDDEN.get(adt.action, ()):
        raise MappingError(
            visit,
            UNKNOWN_KEY,
            f"{adt.header.trigger} cannot be applied to stay {mapped.visit['value']}, whose "
            f"status is {status}",
        )
    return current


def _encounter(
    conn: Connection,
    engine: Engine,
    adt: Adt,
    patient: str,
    principal: Principal,
    applied: Applied,
    current: Stored | None,
) -> None:
    mapped = adt.encounter
    assert mapped is not None
    stored = current.resource if current else None
    if stored is not None:
        subject = stored.get("subject", {}).get("reference")
        if subject not in (None, f"Patient/{patient}"):
            raise MappingError(
                Location("PV1", 19),
                UNKNOWN_KEY,
                f"stay {mapped.visit['value']} belongs to {subject}, not to this PID-3 patient",
            )
    changes = dict(mapped.changes)
    changes["subject"] = {"reference": f"Patient/{patient}"}
    if mapped.ward:
        ward = organization(conn, mapped.ward)
        if ward is None:
            raise MappingError(
                Location("PV1", 3),
                UNKNOWN_KEY,
                f"the ward {mapped.ward} is not in the directory (Organization.identifier)",
            )
        if not principal.acts_for(ward):
            raise MappingError(
                Location("PV1", 3),
                UNKNOWN_KEY,
                f"{principal.organization} may not write stays of {ward}",
            )
        changes["serviceProvider"] = {"reference": ward}
    _write(conn, engine, principal, current, merge(stored, changes), applied)
