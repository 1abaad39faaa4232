"""PV1 and PV2 → changes to a lus-encounter (v2-to-FHIR IG `PV1[Encounter]`, `PV2[Encounter]`),
with the trigger deciding the status (IG ADT_A11 map: cancelled; A03: finished) and the guide's
rules for what R4 lacks: care type, expected discharge date, planned or unplanned admission.
"""

from dataclasses import dataclass
from typing import Any

from fhir_profiles import CANONICAL
from mappers.hl7v2.changes import DELETE, EXTENSION
from mappers.hl7v2.datatypes import Moment, date, dtm, hsa_id, identifier
from mappers.hl7v2.disposition import disposition
from mappers.hl7v2.er7 import Message, Segment
from mappers.hl7v2.errors import REQUIRED_FIELD, TABLE_VALUE, Location, MappingError, Problem
from mappers.hl7v2.header import event_time
from mappers.hl7v2.senders import CARE_TYPES, SenderTable

Resource = dict[str, Any]
SD = f"{CANONICAL}/StructureDefinition"
PROFILE = f"{SD}/lus-encounter"
VARDFORM = f"{SD}/lus-vardform"
BERAKNAT = f"{SD}/lus-beraknat-utskrivningsdatum"
CARE_TYPE_SYSTEM = f"{CANONICAL}/CodeSystem/lus-care-type"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
ACT_PRIORITY = "http://terminology.hl7.org/CodeSystem/v3-ActPriority"
INPATIENT = {"system": ACT_CODE, "code": "IMP", "display": "inpatient encounter"}
PRIORITY_DISPLAY = {"EL": "elective", "EM": "emergency"}
CREATING = ("admit", "preadmit")
STATUS = {
    "admit": "in-progress",
    "preadmit": "planned",
    "transfer": "in-progress",
    "discharge": "finished",
    "cancel-admit": "cancelled",
    "cancel-discharge": "in-progress",
}


@dataclass(frozen=True)
class EncounterChanges:
    visit: Resource  # PV1-19 as an identifier: finds the stored Encounter
    ward: str | None  # HSA-id of PV1-3 (None: the message does not move the stay)
    changes: dict[str, Any]
    creates: bool  # admit and pre-admit may create the stay; every other trigger needs it


def inpatient(message: Message, action: str) -> Problem | None:
    """Why the message is no stay of this guide (lus-encounter is inpatient care), or None."""
    pv1 = message.first("PV1")
    patient_class = pv1[2].value().strip().upper() if pv1 else ""
    if pv1 is None or patient_class in ("", "I", "P"):  # P: pre-admitted for inpatient care
        return None
    return Problem(
        Location("PV1", 2),
        TABLE_VALUE,
        f"patient class {patient_class!r} is not inpatient care (I, P): only the patient was "
        "updated",
        "W",
    )


def map_encounter(message: Message, action: str, table: SenderTable) -> EncounterChanges:
    pv1 = message.required("PV1")
    pv2 = message.first("PV2")
    visit = _visit(pv1, table)
    changes: dict[str, Any] = {"resourceType": "Encounter", "meta.profile": [PROFILE]}
    changes["identifier"] = [visit]
    if action in STATUS:
        changes["status"] = STATUS[action]
    creates = action in CREATING
    if creates:
        changes["class"] = INPATIENT
    admission_type = pv1[4].value().strip()
    if admission_type or creates:
        code = table.planned(admission_type)
        changes["priority"] = {
            "coding": [{"system": ACT_PRIORITY, "code": code, "display": PRIORITY_DISPLAY[code]}]
        }
    care = _care_type(pv1, table, creates)
    if care:
        changes[EXTENSION + VARDFORM] = {
            "url": VARDFORM,
            "valueCodeableConcept": {"coding": [{"system": CARE_TYPE_SYSTEM, "code": care}]},
        }
    _times(message, pv1, pv2, action, changes)
    went = disposition(pv1[36], table.discharge_dispositions)
    if went is None and action == "cancel-discharge":
        went = DELETE  # the discharge did not happen, nor where the patient went
    if went is not None:
        changes["hospitalization.dischargeDisposition"] = went
    if pv2 is not None:
        expected = pv2[9]
        if expected.is_null:
            changes[EXTENSION + BERAKNAT] = DELETE
        elif found := date(expected, Location("PV2", 9)):
            changes[EXTENSION + BERAKNAT] = {"url": BERAKNAT, "valueDate": found}
    ward = _ward(pv1)
    if ward is None and (creates or action == "transfer"):
        raise MappingError(
            Location("PV1", 3),
            REQUIRED_FIELD,
            "PV1-3 must name the ward by its HSA-id (first component or facility)",
        )
    return EncounterChanges(visit, ward, changes, creates)


def _visit(pv1: Segment, table: SenderTable) -> Resource:
    number = pv1[19]
    if number.is_empty or number.is_null:
        raise MappingError(
            Location("PV1", 19), REQUIRED_FIELD, "PV1-19 (visit number) identifies the stay"
        )
    found = identifier(number, Location("PV1", 19), table.assigning_authorities, None)
    if "system" not in found:
        if not table.visit_system:
            raise MappingError(
                Location("PV1", 19, 0, 4),
                REQUIRED_FIELD,
                "PV1-19 needs an assigning authority (CX.4) or a visit_system in the sender's "
                "table, so the visit number is unique",
            )
        found = {"system": table.visit_system, **found}
        found.pop("assigner", None)
    return found


def _ward(pv1: Segment) -> str | None:
    """PV1-3 (PL): the HSA-id in the point of care (PL.1) or the facility (PL.4, HD)."""
    location = pv1[3]
    for component, sub in ((1, 1), (4, 1), (4, 2)):
        found = hsa_id(location.value(component, sub=sub))
        if found:
            return found
    if not location.is_empty and not location.is_null:
        raise MappingError(
            Location("PV1", 3),
            TABLE_VALUE,
            f"PV1-3 {location.value(1)!r} names no HSA-id (SE + 10 digits + - + unit) in "
            "PL.1 or PL.4",
        )
    return None


def _care_type(pv1: Segment, table: SenderTable, creates: bool) -> str | None:
    """The sender's table may name a field (PV1-10 hospital service, PV1-18 patient type) and
    its values; else the table's value (somatisk by default) on the message that creates."""
    if table.care_type_field:
        number = int(table.care_type_field.split("-", 1)[1])
        value = pv1[number].value().strip()
        if value:
            care = table.care_types.get(value)
            if care is None:
                raise MappingError(
                    Location("PV1", number),
                    TABLE_VALUE,
                    f"{value!r} is not in the sender's care_types ({', '.join(table.care_types)})",
                )
            return care
    if table.care_type not in CARE_TYPES:
        raise MappingError(Location("PV1"), TABLE_VALUE, f"care type {table.care_type!r} unknown")
    return table.care_type if creates else None


def _times(
    message: Message, pv1: Segment, pv2: Segment | None, action: str, changes: dict[str, Any]
) -> None:
    """period.start from PV1-44 (PV2-8 expected admission for A05), else EVN-6; period.end
    from PV1-45, else EVN-6 on a discharge; a cancelled discharge removes the end."""
    admitted = dtm(pv1[44], Location("PV1", 44))
    if action == "preadmit" and pv2 is not None:
        admitted = dtm(pv2[8], Location("PV2", 8)) or admitted
    if admitted is None and action in CREATING:
        admitted = _required_event(
            message, "PV1-44 (admit date/time) or EVN-6", Location("PV1", 44)
        )
    if admitted:
        changes["period.start"] = admitted.text
    discharged = dtm(pv1[45], Location("PV1", 45))
    if action == "discharge" and discharged is None:
        discharged = _required_event(
            message, "PV1-45 (discharge date/time) or EVN-6", Location("PV1", 45)
        )
    if action == "cancel-discharge":
        changes["period.end"] = DELETE
    elif discharged and action not in CREATING:
        changes["period.end"] = discharged.text


def _required_event(message: Message, what: str, where: Location) -> Moment:
    found = event_time(message)
    if found is None:
        raise MappingError(where, REQUIRED_FIELD, f"{what} is required for this event")
    return found
