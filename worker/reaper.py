"""Handing a dead worker's task to another.

django-tasks-db marks a task RUNNING when a worker claims it and never looks at it again, so a
worker killed mid-task (SIGKILL from an out-of-memory kill, an eviction, a lost node) leaves
it RUNNING for good. Every worker writes a heartbeat row every few seconds (`worker.runner`);
`reclaim_abandoned_tasks` puts back in the queue each running task whose worker has not been
seen for LOST_AFTER. Tasks are idempotent, so running one again is safe. A task whose workers
died MAX_CLAIMS times is failed instead, so that one task cannot kill workers for ever.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from worker.models import Heartbeat

logger = logging.getLogger(__name__)

MAX_CLAIMS = 5
# Rows of workers gone this long are of no use to anyone.
FORGET_AFTER = timedelta(days=1)


def lost_after() -> timedelta:
    return timedelta(seconds=settings.TASK_WORKER_LOST_AFTER_SECONDS)


def beat(*, worker_id: str, host: str, pid: int) -> None:
    Heartbeat.objects.update_or_create(
        worker_id=worker_id, defaults={"host": host, "pid": pid, "seen_at": timezone.now()}
    )


def stop_beating(*, worker_id: str) -> None:
    Heartbeat.objects.filter(worker_id=worker_id).delete()


@transaction.atomic
def reclaim_abandoned_tasks(*, now: datetime | None = None) -> int:
    """Queue again the running tasks whose worker is no longer alive; fail those that have
    lost MAX_CLAIMS workers already. Returns how many went back in the queue."""
    now = now or timezone.now()
    cutoff = now - lost_after()
    alive = set(Heartbeat.objects.filter(seen_at__gte=cutoff).values_list("worker_id", flat=True))
    # Locked and skipped when locked: two reapers never handle the same row.
    running = (
        DBTaskResult.objects.running()
        .filter(started_at__lt=cutoff)
        .select_for_update(skip_locked=True)
        .only("pk", "task_path", "worker_ids")
    )
    abandoned = [result for result in running if _last_worker(result) not in alive]
    again = [result.pk for result in abandoned if len(result.worker_ids) < MAX_CLAIMS]
    given_up = [result.pk for result in abandoned if len(result.worker_ids) >= MAX_CLAIMS]
    for result in abandoned:
        logger.warning(
            "Task %s (%s) lost its worker %s; %s", result.pk, result.task_path,
            _last_worker(result),
            "queued again" if result.pk in again else f"failed after {MAX_CLAIMS} workers",
        )
    DBTaskResult.objects.filter(pk__in=again).update(
        status=TaskResultStatus.READY, started_at=None
    )
    DBTaskResult.objects.filter(pk__in=given_up).update(
        status=TaskResultStatus.FAILED, finished_at=now,
        exception_class_path="worker.reaper.WorkerLost",
        traceback=f"Its worker stopped without finishing it, {MAX_CLAIMS} times.",
    )
    Heartbeat.objects.filter(seen_at__lt=now - FORGET_AFTER).delete()
    return len(again)


def _last_worker(result: DBTaskResult) -> str | None:
    return result.worker_ids[-1] if result.worker_ids else None
