"""The task queue's backlog, as the health page reads it."""

from datetime import timedelta

import pytest
from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from monitoring.task_backlog import read_task_queue, task_backlog

pytestmark = pytest.mark.django_db


@task
def noop() -> None:
    pass


def test_an_empty_queue_has_no_backlog():
    assert task_backlog() == {"ready": 0, "failed": 0, "failing": 0, "stale_running": 0}


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
    # The failure is history: the same task succeeded after it.
    assert task_backlog(now=now) == {"ready": 2, "failed": 1, "failing": 0, "stale_running": 1}


@task
def send(*, to: str, attempt: int = 1) -> None:
    pass


def finish(result, status, *, at) -> None:
    DBTaskResult.objects.filter(pk=result.id).update(
        status=status, started_at=at, finished_at=at, exception_class_path="smtplib.SMTPException"
    )


def test_a_failure_is_over_once_the_same_task_succeeds_after_it(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    now = timezone.now()
    minutes = [now - timedelta(minutes=m) for m in range(10, 0, -1)]
    finish(send.enqueue(to="ada"), TaskResultStatus.FAILED, at=minutes[0])
    finish(send.enqueue(to="ada", attempt=2), TaskResultStatus.SUCCESSFUL, at=minutes[1])  # over
    finish(send.enqueue(to="bob"), TaskResultStatus.FAILED, at=minutes[2])
    finish(send.enqueue(to="cy", attempt=2), TaskResultStatus.SUCCESSFUL, at=minutes[3])  # not bob
    finish(send.enqueue(to="dee"), TaskResultStatus.SUCCESSFUL, at=minutes[4])
    finish(send.enqueue(to="dee", attempt=2), TaskResultStatus.FAILED, at=minutes[5])  # after it
    finish(noop.enqueue(), TaskResultStatus.FAILED, at=minutes[6])
    finish(noop.enqueue(), TaskResultStatus.SUCCESSFUL, at=minutes[7])  # no arguments: over

    queue = read_task_queue(now=now)

    assert queue.backlog == {"ready": 0, "failed": 4, "failing": 2, "stale_running": 0}
    assert [(f.task, f.failed, f.failing, f.recovered) for f in queue.failures] == [
        (noop.module_path, 1, 0, True),  # the latest failure first
        (send.module_path, 3, 2, False),
    ]
    assert queue.failures[1].last_failed_at == minutes[5]
    assert queue.failures[1].last_error == "smtplib.SMTPException"
