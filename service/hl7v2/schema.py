"""The intake's table: every applied HL7 v2 message, raw, with its ACK and what it changed.

(sender, MSH-10) is unique, and the row is written in the transaction of the message's effect:
a resent message finds it and gets the same ACK, and nothing is applied twice.
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
    UniqueConstraint("sender", "control_id", name="uq_hl7v2_messages_sender_control"),
)
Index(
    "ix_hl7v2_messages_patient",
    hl7v2_messages.c.sender,
    hl7v2_messages.c.patient_key,
    hl7v2_messages.c.sent_at,
)
