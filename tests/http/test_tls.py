"""The ASGI TLS extension of a connection, from a real handshake in memory (no sockets)."""

import contextlib
import ssl
from pathlib import Path
from typing import Any

import pytest

from service.http.tls import server_context, tls_extension
from tests.support.certificates import CertificateAuthority, Issued


class _Transport:
    def __init__(self, ssl_object: ssl.SSLObject | None) -> None:
        self.ssl_object = ssl_object

    def get_extra_info(self, name: str) -> Any:
        return self.ssl_object if name == "ssl_object" else None


def _handshake(ca: CertificateAuthority, client: Issued | None, tls: ssl.TLSVersion) -> Any:
    """The server side's SSLObject after a handshake with a client presenting `client`."""
    to_server, to_client = ssl.MemoryBIO(), ssl.MemoryBIO()
    files = ca.server()
    server = server_context(files.cert, files.key, ca.file).wrap_bio(
        to_server, to_client, server_side=True
    )
    context = ca.context(client)
    context.maximum_version = tls
    peer = context.wrap_bio(to_client, to_server, server_hostname="localhost")
    for _ in range(5):
        for side in (peer, server):
            with contextlib.suppress(ssl.SSLWantReadError):
                side.do_handshake()
    peer.write(b"ping")  # the handshake is done on both sides: data goes through
    assert server.read() == b"ping"
    return server


@pytest.mark.parametrize(
    ("tls", "version"), [(ssl.TLSVersion.TLSv1_2, 0x0303), (ssl.TLSVersion.TLSv1_3, 0x0304)]
)
def test_the_extension_names_the_client_certificate_version_and_suite(
    tmp_path: Path, tls: ssl.TLSVersion, version: int
) -> None:
    ca = CertificateAuthority.create(tmp_path)
    client = ca.client("SE2120000000-test1")
    extension = tls_extension(_Transport(_handshake(ca, client, tls)))  # type: ignore[arg-type]
    assert extension is not None
    assert extension["client_cert_chain"] == [client.cert.read_text()]
    assert extension["tls_version"] == version
    assert isinstance(extension["cipher_suite"], int) and 0 < extension["cipher_suite"] < 0x10000
    assert extension["client_cert_error"] is None


def test_no_client_certificate_is_an_empty_chain_and_plain_http_no_extension(
    tmp_path: Path,
) -> None:
    ca = CertificateAuthority.create(tmp_path)
    server = _handshake(ca, None, ssl.TLSVersion.TLSv1_3)
    extension = tls_extension(_Transport(server))  # type: ignore[arg-type]
    assert extension is not None and extension["client_cert_chain"] == []
    assert tls_extension(_Transport(None)) is None  # type: ignore[arg-type]
