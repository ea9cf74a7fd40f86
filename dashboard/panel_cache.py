"""Keeping the dashboard's costly panels in the cache, with no stampede when one falls due:
`kept`; `renewed` computes one afresh and keeps it."""

import time
from collections.abc import Callable

from django.core.cache import cache

KEPT_SECONDS = 60  # as often as the key figures refresh themselves on the page
STALE_SECONDS = 300  # how long past its time a panel may be shown while one request redoes it
LOCK_SECONDS = 30  # a computation that takes longer is taken for dead: another may start
WAIT_SECONDS = 10.0  # with no copy at all, how long to wait for the one computing it
WAIT_STEP = 0.05


def kept[T](name: str, compute: Callable[[], T], *depends_on: str) -> T:
    """A panel from the cache, else computed and kept there for KEPT_SECONDS.

    No stampede: the cache holds a panel STALE_SECONDS past its time, beside the moment it
    falls due. When it is due, the one request that takes the panel's lock (`cache.add`)
    computes it afresh while the others serve the copy they found. When there is no copy at
    all, the others wait for the one computing it: if it fails, one of them takes the lock
    and tries; after WAIT_SECONDS (its holder may have died) each computes it itself. With
    the cache away, each request computes its panel at once."""
    key = _key(name, depends_on)
    found = cache.get(key)
    if found is not None and found[0] > time.time():
        return found[1]
    if cache.add(f"{key}:computing", True, LOCK_SECONDS):
        return _compute_and_keep(key, compute)
    if found is not None:
        return found[1]  # another request is computing it: the copy a little past its time
    if cache.get(f"{key}:computing") is None:
        # No one holds the lock: the cache cannot be reached, so there is nothing to wait for
        # (or its holder has just kept the panel, and this computes it once more).
        return compute()
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(WAIT_STEP)
        found = cache.get(key)
        if found is not None:
            return found[1]
        if cache.add(f"{key}:computing", True, LOCK_SECONDS):  # its holder gave up
            return _compute_and_keep(key, compute)
    return compute()


def renewed[T](name: str, compute: Callable[[], T], *depends_on: str) -> T:
    """The panel computed afresh and kept, whatever copy the cache holds: for a part of the
    page made of panels and kept whole (dashboard.home_page.Dashboard.section), so that each
    panel redrawn alone shows what the part shows."""
    value = compute()
    _keep(_key(name, depends_on), value)
    return value


def _key(name: str, depends_on: tuple[str, ...]) -> str:
    return ":".join(["dashboard:panel", name, *depends_on])


def _keep(key: str, value: object) -> None:
    """Keep the panel for KEPT_SECONDS, and its copy STALE_SECONDS past them."""
    cache.set(key, (time.time() + KEPT_SECONDS, value), KEPT_SECONDS + STALE_SECONDS)


def _compute_and_keep[T](key: str, compute: Callable[[], T]) -> T:
    """Compute the panel, holding its lock, and keep it."""
    try:
        value = compute()
        _keep(key, value)
    finally:
        cache.delete(f"{key}:computing")
    return value
