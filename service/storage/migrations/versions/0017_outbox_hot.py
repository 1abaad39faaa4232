"""Outbox leases as HOT updates on PostgreSQL. A lease changes attempts and next_attempt_at, and
ix_outbox_due (status, next_attempt_at) held the latter, so every lease wrote a new row copy and a
new entry in each of the table's five indexes. It and ix_outbox_order (ordering_key, seq) become
ix_outbox_queue (status, ordering_key, seq): every query by key names a status too, and the
worker's fronts read pending rows in delivery order from it. A fillfactor of 50 leaves room on
each page for the new row copies, so a lease stays on its page; rows written before keep their
full pages.

Revision ID: 0017
Revises: 0016
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_index("ix_outbox_queue", "outbox", ["status", "ordering_key", "seq"])
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.drop_index("ix_outbox_order", table_name="outbox")
    if _postgres():
        op.execute("ALTER TABLE outbox SET (fillfactor = 50)")


def downgrade() -> None:
    if _postgres():
        op.execute("ALTER TABLE outbox RESET (fillfactor)")
    op.create_index("ix_outbox_order", "outbox", ["ordering_key", "seq"])
    op.create_index("ix_outbox_due", "outbox", ["status", "next_attempt_at"])
    op.drop_index("ix_outbox_queue", table_name="outbox")
