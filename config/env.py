"""Every setting that comes from the environment is read here, and only here."""

import ipaddress
import os
from decimal import Decimal, InvalidOperation
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured


def text(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def required(name: str) -> str:
    value = text(name)
    if not value:
        raise ImproperlyConfigured(f"Set the {name} environment variable.")
    return value


def flag(name: str, default: bool = False) -> bool:
    value = text(name)
    if not value:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def choice(name: str, default: str, choices: list[str]) -> str:
    value = text(name, default).lower() or default
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}.")
    return value


def integer(name: str, default: int) -> int:
    value = text(name)
    try:
        return int(value) if value else default
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def decimal(name: str, default: str, *, minimum: str, below: str, places: int) -> Decimal:
    """A number from `minimum` up to (not including) `below`, with at most `places`
    decimal places."""
    value = text(name) or default
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if (
        number is None
        or not Decimal(minimum) <= number < Decimal(below)
        or -number.as_tuple().exponent > places
    ):
        raise ImproperlyConfigured(
            f"{name} must be a number from {minimum} to below {below} with at most {places} "
            f"decimal places, not {value!r}."
        )
    return number


def fraction(name: str, default: float) -> float:
    """A number from 0 to 1, both included (a sampling rate)."""
    value = text(name)
    try:
        number = float(value) if value else default
    except ValueError:
        number = -1.0
    if not 0 <= number <= 1:
        raise ImproperlyConfigured(f"{name} must be a number from 0 to 1, not {value!r}.")
    return number


def listing(value: str) -> list[str]:
    """Split a comma-separated value, such as the one `text` or `required` returns."""
    return [item.strip() for item in value.split(",") if item.strip()]


def networks(name: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """A comma-separated list of addresses and CIDR ranges (`10.0.0.0/8, 192.168.1.7`)."""
    try:
        return [ipaddress.ip_network(item, strict=False) for item in listing(text(name))]
    except ValueError as error:
        raise ImproperlyConfigured(
            f"{name} must be IP addresses or CIDR ranges separated by commas: {error}"
        ) from None


MAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}


def mailer(url: str) -> dict:
    """A MAILERS entry from an EMAIL_URL such as `smtp://user:pass@host:587`
    (STARTTLS), `smtps://…:465` (TLS from the start) or `console://`."""
    parts = urlsplit(url)
    if parts.scheme not in MAIL_BACKENDS:
        raise ImproperlyConfigured(
            f"EMAIL_URL must start with one of {', '.join(MAIL_BACKENDS)}, not {url!r}."
        )
    entry = {"BACKEND": MAIL_BACKENDS[parts.scheme]}
    if parts.scheme.startswith("smtp"):
        entry["OPTIONS"] = {
            "host": parts.hostname or "localhost",
            "port": parts.port or (465 if parts.scheme == "smtps" else 587),
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "use_ssl": parts.scheme == "smtps",
            "use_tls": parts.scheme == "smtp" and bool(parts.username),
            "timeout": 10,
        }
    return entry
