"""The task queue's backlog, as the health page reads it."""

from datetime import timedelta

import pytest
from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from monitoring.task_backlog import task_backlog

pytestmark = pytest.mark.django_db


@task
def noop() -> None:
    pass


def test_an_empty_queue_has_no_backlog():
    assert task_backlog() == {"ready": 0, "failed": 0, "stale_running": 0}


def test_the_backlog_counts_due_failed_and_stuck_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    now = timezone.now()
    noop.enqueue()  # due now
    noop.using(run_after=now - timedelta(minutes=1)).enqueue()  # due
    noop.using(run_after=now + timedelta(hours=1)).enqueue()  # later: not a backlog
    for status, started, finished in [
        (TaskResultStatus.FAILED, now - timedelta(hours=1), now - timedelta(hours=1)),
        (TaskResultStatus.FAILED, now - timedelta(days=3), now - timedelta(days=3)),  # old
        (TaskResultStatus.RUNNING, now - timedelta(hours=1), None),  # its worker is gone
        (TaskResultStatus.RUNNING, now - timedelta(seconds=5), None),  # busy
        (TaskResultStatus.SUCCESSFUL, now - timedelta(hours=1), now),
    ]:
        noop.enqueue()
        DBTaskResult.objects.filter(pk=DBTaskResult.objects.latest("enqueued_at").pk).update(
            status=status, started_at=started, finished_at=finished
        )
    assert task_backlog(now=now) == {"ready": 2, "failed": 1, "stale_running": 1}
