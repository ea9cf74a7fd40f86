"""Sign-in lockout: failed sign-ins counted per account name and client address.

Five failures in a row (a wrong password at sign-in, or a wrong code at the second step) for
one name from one address lock that pair for fifteen minutes. The pair, not the account: a
stranger failing from elsewhere cannot lock a customer out of their own account (the rate
limits in security.ratelimits cap tries at one account from many addresses). Names are kept
whether or not such an account exists, so a lock tells nobody who has an account.

Use cases: `record_failure`, `is_locked`, `clear` (a successful sign-in; staff in the admin),
`clear_account` (a completed password reset clears the name everywhere).
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from security.models import LoginLock

MAX_FAILURES = 5
LOCK_DURATION = timedelta(minutes=15)
# Failures further apart than this start the count again, so a few typos a week never add
# up to a lock.
FAILURE_MEMORY = LOCK_DURATION


def normalise(identifier: str) -> str:
    """Account names compare as emails do at sign-in: trimmed and case-insensitive."""
    return identifier.strip().lower()[: LoginLock._meta.get_field("identifier").max_length]


def is_locked(identifier: str, ip: str, *, now: datetime | None = None) -> bool:
    """Whether sign-ins for `identifier` from `ip` are refused right now."""
    now = now or timezone.now()
    return LoginLock.objects.filter(
        identifier=normalise(identifier), ip=ip, locked_until__gt=now
    ).exists()


@transaction.atomic
def record_failure(identifier: str, ip: str, *, now: datetime | None = None) -> bool:
    """Count one failed sign-in for `identifier` from `ip`; True when the pair is (now)
    locked. Locks the pair's row while counting, so concurrent failures all count."""
    now = now or timezone.now()
    lock, _ = LoginLock.objects.select_for_update().get_or_create(
        identifier=normalise(identifier), ip=ip
    )
    if lock.locked_until and lock.locked_until > now:
        return True  # already locked: the lock runs from the fifth failure, not the latest
    if lock.last_failure_at is None or now - lock.last_failure_at >= FAILURE_MEMORY:
        lock.failures = 0
    lock.failures += 1
    lock.last_failure_at = now
    lock.locked_until = now + LOCK_DURATION if lock.failures >= MAX_FAILURES else None
    lock.save(update_fields=["failures", "last_failure_at", "locked_until"])
    return lock.locked_until is not None


def clear(identifier: str, ip: str) -> None:
    """Forget the failures of `identifier` from `ip` (a successful sign-in), unlocking it."""
    LoginLock.objects.filter(identifier=normalise(identifier), ip=ip).delete()


def clear_account(identifiers: Iterable[str]) -> int:
    """Forget every failure and lock of these names, from any address (the account's owner
    has proved it by resetting the password). Returns how many pairs were cleared."""
    names = {normalise(identifier) for identifier in identifiers}
    deleted, _ = LoginLock.objects.filter(identifier__in=names).delete()
    return deleted


def clear_locks(*, lock_ids: Iterable[int]) -> int:
    """Staff clear these lockouts; returns how many were cleared."""
    deleted, _ = LoginLock.objects.filter(pk__in=list(lock_ids)).delete()
    return deleted
