"""HL7 v2 messages held until their stay is admitted (service/hl7v2/schema.py): state, the visit
a held message awaits, the codec to map it again, and why a held one failed.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hl7v2_messages") as table:
        table.add_column(
            sa.Column("state", sa.String(16), nullable=False, server_default="applied")
        )
        table.add_column(sa.Column("awaiting", sa.String(255), nullable=True))
        table.add_column(sa.Column("codec", sa.String(16), nullable=True))
        table.add_column(sa.Column("outcome", sa.Text, nullable=True))
    op.create_index("ix_hl7v2_messages_awaiting", "hl7v2_messages", ["awaiting"])
    op.create_index("ix_hl7v2_messages_state", "hl7v2_messages", ["state"])


def downgrade() -> None:
    op.drop_index("ix_hl7v2_messages_state", "hl7v2_messages")
    op.drop_index("ix_hl7v2_messages_awaiting", "hl7v2_messages")
    with op.batch_alter_table("hl7v2_messages") as table:
        for column in ("outcome", "codec", "awaiting", "state"):
            table.drop_column(column)
