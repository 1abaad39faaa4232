"""What the corpus files record of a mapped message: the ACK code, the error's location, or the
Patient and Encounter the message alone would produce on an empty store."""

from typing import Any

from mappers.hl7v2 import MappingError, Refusal, Senders, map_message, merge


def expectation(raw: bytes, senders: Senders) -> dict[str, Any]:
    try:
        adt = map_message(raw, senders)
    except MappingError as error:
        problem = error.problem
        return {
            "ack": "AR" if isinstance(error, Refusal) else "AE",
            "error": {"location": str(problem.location), "code": problem.code},
        }
    encounter = adt.encounter
    return {
        "ack": "AA",
        "action": adt.action,
        "patient": merge(None, adt.patient.apply(None)),
        "primary_facility": adt.patient.primary_facility,
        "encounter": merge(None, encounter.changes) if encounter else None,
        "ward": encounter.ward if encounter else None,
        "prior": adt.prior,
        "warnings": [str(w.location) for w in adt.warnings],
    }
