"""MSH and EVN: who sent the message, its control id, trigger, version and times.

The v2-to-FHIR IG maps MSH to a MessageHeader and leaves MSH-15/MSH-16 (acknowledgement) to the
transport: `mappers.hl7v2.modes` decides from them which ACKs the intake sends.
"""

from dataclasses import dataclass

from mappers.hl7v2.datatypes import Moment, dtm
from mappers.hl7v2.er7 import Field, Message, escape
from mappers.hl7v2.errors import (
    REQUIRED_FIELD,
    TABLE_VALUE,
    UNSUPPORTED_EVENT,
    UNSUPPORTED_PROCESSING_ID,
    UNSUPPORTED_TYPE,
    UNSUPPORTED_VERSION,
    Location,
    MappingError,
    Refusal,
)

VERSIONS = ("2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8", "2.8.1", "2.8.2")
# Trigger → what it does to the stay. A04 and A08 share the ADT_A01 structure (IG: message maps).
ACTIONS = {
    "A01": "admit",
    "A04": "admit",
    "A05": "preadmit",
    "A02": "transfer",
    "A03": "discharge",
    "A08": "update",
    "A11": "cancel-admit",
    "A13": "cancel-discharge",
    "A40": "merge",
}
PROCESSING_IDS = ("P", "T", "D")
CONDITIONS = ("AL", "NE", "ER", "SU")  # table 0155: always, never, error/reject only, success only


@dataclass(frozen=True)
class Header:
    """What the ACK echoes (already escaped for `|^~\\&`) and what the intake keys on."""

    sending_application: str  # MSH-3
    sending_facility: str  # MSH-4
    receiving_application: str  # MSH-5
    receiving_facility: str  # MSH-6
    control_id: str  # MSH-10
    message_type: str  # MSH-9.1
    trigger: str  # MSH-9.2
    processing_id: str  # MSH-11
    version: str  # MSH-12
    charset: str  # MSH-18 as written
    sent: Moment | None = None  # MSH-7
    accept_ack: str = ""  # MSH-15 (table 0155), '' when empty
    application_ack: str = ""  # MSH-16 (table 0155)

    @property
    def sender(self) -> str:
        """The dedup and sender-table key: MSH-3 and MSH-4 (namespace id, else universal id)."""
        return f"{_hd_key(self.sending_application)}|{_hd_key(self.sending_facility)}"

    @property
    def action(self) -> str:
        return ACTIONS.get(self.trigger, "")


EMPTY = Header("", "", "", "", "", "", "", "", "", "")


def _hd_key(escaped: str) -> str:
    parts = escaped.split("^")
    return parts[0] or (parts[1] if len(parts) > 1 else "")


def _standard(field: Field) -> str:
    """A field re-written with the standard separators, so an ACK can echo it."""
    return "~".join(
        "^".join(
            "&".join(escape(field.message.unescape(s)) for s in component) for component in rep
        )
        for rep in field.repetitions
    ).rstrip("^")


def header(message: Message) -> Header:
    """The header as far as it can be read; never raises, so every message gets an ACK."""
    msh = message.segments[0]
    try:
        sent = dtm(msh[7], Location("MSH", 7))
    except MappingError:
        sent = None
    return Header(
        sending_application=_standard(msh[3]),
        sending_facility=_standard(msh[4]),
        receiving_application=_standard(msh[5]),
        receiving_facility=_standard(msh[6]),
        control_id=msh[10].value().strip(),
        message_type=msh[9].value(1).strip().upper(),
        trigger=msh[9].value(2).strip().upper(),
        processing_id=msh[11].value(1).strip().upper(),
        version=msh[12].value(1).strip(),
        charset=msh[18].value(1).strip(),
        sent=sent,
        accept_ack=msh[15].value(1).strip().upper(),
        application_ack=msh[16].value(1).strip().upper(),
    )


def check(message: Message, found: Header) -> None:
    """Refuse (AR) what the intake does not take; reject (AE) a header it cannot key on."""
    if found.message_type != "ADT":
        raise Refusal(
            Location("MSH", 9, 1, 1),
            UNSUPPORTED_TYPE,
            f"message type {found.message_type!r} is not taken; only ADT",
        )
    if found.trigger not in ACTIONS:
        raise Refusal(
            Location("MSH", 9, 1, 2),
            UNSUPPORTED_EVENT,
            f"event {found.trigger!r} is not taken; only {', '.join(ACTIONS)}",
        )
    if found.version not in VERSIONS:
        raise Refusal(
            Location("MSH", 12),
            UNSUPPORTED_VERSION,
            f"version {found.version!r} is not taken; only {', '.join(VERSIONS)}",
        )
    if found.processing_id and found.processing_id not in PROCESSING_IDS:
        raise Refusal(
            Location("MSH", 11),
            UNSUPPORTED_PROCESSING_ID,
            f"processing id {found.processing_id!r} is not P, T or D",
        )
    for number, condition in ((15, found.accept_ack), (16, found.application_ack)):
        if condition and condition not in CONDITIONS:
            raise MappingError(
                Location("MSH", number),
                TABLE_VALUE,
                f"MSH-{number} {condition!r} is not an acknowledgment condition (AL, NE, ER, SU)",
            )
    if not found.control_id:
        raise MappingError(
            Location("MSH", 10), REQUIRED_FIELD, "MSH-10 (message control id) is required"
        )
    if found.sent is None:
        dtm(message.segments[0][7], Location("MSH", 7))  # raises for a malformed value
        raise MappingError(Location("MSH", 7), REQUIRED_FIELD, "MSH-7 (message time) is required")


def event_time(message: Message) -> Moment | None:
    """EVN-6 (event occurred), the fallback for admission and discharge times."""
    evn = message.first("EVN")
    return dtm(evn[6], Location("EVN", 6)) if evn else None
