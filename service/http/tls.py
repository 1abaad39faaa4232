"""HTTPS for `lus-fhir serve`, with the client certificate handed to the app (mutual TLS).

The handshake does the certificate checks: with a client CA bundle the server asks for a
certificate (optional, so bearer-token clients still connect) and refuses one that does not chain
to the bundle or is outside its validity. uvicorn puts nothing about the TLS session into the
ASGI scope, so `TLSProtocol` fills the ASGI TLS extension (`scope["extensions"]["tls"]`,
https://asgi.readthedocs.io/en/latest/specs/tls.html) of every HTTP request from its connection;
the authentication middleware checks the verified certificate against the CRLs
(service/auth/revocation.py) and maps it to a registration. WebSocket
upgrades do not carry it: the websocket channel is authenticated by its binding token.
"""

import asyncio
import ssl
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from service.auth.revocation import Revocations, RevocationSetupError
from service.fhirtime import utc_now
from service.settings import Settings

# The ASGI spec's tls_version values; the context refuses anything older than TLS 1.2.
TLS_VERSIONS = {"TLSv1.2": 0x0303, "TLSv1.3": 0x0304}


class TLSSetupError(Exception):
    """TLS settings the server cannot start with, with the file and the reason."""


def tls_extension(transport: asyncio.BaseTransport) -> dict[object, object] | None:
    """The ASGI TLS extension of a connection (None on plain HTTP). The peer's chain beyond its
    own certificate is not available from Python's ssl module, so `client_cert_chain` holds the
    client certificate alone; it was verified in the handshake, hence no `client_cert_error`."""
    ssl_object: ssl.SSLObject | None = transport.get_extra_info("ssl_object")
    if ssl_object is None:
        return None
    der = ssl_object.getpeercert(binary_form=True)
    cipher = ssl_object.cipher()
    return {
        "server_cert": None,
        "client_cert_chain": [ssl.DER_cert_to_PEM_cert(der)] if der else [],
        "client_cert_name": None,
        "client_cert_error": None,
        "tls_version": TLS_VERSIONS.get(ssl_object.version() or ""),
        "cipher_suite": _suite_id(ssl_object.context, cipher[0]) if cipher else None,
    }


def _suite_id(context: ssl.SSLContext, name: str) -> int | None:
    """The 16-bit IANA number of a cipher suite OpenSSL names (the low half of OpenSSL's id)."""
    for cipher in context.get_ciphers():
        if cipher["name"] == name:
            return int(cipher["id"]) & 0xFFFF
    return None


class TLSProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol (what `uvicorn[standard]` runs) plus the TLS extension."""

    _tls: dict[object, object] | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # asyncio and uvloop call this once the handshake is done: the peer certificate is known.
        self._tls = tls_extension(transport)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._tls is not None:
            self.scope["extensions"] = {"tls": self._tls}


def server_context(certfile: Path, keyfile: Path | None, client_ca: Path | None) -> ssl.SSLContext:
    """TLS 1.2 or newer; with a client CA bundle, client certificates are asked for (optional)
    and verified against it in the handshake."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(certfile, keyfile)
    except (OSError, ssl.SSLError) as error:
        key = f" with the key {keyfile}" if keyfile else ""
        raise TLSSetupError(f"cannot use the server certificate {certfile}{key}: {error}") from None
    if client_ca is not None:
        try:
            context.load_verify_locations(cafile=client_ca)
        except (OSError, ssl.SSLError) as error:
            raise TLSSetupError(f"cannot read the client CA bundle {client_ca}: {error}") from None
        context.verify_mode = ssl.CERT_OPTIONAL
    return context


def _context_factory(
    certfile: Path,
    keyfile: Path | None,
    client_ca: Path | None,
    config: Config,
    default: Callable[[], ssl.SSLContext],
) -> ssl.SSLContext:
    return server_context(certfile, keyfile, client_ca)


def check_revocation_lists(settings: Settings) -> None:
    """Read the CRL files once, so that one that is unreadable or not signed by a CA of the
    bundle stops the server now; each process checks them again for every request."""
    revocations = Revocations.from_settings(settings, utc_now)
    if revocations is None:
        return
    try:
        revocations.load()
    except RevocationSetupError as error:
        raise TLSSetupError(str(error)) from None


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The `uvicorn.run` keywords for HTTPS as the settings say (none for plain HTTP). The
    context is built once here so that bad files fail now, with a clear message; each server
    process builds its own from the (picklable) factory."""
    certfile, keyfile = settings.tls_certfile, settings.tls_keyfile
    client_ca = settings.tls_client_ca
    if certfile is None:
        if keyfile is not None or client_ca is not None or settings.tls_crl:
            raise TLSSetupError(
                "--tls-key, --tls-client-ca and --tls-crl need --tls-cert (LUS_FHIR_TLS_CERTFILE)"
            )
        return {}
    if settings.tls_crl and client_ca is None:
        raise TLSSetupError("--tls-crl needs --tls-client-ca (LUS_FHIR_TLS_CLIENT_CA)")
    server_context(certfile, keyfile, client_ca)
    check_revocation_lists(settings)
    return {
        "http": TLSProtocol,
        "ssl_context_factory": partial(_context_factory, certfile, keyfile, client_ca),
    }
