"""Revocation of client certificates by CRL (mutual TLS with SITHS function certificates).

The handshake only checks that a certificate chains to the client CA bundle and is within its
validity; a certificate whose key leaked stays valid until its CA lists it on a CRL. So each
request's certificate is looked up in the CRL of its issuer, in the application, where a
refusal is an ordinary 401 with an OperationOutcome and an access-log entry.

Each CRL's signature is verified against the CA of the bundle that it names as its issuer. The
files are re-read when they change on disk (checked at most once per interval, in every server
process), so an operator replaces them without a restart. A file that cannot be used on
re-reading is logged and its previous content kept. A list past its nextUpdate is used for a
grace period (none by default) and then refuses every certificate of its CA: fail closed, as
the holder of patient data must when it cannot know which certificates are still good. A
certificate whose issuer has no list is refused for the same reason.
"""

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm

from service.fhirtime import Clock
from service.settings import Settings

log = logging.getLogger(__name__)


class RevocationSetupError(Exception):
    """A CRL file (or the CA bundle behind it) that cannot be used, with the file and why."""


class CertificateRevoked(Exception):
    """A client certificate that its CA revoked, or whose revocation cannot be checked."""


@dataclass(frozen=True)
class RevocationList:
    """A CRL file as read and verified: its issuer, validity and revoked serial numbers."""

    path: Path
    issuer: x509.Name
    this_update: datetime
    next_update: datetime
    revoked: dict[int, datetime]  # serial number → revocation date
    crl: x509.CertificateRevocationList = field(repr=False)
    _reasons: dict[int, str | None] = field(default_factory=dict, repr=False)

    def reason(self, serial: int) -> str | None:
        """The CRLReason of a listed serial number, parsed when first asked for: parsing every
        entry's extensions took 5/6 of the time a list of 50,000 entries took to read."""
        if serial not in self._reasons:
            entry = self.crl.get_revoked_certificate_by_serial_number(serial)
            try:
                reason = entry.extensions.get_extension_for_class(x509.CRLReason) if entry else None
            except x509.ExtensionNotFound:
                reason = None
            self._reasons[serial] = reason.value.reason.value if reason else None
        return self._reasons[serial]


def _stamp(iso: datetime) -> str:
    return iso.strftime("%Y-%m-%dT%H:%M:%SZ")


def read_authorities(bundle: Path) -> list[x509.Certificate]:
    """The CA certificates of a PEM bundle (the one client certificates must chain to)."""
    try:
        return x509.load_pem_x509_certificates(bundle.read_bytes())
    except (OSError, ValueError) as error:
        raise RevocationSetupError(f"cannot read the client CA bundle {bundle}: {error}") from None


def _parse(path: Path, data: bytes) -> x509.CertificateRevocationList:
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_crl(data)
        return x509.load_der_x509_crl(data)
    except ValueError as error:
        raise RevocationSetupError(
            f"the revocation list {path} is not a CRL (PEM or DER): {error}"
        ) from None


def _signed_by_a_ca(
    crl: x509.CertificateRevocationList, authorities: list[x509.Certificate]
) -> bool:
    for ca in authorities:
        if ca.subject != crl.issuer:
            continue
        try:
            if crl.is_signature_valid(ca.public_key()):  # type: ignore[arg-type]
                return True
        except (TypeError, UnsupportedAlgorithm):  # a CA key type that cannot sign CRLs
            continue
    return False


def _unsupported(crl: x509.CertificateRevocationList) -> str | None:
    """Why a CRL is of a kind not supported here (delta and indirect CRLs), else None."""
    try:
        crl.extensions.get_extension_for_class(x509.DeltaCRLIndicator)
        return "is a delta CRL (give the full CRL)"
    except x509.ExtensionNotFound:
        pass
    try:
        scope = crl.extensions.get_extension_for_class(x509.IssuingDistributionPoint).value
    except x509.ExtensionNotFound:
        return None
    if scope.indirect_crl:
        return "is an indirect CRL (it lists certificates of other CAs)"
    partial = scope.only_contains_ca_certs or scope.only_contains_attribute_certs
    if partial or scope.only_some_reasons:
        return "covers only some reasons or certificate kinds (give the CRL for all of them)"
    return None


def read_list(path: Path, authorities: list[x509.Certificate]) -> RevocationList:
    """One CRL file (PEM or DER), refused unless a CA of the bundle signed it."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise RevocationSetupError(f"cannot read the revocation list {path}: {error}") from None
    crl = _parse(path, data)
    issuer = crl.issuer.rfc4514_string()
    if not _signed_by_a_ca(crl, authorities):
        raise RevocationSetupError(
            f"the revocation list {path} is not signed by a CA of the client CA bundle "
            f"(its issuer: {issuer})"
        )
    unsupported = _unsupported(crl)
    if unsupported is not None:
        raise RevocationSetupError(f"the revocation list {path} {unsupported}")
    if crl.next_update_utc is None:
        raise RevocationSetupError(f"the revocation list {path} has no nextUpdate")
    revoked = {entry.serial_number: entry.revocation_date_utc for entry in crl}
    return RevocationList(path, crl.issuer, crl.last_update_utc, crl.next_update_utc, revoked, crl)


@dataclass
class _File:
    """A configured CRL file: what was last read from it, and whether that worked."""

    path: Path
    stamp: tuple[int, int, int] | None = None  # (mtime_ns, size, inode) when last read
    current: RevocationList | None = None
    error: str | None = None


@dataclass
class Revocations:
    """The configured CRLs of one server process; `check` is safe from several threads."""

    paths: Sequence[Path]
    bundle: Path
    clock: Clock
    check_every: timedelta
    grace: timedelta = timedelta(0)
    _files: list[_File] = field(init=False)
    _authorities: list[x509.Certificate] | None = field(init=False, default=None)
    _by_issuer: dict[x509.Name, RevocationList] = field(init=False, default_factory=dict)
    _checked: datetime | None = field(init=False, default=None)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._files = [_File(path) for path in self.paths]

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock) -> "Revocations | None":
        """The settings' CRL checking (None when no CRL is configured)."""
        if not settings.tls_crl or settings.tls_client_ca is None:
            return None
        every = timedelta(seconds=settings.tls_crl_check_seconds)
        grace = timedelta(hours=settings.tls_crl_grace_hours)
        return cls(settings.tls_crl, settings.tls_client_ca, clock, every, grace)

    def load(self) -> None:
        """Read every file now, refusing the first that cannot be used (at start-up, so that a
        wrong file stops the server instead of locking out every certificate)."""
        with self._lock:
            self._authorities = read_authorities(self.bundle)
            for file in self._files:
                try:  # before reading: a file replaced meanwhile is read again at the next check
                    file.stamp = _file_stamp(file.path)
                except OSError as error:
                    message = f"cannot read the revocation list {file.path}: {error}"
                    raise RevocationSetupError(message) from None
                file.current = read_list(file.path, self._authorities)
            self._index()
            self._checked = self.clock()
            self._warn_if_stale(self._checked)

    def check(self, der: bytes) -> None:
        """Raise CertificateRevoked if the certificate's CA revoked it, or if its revocation
        cannot be known: no current CRL of its issuer."""
        now = self.clock()
        self._refresh(now)
        try:
            certificate = x509.load_der_x509_certificate(der)
        except ValueError as error:
            raise CertificateRevoked(f"the client certificate cannot be read: {error}") from None
        crl = self._by_issuer.get(certificate.issuer)
        if crl is not None and now <= crl.next_update + self.grace:
            revoked = crl.revoked.get(certificate.serial_number)
            if revoked is None:
                return
            reason = crl.reason(certificate.serial_number)
            reason = f", reason {reason}" if reason else ""
            raise CertificateRevoked(
                f"{_named(certificate)} was revoked on {_stamp(revoked)} by its issuer "
                f"{certificate.issuer.rfc4514_string()}{reason}"
            )
        issuer = certificate.issuer.rfc4514_string()
        if crl is None:
            problems = "".join(f"; {f.error}" for f in self._files if f.error)
            why = f"no revocation list of its issuer {issuer} is in use{problems}"
        else:
            why = (
                f"the revocation list of its issuer {issuer} was due to be renewed at "
                f"{_stamp(crl.next_update)}"
            )
        raise CertificateRevoked(f"{_named(certificate)} cannot be checked for revocation: {why}")

    def _refresh(self, now: datetime) -> None:
        """Re-read the files that changed on disk, at most once per `check_every`."""
        if self._checked is not None and now - self._checked < self.check_every:
            return
        with self._lock:
            if self._checked is not None and now - self._checked < self.check_every:
                return
            self._checked = now
            try:
                if self._authorities is None:
                    self._authorities = read_authorities(self.bundle)
            except RevocationSetupError as error:
                for file in self._files:
                    file.error = str(error)
                log.error("%s: client certificates are refused", error)
                return
            for file in self._files:
                self._reread(file, self._authorities)
            self._index()
            self._warn_if_stale(now)

    def _reread(self, file: _File, authorities: list[x509.Certificate]) -> None:
        reason: str | None = None
        try:
            stamp: tuple[int, int, int] | None = _file_stamp(file.path)
        except OSError as error:
            stamp, reason = None, f"cannot read the revocation list {file.path}: {error}"
        if stamp is not None and stamp == file.stamp:
            return
        if reason is None:
            try:
                file.current = read_list(file.path, authorities)
            except RevocationSetupError as error:
                reason = str(error)
        if reason is None and file.current is not None:
            log.info("revocation list %s read: %d revoked", file.path, len(file.current.revoked))
        elif reason is not None and reason != file.error:
            kept = "the one read before stays in use" if file.current else "nothing in use"
            log.error("%s; %s", reason, kept)
        file.stamp, file.error = stamp, reason

    def _index(self) -> None:
        """The newest list of each issuer (a newer CRL supersedes an older one)."""
        lists = sorted((f.current for f in self._files if f.current), key=lambda c: c.this_update)
        self._by_issuer = {crl.issuer: crl for crl in lists}

    def _warn_if_stale(self, now: datetime) -> None:
        for crl in self._by_issuer.values():
            if now <= crl.next_update:
                continue
            until = crl.next_update + self.grace
            effect = (
                "the certificates of its CA are refused until a current one is in place"
                if now > until
                else f"still in use for the grace period, until {_stamp(until)}"
            )
            log.warning(
                "the revocation list %s of %s was due to be renewed at %s: %s",
                crl.path,
                crl.issuer.rfc4514_string(),
                _stamp(crl.next_update),
                effect,
            )


def _named(certificate: x509.Certificate) -> str:
    """A certificate as `openssl x509 -noout -serial` shows it (upper-case hexadecimal)."""
    return f"the client certificate with serial number {certificate.serial_number:X}"


def _file_stamp(path: Path) -> tuple[int, int, int]:
    """What tells a replaced file from the one read before (a rename gives a new inode)."""
    status = path.stat()
    return status.st_mtime_ns, status.st_size, status.st_ino
