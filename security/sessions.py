"""Sessions whose key names their signed-in user, so a signed-in request reads its session,
its user and whether they have two-factor on from the cache in one round trip.

Django's cached_db sessions (read from the cache, written through to the database, so a
cache outage or eviction signs nobody out) with one change: a signed-in session's key ends
with its user's id after HINT ("…_42"). Reading such a session fetches the keys
security.users reads with it, and get_user takes them from there, but only for the user the
session itself names: a key made up with someone else's id reads their entries and uses
none of them. The key is changed whenever the user it should name changes, as sign-in and
sign-out change it anyway; a session saved under a key naming no one or someone else (one
made before this engine, say) moves to a new key as it is saved. The cookie tells a browser
nothing but its own account's number.
"""

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.models import Session

from security import users

HINT = "_"
# Django's keys are 32 characters: the id of a user fits in what the column has left.
ROOM = Session._meta.get_field("session_key").max_length - 32 - len(HINT)


def named_user(session_key: str | None) -> str | None:
    """The user id a session key names, if any: digits, as many as a key this engine makes
    can hold (a cookie made up otherwise names no one, and reads nothing more)."""
    _, hint, user_id = (session_key or "").rpartition(HINT)
    named = hint and user_id.isascii() and user_id.isdigit() and len(user_id) <= ROOM
    return user_id if named else None


class SessionStore(cached_db.SessionStore):
    def load(self) -> dict:
        user_id = named_user(self.session_key)
        if user_id is None:
            users.read_with_session(None, {})
            return super().load()
        found = self._cache.get_many([self.cache_key, *users.cache_keys(user_id)])
        users.read_with_session(user_id, found)
        data = found.get(self.cache_key)
        # Not in the cache (or it did not answer): from the database, as Django reads it.
        return data if data is not None else super().load()

    def save(self, must_create: bool = False) -> None:
        if must_create:
            super().save(must_create)
            return
        self._get_session()  # loaded, to know whose it is
        if named_user(self.session_key) != self._user_to_name():
            self.cycle_key()  # saved under a new key that names the session's user
            return
        super().save(must_create)

    def _get_new_session_key(self) -> str:
        key = super()._get_new_session_key()
        user_id = self._user_to_name()
        return f"{key}{HINT}{user_id}" if user_id else key

    def _user_to_name(self) -> str | None:
        """The user id this session's key should end with: its signed-in user's, when it
        fits."""
        user_id = getattr(self, "_session_cache", {}).get(SESSION_KEY)
        return str(user_id) if user_id is not None and len(str(user_id)) <= ROOM else None
