"""Checking a PayPal webhook's signature here, with the certificate PayPal names in it.

PayPal signs "<transmission id>|<transmission time>|<webhook id>|<CRC32 of the body>" with
SHA256withRSA and says in PAYPAL-CERT-URL where the certificate is. That URL is trusted only
over HTTPS on PayPal's own hosts, where TLS vouches for what is served; anything else is
rejected before any request is made. A certificate is fetched once and cached for a day; its
dates and subject are checked on every use, cached or not.
"""

import base64
import binascii
import hashlib
import re
import zlib
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import requests
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from django.core.cache import cache
from django.utils import timezone

from payments.providers.base import ProviderUnavailable, WebhookRejected

AUTH_ALGO = "SHA256withRSA"
# How far a transmission's time may be from this server's clock, either way (as for Stripe).
TOLERANCE = timedelta(minutes=5)
CERTIFICATE_CACHE_SECONDS = 24 * 60 * 60
TIMEOUT = (3, 5)  # seconds to connect, to read
MAX_CERTIFICATE_BYTES = 64 * 1024
HOSTNAME = re.compile(r"[a-z0-9.-]+")


def check_transmission_time(value: str, *, now: datetime | None = None) -> None:
    """PAYPAL-TRANSMISSION-TIME must be an ISO 8601 time with its zone, within TOLERANCE of
    now: an old transmission replayed is rejected."""
    try:
        sent = datetime.fromisoformat(value)
    except ValueError:
        raise WebhookRejected(f"PAYPAL-TRANSMISSION-TIME {value!r} is not a time.") from None
    if sent.tzinfo is None:
        raise WebhookRejected(f"PAYPAL-TRANSMISSION-TIME {value!r} has no time zone.")
    if abs((now or timezone.now()) - sent) > TOLERANCE:
        raise WebhookRejected(f"PAYPAL-TRANSMISSION-TIME {value} is more than five minutes "
                              "away from now.")


def check_cert_url(url: str) -> str:
    """The certificate URL to fetch, rebuilt from its checked parts, so the host fetched is
    the host checked. Only https on the standard port, on paypal.com or one of its
    subdomains, without user info, passes; anything else raises WebhookRejected."""
    rejected = WebhookRejected(f"PAYPAL-CERT-URL {url!r} is not a PayPal HTTPS address.")
    if any(ch <= " " or ch == "\\" for ch in url):
        raise rejected
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise rejected from None
    host = parts.hostname or ""
    if (
        parts.scheme != "https" or "@" in parts.netloc or port not in (None, 443)
        or not HOSTNAME.fullmatch(host)
        or not (host == "paypal.com" or host.endswith(".paypal.com"))
    ):
        raise rejected
    return f"https://{host}{parts.path}" + (f"?{parts.query}" if parts.query else "")


def verify(
    *, transmission_id: str, transmission_time: str, signature: str, cert_url: str,
    auth_algo: str, webhook_id: str, body: bytes, now: datetime | None = None,
) -> str:
    """Check PayPal's signature of this transmission; return the certificate's subject
    name. Raises WebhookRejected, or ProviderUnavailable when the certificate could not be
    fetched for a passing reason (PayPal then retries)."""
    fetch_url = check_cert_url(cert_url)
    if auth_algo != AUTH_ALGO:
        raise WebhookRejected(f"PAYPAL-AUTH-ALGO {auth_algo!r} is not {AUTH_ALGO}.")
    try:
        signed = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        raise WebhookRejected("PAYPAL-TRANSMISSION-SIG is not base64.") from None
    certificate = load_certificate(cert_url, fetch_url)
    name = check_certificate(certificate, now=now)
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise WebhookRejected(f"The certificate of {name} has no RSA key.")
    message = f"{transmission_id}|{transmission_time}|{webhook_id}|{zlib.crc32(body)}"
    try:
        key.verify(signed, message.encode(), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise WebhookRejected("The PayPal signature does not match this request.") from None
    return name


def check_certificate(certificate: x509.Certificate, *, now: datetime | None = None) -> str:
    """The certificate's subject name, when it is in date and names a paypal.com host."""
    now = now or timezone.now()
    if now < certificate.not_valid_before_utc:
        raise WebhookRejected("The PayPal certificate is not valid yet.")
    if now > certificate.not_valid_after_utc:
        raise WebhookRejected("The PayPal certificate has expired.")
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    name = str(names[0].value).lower() if names else ""
    if not name.endswith(".paypal.com"):
        raise WebhookRejected(f"The certificate is for {name or 'no name'!r}, not PayPal.")
    return name


def load_certificate(cert_url: str, fetch_url: str) -> x509.Certificate:
    """The first certificate served at a checked URL, from the cache or fetched (without
    following redirects) and then cached for a day."""
    key = "payments:paypal:cert:" + hashlib.sha256(cert_url.encode()).hexdigest()
    pem = cache.get(key)
    if pem is None:
        pem = _fetch(fetch_url)
        certificate = _parse(pem)
        cache.set(key, pem, CERTIFICATE_CACHE_SECONDS)
        return certificate
    return _parse(pem)


def _fetch(url: str) -> str:
    try:
        response = requests.get(url, timeout=TIMEOUT, allow_redirects=False)
    except requests.RequestException as error:
        raise ProviderUnavailable(f"Could not fetch the PayPal certificate: {error}") from error
    if response.status_code >= 500:
        raise ProviderUnavailable(f"Fetching the PayPal certificate answered "
                                  f"{response.status_code}.")
    if response.status_code != 200 or len(response.content) > MAX_CERTIFICATE_BYTES:
        raise WebhookRejected(f"No PayPal certificate at {url} (HTTP {response.status_code}).")
    return response.content.decode("ascii", errors="replace")


def _parse(pem: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificates(pem.encode())[0]
    except ValueError:
        raise WebhookRejected("The PayPal certificate URL did not serve a certificate.") from None
