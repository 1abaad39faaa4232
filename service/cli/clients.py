"""`lus-fhir clients add|list|remove`: the registry of systems allowed to call the service.

Exit codes: 0 done, 1 refused (the registration is not valid), 2 usage errors.
"""

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from service.auth import clients as registry
from service.auth.clients import Client, RegistrationError, check_jwks, check_jwks_url
from service.auth.scopes import ScopeError, Scopes
from service.cli import options
from service.fhirtime import utc_now
from service.storage.database import engine_for, migrate
from service.storage.store import Store

app = typer.Typer(no_args_is_help=True, help="Register the clients that may call the service.")
console = Console(stderr=True)


def _store(db: str | None, data_dir: Path | None) -> Store:
    engine = engine_for(options.settings(db, data_dir).database())
    migrate(engine)
    return Store(engine)


def _refuse(text: str, code: int = 1) -> typer.Exit:
    console.print(f"[red]{text}[/red]")
    return typer.Exit(code)


@app.command()
def add(
    client_id: Annotated[str, typer.Option(help="The client id (the assertion's iss and sub)")],
    organization: Annotated[
        str, typer.Option(help="The Organization it acts for: Organization/ID of the directory")
    ],
    scope: Annotated[str, typer.Option(help='Its scopes, e.g. "system/Task.cruds system/*.rs"')],
    jwks: Annotated[Path | None, typer.Option(help="File with its public JWKS")] = None,
    jwks_url: Annotated[str | None, typer.Option(help="URL of its JWKS (https)")] = None,
    hsa_id: Annotated[
        str | None, typer.Option(help="HSA-id of its organization certificate (mutual TLS)")
    ] = None,
    oidc_identity: Annotated[
        str | None,
        typer.Option(
            help="A person at the web pages: the value of the OpenID Connect provider's "
            "identity claim (LUS_FHIR_OIDC_IDENTITY_CLAIM, default sub) that signs in as this"
        ),
    ] = None,
    oidc_issuer: Annotated[
        str | None, typer.Option(help="The provider of --oidc-identity (LUS_FHIR_OIDC_ISSUER)")
    ] = None,
    region: Annotated[bool, typer.Option(help="The region-wide role: reads everything")] = False,
    db: options.Database = None,
    data_dir: options.DataDir = None,
) -> None:
    """Register a client (SMART Backend Services keys, an organization certificate, and/or a
    person signing in to the web pages through OpenID Connect)."""
    try:
        scopes = Scopes.parse(scope)
        keys = check_jwks(json.loads(jwks.read_text(encoding="utf-8"))) if jwks else None
        url = check_jwks_url(jwks_url) if jwks_url else None
    except (ScopeError, RegistrationError) as error:
        raise _refuse(str(error), 2) from None
    except (OSError, ValueError) as error:
        raise _refuse(f"--jwks {jwks}: {error}", 2) from None
    settings = options.settings(db, data_dir)
    client = Client(
        client_id,
        organization,
        scopes,
        keys,
        url,
        hsa_id,
        region,
        oidc_issuer=oidc_issuer or settings.oidc_issuer,
        oidc_identity=oidc_identity,
    )
    store = _store(db, data_dir)
    try:
        with store.begin() as conn:
            registry.add(conn, client, utc_now())
    except RegistrationError as error:
        raise _refuse(str(error)) from None
    finally:
        store.engine.dispose()
    role = " with the region-wide role" if region else ""
    typer.echo(f"registered {client_id} for {organization}{role}: {scopes}")


@app.command(name="list")
def list_clients(db: options.Database = None, data_dir: options.DataDir = None) -> None:
    """The registered clients."""
    store = _store(db, data_dir)
    try:
        with store.reading() as conn:
            found = registry.registered(conn)
    finally:
        store.engine.dispose()
    table = Table("client id", "organization", "proves itself with", "scopes", "region")
    for client in found:
        proof = [
            p
            for p in (
                "jwks" if client.jwks else "",
                client.jwks_url or "",
                client.hsa_id or "",
                f"oidc {client.oidc_identity}" if client.oidc_identity else "",
            )
            if p
        ]
        table.add_row(
            client.client_id,
            client.organization,
            ", ".join(proof),
            str(client.scopes),
            "yes" if client.region else "",
        )
    Console().print(table)


@app.command()
def remove(
    client_id: Annotated[str, typer.Argument(help="The client id")],
    db: options.Database = None,
    data_dir: options.DataDir = None,
) -> None:
    """Remove a registration: its certificate is refused at once, its tokens when they expire
    (at most 5 minutes)."""
    store = _store(db, data_dir)
    try:
        with store.begin() as conn:
            removed = registry.remove(conn, client_id)
    finally:
        store.engine.dispose()
    if not removed:
        raise _refuse(f"no client {client_id!r} is registered")
    typer.echo(f"removed {client_id}")
