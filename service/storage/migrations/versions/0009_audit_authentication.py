"""The access log records how each caller proved who it is (token, certificate, development).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_events", sa.Column("authentication", sa.String(16), nullable=True))


def downgrade() -> None:
    op.drop_column("audit_events", "authentication")
