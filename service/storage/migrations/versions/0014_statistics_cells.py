"""The statistics: each month's figure cells as the monthly job computed them, with the rules
they were computed under and the change watermark they are known to be correct up to, and each
discharged stay's answers to the follow-up questions.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
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
    op.create_table(
        "statistics_stays",
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("encounter", sa.String(64), primary_key=True),
        sa.Column("kommun", sa.String(8), nullable=True),
        sa.Column("stadsdel", sa.String(64), nullable=True),
        sa.Column("care_group", sa.String(32), nullable=False),
        sa.Column("discharged", sa.String(32), nullable=False),
        sa.Column("discharge_date", sa.String(10), nullable=False),
        sa.Column("marks", sa.String(32), nullable=False),
    )
    op.create_index("ix_statistics_stays_area", "statistics_stays", ["month", "kommun"])


def downgrade() -> None:
    op.drop_index("ix_statistics_stays_area", "statistics_stays")
    op.drop_table("statistics_stays")
    op.drop_table("statistics_cells")
