"""Who a signed-in request is, without a query on every request.

Every request of a signed-in person loads their user row to check the session against it.
A customer's row is kept in the cache for a minute instead, and forgotten whenever it is
saved or deleted (`forget`, connected in security.receivers): a new password, email or
name, a closed account, a sign-in's last_login. A change written around save() (a queryset's
update()) shows within KEPT_FOR. Staff are read from the database on every request, so
taking one off the staff signs them out at once however it is written.

Both sign-in backends (Django's, for the admin and invitations, and allauth's, for email
sign-in) read through the cache; which one a session names does not change what it gets.
"""

from contextvars import ContextVar

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache

from security.twofactor import devices

KEPT_FOR = 60  # seconds


def _key(user_id: object) -> str:
    return f"security.user:{user_id}"


def cache_keys(user_id: object) -> list[str]:
    """What get_user reads of the cache: the kept user, and whether they have two-factor on."""
    return [_key(user_id), devices.cache_key(user_id)]


# What the session's own round trip found of cache_keys (security.sessions): the user id it
# read them for and the entries found, for the request that read the session.
_read: ContextVar[tuple[str | None, dict]] = ContextVar("kept_user_read", default=(None, {}))


def read_with_session(user_id: str | None, found: dict) -> None:
    _read.set((user_id, found))


def forget_read(**kwargs) -> None:
    """A request_started receiver: what was read for an earlier request serves no other."""
    _read.set((None, {}))


def _read_for(user_id: object) -> dict:
    """cache_keys' entries: those the session read with it, once, if it read them for this
    user; else from the cache."""
    read_for, found = _read.get()
    if read_for == str(user_id):
        forget_read()
        return found
    return cache.get_many(cache_keys(user_id))


class KeptUser:
    """get_user from the cache, else from the database (kept for the next request when the
    person is not staff). A cache that does not answer reads the database. Whether the
    person has two-factor on, which the next middleware asks, comes in the same round trip
    (security.twofactor.devices.has_second_factor), and both with the session when its key
    names them (security.sessions)."""

    def get_user(self, user_id):
        key, second_factor_key = cache_keys(user_id)
        found = _read_for(user_id)
        user = found.get(key)
        if user is None or not self.user_can_authenticate(user):
            user = super().get_user(user_id)
            if user is not None and not user.is_staff:
                cache.set(key, user, KEPT_FOR)
        if user is not None:
            devices.already_read(user, found.get(second_factor_key))
        return user


class KeptModelBackend(KeptUser, ModelBackend):
    """Django's backend (password by username, permissions) reading users through the
    cache."""


class KeptAllauthBackend(KeptUser, AuthenticationBackend):
    """allauth's backend (password by email) reading users through the cache."""


def forget(sender, instance, **kwargs) -> None:
    """A post_save and post_delete receiver for the user model."""
    cache.delete(_key(instance.pk))
    if _read.get()[0] == str(instance.pk):
        forget_read()
