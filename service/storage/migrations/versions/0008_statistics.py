"""Statistics: the index that selects a month's stays by their discharge, and the issued invoice
bases (immutable, versioned per municipality and month).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_search_date_end", "search_index", ["res_type", "param", "date_end"])
    op.create_table(
        "invoice_bases",
        sa.Column("kommun", sa.String(8), primary_key=True),
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.String(80), nullable=False),
        sa.Column("replaces", sa.Integer, nullable=True),
        sa.Column("issued_at", sa.String(32), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("invoice_bases")
    op.drop_index("ix_search_date_end", "search_index")
