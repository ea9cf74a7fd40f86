"""Counting events per minute in the cache, for rate-bounded logging and spike alerts."""

import time

from django.core.cache import cache


def count_this_minute(name: str, *, now: float | None = None) -> int | None:
    """Count one event of `name` in the current minute; the count so far, this one included,
    or None when the cache cannot count (it is down, or the key vanished just now)."""
    key = f"count:{name}:{int((now or time.time()) // 60)}"
    cache.add(key, 0, timeout=120)
    try:
        return cache.incr(key)  # None from a cache that ignores its errors
    except ValueError:  # the key expired or was evicted in between
        return None
