"""Resources, version history and search index.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_SERIAL = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "resources",
        sa.Column("res_type", sa.String(64), primary_key=True),
        sa.Column("res_id", sa.String(64), primary_key=True),
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("last_updated", sa.String(32), nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("content", sa.Text, nullable=True),
    )
    op.create_table(
        "versions",
        sa.Column("seq", _SERIAL, primary_key=True, autoincrement=True),
        sa.Column("res_type", sa.String(64), nullable=False),
        sa.Column("res_id", sa.String(64), nullable=False),
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("last_updated", sa.String(32), nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("content", sa.Text, nullable=True),
        sa.UniqueConstraint(
            "res_type", "res_id", "version_id", name="uq_versions_resource_version"
        ),
    )
    op.create_index("ix_versions_resource", "versions", ["res_type", "res_id"])
    op.create_index("ix_versions_updated", "versions", ["last_updated"])
    op.create_table(
        "search_index",
        sa.Column("row_id", _SERIAL, primary_key=True, autoincrement=True),
        sa.Column("res_type", sa.String(64), nullable=False),
        sa.Column("res_id", sa.String(64), nullable=False),
        sa.Column("param", sa.String(64), nullable=False),
        sa.Column("system", sa.String(255), nullable=True),
        sa.Column("value", sa.String(512), nullable=True),
        sa.Column("exact", sa.String(512), nullable=True),
        sa.Column("date_start", sa.String(32), nullable=True),
        sa.Column("date_end", sa.String(32), nullable=True),
        sa.Column("number", sa.String(64), nullable=True),
    )
    op.create_index("ix_search_value", "search_index", ["res_type", "param", "value"])
    op.create_index("ix_search_dates", "search_index", ["res_type", "param", "date_start"])
    op.create_index("ix_search_resource", "search_index", ["res_type", "res_id"])


def downgrade() -> None:
    op.drop_table("search_index")
    op.drop_table("versions")
    op.drop_table("resources")
