"""Each kept stay's own figure cell, so that a month late data touches is brought up to date by
evaluating only the stays the writes name and summing the kept cells again (statistics/kept.py).
Rows kept before have none: their month is evaluated from all its stays once more.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("statistics_stays", sa.Column("cell", sa.Text, nullable=True))


def downgrade() -> None:
    op.drop_column("statistics_stays", "cell")
