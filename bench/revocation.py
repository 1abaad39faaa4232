"""What CRL checking (service/auth/revocation.py) costs: reading a list of N entries (at start-up
and whenever the file changes, in every server process) and the check of each request's
certificate. The baseline, run in the same process, is reading the HSA-id from the certificate
(service/auth/certificates.py), which every certificate request already does.

    .venv/bin/python bench/revocation.py [--entries 50000] [--rounds 5]
"""

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from service.auth.certificates import hsa_id
from service.auth.revocation import Revocations, read_authorities, read_list
from tests.support.certificates import CertificateAuthority


def _best(work: Callable[[], object], times: int, rounds: int) -> float:
    """Best seconds per call over `rounds` runs of `times` calls (the machine is shared)."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(times):
            work()
        best = min(best, (time.perf_counter() - started) / times)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="bench-crl-"))
    ca = CertificateAuthority.create(directory / "pki")
    client = ca.client("SE2120000000-bench1")
    now = datetime.now(UTC)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.certificate.subject)
        .last_update(now)
        .next_update(now + timedelta(days=1))
    )
    reason = x509.CRLReason(x509.ReasonFlags.key_compromise)
    for serial in range(10**20, 10**20 + args.entries):
        entry = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now)
        builder = builder.add_revoked_certificate(entry.add_extension(reason, False).build())
    file = directory / "function-ca.crl"
    file.write_bytes(builder.sign(ca.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))
    authorities = read_authorities(ca.file)
    read = _best(lambda: read_list(file, authorities), 1, args.rounds)
    checking = Revocations([file], ca.file, lambda: datetime.now(UTC), timedelta(seconds=60))
    checking.load()
    pem = client.cert.read_bytes()
    der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    check = _best(lambda: checking.check(der), 5000, args.rounds)
    baseline = _best(lambda: hsa_id(der), 5000, args.rounds)
    size = file.stat().st_size / 1e6
    print(f"CRL of {args.entries} entries ({size:.1f} MB DER): read in {read * 1e3:.0f} ms")
    print(f"check per request: {check * 1e6:.1f} µs")
    print(f"HSA-id from the certificate (baseline): {baseline * 1e6:.1f} µs")
    print(f"ratio check / baseline: {check / baseline:.2f}")


if __name__ == "__main__":
    main()
