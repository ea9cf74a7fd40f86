"""The task queue's backlog, for the health page and the metrics.

`task_backlog` counts the rows of django-tasks-db's queue in one query. With the
ImmediateBackend (dev, tests) nothing waits in the table and every count is 0.
"""

from datetime import timedelta

from django.db.models import Count, Q
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

# A task still running after this long has most likely lost its worker (killed, evicted):
# db_worker does not hand such rows to another worker by itself.
STALE_RUNNING_AFTER = timedelta(minutes=15)
# Failed rows stay until `manage.py prune_db_task_results` removes them; only recent ones say
# something about the shop now.
RECENT_FAILURES = timedelta(hours=24)


def task_backlog(*, now=None) -> dict[str, int]:
    """Count the tasks due and waiting for a worker (`ready`), those that failed in the last
    24 hours (`failed`) and those running for longer than 15 minutes (`stale_running`)."""
    now = now or timezone.now()
    due = Q(run_after=get_date_max()) | Q(run_after__lte=now)
    return DBTaskResult.objects.aggregate(
        ready=Count("pk", filter=Q(status=TaskResultStatus.READY) & due),
        failed=Count(
            "pk",
            filter=Q(status=TaskResultStatus.FAILED, finished_at__gte=now - RECENT_FAILURES),
        ),
        stale_running=Count(
            "pk",
            filter=Q(status=TaskResultStatus.RUNNING, started_at__lt=now - STALE_RUNNING_AFTER),
        ),
    )
