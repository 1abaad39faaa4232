"""The intake's table: every applied or held HL7 v2 message, raw, with its ACK and what it changed.

(sender, MSH-10) is unique, and the row is written in the transaction of the message's effect:
a resent message finds it and gets the same ACK, and nothing is applied twice. A message whose
stay was never admitted is `held` (awaiting the stay's visit key) until the message that admits
it is applied in a later transaction; then it is `applied`, or `failed` with the reason.
"""

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text, UniqueConstraint

from service.storage.schema import metadata

hl7v2_messages = Table(
    "hl7v2_messages",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("sender", String(255), nullable=False),  # MSH-3|MSH-4
    Column("control_id", String(199), nullable=False),  # MSH-10
    Column("message_type", String(16), nullable=False),  # ADT^A01
    Column("patient_key", String(255), nullable=False),  # national identifier system|value
    Column("sent_at", String(32), nullable=False),  # MSH-7, UTC
    Column("received_at", String(32), nullable=False),
    Column("raw", Text, nullable=False),  # the message as decoded
    Column("ack", Text, nullable=False),  # the ACK sent (sent again on a repeat)
    Column("changed", Text, nullable=False),  # JSON: Type/id/_history/n of each write
    Column("state", String(16), nullable=False, server_default="applied"),  # held | failed
    Column("awaiting", String(255), nullable=True),  # held: the visit (system|value) it needs
    Column("codec", String(16), nullable=True),  # how `raw` was decoded, to map it again
    Column("outcome", Text, nullable=True),  # failed: why the held message could not apply
    UniqueConstraint("sender", "control_id", name="uq_hl7v2_messages_sender_control"),
)
Index(
    "ix_hl7v2_messages_patient",
    hl7v2_messages.c.sender,
    hl7v2_messages.c.patient_key,
    hl7v2_messages.c.sent_at,
)
Index("ix_hl7v2_messages_awaiting", hl7v2_messages.c.awaiting)
Index("ix_hl7v2_messages_state", hl7v2_messages.c.state)
