"""Trusted browsers: "don't ask for a code here for 30 days".

The browser keeps a signed cookie (django.core.signing, so it cannot be forged or moved to
another account) naming the account, its authenticator app, and a keyed fingerprint of the
account's password hash and the app's secret. Changing the password, or turning two-factor
off (which deletes the app; setting it up again makes a new secret), makes every such
cookie worthless, without keeping a list of browsers anywhere.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare, salted_hmac
from django_otp.plugins.otp_totp.models import TOTPDevice

from security.twofactor import devices

COOKIE_NAME = "trusted_browser"
MAX_AGE = timedelta(days=30)
_SALT = "security.twofactor.trusted-browser"


def trust_browser(response: HttpResponse, *, user, device: TOTPDevice) -> None:
    value = signing.dumps(
        {"user": user.pk, "device": device.persistent_id, "check": _fingerprint(user, device)},
        salt=_SALT,
    )
    response.set_cookie(
        COOKIE_NAME, value, max_age=int(MAX_AGE.total_seconds()), path="/",
        secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Lax",
    )


def forget_browser(response: HttpResponse) -> None:
    response.delete_cookie(COOKIE_NAME, path="/", samesite="Lax")


def trusted_device(request: HttpRequest, user) -> TOTPDevice | None:
    """The app device this browser was trusted for, if its cookie still holds for `user`.
    Never for staff: the staff pages open only after a code given at this sign-in."""
    value = request.COOKIES.get(COOKIE_NAME)
    if not value or user.is_staff:
        return None
    try:
        claim = signing.loads(value, salt=_SALT, max_age=MAX_AGE)
    except signing.BadSignature:  # also an expired one
        return None
    if not isinstance(claim, dict) or claim.get("user") != user.pk:
        return None
    device = devices.app_device(user)
    if device is None or device.persistent_id != claim.get("device"):
        return None
    if not constant_time_compare(str(claim.get("check", "")), _fingerprint(user, device)):
        return None
    return device


def _fingerprint(user, device: TOTPDevice) -> str:
    return salted_hmac(_SALT, f"{user.password}|{device.key}", algorithm="sha256").hexdigest()
