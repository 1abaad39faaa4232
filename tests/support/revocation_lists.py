"""CRLs of the test PKI (tests/support/certificates.py), written as SITHS publishes them: one
full list per CA, replaced on disk by a newer one."""

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from tests.support.certificates import CertificateAuthority, Issued


def serial_of(issued: Issued) -> int:
    return x509.load_pem_x509_certificate(issued.cert.read_bytes()).serial_number


def revocation_list(
    ca: CertificateAuthority,
    revoked: dict[Issued, datetime],
    issued: datetime | None = None,
    valid: timedelta = timedelta(days=1),
    reason: x509.ReasonFlags = x509.ReasonFlags.key_compromise,
    signer: CertificateAuthority | None = None,
    encoding: serialization.Encoding = serialization.Encoding.PEM,
) -> bytes:
    """A CRL of `ca` listing each certificate with its revocation time; issued `issued` (default
    now) with nextUpdate `valid` later; `signer` signs it in `ca`'s name (a forgery)."""
    issued = issued or datetime.now(UTC)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.certificate.subject)
        .last_update(issued)
        .next_update(issued + valid)
        .add_extension(x509.CRLNumber(int(issued.timestamp() * 1000)), critical=False)
    )
    for certificate, at in revoked.items():
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(serial_of(certificate))
            .revocation_date(at)
            .add_extension(x509.CRLReason(reason), critical=False)
            .build()
        )
        builder = builder.add_revoked_certificate(entry)
    crl = builder.sign((signer or ca).key, hashes.SHA256())
    return crl.public_bytes(encoding)


def replace(path: Path, content: bytes) -> None:
    """Put a new CRL in place the way a fetching job should: whole, by rename."""
    partial = path.with_suffix(".partial")
    partial.write_bytes(content)
    os.replace(partial, path)
