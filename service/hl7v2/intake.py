"""One HL7 v2 message in, its ACKs out, whatever the bytes were (MLLP and HTTP share this).

- The raw message is stored, deduplicated on (sender, MSH-10), in the transaction of its effect;
  the ACK (AA; in enhanced mode CA then AA, as MSH-15/16 ask) is returned only after that commit.
  A repeat gets the stored ACKs, byte for byte.
- A message that cannot be mapped or applied gets AE (CE) with ERR naming segment, field and
  rule, and nothing is written (the transaction rolls back); an unsupported type, event or
  version gets AR (CR). Neither is stored, so a corrected resend with the same MSH-10 is
  evaluated afresh.
- Messages of one patient (per sender) are applied in MSH-7 order: their writes are serialised on
  the patient's key, and one older than a message already applied is refused, not applied over it.
- A message about a stay not yet admitted (A03 before its A01) is held: stored, acknowledged AA
  with a warning, and applied in the transaction of the message that admits the stay (in MSH-7
  order, each in a savepoint: one that fails is marked failed and takes nothing else down).
"""

import json
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, insert, select, update

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
from mappers.hl7v2.errors import ACCEPTED, DATA_TYPE, INTERNAL, SEGMENT_SEQUENCE, Problem
from mappers.hl7v2.header import Header
from mappers.hl7v2.message import header_of_bytes
from mappers.hl7v2.modes import enhanced, responses
from service.auth.principal import Principal
from service.fhirtime import Clock, stamp
from service.hl7v2.apply import NotAdmitted, apply, visit_key
from service.hl7v2.schema import hl7v2_messages
from service.outcome import FhirError
from service.rest.engine import Engine
from service.storage.group_commit import GroupCommit

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
    acks: tuple[str, ...]  # ER7 text of each ACK to send, in order (none: the sender asked none)
    code: str  # the application outcome: AA | AE | AR
    codec: str  # how to encode them: the message's charset

    def encoded(self) -> list[bytes]:
        return [ack.encode(self.codec, errors="replace") for ack in self.acks]

    @property
    def text(self) -> str:
        """What the store keeps and a repeat gets again."""
        return "".join(self.acks)

    @property
    def charset(self) -> str:
        """The IANA name of the codec, for an HTTP Content-Type."""
        return CHARSETS.get(self.codec, self.codec)


def _codec(header: Header) -> str:
    """The ACK goes out in the message's charset (an unknown one: Latin-1, which takes any byte)."""
    return CODECS.get(header.charset.upper(), "latin-1" if header.charset else "ascii")


def _acks(stored: str) -> tuple[str, ...]:
    """The stored ACK text cut back into its messages (each starts with MSH)."""
    return tuple(a for a in re.split(r"(?<=\r)(?=MSH)", stored) if a)


class Intake:
    def __init__(
        self, engine: Engine, senders: Senders, clock: Clock, committer: GroupCommit | None = None
    ):
        """With a `committer`, messages of different connections (and REST writes) share
        commits (docs/hl7v2.md, Throughput)."""
        self.engine = engine
        self.store = engine.store
        self.senders = senders
        self.clock = clock
        self.committer = committer

    def receive(self, raw: bytes, principal: Principal) -> list[bytes]:
        return self.answer(raw, principal).encoded()

    def answer(self, raw: bytes, principal: Principal) -> Answer:
        """The ACKs of one message, whose effect is written as `principal` (the caller over
        HTTP, the MLLP connection's registration)."""
        try:
            adt = map_message(raw, self.senders)
        except Refusal as refused:
            return self._reply(header_of_bytes(raw), "AR", [refused.problem])
        except MappingError as error:
            return self._reply(header_of_bytes(raw), "AE", [error.problem])
        except Exception:  # malformed beyond what python-hl7 tolerates: still an answer
            log.exception("HL7 v2 message could not be parsed")
            where = Location("MSH")
            problem = Problem(where, SEGMENT_SEQUENCE, "not ER7")
            return self._reply(header_of_bytes(raw), "AE", [problem])
        try:
            return self._commit(adt, principal)
        except MappingError as error:
            return self._reply(adt.header, "AE", [error.problem])
        except FhirError as error:
            return self._reply(adt.header, "AE", _problems(error))

    def _commit(self, adt: Adt, principal: Principal) -> Answer:
        if self.committer is None:
            with self.store.begin() as conn:
                return self._apply(conn, adt, principal)
        return self.committer.run(
            lambda conn: self._apply(conn, adt, principal), (MappingError, FhirError)
        )

    def _apply(self, conn: Connection, adt: Adt, principal: Principal) -> Answer:
        """Apply or hold one message in the caller's transaction (raises to roll it back)."""
        header = adt.header
        key = f"{adt.patient.key.get('system', '')}|{adt.patient.key['value']}"
        sent = stamp(header.sent.at) if header.sent else ""
        # Both locks (always in this order) before one look-up of the stored ACK and the
        # patient's latest MSH-7: a repeat also waits for the patient, which costs it nothing.
        self.store.lock(conn, f"hl7v2:{header.sender}|{header.control_id}")
        self.store.lock(conn, f"hl7v2-patient:{key}")
        values = {"k_sender": header.sender, "k_control": header.control_id, "k_key": key}
        repeat, latest = conn.execute(_SEEN, values).one()
        if repeat is not None:  # a resend, or the same message on another connection first
            return Answer(_acks(repeat), "AA", _codec(header))
        _in_order(sent, latest)
        row: dict[str, Any] = {"patient_key": key, "sent_at": sent, "codec": adt.codec}
        try:  # a held message is found out before anything is written: not even its Patient
            applied = apply(conn, self.engine, adt, principal)
        except NotAdmitted as waiting:
            rule = (
                f"held: {waiting.problem.rule}; it is applied when the message that admits the "
                "stay (A01, A04, A05) arrives"
            )
            answer = self._reply(header, "AA", [Problem(Location("PV1", 19), ACCEPTED, rule, "W")])
            self._record(conn, adt, answer, row | {"state": "held", "awaiting": waiting.visit})
            return answer
        answer = self._reply(header, "AA", applied.warnings)
        self._record(conn, adt, answer, row | {"changed": json.dumps(applied.changed)})
        if adt.encounter is not None and adt.encounter.creates:
            self._release(conn, visit_key(adt.encounter.visit), principal)
        return answer

    def _record(self, conn: Connection, adt: Adt, answer: Answer, values: dict[str, Any]) -> None:
        header = adt.header
        row = {
            "sender": header.sender,
            "control_id": header.control_id,
            "message_type": f"{header.message_type}^{header.trigger}",
            "received_at": stamp(self.clock()),
            "raw": adt.text,
            "ack": answer.text,
            "changed": "[]",
            "state": "applied",
            "awaiting": None,
            "outcome": None,
        }
        conn.execute(_INSERT, row | values)

    def _release(self, conn: Connection, visit: str, principal: Principal) -> None:
        """Apply the messages held for a stay now admitted, oldest MSH-7 first, each in its own
        savepoint: one that still cannot apply is marked failed, with why, and the rest go on."""
        held = conn.execute(_HELD, {"k_visit": visit}).all()
        for row in held:
            values: dict[str, Any] = {"awaiting": None}
            try:
                with conn.begin_nested():
                    adt = map_message(row.raw.encode(row.codec or "utf-8"), self.senders)
                    latest = conn.execute(
                        _LATEST, {"k_sender": row.sender, "k_key": row.patient_key}
                    )
                    _in_order(row.sent_at, latest.scalar())
                    applied = apply(conn, self.engine, adt, principal)
                values |= {"state": "applied", "changed": json.dumps(applied.changed)}
            except MappingError as error:
                values |= {"state": "failed", "outcome": str(error)}
            except FhirError as error:
                values |= {
                    "state": "failed",
                    "outcome": "; ".join(p.rule for p in _problems(error)),
                }
            conn.execute(
                update(hl7v2_messages).where(hl7v2_messages.c.seq == row.seq).values(**values)
            )

    def _reply(self, header: Header, code: str, problems: list[Problem]) -> Answer:
        """The ACKs for an application outcome `code`, as the message's mode asks (each ERR in
        every ACK sent, so a sender that asked only one still hears why)."""
        now: datetime = self.clock()
        mode = enhanced(header.accept_ack, header.application_ack)
        acks = []
        for msa in responses(header.accept_ack, header.application_ack, code):
            control = f"ACK{uuid.uuid4().hex[:17]}"
            text = TEXTS[msa]
            if msa not in ("AA", "CA") and problems:
                text = problems[0].rule
            application = msa in ("AA", "AE", "AR")
            expected = not (mode and application)
            acks.append(acknowledgement(header, msa, control, now, problems, text, expected))
        return Answer(tuple(acks), code, _codec(header))


# Built once: every message runs them (statement construction was a visible share of its CPU).
_MESSAGES = hl7v2_messages.c
_ACK = select(_MESSAGES.ack).where(
    and_(_MESSAGES.sender == bindparam("k_sender"), _MESSAGES.control_id == bindparam("k_control"))
)
_LATEST = select(func.max(_MESSAGES.sent_at)).where(
    and_(
        _MESSAGES.sender == bindparam("k_sender"),
        _MESSAGES.patient_key == bindparam("k_key"),
        _MESSAGES.state == "applied",
    )
)
_SEEN = select(_ACK.scalar_subquery(), _LATEST.scalar_subquery())
_HELD = (
    select(hl7v2_messages)
    .where(and_(_MESSAGES.awaiting == bindparam("k_visit"), _MESSAGES.state == "held"))
    .order_by(_MESSAGES.sent_at, _MESSAGES.seq)
)
_INSERT = insert(hl7v2_messages)
TEXTS = {
    "AA": "",
    "AE": "message rejected",
    "AR": "message refused",
    "CA": "",
    "CE": "message not committed",
    "CR": "message refused",
}


def _in_order(sent: str, latest: str | None) -> None:
    """Refuse a message older (MSH-7) than the latest already applied for the same sender and
    patient: an old snapshot never overwrites a newer one."""
    if latest is not None and sent < latest:
        raise MappingError(
            Location("MSH", 7),
            DATA_TYPE,
            f"out of order: sent {sent}, before a message of this patient already applied "
            f"(sent {latest})",
        )


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
