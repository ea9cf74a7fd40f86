"""The catalogue's read cache: the data behind the home, listing and product pages, and
nothing that depends on who is reading (shop.shared_pages keeps whole pages here, for the
visitors who all see the same thing).

Every cached read is stored with the catalogue version it was read at, and fetched together
with the current version in one round trip; it counts only while the two agree. A change to a
category, product, variant, image, price, stock level or rating bumps the version, so one bump
invalidates everything at once and no change has to know which keys it touches; the next read
of each key replaces its entry. The version is bumped as the change is made, so the writing
request's own later reads miss, and again after its commit, so nothing a concurrent request
cached from the old rows in between outlives it.

The cache is a soft dependency: when it cannot be reached (django-redis ignores the error and
answers None) reads go to the database, as if nothing were cached.
"""

import hashlib
import time
from collections.abc import Callable, Hashable

from django.core.cache import cache
from django.db import transaction

from monitoring import metrics

VERSION_KEY = "catalogue:version"
# A safety net for writes that bypass the bumps (a raw UPDATE in a shell, say).
TIMEOUT = 15 * 60


def catalogue_version() -> int | None:
    """The current version, or None when the cache cannot be reached."""
    version = cache.get(VERSION_KEY)
    return version if version is not None else _start_version()


def _start_version() -> int | None:
    # A version lost from the cache starts again at the current time in nanoseconds, never at
    # a number some stale entry was stored with: the old count went up by one a change, far
    # slower than the clock.
    cache.add(VERSION_KEY, time.time_ns(), timeout=None)
    return cache.get(VERSION_KEY)


def bump_catalogue_version() -> None:
    """Invalidate every cached catalogue read, now and again when the transaction commits."""
    _bump()
    transaction.on_commit(_bump)


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not there: starting afresh invalidates as well
        catalogue_version()


def remember[T](name: str, parts: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """`compute()`'s result, cached under `name` and `parts` for the current catalogue version.

    `parts` must say everything the result depends on; a None result is not cached.
    """
    key = f"catalogue:{name}:{_digest(parts)}"
    found = cache.get_many([VERSION_KEY, key])
    version = found.get(VERSION_KEY)
    if version is None:
        version = _start_version()
        if version is None:
            return compute()
    stored_at, value = found.get(key, (None, None))
    hit = stored_at == version
    metrics.record_cache_request(hit=hit)
    if hit:
        return value
    value = compute()
    if value is not None:
        cache.set(key, (version, value), TIMEOUT)
    return value


def _digest(parts: tuple[Hashable, ...]) -> str:
    """A short, stable stand-in for the parts (free text such as a search included)."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
