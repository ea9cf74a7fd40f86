"""Second factors for tests: RFC 6238 codes computed here, independently of django-otp, and
sessions that passed the second factor.

Pages for staff (the admin, the dashboard) let in only a session verified with a code.
`sign_in_with_second_factor(client, user)` gives `user` an authenticator app and signs the
client in the way a code would have: django-otp keeps the verifying device's id in the
session, and that is all its middleware looks at.
"""

import base64
import hashlib
import hmac
import struct
import time

from django.contrib.auth.models import Permission
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts import make_account

STEP = 30
# RFC 6238's test key for SHA-1 (appendix B): "12345678901234567890" as hex.
RFC_KEY_HEX = "3132333435363738393031323334353637383930"


def totp(key: bytes, at: float, *, digits: int = 6, step: int = STEP) -> str:
    """The RFC 6238 code (HMAC-SHA-1, dynamic truncation of RFC 4226) for Unix time `at`."""
    counter = int(at // step)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def key_from_base32(text: str) -> bytes:
    """The secret as the setup page shows it (base32 in groups of four)."""
    text = "".join(text.split()).upper()
    return base64.b32decode(text + "=" * (-len(text) % 8))


def code_for(device: TOTPDevice, *, steps: int = 0, at: float | None = None) -> str:
    """The device's code `steps` time steps from `at` (now by default)."""
    at = time.time() if at is None else at
    return totp(bytes.fromhex(device.key), at + steps * STEP, digits=device.digits)


def add_app_device(user, *, key: str = RFC_KEY_HEX, confirmed: bool = True) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Phone", key=key, confirmed=confirmed)


def mark_verified(client, device) -> None:
    """What django_otp.login does to a session once a code was accepted."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def sign_in_with_second_factor(client, user) -> TOTPDevice:
    """Sign `client` in as `user`, with an authenticator app and a verified session."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or add_app_device(user)
    client.force_login(user)
    mark_verified(client, device)
    return device


def sign_in_clerk(client, *permissions: str):
    """Sign `client` in, through the code step, as a staff member who is no superuser and
    holds these permissions ("app_label.codename"; a misspelt one raises). Returns them."""
    clerk = make_account("clerk@example.com", is_staff=True)
    for name in permissions:
        app_label, codename = name.split(".")
        clerk.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    sign_in_with_second_factor(client, clerk)
    return clerk
