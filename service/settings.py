"""Configuration from the environment (prefix LUS_FHIR_) or the command line, in one typed object.

Defaults are the embedded set-up a newcomer runs: SQLite in ./data, validation on every write.
"""

import os
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

SERVICE_URI = "urn:lus-fhir:service"  # message source when no public base URL is configured


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LUS_FHIR_")

    data_dir: Path = Path("data")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file in data_dir"
    )
    base_url: str | None = Field(
        default=None, description="Public FHIR base URL; default: taken from each request"
    )
    validate_writes: bool = True
    enforce_guide_profiles: bool = Field(
        default=True, description="Check every write against the guide's profile for its type"
    )
    max_request_bytes: int = 10 * 1024 * 1024
    max_bundle_entries: int = 1000
    max_nesting: int = 64
    default_page_size: int = 20
    max_page_size: int = 500

    run_worker: bool = Field(default=True, description="Deliver the outbox from the serve process")
    worker_poll_seconds: float = 0.5
    delivery_timeout_seconds: float = 10.0
    delivery_base_delay_seconds: float = 5.0
    delivery_max_delay_seconds: float = 3600.0
    delivery_horizon_hours: float = 72.0
    acknowledgement_minutes: float = 240.0
    monitor_interval_seconds: float = 60.0

    auth: bool = Field(
        default=True,
        description="Authenticate every request (SMART Backend Services or a client certificate); "
        "off (LUS_FHIR_AUTH=off, serve --demo) acts as the development principal",
    )
    development_organization: str | None = Field(
        default=None,
        description="With auth off: the Organization requests act as (default: the service "
        "itself, which may read and write everything)",
    )
    audit: bool = Field(
        default=True, description="Log every access (off only to measure what logging costs)"
    )
    token_lifetime_seconds: int = Field(default=300, ge=30, le=300)
    key_rotation_hours: float = Field(default=24.0, gt=0)
    tls_certfile: Path | None = Field(default=None, description="Serve HTTPS with this cert")
    tls_keyfile: Path | None = None
    tls_client_ca: Path | None = Field(
        default=None,
        description="CA bundle for client certificates (mutual TLS, SITHS function certificates)",
    )
    tls_crl: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="CRL files (PEM or DER) of the client CAs, separated by os.pathsep (':') in "
        "the environment; each request's certificate is refused if its CA's CRL lists it",
    )
    tls_crl_check_seconds: float = Field(
        default=60.0, gt=0, description="How often the CRL files are checked for a new version"
    )
    tls_crl_grace_hours: float = Field(
        default=0.0,
        ge=0,
        description="How long a CRL past its nextUpdate is still used; after that the "
        "certificates of its CA are refused (0: from nextUpdate on)",
    )
    oidc_issuer: str | None = Field(
        default=None,
        description="OpenID Connect provider the web pages sign people in with (its issuer URL; "
        "discovery at /.well-known/openid-configuration); off when unset",
    )
    oidc_client_id: str | None = Field(default=None, description="The pages' client id there")
    oidc_client_secret: SecretStr | None = Field(
        default=None, description="Client secret (client_secret_basic) at the provider"
    )
    oidc_private_key: Path | None = Field(
        default=None,
        description="Private JWK (JSON) to authenticate with private_key_jwt instead of a secret",
    )
    oidc_scopes: str = Field(default="openid", description="Scopes asked of the provider")
    oidc_identity_claim: str = Field(
        default="sub",
        description="ID-token claim whose value names the registration "
        "(lus-fhir clients add --oidc-identity VALUE)",
    )
    session_idle_minutes: float = Field(
        default=30.0, gt=0, description="A web session ends after this long without a request"
    )
    session_hours: float = Field(
        default=8.0, gt=0, description="A web session ends this long after sign-in, however used"
    )
    mllp_port: int | None = Field(
        default=None, description="TCP port of the HL7 v2 MLLP listener; off when unset"
    )
    mllp_host: str = Field(
        default="127.0.0.1",
        description="Interface the processes of serve --workers listen on for MLLP (serve sets "
        "it to its --host)",
    )
    mllp_shared: bool = Field(
        default=False,
        description="Every serving process listens on the MLLP port (SO_REUSEPORT); serve "
        "--workers N sets it",
    )
    mllp_client: str | None = Field(
        default=None,
        description="Client id whose registration plain MLLP connections act with (bind the "
        "listener to a trusted network); required with authentication on",
    )
    hl7v2_senders: Path | None = Field(
        default=None, description="YAML file of per-sender HL7 v2 tables (docs/hl7v2.md)"
    )
    hl7v2_charset: str = Field(
        default="ASCII", description="HL7 table 0211 charset of v2 messages with MSH-18 empty"
    )
    write_batch: int | None = Field(
        default=None,
        ge=1,
        description="Most writes one commit takes (REST creates, updates, patches, deletes and "
        "HL7 v2 messages of different requests or connections), each in its own savepoint; 1: a "
        "transaction per write; default 32 on SQLite (one writer at a time anyway, and a commit "
        "costs more than a write), 1 on PostgreSQL (its concurrent transactions beat one "
        "committing thread: bench/hl7v2.py)",
    )
    hl7v2_hold_minutes: float = Field(
        default=60.0,
        description="A held HL7 v2 message (its stay not yet admitted) is listed as overdue "
        "after this long (GET /hl7v2/messages?state=held)",
    )
    statistics_rules: Path | None = Field(
        default=None, description="Statistics/invoice rules file; default: the packaged rules.yaml"
    )
    daily_amounts: str | None = Field(
        default=None,
        description='Daily amounts (kr) of years the rules lack, as JSON: {"2026": 11000}',
    )
    statistics_interval_seconds: float = Field(
        default=3600.0, description="How often the monthly job re-makes the stored MeasureReports"
    )
    export_retention_hours: float = Field(
        default=24.0, gt=0, description="How long a finished $export job and its files are kept"
    )
    export_lease_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How long a claimed $export job is held without progress before another "
        "worker takes it up (its worker is then presumed dead)",
    )
    export_poll_seconds: float = Field(
        default=1.0, gt=0, description="Idle poll of the $export worker for new jobs"
    )
    export_batch: int = Field(
        default=1000, ge=1, description="Resources read per query while an export runs"
    )

    @field_validator("tls_crl", mode="before")
    @classmethod
    def _paths(cls, value: object) -> object:
        """LUS_FHIR_TLS_CRL holds several files as PATH does."""
        if isinstance(value, str):
            return [part for part in value.split(os.pathsep) if part]
        return value

    def source(self) -> str:
        """What outgoing notifications name as their source: the public base URL if known.

        A separate `lus-fhir worker` process has no request to take a base URL from, so this is
        the one answer every process gives.
        """
        return self.base_url or SERVICE_URI

    def database(self) -> str:
        """The SQLAlchemy URL, with the psycopg 3 driver for plain postgresql:// URLs."""
        url = self.database_url or f"sqlite:///{self.data_dir / 'lus-fhir.sqlite3'}"
        if url.startswith(("postgresql://", "postgres://")):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return url
