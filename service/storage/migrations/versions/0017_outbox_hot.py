"""Outbox updates as HOT updates on PostgreSQL: the worker's lease changes attempts and
next_attempt_at, and ix_outbox_due (status, next_attempt_at) made every lease write a new entry in
each of the table's indexes. Its two uses get indexes of their own that hold no column a lease
changes: the worker's pending rows by key (partial), the deadline monitor's delivered rows by
delivery time (partial). A fillfactor of 50 leaves room on each page for the new row copies, so
a lease stays on its page. Rows written before keep their full pages until they are updated.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")
DELIVERED = sa.text("status = 'delivered'")


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_index(
        "ix_outbox_pending",
        "outbox",
        ["ordering_key", "seq"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )
    op.create_index(
        "ix_outbox_unacknowledged",
        "outbox",
        ["delivered_at"],
        postgresql_where=DELIVERED,
        sqlite_where=DELIVERED,
    )
    op.drop_index("ix_outbox_due", table_name="outbox")
    if _postgres():
        op.execute("ALTER TABLE outbox SET (fillfactor = 50)")


def downgrade() -> None:
    if _postgres():
        op.execute("ALTER TABLE outbox RESET (fillfactor)")
    op.create_index("ix_outbox_due", "outbox", ["status", "next_attempt_at"])
    op.drop_index("ix_outbox_unacknowledged", table_name="outbox")
    op.drop_index("ix_outbox_pending", table_name="outbox")
