"""Subscriptions (R5 Backport IG): state projection, numbered events, websocket tokens; outbox
rows gain the extra HTTP headers a rest-hook channel asks for.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("headers", sa.Text, nullable=True))
    op.create_table(
        "subscriptions_state",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("topic", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("channel_type", sa.String(16), nullable=False),
        sa.Column("spec", sa.Text, nullable=False),
        sa.Column("heartbeat_seconds", sa.Integer, nullable=True),
        sa.Column("events", sa.BigInteger, nullable=False),
        sa.Column("last_sent_at", sa.String(32), nullable=True),
        sa.Column("updated_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_subscriptions_topic", "subscriptions_state", ["topic", "status"])
    op.create_table(
        "subscription_events",
        sa.Column("subscription_id", sa.String(64), primary_key=True),
        sa.Column("event_number", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("occurred_at", sa.String(32), nullable=False),
        sa.Column("focus", sa.String(140), nullable=False),
        sa.Column("focus_version", sa.Integer, nullable=False),
    )
    op.create_table(
        "subscription_tokens",
        sa.Column("token", sa.String(64), primary_key=True),
        sa.Column("subscription_id", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("subscription_tokens")
    op.drop_table("subscription_events")
    op.drop_index("ix_subscriptions_topic", "subscriptions_state")
    op.drop_table("subscriptions_state")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("headers")
