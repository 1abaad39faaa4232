"""PID and PD1 → changes to a lus-patient (v2-to-FHIR IG `PID[Patient]`, `PD1[Patient]`), with
the guide's Swedish rules: national identifiers from PID-3, the municipality code from XAD.9, the
Stockholm district from XAD.10, a protected identity from PD1-12 that hides address and phone.
"""

import json
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from fhir_profiles import CANONICAL, GENERATED
from mappers.hl7v2.changes import DELETE
from mappers.hl7v2.datatypes import (
    PERSONNUMMER,
    RESERVNUMMER,
    SAMORDNINGSNUMMER,
    address,
    contact_point,
    date,
    dtm,
    hsa_id,
    human_name,
    identifier,
)
from mappers.hl7v2.er7 import Field, Message, Segment
from mappers.hl7v2.errors import REQUIRED_FIELD, TABLE_VALUE, Location, MappingError, Problem
from mappers.hl7v2.senders import SenderTable

Resource = dict[str, Any]
PROFILE = f"{CANONICAL}/StructureDefinition/lus-patient"
KOMMUNKOD = f"{CANONICAL}/StructureDefinition/lus-kommunkod"
STADSDEL = f"{CANONICAL}/StructureDefinition/lus-stadsdel"
KOMMUNKOD_SYSTEM = "urn:oid:1.2.752.129.2.2.1.17"
STADSDEL_SYSTEM = f"{CANONICAL}/CodeSystem/stockholm-stadsdel"
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
RESTRICTED = {"system": CONFIDENTIALITY, "code": "R", "display": "restricted"}
KEY_SYSTEMS = (PERSONNUMMER, SAMORDNINGSNUMMER, RESERVNUMMER)  # in order of preference
GENDER = {"M": "male", "F": "female", "O": "other", "A": "other", "U": "unknown", "N": "unknown"}


@cache
def districts() -> frozenset[str]:
    """The district codes of the guide's CodeSystem stockholm-stadsdel (old and new ones)."""
    path = GENERATED / "CodeSystem-stockholm-stadsdel.json"
    return frozenset(c["code"] for c in json.loads(path.read_text(encoding="utf-8"))["concept"])


@dataclass(frozen=True)
class PatientChanges:
    key: Resource  # the national identifier that finds the stored Patient
    identifiers: list[Resource]
    changes: dict[str, Any]
    primary_facility: str | None = None  # HSA-id from PD1-3, resolved through the directory
    protected: bool | None = None  # PD1-12: True, False, or None (not said)
    warnings: list[Problem] = field(default_factory=list)

    def apply(self, current: Resource | None) -> dict[str, Any]:
        """The changes for `current`: a protected identity (said now or stored) keeps only the
        municipality and district of each address and no phone, whatever the message carried."""
        changes = dict(self.changes)
        stored = current or {}
        protected = self.protected
        if protected is None:
            protected = any(
                s.get("code") == "R" for s in stored.get("meta", {}).get("security", [])
            )
        if protected:
            addresses = changes.get("address", stored.get("address"))
            reduced = [_reduced(a) for a in addresses or [] if addresses is not DELETE]
            changes["address"] = [a for a in reduced if a] or DELETE
            changes["telecom"] = DELETE
        return changes


def _reduced(found: Resource) -> Resource:
    kept = [e for e in found.get("extension", []) if e.get("url") in (KOMMUNKOD, STADSDEL)]
    return {"extension": kept} if kept else {}


def map_patient(message: Message, table: SenderTable) -> PatientChanges:
    pid = message.required("PID")
    changes: dict[str, Any] = {"resourceType": "Patient", "meta.profile": [PROFILE]}
    birth = date(pid[7], Location("PID", 7))
    identifiers = _identifiers(pid, table, birth)
    key = next((i for s in KEY_SYSTEMS for i in identifiers if i.get("system") == s), None)
    if key is None:
        raise MappingError(
            Location("PID", 3),
            REQUIRED_FIELD,
            "PID-3 must carry a personnummer (1.2.752.129.2.1.3.1), samordningsnummer "
            "(1.2.752.129.2.1.3.3) or a reserve number the sender's table names",
        )
    changes["identifier"] = identifiers
    _set(changes, "name", pid[5], [human_name(n) for n in pid[5].each()])
    _set(changes, "birthDate", pid[7], birth)
    gender = pid[8].value().strip().upper()
    if gender and gender not in GENDER:
        raise MappingError(
            Location("PID", 8), TABLE_VALUE, f"PID-8 {gender!r} is not in table 0001"
        )
    _set(changes, "gender", pid[8], GENDER.get(gender))
    warnings: list[Problem] = []
    _set(
        changes,
        "address",
        pid[11],
        [_address(a, n, table, warnings) for n, a in _numbered(pid[11])],
    )
    telecom = [contact_point(t, "home") for t in pid[13].each()]
    telecom += [contact_point(t, "work") for t in pid[14].each()]
    if any(telecom):
        changes["telecom"] = [t for t in telecom if t]
    elif pid[13].is_null or pid[14].is_null:  # telecom is one list: "" in either empties it
        changes["telecom"] = DELETE
    _deceased(pid, changes)
    pd1 = message.first("PD1")
    facility, protected = (_primary_facility(pd1), _protection(pd1)) if pd1 else (None, None)
    if protected is not None:
        changes["meta.security"] = [RESTRICTED] if protected else DELETE
    return PatientChanges(key, identifiers, changes, facility, protected, warnings)


def _identifiers(pid: Segment, table: SenderTable, birth: str | None) -> list[Resource]:
    found = [
        identifier(f, Location("PID", 3, n), table.assigning_authorities, birth)
        for n, f in _numbered(pid[3])
    ]
    if not found:
        raise MappingError(
            Location("PID", 3), REQUIRED_FIELD, "PID-3 (patient identifier list) is required"
        )
    return found


def _numbered(repeated: Field) -> list[tuple[int, Field]]:
    """Each non-empty repetition with its 1-based number (for ERR-2)."""
    return [
        (n, Field((rep,), repeated.message))
        for n, rep in enumerate(repeated.repetitions, 1)
        if not Field((rep,), repeated.message).is_empty
    ]


def _set(changes: dict[str, Any], key: str, source: Field, value: Any) -> None:
    """Empty field: no change; `""`: delete; a value: replace."""
    if source.is_null:
        changes[key] = DELETE
    elif value not in (None, [], {}):
        changes[key] = value


def _address(found: Field, number: int, table: SenderTable, warnings: list[Problem]) -> Resource:
    result, kommun, district = address(found)
    extensions = []
    if kommun:
        if re.fullmatch(r"\d{4}", kommun):
            coding = {"system": KOMMUNKOD_SYSTEM, "code": kommun}
            extensions.append({"url": KOMMUNKOD, "valueCoding": coding})
        else:
            where = Location("PID", 11, number, 9)
            warnings.append(
                Problem(where, TABLE_VALUE, f"{kommun!r} is not a 4-digit kommunkod", "W")
            )
    if district:
        code = table.districts.get(district) or (district if district in districts() else None)
        if code:
            coding = {"system": STADSDEL_SYSTEM, "code": code}
            extensions.append({"url": STADSDEL, "valueCoding": coding})
        else:
            where = Location("PID", 11, number, 10)
            warnings.append(
                Problem(where, TABLE_VALUE, f"{district!r} is not a Stockholm district", "W")
            )
    if extensions:
        result["extension"] = extensions
    return result


def _deceased(pid: Segment, changes: dict[str, Any]) -> None:
    """PID-29 → deceasedDateTime; PID-30 → deceasedBoolean only when PID-29 is empty (IG)."""
    died = dtm(pid[29], Location("PID", 29))
    if died:
        changes["deceasedDateTime"] = died.text
        changes["deceasedBoolean"] = DELETE
        return
    flag = pid[30].value().strip().upper()
    if pid[29].is_null or flag == "N":
        changes["deceasedDateTime"] = DELETE
    if flag in ("Y", "N"):
        changes["deceasedBoolean"] = flag == "Y"


def _primary_facility(pd1: Segment) -> str | None:
    """PD1-3 (XON): the listed primary care unit's HSA-id in XON.10 (v2.5), XON.3 or XON.1."""
    for unit in pd1[3].each():
        for component in (10, 3, 1):
            found = hsa_id(unit.value(component))
            if found:
                return found
    return None


def _protection(pd1: Segment) -> bool | None:
    """PD1-12 protection indicator: Y protected identity, N not, empty not said."""
    flag = pd1[12].value().strip().upper()
    if flag in ("Y", "N"):
        return flag == "Y"
    if flag:
        raise MappingError(Location("PD1", 12), TABLE_VALUE, f"PD1-12 {flag!r} is not Y or N")
    return False if pd1[12].is_null else None
