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
Index("ix_search_resource", search_index.c.res_type, search_index.c.res_id)
