"""Retrying a failed task later, with exponential backoff.

`django.tasks` has no retries of its own. A task that may fail for a passing reason (the mail
server, a lock, a dropped connection) takes an `attempt` keyword (1 when first enqueued) and
runs its body through `run_with_retries`: on one of the given errors the same task is
enqueued again with `attempt + 1` to run after 30 s, 1 min, 2 min, … (at most an hour), up to
MAX_ATTEMPTS in all; the error is then raised all the same, so each failed attempt is recorded
with its traceback. Where the backend cannot run work later (the ImmediateBackend of dev and
tests) nothing is retried.
"""

import logging
from collections.abc import Callable
from datetime import timedelta

from django.tasks import Task
from django.utils import timezone

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
FIRST_DELAY = timedelta(seconds=30)
LONGEST_DELAY = timedelta(hours=1)


def backoff(attempt: int) -> timedelta:
    """How long to wait after failed attempt number `attempt` (1, 2, …)."""
    return min(FIRST_DELAY * 2 ** (attempt - 1), LONGEST_DELAY)


def retry_later(task: Task, *, attempt: int, **kwargs: object) -> bool:
    """Enqueue `task` again with `kwargs` and `attempt + 1` after the backoff. False when
    `attempt` was the last one or the backend cannot run work later."""
    if attempt >= MAX_ATTEMPTS or not task.get_backend().supports_defer:
        return False
    run_after = timezone.now() + backoff(attempt)
    task.using(run_after=run_after).enqueue(attempt=attempt + 1, **kwargs)
    logger.warning(
        "Task %s failed on attempt %d of %d; retrying at %s",
        task.name,
        attempt,
        MAX_ATTEMPTS,
        run_after.isoformat(),
    )
    return True


def run_with_retries[T](
    task: Task,
    body: Callable[..., T],
    *,
    attempt: int,
    retry_on: tuple[type[Exception], ...],
    **kwargs: object,
) -> T:
    """Call `body(**kwargs)`; on an error in `retry_on`, schedule `task` again and re-raise."""
    try:
        return body(**kwargs)
    except retry_on:
        retry_later(task, attempt=attempt, **kwargs)
        raise
