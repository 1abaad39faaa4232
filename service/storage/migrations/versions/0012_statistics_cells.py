"""The statistics: each month's figure cells as the monthly job computed them, with the rules
they were computed under and the change watermark they are known to be correct up to.

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
    op.create_table(
        "statistics_cells",
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("basis", sa.String(64), nullable=False),
        sa.Column("watermark", sa.BigInteger, nullable=False),
        sa.Column("cells", sa.Text, nullable=False),
        sa.Column("stored_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("statistics_cells")
