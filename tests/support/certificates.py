"""A small PKI for mutual-TLS tests, shaped like SITHS: a CA, a server certificate for
127.0.0.1/localhost, and function certificates whose subject serialNumber is an HSA-id.

Everything is written as PEM files into one directory, which is what `lus-fhir serve`, httpx
and curl take.
"""

import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path
from typing import Self

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

Key = ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class Issued:
    """A certificate and its key as PEM files."""

    cert: Path
    key: Path


def _name(common_name: str, serial_number: str | None = None) -> x509.Name:
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "SE"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "lus-fhir test"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ]
    if serial_number is not None:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial_number))
    return x509.Name(attributes)


def _write(directory: Path, stem: str, certificate: x509.Certificate, key: Key) -> Issued:
    cert_path, key_path = directory / f"{stem}.pem", directory / f"{stem}.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Issued(cert_path, key_path)


@dataclass
class CertificateAuthority:
    """A CA that signs server and client certificates into `directory` (each in files of its
    own, named by its serial number)."""

    directory: Path
    key: Key
    certificate: x509.Certificate
    file: Path  # the CA certificate (PEM): the bundle servers and clients trust

    @classmethod
    def create(cls, directory: Path, name: str = "TEST SITHS e-id Function CA") -> Self:
        directory.mkdir(parents=True, exist_ok=True)
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        subject = _name(name)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .sign(key, hashes.SHA256())
        )
        file = _write(directory, name.lower().replace(" ", "-"), certificate, key).cert
        return cls(directory, key, certificate, file)

    def _issue(
        self,
        stem: str,
        subject: x509.Name,
        usage: x509.ObjectIdentifier,
        names: list[x509.GeneralName] | None = None,
        valid_days: tuple[int, int] = (-1, 30),
    ) -> Issued:
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now + timedelta(days=valid_days[0]))
            .not_valid_after(now + timedelta(days=valid_days[1]))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), False
            )
        )
        if names:
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        certificate = builder.sign(self.key, hashes.SHA256())
        return _write(self.directory, f"{stem}-{certificate.serial_number:x}", certificate, key)

    def context(self, client: Issued | None = None) -> ssl.SSLContext:
        """A client's TLS context: trusts this CA, and presents `client` if given."""
        context = ssl.create_default_context(cafile=self.file)
        if client is not None:
            context.load_cert_chain(client.cert, client.key)
        return context

    def server(self) -> Issued:
        """A server certificate for 127.0.0.1 and localhost."""
        names: list[x509.GeneralName] = [
            x509.DNSName("localhost"),
            x509.IPAddress(IPv4Address("127.0.0.1")),
        ]
        return self._issue("server", _name("localhost"), ExtendedKeyUsageOID.SERVER_AUTH, names)

    def client(self, hsa_id: str | None, expired: bool = False) -> Issued:
        """A function certificate whose subject serialNumber is `hsa_id` (none when None);
        `expired`: its validity ended yesterday."""
        valid_days = (-30, -1) if expired else (-1, 30)
        return self._issue(
            f"client-{hsa_id or 'no-hsa-id'}{'-expired' if expired else ''}",
            _name(f"lus-fhir test client {hsa_id or ''}".strip(), hsa_id),
            ExtendedKeyUsageOID.CLIENT_AUTH,
            valid_days=valid_days,
        )
