"""Security: registered clients, the service's signing keys, the assertion replay store, who takes
part in which stay (participants, resource_contexts) and the access log (audit_events/links).

An existing database is upgraded in place: the participation rows of the stays already stored are
built from their resources and their deliveries' receivers (`participation.backfill`), so the
access check on the hot path is one indexed look-up from the first request on.

Revision ID: 0006
Revises: 0005
"""

import uuid

import sqlalchemy as sa
from alembic import op

from service.access.participation import backfill

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "clients",
        sa.Column("client_id", sa.String(255), primary_key=True),
        sa.Column("organization", sa.String(140), nullable=False),
        sa.Column("jwks", sa.Text, nullable=True),
        sa.Column("jwks_url", sa.String(1024), nullable=True),
        sa.Column("hsa_id", sa.String(64), nullable=True, unique=True),
        sa.Column("scopes", sa.Text, nullable=False),
        sa.Column("region", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.String(64), primary_key=True),
        sa.Column("private_pem", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "assertion_jtis",
        sa.Column("client_id", sa.String(255), primary_key=True),
        sa.Column("jti", sa.String(255), primary_key=True),
        sa.Column("expires_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_assertion_jtis_expiry", "assertion_jtis", ["expires_at"])
    op.create_table(
        "participants",
        sa.Column("context", sa.String(140), primary_key=True),
        sa.Column("organization", sa.String(140), primary_key=True),
        sa.Column("patient", sa.String(140), nullable=True),
        sa.Column("role", sa.String(32), nullable=False),
    )
    op.create_index("ix_participants_patient", "participants", ["patient", "organization"])
    op.create_table(
        "resource_contexts",
        sa.Column("res_type", sa.String(64), primary_key=True),
        sa.Column("res_id", sa.String(64), primary_key=True),
        sa.Column("context", sa.String(140), primary_key=True),
    )
    op.create_index("ix_resource_contexts_context", "resource_contexts", ["context"])
    op.create_table(
        "audit_events",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(36), nullable=False, unique=True),
        sa.Column("recorded", sa.String(32), nullable=False),
        sa.Column("subtype", sa.String(32), nullable=False),
        sa.Column("action", sa.String(1), nullable=False),
        sa.Column("outcome", sa.String(2), nullable=False),
        sa.Column("client_id", sa.String(255), nullable=True),
        sa.Column("organization", sa.String(140), nullable=True),
        sa.Column("request_id", sa.String(255), nullable=True),
        sa.Column("token_id", sa.String(255), nullable=True),
        sa.Column("address", sa.String(64), nullable=True),
        sa.Column("query", sa.Text, nullable=True),
        sa.Column("detail", sa.Text, nullable=True),
    )
    op.create_index("ix_audit_recorded", "audit_events", ["recorded"])
    op.create_index("ix_audit_organization", "audit_events", ["organization", "recorded"])
    op.create_table(
        "audit_links",
        sa.Column("audit_id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("value", sa.String(140), primary_key=True),
        sa.Column("recorded", sa.String(32), nullable=False),
    )
    op.create_index("ix_audit_links_value", "audit_links", ["kind", "value", "recorded"])
    generations = sa.table("generations", sa.column("name"), sa.column("value"))
    op.bulk_insert(generations, [{"name": "clients", "value": str(uuid.uuid4())}])
    backfill(op.get_bind())


def downgrade() -> None:
    for index, table in (
        ("ix_audit_links_value", "audit_links"),
        ("ix_audit_organization", "audit_events"),
        ("ix_audit_recorded", "audit_events"),
        ("ix_resource_contexts_context", "resource_contexts"),
        ("ix_participants_patient", "participants"),
        ("ix_assertion_jtis_expiry", "assertion_jtis"),
    ):
        op.drop_index(index, table)
    for table in (
        "audit_links",
        "audit_events",
        "resource_contexts",
        "participants",
        "assertion_jtis",
        "signing_keys",
        "clients",
    ):
        op.drop_table(table)
    op.execute("DELETE FROM generations WHERE name = 'clients'")
