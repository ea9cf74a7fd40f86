"""The task queue's backlog and its recent failures, for the health page and the metrics.

`read_task_queue` reads django-tasks-db's queue in one query, grouped by task: how many wait
for a worker, how many have been running too long, how many failed in the last 24 hours and,
of those, how many are still failing. A failure is over once the same task (same path, same
arguments but `attempt`, which each retry raises) has succeeded after it: a retry that went
through, or a sweep that ran again. Over or not, the day's failures stay as history for staff.
`task_backlog` gives the totals. With the ImmediateBackend (dev, tests) nothing waits in the
table and every count is 0.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, Func, Max, OuterRef, Q, Subquery, TextField
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

# A task still running after this long is worth a look: a dead worker's task goes back in the
# queue within a minute (`manage.py run_worker`'s reaper), so this one is slow or stuck.
STALE_RUNNING_AFTER = timedelta(minutes=15)
# Failed rows stay until `manage.py prune_db_task_results` removes them; only recent ones say
# something about the shop now.
RECENT_FAILURES = timedelta(hours=24)


@dataclass(frozen=True)
class TaskFailures:
    """One task's failures in the last 24 hours; `failing` of them not made good since."""

    task: str
    failed: int
    failing: int
    last_failed_at: datetime
    last_error: str

    @property
    def recovered(self) -> bool:
        return not self.failing


@dataclass(frozen=True)
class TaskQueue:
    backlog: dict[str, int]
    failures: list[TaskFailures]


class _Arguments(Func):
    """A task's arguments as comparable text, without `attempt`. PostgreSQL's jsonb prints
    keys in one order whatever order they were given in; SQLite keeps the order stored."""

    output_field = TextField()
    template = (
        "json_extract(json_remove(%(expressions)s, '$.kwargs.attempt'), '$.args', '$.kwargs')"
    )

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template=(
                "jsonb_build_array(%(expressions)s -> 'args', "
                "(%(expressions)s -> 'kwargs') - 'attempt')::text"
            ),
            **extra,
        )


def read_task_queue(*, now: datetime | None = None) -> TaskQueue:
    """The backlog's totals (`ready`: due and waiting for a worker; `stale_running`: running
    for longer than 15 minutes; `failed`: failed in the last 24 hours; `failing`: of those,
    not made good since) and each task's failures of the last 24 hours, latest first."""
    now = now or timezone.now()
    due = Q(status=TaskResultStatus.READY) & (Q(run_after=get_date_max()) | Q(run_after__lte=now))
    stale = Q(status=TaskResultStatus.RUNNING, started_at__lt=now - STALE_RUNNING_AFTER)
    failed = Q(status=TaskResultStatus.FAILED, finished_at__gte=now - RECENT_FAILURES)
    made_good = (
        DBTaskResult.objects.filter(
            status=TaskResultStatus.SUCCESSFUL,
            task_path=OuterRef("task_path"),
            finished_at__gt=OuterRef("finished_at"),
        )
        .alias(arguments=_Arguments("args_kwargs"))
        .filter(arguments=_Arguments(OuterRef("args_kwargs")))
    )
    last_error = (
        DBTaskResult.objects.filter(failed, task_path=OuterRef("task_path"))
        .order_by("-finished_at")
        .values("exception_class_path")[:1]
    )
    rows = (
        DBTaskResult.objects.filter(due | stale | failed)
        .order_by()
        .values("task_path")
        .annotate(
            ready=Count("pk", filter=due),
            stale_running=Count("pk", filter=stale),
            failed=Count("pk", filter=failed),
            failing=Count("pk", filter=failed & ~Exists(made_good)),
            last_failed_at=Max("finished_at", filter=failed),
            last_error=Subquery(last_error),
        )
    )
    backlog = dict.fromkeys(("ready", "failed", "failing", "stale_running"), 0)
    failures = []
    for row in rows:
        for key in backlog:
            backlog[key] += row[key]
        if row["failed"]:
            failures.append(
                TaskFailures(
                    task=row["task_path"],
                    failed=row["failed"],
                    failing=row["failing"],
                    last_failed_at=row["last_failed_at"],
                    last_error=row["last_error"] or "",
                )
            )
    failures.sort(key=lambda failure: failure.last_failed_at, reverse=True)
    return TaskQueue(backlog, failures)


def task_backlog(*, now: datetime | None = None) -> dict[str, int]:
    """The totals of `read_task_queue`."""
    return read_task_queue(now=now).backlog
