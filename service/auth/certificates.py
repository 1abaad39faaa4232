"""The organization behind a client certificate (mutual TLS, Swedish SITHS function certificates):
the HSA-id in the subject's serialNumber names the client registration (`--hsa-id`)."""

from cryptography import x509
from cryptography.x509.oid import NameOID


class CertificateError(Exception):
    """A client certificate that names no registered organization."""


def hsa_id(der: bytes) -> str:
    """The HSA-id a certificate carries in its subject serialNumber."""
    try:
        certificate = x509.load_der_x509_certificate(der)
    except ValueError as error:
        raise CertificateError(f"the client certificate cannot be read: {error}") from None
    values = certificate.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    if len(values) != 1 or not isinstance(values[0].value, str) or not values[0].value:
        raise CertificateError("the client certificate's subject has no serialNumber (HSA-id)")
    return values[0].value
