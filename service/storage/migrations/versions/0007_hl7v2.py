"""The HL7 v2 intake's raw-message store (service/hl7v2/schema.py).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hl7v2_messages",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("sender", sa.String(255), nullable=False),
        sa.Column("control_id", sa.String(199), nullable=False),
        sa.Column("message_type", sa.String(16), nullable=False),
        sa.Column("patient_key", sa.String(255), nullable=False),
        sa.Column("sent_at", sa.String(32), nullable=False),
        sa.Column("received_at", sa.String(32), nullable=False),
        sa.Column("raw", sa.Text, nullable=False),
        sa.Column("ack", sa.Text, nullable=False),
        sa.Column("changed", sa.Text, nullable=False),
        sa.UniqueConstraint("sender", "control_id", name="uq_hl7v2_messages_sender_control"),
    )
    op.create_index(
        "ix_hl7v2_messages_patient", "hl7v2_messages", ["sender", "patient_key", "sent_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_hl7v2_messages_patient", "hl7v2_messages")
    op.drop_table("hl7v2_messages")
