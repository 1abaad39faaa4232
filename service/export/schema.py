"""The export jobs table: one row per kicked-off `$export`, from kick-off until its retention
ends. Every process can answer its status and any process's export worker can run it."""

from sqlalchemy import Column, Index, Integer, String, Table, Text

from service.storage.schema import metadata

export_jobs = Table(
    "export_jobs",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("client_id", String(255), nullable=False),  # only this client sees the job
    Column("organization", String(140), nullable=False),
    Column("principal", Text, nullable=False),  # JSON: units, scopes, region, method
    Column("request", Text, nullable=False),  # the kick-off URL (the manifest's `request`)
    Column("request_id", String(255), nullable=True),  # X-Request-Id of the kick-off (audit)
    Column("parameters", Text, nullable=False),  # JSON: level, group, types, since
    Column("status", String(16), nullable=False),  # queued | running | completed | failed
    Column("attempt", Integer, nullable=False, default=0),  # fencing token of the claim
    Column("lease_until", String(32), nullable=True),
    Column("created_at", String(32), nullable=False),
    Column("transaction_time", String(32), nullable=True),  # when the running attempt began
    Column("progress", Integer, nullable=False, default=0),  # resources written so far
    Column("total", Integer, nullable=True),  # resources the attempt expects to write
    Column("output", Text, nullable=True),  # JSON: [{type, count}] of a completed job
    Column("error", Text, nullable=True),  # why a failed job failed
    Column("expires_at", String(32), nullable=True),  # end of retention of a finished job
)
Index("ix_export_jobs_status", export_jobs.c.status, export_jobs.c.lease_until)
Index("ix_export_jobs_expiry", export_jobs.c.expires_at)
