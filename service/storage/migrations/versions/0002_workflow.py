"""Outbox, processed messages and case state for the LUS workflow.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_SERIAL = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("seq", _SERIAL, primary_key=True, autoincrement=True),
        sa.Column("idempotency_key", sa.String(255), nullable=False, unique=True),
        sa.Column("ordering_key", sa.String(255), nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("notification", sa.String(140), nullable=False),
        sa.Column("receiver", sa.String(140), nullable=False),
        sa.Column("endpoint", sa.String(140), nullable=True),
        sa.Column("address", sa.String(1024), nullable=True),
        sa.Column("connection_type", sa.String(32), nullable=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.String(32), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("delivered_at", sa.String(32), nullable=True),
        sa.Column("acknowledged_at", sa.String(32), nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
    )
    op.create_index("ix_outbox_due", "outbox", ["status", "next_attempt_at"])
    op.create_index("ix_outbox_order", "outbox", ["ordering_key", "seq"])
    op.create_index("ix_outbox_notification", "outbox", ["notification"])
    op.create_table(
        "messages",
        sa.Column("message_key", sa.String(400), primary_key=True),
        sa.Column("received_at", sa.String(32), nullable=False),
        sa.Column("response", sa.Text, nullable=False),
    )
    op.create_table(
        "cases",
        sa.Column("encounter", sa.String(140), primary_key=True),
        sa.Column("patient", sa.String(140), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("admitted_at", sa.String(32), nullable=True),
        sa.Column("admission_notified_at", sa.String(32), nullable=True),
        sa.Column("ready_at", sa.String(32), nullable=True),
        sa.Column("ready_notified_at", sa.String(32), nullable=True),
        sa.Column("sip_invited_at", sa.String(32), nullable=True),
        sa.Column("information_sent_at", sa.String(32), nullable=True),
        sa.Column("discharged_at", sa.String(32), nullable=True),
        sa.Column("updated_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_cases_state", "cases", ["state"])


def downgrade() -> None:
    op.drop_table("cases")
    op.drop_table("messages")
    op.drop_table("outbox")
