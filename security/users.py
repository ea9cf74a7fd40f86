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

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache

from security.twofactor import devices

KEPT_FOR = 60  # seconds


def _key(user_id: object) -> str:
    return f"security.user:{user_id}"


class KeptUser:
    """get_user from the cache, else from the database (kept for the next request when the
    person is not staff). A cache that does not answer reads the database. Whether the
    person has two-factor on, which the next middleware asks, comes in the same round trip
    (security.twofactor.devices.has_second_factor)."""

    def get_user(self, user_id):
        key, second_factor_key = _key(user_id), devices.cache_key(user_id)
        found = cache.get_many([key, second_factor_key])
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
