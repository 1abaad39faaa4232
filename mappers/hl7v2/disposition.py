"""PV1-36 discharge disposition (CWE, HL7 table 0112) → Encounter.hospitalization
.dischargeDisposition (v2-to-FHIR IG `PV1[Encounter]`, vocabulary map DischargeDisposition).

The IG's map names only the FHIR codes (`discharge-disposition`, which the guide's statistics read:
`exp` is a death in hospital) and no v2 source codes, and table 0112 is user-defined. So the code
is kept as sent (a `v2-0112` coding when CWE.3 is empty or HL70112) and, where table 0112's
suggested value has an equivalent, or the sender's table names one, that FHIR code comes first.
"""

from typing import Any

from mappers.hl7v2.changes import DELETE, Deletion
from mappers.hl7v2.er7 import Field
from mappers.hl7v2.errors import TABLE_VALUE, Location, MappingError

Resource = dict[str, Any]
DISPOSITION = "http://terminology.hl7.org/CodeSystem/discharge-disposition"
V2_0112 = "http://terminology.hl7.org/CodeSystem/v2-0112"
DISPLAY = {
    "home": "Home",
    "alt-home": "Alternative home",
    "other-hcf": "Other healthcare facility",
    "hosp": "Hospice",
    "long": "Long-term care",
    "aadvice": "Left against advice",
    "exp": "Expired",
    "psy": "Psychiatric hospital",
    "rehab": "Rehabilitation",
    "snf": "Skilled nursing facility",
    "oth": "Other",
}
# Table 0112's suggested values (UB-92 patient status) with an equivalent FHIR code; the others
# (09 admitted as inpatient, 30 still a patient, the state-defined ranges) are kept as v2 codes.
TABLE_0112 = {
    "01": "home",
    "02": "other-hcf",
    "03": "snf",
    "04": "long",
    "05": "other-hcf",
    "06": "home",
    "07": "aadvice",
    "08": "home",
    "20": "exp",
    "40": "exp",
    "41": "exp",
    "42": "exp",
}


def disposition(field: Field, own: dict[str, str]) -> Resource | Deletion | None:
    """The CodeableConcept, DELETE for `""`, None when PV1-36 is empty. `own` is the sender's
    table (its code → a discharge-disposition code), consulted before table 0112."""
    if field.is_null:
        return DELETE
    code, text, system = (field.value(n).strip() for n in (1, 2, 3))
    if not code:
        return None
    v2_table = system.upper() in ("", "HL70112")
    target = own.get(code) or (TABLE_0112.get(code) if v2_table else None)
    if target is not None and target not in DISPLAY:
        raise MappingError(
            Location("PV1", 36),
            TABLE_VALUE,
            f"the sender's discharge_dispositions maps {code!r} to {target!r}, which is not a "
            f"discharge-disposition code ({', '.join(DISPLAY)})",
        )
    codings = (
        [{"system": DISPOSITION, "code": target, "display": DISPLAY[target]}] if target else []
    )
    if v2_table:
        codings.append({"system": V2_0112, "code": code, **({"display": text} if text else {})})
    concept: Resource = {"coding": codings} if codings else {}
    if text or not codings:
        concept["text"] = text or code
    return concept
