"""The catalogue's read cache: the data behind the home, listing and product pages, never the
pages themselves (each carries its own CSP nonce), and nothing that depends on who is reading.

Every cached read's key holds one catalogue version number. A change to a category, product,
variant, image, price, stock level or rating bumps it, so one bump invalidates everything at
once and no change has to know which keys it touches; the old entries age out by their
timeout. The version is bumped as the change is made, so the writing request's own later reads
miss, and again after its commit, so nothing a concurrent request cached from the old rows in
between outlives it.

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
    if version is None:
        # A version lost from the cache starts again at the current time in nanoseconds, never
        # at a number some stale entry was stored under: the old count went up by one a
        # change, far slower than the clock.
        cache.add(VERSION_KEY, time.time_ns(), timeout=None)
        version = cache.get(VERSION_KEY)
    return version


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
    """`compute()`'s result, cached under `name`, `parts` and the catalogue version.

    `parts` must say everything the result depends on; a None result is not cached.
    """
    version = catalogue_version()
    if version is None:
        return compute()
    key = f"catalogue:{version}:{name}:{_digest(parts)}"
    found = cache.get(key)
    metrics.record_cache_request(hit=found is not None)
    if found is not None:
        return found
    value = compute()
    if value is not None:
        cache.set(key, value, TIMEOUT)
    return value


def _digest(parts: tuple[Hashable, ...]) -> str:
    """A short, stable stand-in for the parts (free text such as a search included)."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
