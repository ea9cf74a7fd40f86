"""A panel that falls due is worked out again by one request, not by every request at once."""

import threading
import time

import pytest
from django.core.cache import cache

from dashboard import panel_cache
from dashboard.panel_cache import kept, renewed
from tests.conftest import DEAD_REDIS

KEY = "dashboard:panel:figures:2025-03-03:2025-03-09"


class Counted:
    """A panel's computation that says how often it ran; `seconds` long."""

    def __init__(self, value: str = "new", seconds: float = 0.0):
        self.value, self.seconds, self.runs = value, seconds, 0
        self.lock = threading.Lock()

    def __call__(self) -> str:
        with self.lock:
            self.runs += 1
        time.sleep(self.seconds)
        return self.value


def due(value: str) -> None:
    """A copy of the panel past its time."""
    cache.set(KEY, (time.time() - 1, value), 300)


def test_a_panel_is_computed_once_then_kept():
    compute = Counted()
    assert kept("figures", compute, "2025-03-03", "2025-03-09") == "new"
    assert kept("figures", compute, "2025-03-03", "2025-03-09") == "new"
    assert compute.runs == 1


def test_a_due_panel_is_shown_as_it_was_while_another_request_computes_it():
    due("old")
    cache.add(f"{KEY}:computing", True, 30)  # another request is at it
    compute = Counted()

    assert kept("figures", compute, "2025-03-03", "2025-03-09") == "old"
    assert compute.runs == 0


def test_a_due_panel_is_computed_by_the_request_that_takes_the_lock():
    due("old")
    compute = Counted()
    assert kept("figures", compute, "2025-03-03", "2025-03-09") == "new"
    assert compute.runs == 1 and cache.get(f"{KEY}:computing") is None
    assert kept("figures", compute, "2025-03-03", "2025-03-09") == "new"
    assert compute.runs == 1


@pytest.mark.parametrize("copy", [None, "old"], ids=["no copy", "a copy past its time"])
def test_many_requests_at_once_compute_a_panel_once(copy):
    if copy:
        due(copy)
    compute = Counted(seconds=0.3)
    results = []
    start = threading.Barrier(12)

    def ask() -> None:
        start.wait()
        results.append(kept("figures", compute, "2025-03-03", "2025-03-09"))

    threads = [threading.Thread(target=ask) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert compute.runs == 1
    assert len(results) == 12 and set(results) <= {"new", copy}


def test_with_no_copy_a_request_waits_a_little_then_computes_it_itself(monkeypatch):
    monkeypatch.setattr(panel_cache, "WAIT_SECONDS", 0.1)
    cache.add(f"{KEY}:computing", True, 30)  # held by a request that died
    compute = Counted()

    assert kept("figures", compute, "2025-03-03", "2025-03-09") == "new"
    assert compute.runs == 1


def test_a_computation_that_fails_lets_the_next_request_try():
    def broken() -> str:
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        kept("figures", broken, "2025-03-03", "2025-03-09")
    assert cache.get(f"{KEY}:computing") is None
    assert kept("figures", Counted(), "2025-03-03", "2025-03-09") == "new"


def test_when_the_request_computing_it_fails_one_waiting_request_takes_over():
    compute = Counted(seconds=0.1)
    results = []
    holder = threading.Event()

    def failing() -> str:
        holder.set()
        time.sleep(0.2)
        raise RuntimeError("the database went away")

    def first() -> None:
        with pytest.raises(RuntimeError):
            kept("figures", failing, "2025-03-03", "2025-03-09")

    def waiting() -> None:
        holder.wait()
        results.append(kept("figures", compute, "2025-03-03", "2025-03-09"))

    threads = [threading.Thread(target=first), *(threading.Thread(target=waiting)
                                                 for _ in range(5))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == ["new"] * 5 and compute.runs == 1


def test_with_the_cache_away_a_panel_is_computed_at_once(settings):
    settings.CACHES = DEAD_REDIS
    compute = Counted()
    started = time.monotonic()

    assert kept("figures", compute, "2025-03-03", "2025-03-09") == "new"
    assert kept("figures", compute, "2025-03-03", "2025-03-09") == "new"

    assert compute.runs == 2
    assert time.monotonic() - started < panel_cache.WAIT_SECONDS  # no wait for a lock


def test_a_panel_renewed_is_computed_afresh_and_kept_in_place_of_the_copy():
    kept("figures", Counted("old"), "2025-03-03", "2025-03-09")
    compute = Counted("new")
    assert renewed("figures", compute, "2025-03-03", "2025-03-09") == "new"
    assert kept("figures", Counted("later"), "2025-03-03", "2025-03-09") == "new"
    assert compute.runs == 1
