"""One ADT message → what it says about the patient and the stay (the entry point of the mappers).

Raises MappingError (answered AE) or Refusal (AR); nothing here writes, so a message that fails
anywhere has changed nothing.
"""

from dataclasses import dataclass, field
from typing import Any

from mappers.hl7v2.charset import decode
from mappers.hl7v2.datatypes import date, identifier
from mappers.hl7v2.encounter import EncounterChanges, inpatient, map_encounter
from mappers.hl7v2.er7 import Message
from mappers.hl7v2.errors import REQUIRED_FIELD, Location, MappingError, Problem
from mappers.hl7v2.header import EMPTY, Header, check, header
from mappers.hl7v2.patient import KEY_SYSTEMS, PatientChanges, map_patient
from mappers.hl7v2.senders import Senders

Resource = dict[str, Any]


@dataclass(frozen=True)
class Adt:
    header: Header
    text: str  # the message as decoded (what the raw-message store keeps)
    patient: PatientChanges
    encounter: EncounterChanges | None  # None: the message is about the patient only
    prior: Resource | None = None  # A40: MRG-1, the patient merged into this one
    warnings: list[Problem] = field(default_factory=list)
    codec: str = "utf-8"  # what `text` was decoded with: `text.encode(codec)` maps again

    @property
    def action(self) -> str:
        return self.header.action


def read(raw: bytes, senders: Senders) -> tuple[Message, Header]:
    """The parsed message and its header; MappingError when it is not ER7 at all."""
    try:
        latin = Message(raw.decode("latin-1"), "latin-1")
        first = header(latin)
    except Exception:  # not ER7 even as Latin-1: decoding decides how it is refused
        latin, first = None, EMPTY
    text, codec = decode(raw, senders.charset(first.sender))
    if latin is not None and (codec == "latin-1" or raw.isascii()):
        # The same text either way: the message is parsed once (only \X..\ reads the codec,
        # and an ASCII one reads its bytes above 0x7F as Latin-1: the header read is the same).
        latin.codec = codec
        return latin, first if codec in ("latin-1", "ascii") else header(latin)
    message = Message(text, codec)
    return message, header(message)


def header_of_bytes(raw: bytes) -> Header:
    """The header read from the bytes as Latin-1 (every byte a character): enough to address
    an ACK or pick the sender's table even when the message cannot be decoded or mapped."""
    try:
        return header(Message(raw.decode("latin-1"), "latin-1"))
    except Exception:  # anything python-hl7 raises on garbage: the ACK still goes out
        return EMPTY


def map_message(raw: bytes, senders: Senders) -> Adt:
    message, found = read(raw, senders)
    check(message, found)
    table = senders.table(found.sender)
    patient = map_patient(message, table)
    warnings = list(patient.warnings)
    encounter = None
    prior = None
    if found.action == "merge":
        prior = _prior(message, table.assigning_authorities)
    else:
        outside = inpatient(message, found.action)
        if outside is None:
            encounter = map_encounter(message, found.action, table)
        else:
            warnings.append(outside)
    return Adt(found, message.text, patient, encounter, prior, warnings, message.codec)


def _prior(message: Message, authorities: dict[str, str]) -> Resource:
    """MRG-1: the prior patient's national identifier (the one the merged Patient is found by)."""
    mrg = message.required("MRG")
    pid = message.required("PID")
    birth = date(pid[7], Location("PID", 7))
    for number, repetition in enumerate(mrg[1].each(), 1):
        found = identifier(repetition, Location("MRG", 1, number), authorities, birth)
        if found.get("system") in KEY_SYSTEMS:
            return found
    raise MappingError(
        Location("MRG", 1),
        REQUIRED_FIELD,
        "MRG-1 must carry the prior patient's personnummer, samordningsnummer or reserve number",
    )
