"""Web sign-in through OpenID Connect: a registration can name a person (issuer and identity
claim), and the sessions and sign-ins under way are kept server-side.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("clients", sa.Column("oidc_issuer", sa.String(1024), nullable=True))
    op.add_column("clients", sa.Column("oidc_identity", sa.String(255), nullable=True))
    op.create_index("ix_clients_oidc", "clients", ["oidc_issuer", "oidc_identity"], unique=True)
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("client_id", sa.String(255), nullable=False),
        sa.Column("id_token", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("seen_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "web_sign_ins",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("state", sa.String(128), nullable=False),
        sa.Column("nonce", sa.String(128), nullable=False),
        sa.Column("verifier", sa.String(128), nullable=False),
        sa.Column("return_to", sa.String(2000), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("web_sign_ins")
    op.drop_table("web_sessions")
    op.drop_index("ix_clients_oidc", "clients")
    op.drop_column("clients", "oidc_identity")
    op.drop_column("clients", "oidc_issuer")
