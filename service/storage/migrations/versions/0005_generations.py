"""A generation value per kind of read-mostly data, so processes can cache the routing directory
and the list of subscriptions listening to each topic.

Revision ID: 0005
Revises: 0004
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "generations",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.String(36), nullable=False),
    )
    # Seeded here, so a change only ever updates its row (no insert race between processes).
    names = ("directory", "subscriptions")
    op.bulk_insert(table, [{"name": name, "value": str(uuid.uuid4())} for name in names])


def downgrade() -> None:
    op.drop_table("generations")
