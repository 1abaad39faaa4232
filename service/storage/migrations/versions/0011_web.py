"""The web pages: disputes of invoice-basis lines and the key their forms' CSRF tokens are signed
with.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invoice_disputes",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kommun", sa.String(8), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("encounter", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("filed_by", sa.String(140), nullable=False),
        sa.Column("filed_at", sa.String(32), nullable=False),
        sa.Column("decision", sa.String(16), nullable=True),
        sa.Column("answer", sa.Text, nullable=True),
        sa.Column("answered_by", sa.String(140), nullable=True),
        sa.Column("answered_at", sa.String(32), nullable=True),
    )
    op.create_index("ix_invoice_disputes_month", "invoice_disputes", ["kommun", "month"])
    op.create_table(
        "web_secrets",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("secret", sa.String(128), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("web_secrets")
    op.drop_index("ix_invoice_disputes_month", "invoice_disputes")
    op.drop_table("invoice_disputes")
