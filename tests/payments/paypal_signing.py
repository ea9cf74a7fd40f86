"""PayPal's side of a webhook, for tests: certificates like PayPal's (and broken ones), the
headers PayPal signs a transmission with, and its documented events from fixtures."""

import base64
import uuid
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from tests.payments import fixture_events

PAYPAL_NAME = "messageverificationcerts.paypal.com"
CERT_URL = "https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77"
WEBHOOK_ID = "1JE4291016473214C"


@cache
def rsa_key(name: str) -> rsa.RSAPrivateKey:
    """One RSA key per name for the whole run (making keys is slow): rsa_key("paypal") signs
    by default, any other name is someone else's key."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass(frozen=True)
class Certificate:
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


def certificate(
    *, common_name: str = PAYPAL_NAME, valid_from: datetime | None = None,
    valid_until: datetime | None = None, key: rsa.RSAPrivateKey | None = None,
    issuer: Certificate | None = None,
) -> Certificate:
    """A certificate for `common_name`, valid from a day ago for a year unless told, issued
    by `issuer` or else self-signed."""
    key = key or rsa_key("paypal")
    now = datetime.now(UTC)
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "PayPal, Inc."),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])
    built = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.certificate.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid_from or now - timedelta(days=1))
        .not_valid_after(valid_until or now + timedelta(days=365))
        .sign(issuer.key if issuer else key, hashes.SHA256())
    )
    return Certificate(key=key, certificate=built)


def expired() -> Certificate:
    now = datetime.now(UTC)
    return certificate(valid_from=now - timedelta(days=400), valid_until=now - timedelta(days=1))


def not_yet_valid() -> Certificate:
    now = datetime.now(UTC)
    return certificate(valid_from=now + timedelta(days=1), valid_until=now + timedelta(days=400))


def wrong_subject() -> Certificate:
    return certificate(common_name="messageverificationcerts.paypal.com.evil.test")


def sign(
    body: bytes, *, webhook_id: str, key: rsa.RSAPrivateKey, cert_url: str,
    transmission_id: str | None = None, transmission_time: str | None = None,
) -> dict[str, str]:
    """The headers PayPal sends with a webhook: SHA256withRSA over
    "<transmission id>|<transmission time>|<webhook id>|<CRC32 of the body>"."""
    transmission_id = transmission_id or str(uuid.uuid4())
    transmission_time = transmission_time or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    message = f"{transmission_id}|{transmission_time}|{webhook_id}|{zlib.crc32(body)}"
    signature = key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    return {
        "PAYPAL-TRANSMISSION-ID": transmission_id,
        "PAYPAL-TRANSMISSION-TIME": transmission_time,
        "PAYPAL-TRANSMISSION-SIG": base64.b64encode(signature).decode(),
        "PAYPAL-CERT-URL": cert_url,
        "PAYPAL-AUTH-ALGO": "SHA256withRSA",
    }


def event(name: str, **changes) -> dict:
    """The fixture event `name` (its file's stem), with changes at dotted paths:
    event("PAYMENT.CAPTURE.COMPLETED", **{"resource.amount.value": "25.99"})."""
    return fixture_events.event("paypal", name, **changes)


def fixture_names() -> list[str]:
    return fixture_events.names("paypal")
