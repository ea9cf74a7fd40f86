"""The catalogue's read cache: the data behind the home, listing and product pages, and
nothing that depends on who is reading (shop.shared_pages keeps whole pages here, for the
visitors who all see the same thing).

Every cached read is stored with the catalogue version it was read at, and fetched together
with the current version in one round trip; it counts only while the two agree. A change to a
category, product, variant, image, price or rating bumps the version, so one bump invalidates
everything at once and no change has to know which keys it touches; the next read of each key
replaces its entry. Stock moves all the time during a sale, so it is narrower: an entry about
one product alone (its page, its detail) is stored with that product's own version too, and a
stock movement bumps only its products' versions, and the catalogue's only when a variant
sells out or comes back (listings show what is in stock). A version is bumped as the change
is made, so the writing request's own later reads miss, and again after its commit, so
nothing a concurrent request cached from the old rows in between outlives it.

The cache is a soft dependency: when it cannot be reached (django-redis ignores the error and
answers None) reads go to the database, as if nothing were cached. A bump it misses is not
lost: `bump_when_reachable`, a task, bumps again every RETRY_EVERY until the cache answers,
so once the cache is back nothing read before the change outlives it by more than that (and
the worker's poll). The bump made with the change enqueues it in the change's transaction,
so on the database task backend it is stored with the change or not at all; the one after
the commit enqueues it then. The task lives here, not in shop.tasks, because every catalogue
service imports this module and shop.tasks imports them.
"""

import hashlib
import logging
import time
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.core.cache import cache
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from monitoring import metrics

logger = logging.getLogger(__name__)

VERSION_KEY = "catalogue:version"
# Each product's own version, by slug: what is cached about that product alone is stored with
# it too, so a stock movement that changes no listing invalidates only its products' entries.
PRODUCT_KEY = "catalogue:product:{}"
# Each cart's own version, by the cart's id: shop.own_pages keeps the pages that show a cart
# under it, and every change to the cart's lines or code bumps it (shop.services.cart).
CART_KEY = "cart:{}"
# Each customer's own version, by their id: their account pages and saved ids are kept under
# it, and any change to their orders, addresses, or saved products or shops bumps it
# (shop.receivers).
CUSTOMER_KEY = "customer:{}"
# A safety net for writes that bypass the bumps (a raw UPDATE in a shell, say).
TIMEOUT = 15 * 60
# A customer's entries: their bumps are not retried, so a bump missed while the cache was away
# shows within this.
CUSTOMER_TIMEOUT = 60
# Every version but the catalogue's lives this long after it starts (a bump keeps its time):
# there is one per product, cart and customer, and nothing stored with one outlives it.
VERSION_TIMEOUT = 2 * TIMEOUT
# A missed bump is retried this often: the staleness a cache outage can leave behind, once the
# cache is back, is this plus the worker's poll, well inside the minute allowed.
RETRY_EVERY = timedelta(seconds=10)
# Past the entries' timeout everything cached before the change has expired by itself (Redis
# expires keys by the wall clock, also across a pause or a restart); a minute more covers
# reads that started before the commit and were stored after it.
RETRY_FOR = timedelta(seconds=TIMEOUT) + timedelta(minutes=1)


def catalogue_version() -> int | None:
    """The current version, or None when the cache cannot be reached."""
    version = cache.get(VERSION_KEY)
    return version if version is not None else start_version(VERSION_KEY)


def start_version(key: str) -> int | None:
    # A version lost from the cache starts again at the current time in nanoseconds, never at
    # a number some stale entry was stored with: the old count went up by one a change, far
    # slower than the clock.
    cache.add(key, time.time_ns(), timeout=None if key == VERSION_KEY else VERSION_TIMEOUT)
    return cache.get(key)


def bump_catalogue_version() -> None:
    """Invalidate every cached catalogue read, now and again when the transaction commits;
    a bump the cache does not take is retried by a task until it does."""
    _bump_or_retry()
    transaction.on_commit(_bump_or_retry)


def bump_products(slugs: Iterable[str]) -> None:
    """Invalidate what is cached of these products alone (each one's page and its entry),
    now and again when the transaction commits: a stock movement that leaves every listing
    as it was. A bump the cache does not take falls back to the catalogue's, retried until
    it is taken, which covers these products too."""
    slugs = sorted(set(slugs))
    _bump_products_or_retry(slugs)
    transaction.on_commit(partial(_bump_products_or_retry, slugs))


def bump_cart(cart_id: int) -> None:
    """Invalidate the pages kept with this cart's contents, now and again when the
    transaction commits. Not retried: those pages are kept for a minute at most."""
    _bump_now_and_on_commit(CART_KEY.format(cart_id))


def bump_customer(user_id: int | None) -> None:
    """Invalidate the account pages kept for this customer (None: a guest, none kept), as
    bump_cart does a cart's."""
    if user_id is not None:
        _bump_now_and_on_commit(CUSTOMER_KEY.format(user_id))


def _bump_now_and_on_commit(key: str) -> None:
    _bump(key)
    transaction.on_commit(partial(_bump, key))


def _bump_products_or_retry(slugs: list[str]) -> None:
    if not all([_bump(PRODUCT_KEY.format(slug)) for slug in slugs]):
        _retry_bump_later(attempt=1)


def _bump_or_retry() -> None:
    if not _bump():
        _retry_bump_later(attempt=1)


def _bump(key: str = VERSION_KEY) -> bool:
    """Bump a version; False when the cache did not answer."""
    try:
        # django-redis, told to ignore errors, answers None instead of raising.
        return cache.incr(key) is not None
    except ValueError:  # not there: starting afresh invalidates as well
        return start_version(key) is not None


# Ahead of other work: it is one cache call, and while it waits shoppers see old prices.
@task(priority=10)
def bump_when_reachable(*, attempt: int = 1) -> bool:
    """Bump the version, or try again in RETRY_EVERY while the cache does not answer (for
    RETRY_FOR at most). Not a failure while it waits: the cache is a soft dependency, and the
    health page reports it down already."""
    if _bump():
        if attempt > 1:
            logger.info("The catalogue version was bumped on attempt %d.", attempt)
        return True
    if attempt * RETRY_EVERY >= RETRY_FOR:
        logger.warning(
            "The cache did not answer for %d attempts; entries cached before the change "
            "have expired by now, so the catalogue version bump is given up.",
            attempt,
        )
        return False
    _retry_bump_later(attempt=attempt + 1)
    return False


def _retry_bump_later(*, attempt: int) -> None:
    """Enqueue the bump to run at once (a worker may reach the cache when this process does
    not) or, for a retry, after RETRY_EVERY. Not where the backend cannot run work later:
    the ImmediateBackend of dev and tests would only try again at once, in the request."""
    if not bump_when_reachable.get_backend().supports_defer:
        logger.warning("The cache did not take the catalogue version bump.")
        return
    run_after = timezone.now() + RETRY_EVERY if attempt > 1 else None
    bump_when_reachable.using(run_after=run_after).enqueue(attempt=attempt)
    logger.warning(
        "The cache did not take the catalogue version bump; a task bumps it once the cache "
        "answers (attempt %d).",
        attempt,
    )


def remember[T](
    name: str, parts: tuple[Hashable, ...], compute: Callable[[], T], *, product: str = "",
    still: Callable[[int, T], bool] | None = None,
) -> T:
    """`compute()`'s result, cached under `name` and `parts` for the current catalogue version
    (and the version of `product`, a slug, for an entry about that product alone, which its
    stock movements invalidate without touching the rest).

    `parts` must say everything the result depends on but what `still(version, value)`, if
    given, checks of a stored value at the catalogue's current version; a None result is not
    cached.
    """
    *versions, key = entry_keys(name, parts, product=product)
    return _remember(key, versions, compute, still=still)


def entry_keys(name: str, parts: tuple[Hashable, ...], *, product: str = "") -> list[str]:
    """The keys remember reads: the versions', then the entry's (for read_ahead)."""
    versions = [VERSION_KEY, PRODUCT_KEY.format(product)] if product else [VERSION_KEY]
    return [*versions, f"catalogue:{name}:{digest(parts)}"]


def remember_customer[T](
    user_id: int, name: str, compute: Callable[[], T], *, with_catalogue: bool = False
) -> T:
    """`compute()`'s result about this customer alone (their saved products, their reviews),
    cached under `name` for the customer's current version (and the catalogue's, if it names
    catalogue rows by what a change there may alter, such as a slug)."""
    version_key, key = customer_keys(user_id, name)
    versions = [version_key] + ([VERSION_KEY] if with_catalogue else [])
    return _remember(key, versions, compute, CUSTOMER_TIMEOUT)


def _remember[T](
    key: str, version_keys: list[str], compute: Callable[[], T], timeout: int = TIMEOUT,
    *, still: Callable[[int, T], bool] | None = None,
) -> T:
    fetched = fetch_versioned(version_keys, key)
    if fetched is None:
        return compute()
    versions, stored = fetched
    # (versions, value); anything else (none, or what an older release kept) is a miss.
    stored_at, value = stored if isinstance(stored, tuple) and len(stored) == 2 else (None, None)
    hit = stored_at == versions and (still is None or still(versions[0], value))
    metrics.record_cache_request(hit=hit)
    if hit:
        return value
    value = compute()
    if value is not None:
        cache.set(key, (versions, value), timeout)
    return value


def fetch_versioned(version_keys: list[str], key: str) -> tuple[list[int], object] | None:
    """The current versions under `version_keys` (each started if missing) and what is
    stored under `key`, in one round trip (or none, read ahead); None when the cache does
    not answer."""
    found = _read([*version_keys, key])
    versions = []
    for version_key in version_keys:
        current = found.get(version_key) or start_version(version_key)
        if current is None:
            return None
        versions.append(current)
    return versions, found.get(key)


@contextmanager
def read_ahead(keys: list[str]) -> Iterator[None]:
    """Within the block, the first round trip to the cache fetches `keys` too, and a later
    read of only those keys is answered with what it found: what one request reads of
    several entries (a page and the customer's saved ids) costs one round trip."""
    token = _ahead.set(_Ahead(keys))
    try:
        yield
    finally:
        _ahead.reset(token)


def customer_keys(user_id: int, *names: str) -> list[str]:
    """The keys remember_customer reads for these entries of the customer's (with their
    version's), for read_ahead."""
    return [CUSTOMER_KEY.format(user_id), *(f"customer:{user_id}:{name}" for name in names)]


@dataclass
class _Ahead:
    wanted: list[str]
    found: dict | None = None  # each wanted key's value (None: missing), once fetched


_ahead: ContextVar[_Ahead | None] = ContextVar("cache_read_ahead", default=None)


def _read(keys: list[str]) -> dict:
    ahead = _ahead.get()
    if ahead is None:
        return cache.get_many(keys)
    if ahead.found is None:
        found = cache.get_many(list(dict.fromkeys([*keys, *ahead.wanted])))
        ahead.found = {key: found.get(key) for key in ahead.wanted}
        return found
    if all(key in ahead.found for key in keys):
        return {key: ahead.found[key] for key in keys if ahead.found[key] is not None}
    return cache.get_many(keys)


def digest(parts: tuple[Hashable, ...]) -> str:
    """A short, stable stand-in for the parts (free text such as a search included)."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
