"""The tables, in SQLAlchemy Core. Alembic migrations (service/storage/migrations) create them.

Times are stored as fixed-width UTC strings (`2026-11-24T05:10:35.123456Z`) so that ordering and
range comparisons are identical on SQLite and PostgreSQL.
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# The current version of every resource, deleted ones included (a read of those answers 410).
resources = Table(
    "resources",
    metadata,
    Column("res_type", String(64), primary_key=True),
    Column("res_id", String(64), primary_key=True),
    Column("version_id", Integer, nullable=False),
    Column("last_updated", String(32), nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("content", Text, nullable=True),
)

# Every version ever written; `seq` orders the system history.
versions = Table(
    "versions",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("res_type", String(64), nullable=False),
    Column("res_id", String(64), nullable=False),
    Column("version_id", Integer, nullable=False),
    Column("last_updated", String(32), nullable=False),
    Column("method", String(8), nullable=False),
    Column("content", Text, nullable=True),
    UniqueConstraint("res_type", "res_id", "version_id", name="uq_versions_resource_version"),
)
Index("ix_versions_resource", versions.c.res_type, versions.c.res_id)
Index("ix_versions_updated", versions.c.last_updated)

# Search-index rows of the current version: one row per extracted value of a search parameter.
search_index = Table(
    "search_index",
    metadata,
    Column(
        "row_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("res_type", String(64), nullable=False),
    Column("res_id", String(64), nullable=False),
    Column("param", String(64), nullable=False),
    Column("system", String(255), nullable=True),
    Column("value", String(512), nullable=True),
    Column("exact", String(512), nullable=True),
    Column("date_start", String(32), nullable=True),
    Column("date_end", String(32), nullable=True),
    Column("number", String(64), nullable=True),
)
Index("ix_search_value", search_index.c.res_type, search_index.c.param, search_index.c.value)
Index("ix_search_dates", search_index.c.res_type, search_index.c.param, search_index.c.date_start)
# A criterion's correlated EXISTS probes one resource's rows of one parameter (migration 0012).
Index(
    "ix_search_resource_param",
    search_index.c.res_type,
    search_index.c.res_id,
    search_index.c.param,
)
# The statistics select a month's stays by the end of Encounter.period (migration 0007).
Index("ix_search_date_end", search_index.c.res_type, search_index.c.param, search_index.c.date_end)

# One row per (notification, receiver): written in the same transaction as the accepted request,
# delivered by the worker. `ordering_key` (receiver + patient) is delivered strictly in `seq` order.
# The worker updates each row twice (lease, then result): no index holds a column a lease
# changes (attempts, next_attempt_at), and on PostgreSQL half of each page is left free, so a
# lease is a HOT update: a new row copy on the same page and no new index entries (0017).
outbox = Table(
    "outbox",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("idempotency_key", String(255), nullable=False, unique=True),
    Column("ordering_key", String(255), nullable=False),
    Column("event", String(64), nullable=False),
    Column("notification", String(140), nullable=False),  # e.g. Task/123 — what is delivered
    Column("receiver", String(140), nullable=False),  # Organization/… that must receive it
    Column("endpoint", String(140), nullable=True),  # Endpoint/… used, None when unroutable
    Column("address", String(1024), nullable=True),  # receiver FHIR base URL
    Column("connection_type", String(32), nullable=True),  # hl7-fhir-rest | hl7-fhir-msg
    Column("payload", Text, nullable=False),  # the JSON to send (resource or message Bundle)
    Column("status", String(16), nullable=False),  # pending | delivered | acknowledged | dead
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", String(32), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("delivered_at", String(32), nullable=True),
    Column("acknowledged_at", String(32), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("headers", Text, nullable=True),  # JSON object of extra HTTP headers (rest-hook)
    Column("timeout_seconds", Integer, nullable=True),  # per-row HTTP timeout (backport-timeout)
    postgresql_with={"fillfactor": 50},  # percent of a page inserts fill; the rest takes updates
)
# Every query by key or status names a status: the worker's fronts (pending rows, already in
# delivery order per key), the deadline monitor's delivered rows, a subscription's rows.
Index("ix_outbox_queue", outbox.c.status, outbox.c.ordering_key, outbox.c.seq)
Index("ix_outbox_notification", outbox.c.notification)

# Processed messages ($process-message): a re-sent message gets the stored response.
messages = Table(
    "messages",
    metadata,
    Column(
        "message_key", String(400), primary_key=True
    ),  # Bundle.identifier or Bundle.id|MessageHeader.id
    Column("received_at", String(32), nullable=False),
    Column("response", Text, nullable=False),
)

# Case state per inpatient stay (Encounter), driven by the notifications of the process.
cases = Table(
    "cases",
    metadata,
    Column("encounter", String(140), primary_key=True),
    Column("patient", String(140), nullable=False),
    Column("state", String(32), nullable=False),
    Column("admitted_at", String(32), nullable=True),
    Column("admission_notified_at", String(32), nullable=True),
    Column("ready_at", String(32), nullable=True),
    Column("ready_notified_at", String(32), nullable=True),
    Column("sip_invited_at", String(32), nullable=True),
    Column("information_sent_at", String(32), nullable=True),
    Column("discharged_at", String(32), nullable=True),
    Column("updated_at", String(32), nullable=False),
)
Index("ix_cases_state", cases.c.state)

# Subscriptions (R5 Backport IG): the server-owned projection of each Subscription resource, with
# the gap-free event counter that is advanced under the triggering write's transaction.
subscriptions_state = Table(
    "subscriptions_state",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("topic", String(255), nullable=False),
    Column("status", String(16), nullable=False),  # requested | active | error | off | deleted
    Column("channel_type", String(16), nullable=False),  # rest-hook | websocket
    Column("spec", Text, nullable=False),  # JSON: endpoint, headers, payload, filters, subscriber
    Column("heartbeat_seconds", Integer, nullable=True),
    Column("events", BigInteger, nullable=False, default=0),  # events since subscription start
    Column("last_sent_at", String(32), nullable=True),  # last notification queued or pushed
    Column("updated_at", String(32), nullable=False),
)
Index("ix_subscriptions_topic", subscriptions_state.c.topic, subscriptions_state.c.status)

# Every event of every subscription, numbered 1, 2, 3 … without gaps: the source of $events and of
# the websocket channel; the focus is kept as reference + version so a replay shows what was sent.
subscription_events = Table(
    "subscription_events",
    metadata,
    Column("subscription_id", String(64), primary_key=True),
    Column("event_number", BigInteger, primary_key=True, autoincrement=False),
    Column("occurred_at", String(32), nullable=False),
    Column("focus", String(140), nullable=False),
    Column("focus_version", Integer, nullable=False),
)

# Websocket binding tokens ($get-ws-binding-token): short-lived, usable by any server process.
subscription_tokens = Table(
    "subscription_tokens",
    metadata,
    Column("token", String(64), primary_key=True),
    Column("subscription_id", String(64), nullable=False),
    Column("expires_at", String(32), nullable=False),
)

# One row per kind of read-mostly reference data (the routing directory): a fresh random value on
# every committed change, so a process may cache what it read under the value it saw (a rolled-back
# change leaves nothing behind that a later value could be confused with).
generations = Table(
    "generations",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", String(36), nullable=False),
)

# ---- security (migration 0006) ----

# Registered clients (`lus-fhir clients add`): the organization each acts for, how it proves who
# it is (a JWKS, a JWKS URL, or an organization certificate's HSA-id) and what it may be granted.
clients = Table(
    "clients",
    metadata,
    Column("client_id", String(255), primary_key=True),
    Column("organization", String(140), nullable=False),
    Column("jwks", Text, nullable=True),  # JSON Web Key Set given at registration
    Column("jwks_url", String(1024), nullable=True),
    Column("hsa_id", String(64), nullable=True, unique=True),  # SITHS certificate serialNumber
    Column("scopes", Text, nullable=False),
    Column("region", Boolean, nullable=False, default=False),
    Column("created_at", String(32), nullable=False),
    # A person signing in to the web pages: the OpenID Connect issuer and the value of its
    # ID-token claim (LUS_FHIR_OIDC_IDENTITY_CLAIM) that names this registration.
    Column("oidc_issuer", String(1024), nullable=True),
    Column("oidc_identity", String(255), nullable=True),
)
Index("ix_clients_oidc", clients.c.oidc_issuer, clients.c.oidc_identity, unique=True)

# The service's own token-signing keys: the newest signs, every key still within its retirement
# time verifies and is published at the JWKS URL, so a rotation never invalidates a live token.
signing_keys = Table(
    "signing_keys",
    metadata,
    Column("kid", String(64), primary_key=True),
    Column("private_pem", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
)

# Client assertions already used (SMART: a jti is accepted once per client within its lifetime);
# in the database so every server process refuses a replay seen by another.
assertion_jtis = Table(
    "assertion_jtis",
    metadata,
    Column("client_id", String(255), primary_key=True),
    Column("jti", String(255), primary_key=True),
    Column("expires_at", String(32), nullable=False),
)
Index("ix_assertion_jtis_expiry", assertion_jtis.c.expires_at)

# Who takes part in what: one row per context and organization. A context is a stay
# (`Encounter/…`), a patient's own record (`Patient/…`, its authors) or a resource outside any
# stay (its own reference). `patient` lets a Patient be read by everyone in any of its stays.
participants = Table(
    "participants",
    metadata,
    Column("context", String(140), primary_key=True),
    Column("organization", String(140), primary_key=True),
    Column("patient", String(140), nullable=True),
    Column("role", String(32), nullable=False),  # why: author, avsandare, mottagare, vardteam …
)
Index("ix_participants_patient", participants.c.patient, participants.c.organization)

# The contexts each stored resource belongs to (its stay, its patient, or itself): a read is
# allowed when the caller takes part in one of them, decided by one indexed join.
resource_contexts = Table(
    "resource_contexts",
    metadata,
    Column("res_type", String(64), primary_key=True),
    Column("res_id", String(64), primary_key=True),
    Column("context", String(140), primary_key=True),
)
Index("ix_resource_contexts_context", resource_contexts.c.context)

# The access log (IHE BALP-shaped AuditEvents, rendered on read): one row per interaction, its
# patients and resources in `audit_links` so a patient's log extract is an indexed look-up.
audit_events = Table(
    "audit_events",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("id", String(36), nullable=False, unique=True),
    Column("recorded", String(32), nullable=False),
    Column("subtype", String(32), nullable=False),  # read, search-type, create, token, …
    Column("action", String(1), nullable=False),  # C R U D E
    Column("outcome", String(2), nullable=False),  # 0 success, 4 minor failure, 8 serious
    Column("client_id", String(255), nullable=True),
    Column("organization", String(140), nullable=True),
    Column("request_id", String(255), nullable=True),
    Column("token_id", String(255), nullable=True),
    Column("authentication", String(16), nullable=True),  # token | certificate | development
    Column("address", String(64), nullable=True),  # the caller's network address
    Column("query", Text, nullable=True),  # the request line of a search or operation
    Column("detail", Text, nullable=True),  # why a refusal was refused
)
Index("ix_audit_recorded", audit_events.c.recorded)
Index("ix_audit_organization", audit_events.c.organization, audit_events.c.recorded)

audit_links = Table(
    "audit_links",
    metadata,
    Column("audit_id", String(36), primary_key=True),
    Column("kind", String(8), primary_key=True),  # patient | entity
    Column("value", String(140), primary_key=True),
    Column("recorded", String(32), nullable=False),
)
Index("ix_audit_links_value", audit_links.c.kind, audit_links.c.value, audit_links.c.recorded)

# The HL7 v2 intake keeps its table in its own module; importing it here makes `metadata` the
# whole schema for Alembic and the migration test.
from service.hl7v2 import schema as _hl7v2_schema  # noqa: E402, F401

# Issued invoice bases (fakturaunderlag), never changed once written: a re-issue after late data is
# a new version of the municipality's month that names the version it replaces (migration 0007).
invoice_bases = Table(
    "invoice_bases",
    metadata,
    Column("kommun", String(8), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("hash", String(80), nullable=False),
    Column("replaces", Integer, nullable=True),
    Column("issued_at", String(32), nullable=False),
    Column("document", Text, nullable=False),
)

# Disputes of invoice-basis lines (bestridanden, migration 0011): a municipality files one on a line
# of an issued version (the basis itself is never changed); the region answers it once.
invoice_disputes = Table(
    "invoice_disputes",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("kommun", String(8), nullable=False),
    Column("month", String(7), nullable=False),
    Column("version", Integer, nullable=False),
    Column("encounter", String(64), nullable=False),
    Column("reason", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("filed_by", String(140), nullable=False),
    Column("filed_at", String(32), nullable=False),
    Column("decision", String(16), nullable=True),  # godtas | avslas, once answered
    Column("answer", Text, nullable=True),
    Column("answered_by", String(140), nullable=True),
    Column("answered_at", String(32), nullable=True),
)
Index("ix_invoice_disputes_month", invoice_disputes.c.kommun, invoice_disputes.c.month)

# Each month's figure cells as the monthly job computed them (migration 0012): under which rules
# (`basis`, a hash of the rules data) and up to which `versions.seq` nothing has changed them.
statistics_cells = Table(
    "statistics_cells",
    metadata,
    Column("month", String(7), primary_key=True),
    Column("basis", String(64), nullable=False),
    Column("watermark", BigInteger, nullable=False),
    Column("cells", Text, nullable=False),
    Column("stored_at", String(32), nullable=False),
)

# Each stay of a kept month with its answers to the follow-up questions (statistics/questions.py)
# and its own figure cell (statistics/kept.py; null in rows kept before migration 0016), kept and
# replaced with the month's cells.
statistics_stays = Table(
    "statistics_stays",
    metadata,
    Column("month", String(7), primary_key=True),
    Column("encounter", String(64), primary_key=True),
    Column("kommun", String(8), nullable=True),
    Column("stadsdel", String(64), nullable=True),
    Column("care_group", String(32), nullable=False),
    Column("discharged", String(32), nullable=False),
    Column("discharge_date", String(10), nullable=False),
    Column("marks", String(32), nullable=False),
    Column("cell", Text, nullable=True),
)
Index("ix_statistics_stays_area", statistics_stays.c.month, statistics_stays.c.kommun)

# Secrets the web pages sign with (the CSRF key): made once, shared by every server process.
web_secrets = Table(
    "web_secrets",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("secret", String(128), nullable=False),
)

# Web sessions after an OpenID Connect sign-in, kept server-side so a sign-out or an expiry ends
# them in every process at once. The cookie holds a random token; the row is keyed by its SHA-256.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("client_id", String(255), nullable=False),  # the registration the person maps to
    Column("id_token", Text, nullable=False),  # the provider's, for RP-initiated logout
    Column("created_at", String(32), nullable=False),
    Column("seen_at", String(32), nullable=False),
)

# Sign-ins under way: what the callback checks (state, nonce) and needs (the PKCE verifier),
# bound to the browser by a cookie whose SHA-256 keys the row; used once.
web_sign_ins = Table(
    "web_sign_ins",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("state", String(128), nullable=False),
    Column("nonce", String(128), nullable=False),
    Column("verifier", String(128), nullable=False),
    Column("return_to", String(2000), nullable=False),
    Column("created_at", String(32), nullable=False),
)

# Bulk Data export jobs keep their table beside the export code (migration 0010).
from service.export import schema as _export_schema  # noqa: E402, F401
