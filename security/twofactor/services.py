"""Two-factor use cases: setting up an authenticator app, checking a code at sign-in,
replacing the backup codes and turning two-factor off.

The app is a django-otp TOTPDevice with its defaults (RFC 6238: SHA-1, 6 digits, 30 s
steps), accepting one step of clock difference either way; its `last_t` refuses a code
that was used already, and its throttle makes each wrong code in a row double the wait
before the next try (1, 2, 4 … s). Backup codes are checked against their hashes and
deleted when used. A wrong code is counted even though the call raises: the count is
committed before the error leaves.
"""

import math
from functools import partial

from django.db import transaction
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from security.models import BackupCode, BackupCodeDevice
from security.twofactor import backup_codes, devices
from security.twofactor.errors import (
    AlreadyEnabled,
    InvalidCode,
    NotEnabled,
    TooManyAttempts,
    TwoFactorError,
)

APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"


@transaction.atomic
def start_setup(*, user) -> TOTPDevice:
    """The unconfirmed app device to show the QR code of: the one already begun, so a
    reload does not change the key someone is scanning, or a new one."""
    if devices.app_device(user):
        raise AlreadyEnabled
    return devices.pending_app_device(user) or TOTPDevice.objects.create(
        user=user, name=APP_DEVICE_NAME, confirmed=False
    )


def confirm_setup(*, user, device_id: int, code: str) -> tuple[TOTPDevice, list[str]]:
    """Turn two-factor on: the app device becomes confirmed once it produced a valid code,
    and ten fresh backup codes are made. Returns the device and the codes, in plain text
    for showing once; only their hashes are kept."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(pk=device_id, user=user, confirmed=False)
            .first()
        )
        if device is None:
            raise AlreadyEnabled if devices.app_device(user) else NotEnabled(
                "This setup has expired. Start again to get a new QR code."
            )
        _check_allowed(device)
        verified = device.verify_token(_app_code(code))
        if verified:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            codes = _replace_backup_codes(user)
            transaction.on_commit(partial(devices.remember_second_factor, user, True))
    if not verified:
        raise InvalidCode("That code did not match. Enter the newest code your app shows.")
    return device, codes


def check_code(*, user, code: str) -> Device:
    """The device that accepts `code`: the app for a six-digit code, the backup codes for
    a backup code (which is then used up). Raises InvalidCode, TooManyAttempts (the
    throttle of the app device covers both kinds), or NotEnabled."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=True)
            .order_by("pk")
            .first()
        )
        if device is None:
            raise NotEnabled
        _check_allowed(device)
        if backup_codes.looks_like_backup_code(code):
            accepted = _use_backup_code(user, code)
            if accepted is None:
                device.throttle_increment(commit=True)
            else:
                device.throttle_reset(commit=True)
        else:
            accepted = device if device.verify_token(_app_code(code)) else None
    if accepted is None:
        raise InvalidCode
    return accepted


def regenerate_backup_codes(*, user, code: str) -> list[str]:
    """Replace every backup code with ten new ones, given a current code. The code is
    checked in a transaction of its own, so a wrong one still counts."""
    check_code(user=user, code=code)
    with transaction.atomic():
        return _replace_backup_codes(user)


def disable(*, user, code: str) -> None:
    """Turn two-factor off, given a current code (the view checks the password): the app
    and the backup codes are deleted, and with them every browser trusted to skip the
    code. The code is checked in a transaction of its own, so a wrong one still counts."""
    check_code(user=user, code=code)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        BackupCodeDevice.objects.filter(user=user).delete()
        transaction.on_commit(partial(devices.remember_second_factor, user, False))


def _check_allowed(device: TOTPDevice) -> None:
    """Raise TooManyAttempts, with the seconds left (rounded up), while the device's throttle
    refuses to check any code: django-otp's verify_token would turn even the right code
    down then, and the person would be told it did not work."""
    allowed, details = device.verify_is_allowed()
    if allowed:
        return
    locked_until = (details or {}).get("locked_until")
    if locked_until is None:  # refused for another reason django-otp may give
        raise TwoFactorError((details or {}).get("error_message") or InvalidCode.message)
    seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
    raise TooManyAttempts(seconds)


def _app_code(code: str) -> str:
    """Six digits however they were typed ("123 456" too); anything else as a code that
    can never match (django-otp would read non-ASCII digits as digits)."""
    code = "".join(code.split())
    return code if code.isascii() and code.isdigit() else "-"


def _use_backup_code(user, code: str) -> BackupCodeDevice | None:
    """Delete the matching unused backup code of `user`; its device when there was one."""
    row = (
        BackupCode.objects.select_related("device")
        .filter(
            device__user=user,
            device__confirmed=True,
            digest__in=backup_codes.candidate_digests(user_id=user.pk, code=code),
        )
        .first()
    )
    if row is None:
        return None
    row.delete()
    return row.device


def _replace_backup_codes(user) -> list[str]:
    device, _ = BackupCodeDevice.objects.get_or_create(
        user=user, defaults={"name": BACKUP_DEVICE_NAME, "confirmed": True}
    )
    device.codes.all().delete()
    codes = backup_codes.generate_codes()
    BackupCode.objects.bulk_create(
        BackupCode(device=device, digest=backup_codes.digest(user_id=user.pk, code=code))
        for code in codes
    )
    return codes
