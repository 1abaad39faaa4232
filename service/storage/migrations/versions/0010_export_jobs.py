"""Bulk Data export jobs ($export): kicked-off jobs survive restarts and are shared by processes.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "export_jobs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("client_id", sa.String(255), nullable=False),
        sa.Column("organization", sa.String(140), nullable=False),
        sa.Column("principal", sa.Text, nullable=False),
        sa.Column("request", sa.Text, nullable=False),
        sa.Column("request_id", sa.String(255), nullable=True),
        sa.Column("parameters", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("lease_until", sa.String(32), nullable=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("transaction_time", sa.String(32), nullable=True),
        sa.Column("progress", sa.Integer, nullable=False),
        sa.Column("total", sa.Integer, nullable=True),
        sa.Column("output", sa.Text, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("expires_at", sa.String(32), nullable=True),
    )
    op.create_index("ix_export_jobs_status", "export_jobs", ["status", "lease_until"])
    op.create_index("ix_export_jobs_expiry", "export_jobs", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_export_jobs_expiry", "export_jobs")
    op.drop_index("ix_export_jobs_status", "export_jobs")
    op.drop_table("export_jobs")
