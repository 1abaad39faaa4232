"""`lus-fhir serve`: run the FHIR service with uvicorn (graceful shutdown on SIGINT/SIGTERM).

With `--workers N` (PostgreSQL only) uvicorn runs N processes of the same app; they share the
database, and their delivery workers share the outbox through SKIP LOCKED claims. With
`--tls-cert` it serves HTTPS, and with `--tls-client-ca` also takes client certificates (mutual
TLS, docs/security-mtls.md), with `--tls-crl` refused when their CA revoked them; every process
builds the same TLS context and reads the same CRL files.

SIGTERM/SIGINT drain: the listener closes, requests in flight finish with their answers (for up
to DRAIN_SECONDS), the lifespan shuts down, and the process exits 0.
"""

import os
import signal
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from service.cli import options
from service.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

console = Console(stderr=True)
# Leaves the rest of the 10 s a supervisor waits before SIGKILL to the lifespan's shutdown.
DRAIN_SECONDS = 8
WORKER_HEALTHCHECK_SECONDS = 60


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8080,
    db: options.Database = None,
    data_dir: options.DataDir = None,
    workers: Annotated[int, typer.Option(min=1, help="Server processes (PostgreSQL only)")] = 1,
    demo: Annotated[
        bool,
        typer.Option(
            help="Development: load the Stockholm directory, the guide's example people and a "
            "simulated year of stays (first start only); authentication and delivery off"
        ),
    ] = False,
    mllp_port: Annotated[
        int | None, typer.Option(help="Also listen for HL7 v2 ADT over MLLP on this port")
    ] = None,
    tls_cert: Annotated[
        Path | None,
        typer.Option(help="Serve HTTPS with this certificate (PEM, chain after it)"),
    ] = None,
    tls_key: Annotated[
        Path | None, typer.Option(help="The certificate's private key (PEM), if not in --tls-cert")
    ] = None,
    tls_client_ca: Annotated[
        Path | None,
        typer.Option(
            help="CA bundle (PEM) that client certificates must chain to; asks for one, optional"
        ),
    ] = None,
    tls_crl: Annotated[
        list[Path] | None,
        typer.Option(
            help="CRL (PEM or DER) of a client CA: a certificate it lists is refused (repeat for "
            "each CA; re-read when the file changes)"
        ),
    ] = None,
    access_log: Annotated[
        bool,
        typer.Option(
            help="Also print uvicorn's line per request (the AuditEvent log records every access)"
        ),
    ] = False,
) -> None:
    """Run the LUS FHIR service (FHIR base at /fhir; HL7 v2 at /hl7v2 and over MLLP)."""
    # Imported here, not at the top: every command of `lus-fhir` registers this one, and the
    # app's imports are most of a second of start-up that `--help` or `clients add` need not pay.
    from service.demo import HISTORY_MONTHS, has_stays, history_in_background, load_demo
    from service.hl7v2 import mllp
    from service.hl7v2.service import NoMllpPrincipal, mllp_principal
    from service.http.tls import TLSSetupError, uvicorn_options
    from service.rest.app import create_app
    from service.web.oidc import OidcSetupError

    settings = options.settings(db, data_dir)
    if demo:
        settings.auth = False
        settings.run_worker = False  # the demo's receivers (*.example.se) do not exist
    if mllp_port is not None:
        settings.mllp_port = mllp_port
    settings.tls_certfile = tls_cert or settings.tls_certfile
    settings.tls_keyfile = tls_key or settings.tls_keyfile
    settings.tls_client_ca = tls_client_ca or settings.tls_client_ca
    settings.tls_crl = tls_crl or settings.tls_crl
    try:
        tls = uvicorn_options(settings)
    except TLSSetupError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    if workers > 1 and not settings.database().startswith("postgresql"):
        console.print("[red]--workers > 1 needs PostgreSQL (--db postgresql://…)[/red]")
        raise typer.Exit(2)
    try:
        app = create_app(settings)
    except OidcSetupError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    base = f"{'https' if tls else 'http'}://{host}:{port}/fhir"
    if demo:
        services = app.state.services
        count = load_demo(services.engine_processor(base))
        console.print(f"loaded {count} demo resources; delivery worker off (demo receivers)")
        if not has_stays(services.store):
            app.state.after_start.append(lambda: history_in_background(settings, services.clock()))
            console.print(
                f"writing a simulated year ({HISTORY_MONTHS} months) in the background: "
                f"the charts at http://{host}:{port}/app/ fill in within a minute"
            )
    console.print(f"FHIR base: {base}  (database: {settings.database()})")
    if settings.tls_client_ca is not None:
        console.print(f"client certificates: verified against {settings.tls_client_ca}")
    for crl in settings.tls_crl:
        console.print(f"client certificates: refused when revoked by {crl}")
    if settings.oidc_issuer is not None:
        console.print(f"web sign-in: OpenID Connect at {settings.oidc_issuer}")
    if not settings.auth:
        console.print("[yellow]authentication is OFF: requests act as the development principal")
    # With several processes each listens on the MLLP port itself (docs/hl7v2.md, Throughput);
    # the supervisor only checks that they will know whom to write as.
    shared = workers > 1 and settings.mllp_port is not None
    try:
        if shared:
            mllp_principal(app.state.services)
        with nullcontext() if shared else mllp.listening(app.state.services, host) as listener:
            _run(app, settings, host, port, workers, listener, {**tls, "access_log": access_log})
    except NoMllpPrincipal as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None


def _run(
    app: "FastAPI",
    settings: Settings,
    host: str,
    port: int,
    workers: int,
    listener: Any,
    options: dict[str, Any],
) -> None:
    """`options` are uvicorn's (TLS, access log). Its access line off by default: printed from
    the event loop for every request it cost 5 % of a read's samples, and a write to stderr
    hands the GIL to another thread that may keep it for the 5 ms switch interval."""
    import uvicorn

    if listener is not None:
        console.print(f"HL7 v2 MLLP: {host}:{listener.port}")
    elif workers > 1 and settings.mllp_port is not None:
        console.print(f"HL7 v2 MLLP: {host}:{settings.mllp_port} (in each of {workers} processes)")
    _exit_cleanly_after_drain()
    options = {**options, "timeout_graceful_shutdown": DRAIN_SECONDS}
    if workers == 1:
        uvicorn.run(app, host=host, port=port, log_level="info", **options)
        return
    # Worker processes build their own app from the environment. Uvicorn kills a worker that
    # does not answer its health ping within 5 s; importing and migrating takes longer than that
    # on a busy machine, so with the default no worker ever came up there.
    os.environ["LUS_FHIR_DATABASE_URL"] = settings.database()
    if settings.tls_client_ca is not None:  # the app checks certificates against their CRLs
        os.environ["LUS_FHIR_TLS_CLIENT_CA"] = str(settings.tls_client_ca)
    if settings.tls_crl:
        os.environ["LUS_FHIR_TLS_CRL"] = os.pathsep.join(str(path) for path in settings.tls_crl)
    if not settings.auth:
        os.environ["LUS_FHIR_AUTH"] = "off"
    if settings.mllp_port is not None:
        os.environ["LUS_FHIR_MLLP_PORT"] = str(settings.mllp_port)
        os.environ["LUS_FHIR_MLLP_HOST"] = host
        os.environ["LUS_FHIR_MLLP_SHARED"] = "true"
    uvicorn.run(
        "service.rest.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        **options,
    )


def _exit_cleanly_after_drain() -> None:
    """uvicorn drains on SIGTERM/SIGINT, then raises the signal again against the handler it
    found; with the default one the process died of the signal (exit -15) after a clean drain.
    A handler that does nothing lets `serve` return and exit 0."""
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: None)
