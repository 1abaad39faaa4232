"""One HL7 v2 message in, one ACK out, whatever the bytes were (MLLP and HTTP share this).

- The raw message is stored, deduplicated on (sender, MSH-10), in the transaction of its effect;
  the ACK (AA) is returned only after that commit. A repeat gets the stored ACK, byte for byte.
- A message that cannot be mapped or applied gets AE with ERR naming segment, field and rule, and
  nothing is written (the transaction rolls back); an unsupported type, event or version gets AR.
  Neither is stored, so a corrected resend with the same MSH-10 is evaluated afresh.
- Messages of one patient (per sender) are applied in MSH-7 order: their writes are serialised on
  the patient's key, and one older than a message already applied is refused, not applied over it.
"""

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, func, insert, select

from mappers.hl7v2 import (
    Adt,
    Location,
    MappingError,
    Refusal,
    Senders,
    acknowledgement,
    map_message,
)
from mappers.hl7v2.charset import CODECS
from mappers.hl7v2.errors import DATA_TYPE, INTERNAL, SEGMENT_SEQUENCE, Problem
from mappers.hl7v2.header import Header
from mappers.hl7v2.message import header_of_bytes
from service.auth.principal import Principal
from service.fhirtime import Clock, stamp
from service.hl7v2.apply import apply
from service.hl7v2.schema import hl7v2_messages
from service.outcome import FhirError
from service.rest.engine import Engine

log = logging.getLogger(__name__)
CHARSETS = {"ascii": "us-ascii", "latin-1": "iso-8859-1", "iso8859-15": "iso-8859-15"}
# Where the v2 data of a FHIR element came from, for an ERR after the validator refused a write.
SOURCES = {
    "Patient.identifier": Location("PID", 3),
    "Patient.name": Location("PID", 5),
    "Patient.birthDate": Location("PID", 7),
    "Patient.gender": Location("PID", 8),
    "Patient.address": Location("PID", 11),
    "Patient.telecom": Location("PID", 13),
    "Patient.deceased": Location("PID", 29),
    "Patient.generalPractitioner": Location("PD1", 3),
    "Patient": Location("PID"),
    "Encounter.identifier": Location("PV1", 19),
    "Encounter.priority": Location("PV1", 4),
    "Encounter.serviceProvider": Location("PV1", 3),
    "Encounter.period": Location("PV1", 44),
    "Encounter.extension": Location("PV2", 9),
    "Encounter": Location("PV1"),
}


@dataclass(frozen=True)
class Answer:
    ack: str  # ER7 text of the ACK
    code: str  # AA | AE | AR
    codec: str  # how to encode it: the message's charset

    def encoded(self) -> bytes:
        return self.ack.encode(self.codec, errors="replace")

    @property
    def charset(self) -> str:
        """The IANA name of the codec, for an HTTP Content-Type."""
        return CHARSETS.get(self.codec, self.codec)


def _codec(header: Header) -> str:
    """The ACK goes out in the message's charset (an unknown one: Latin-1, which takes any byte)."""
    return CODECS.get(header.charset.upper(), "latin-1" if header.charset else "ascii")


class Intake:
    def __init__(self, engine: Engine, senders: Senders, clock: Clock):
        self.engine = engine
        self.store = engine.store
        self.senders = senders
        self.clock = clock

    def receive(self, raw: bytes, principal: Principal) -> bytes:
        return self.answer(raw, principal).encoded()

    def answer(self, raw: bytes, principal: Principal) -> Answer:
        """The ACK of one message, whose effect is written as `principal` (the caller over
        HTTP, the MLLP connection's registration)."""
        header = header_of_bytes(raw)
        try:
            adt = map_message(raw, self.senders)
        except Refusal as refused:
            return self._reply(header, "AR", [refused.problem])
        except MappingError as error:
            return self._reply(header, "AE", [error.problem])
        except Exception:  # malformed beyond what python-hl7 tolerates: still an answer
            log.exception("HL7 v2 message could not be parsed")
            where = Location("MSH")
            return self._reply(header, "AE", [Problem(where, SEGMENT_SEQUENCE, "not ER7")])
        stored = self._stored(adt)
        if stored is not None:
            return Answer(stored, "AA", _codec(adt.header))
        try:
            return self._apply(adt, principal)
        except MappingError as error:
            return self._reply(adt.header, "AE", [error.problem])
        except FhirError as error:
            return self._reply(adt.header, "AE", _problems(error))

    def _stored(self, adt: Adt) -> str | None:
        with self.store.reading() as conn:
            return _ack_of(conn, adt)

    def _apply(self, adt: Adt, principal: Principal) -> Answer:
        header = adt.header
        key = f"{adt.patient.key.get('system', '')}|{adt.patient.key['value']}"
        sent = stamp(header.sent.at) if header.sent else ""
        with self.store.begin() as conn:
            self.store.lock(conn, f"hl7v2:{header.sender}|{header.control_id}")
            repeat = _ack_of(conn, adt)
            if repeat is not None:  # the same message on another connection won the race
                return Answer(repeat, "AA", _codec(header))
            self.store.lock(conn, f"hl7v2-patient:{key}")
            latest = conn.execute(
                select(func.max(hl7v2_messages.c.sent_at)).where(
                    and_(
                        hl7v2_messages.c.sender == header.sender,
                        hl7v2_messages.c.patient_key == key,
                    )
                )
            ).scalar()
            if latest is not None and sent < latest:
                raise MappingError(
                    Location("MSH", 7),
                    DATA_TYPE,
                    f"out of order: sent {header.sent.text if header.sent else '?'}, before a "
                    f"message of this patient already applied (sent {latest})",
                )
            applied = apply(conn, self.engine, adt, principal)
            answer = self._reply(header, "AA", applied.warnings)
            conn.execute(
                insert(hl7v2_messages).values(
                    sender=header.sender,
                    control_id=header.control_id,
                    message_type=f"{header.message_type}^{header.trigger}",
                    patient_key=key,
                    sent_at=sent,
                    received_at=stamp(self.clock()),
                    raw=adt.text,
                    ack=answer.ack,
                    changed=json.dumps(applied.changed),
                )
            )
        return answer

    def _reply(self, header: Header, code: str, problems: list[Problem]) -> Answer:
        now: datetime = self.clock()
        control = f"ACK{uuid.uuid4().hex[:17]}"
        text = {"AA": "", "AE": "message rejected", "AR": "message refused"}[code]
        if code != "AA" and problems:
            text = problems[0].rule
        ack = acknowledgement(header, code, control, now, problems, text)
        return Answer(ack, code, _codec(header))


def _ack_of(conn: Connection, adt: Adt) -> str | None:
    row = conn.execute(
        select(hl7v2_messages.c.ack).where(
            and_(
                hl7v2_messages.c.sender == adt.header.sender,
                hl7v2_messages.c.control_id == adt.header.control_id,
            )
        )
    ).first()
    return str(row.ack) if row else None


def _problems(error: FhirError) -> list[Problem]:
    """The validator's or workflow's errors as ERR segments at the v2 field they came from."""
    problems = []
    for found in error.outcome.get("issue", []):
        if found.get("severity") not in ("error", "fatal"):
            continue
        expression = (found.get("expression") or [""])[0]
        path = ".".join(part.split("[", 1)[0] for part in expression.split(".")[:2])
        where = SOURCES.get(path) or SOURCES.get(path.split(".", 1)[0]) or Location("MSH")
        text = found.get("details", {}).get("text", found.get("code", ""))
        rule = f"{expression}: {text}" if expression else text
        problems.append(Problem(where, INTERNAL if error.status >= 500 else DATA_TYPE, rule))
    return problems or [Problem(Location("MSH"), INTERNAL, str(error))]
