"""Reading a person's second factor: their authenticator app (a TOTPDevice) and their
backup codes (a BackupCodeDevice holding hashed codes).

Whether an account has two-factor on is asked on every request of a signed-in person, so
the answer is kept in the cache (for a minute, and rewritten whenever it changes) instead of
costing a query each time, and read with the request's user in one round trip
(security.users); the session remembers it from the sign-in as well, so a sign-in is never
let through on a stale answer.
"""

from django.core.cache import cache
from django_otp.plugins.otp_totp.models import TOTPDevice

from security.models import BackupCode, BackupCodeDevice
from security.twofactor import backup_codes

CACHE_SECONDS = 60
SESSION_KEY = "second_factor_required"
# The attribute of a request's user holding what the cache said as it was read.
READ = "_second_factor_read"


def cache_key(user_id: int) -> str:
    return f"security.twofactor.enabled:{user_id}"


def app_device(user) -> TOTPDevice | None:
    """The confirmed authenticator app of `user`, if two-factor is on."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def pending_app_device(user) -> TOTPDevice | None:
    """The authenticator app being set up (not yet confirmed by a code)."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def backup_device(user) -> BackupCodeDevice | None:
    return BackupCodeDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def backup_codes_left(user) -> int:
    device = backup_device(user)
    return device.codes.count() if device else 0


def has_second_factor(user) -> bool:
    """Whether `user` has two-factor on (cached; see the module's docstring)."""
    enabled = getattr(user, READ, None)
    if enabled is None:
        enabled = cache.get(cache_key(user.pk))
    if enabled is None:
        enabled = remember_second_factor(user)
    return enabled


def already_read(user, enabled: bool | None) -> None:
    """What the cache said of `user`'s two-factor as the request's user was read with it
    (None: nothing), for has_second_factor to use in this request."""
    setattr(user, READ, enabled)


def remember_second_factor(user, enabled: bool | None = None) -> bool:
    """Store in the cache whether `user` has two-factor on: `enabled`, or else as the
    database says now."""
    if enabled is None:
        enabled = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    cache.set(cache_key(user.pk), enabled, CACHE_SECONDS)
    already_read(user, enabled)
    return enabled


def unused_backup_codes(user, codes: list[str]) -> list[str]:
    """Those of `codes` that are unused backup codes of `user`, in the order given."""
    digests = {
        code: backup_codes.candidate_digests(user_id=user.pk, code=code) for code in codes
    }
    stored = set(
        BackupCode.objects.filter(
            device__user=user,
            device__confirmed=True,
            digest__in=[digest for found in digests.values() for digest in found],
        ).values_list("digest", flat=True)
    )
    return [code for code in codes if stored.intersection(digests[code])]
