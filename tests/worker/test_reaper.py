from datetime import timedelta

import pytest
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from shop.tasks import expire_unpaid_orders
from worker import reaper
from worker.models import Heartbeat

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "worker.backend.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def _tasks_in_the_database(settings):
    settings.TASKS = DATABASE_TASKS
    settings.TASK_WORKER_LOST_AFTER_SECONDS = 45


def running(*workers: str, started: timedelta = timedelta(minutes=5)) -> DBTaskResult:
    """A task claimed by `workers` in turn, the last of them running it since `started` ago."""
    result = expire_unpaid_orders.enqueue()
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING, worker_ids=list(workers),
        started_at=timezone.now() - started,
    )
    return DBTaskResult.objects.get(pk=result.id)


def seen(worker_id: str, ago: timedelta) -> None:
    Heartbeat.objects.create(worker_id=worker_id, host="node", pid=1, seen_at=timezone.now() - ago)


def status(result: DBTaskResult) -> str:
    result.refresh_from_db()
    return result.status


def test_a_task_whose_worker_stopped_beating_is_queued_again():
    seen("dead", ago=timedelta(minutes=2))
    task = running("dead")
    assert reaper.reclaim_abandoned_tasks() == 1
    assert status(task) == TaskResultStatus.READY
    assert task.started_at is None and task.worker_ids == ["dead"]


def test_a_task_whose_worker_left_no_heartbeat_at_all_is_queued_again():
    task = running("never-beat")
    assert reaper.reclaim_abandoned_tasks() == 1
    assert status(task) == TaskResultStatus.READY


def test_a_task_of_a_live_worker_is_left_running():
    seen("alive", ago=timedelta(seconds=5))
    task = running("alive", started=timedelta(hours=2))
    assert reaper.reclaim_abandoned_tasks() == 0
    assert status(task) == TaskResultStatus.RUNNING


def test_a_task_claimed_moments_ago_is_left_running():
    task = running("starting", started=timedelta(seconds=5))
    assert reaper.reclaim_abandoned_tasks() == 0
    assert status(task) == TaskResultStatus.RUNNING


def test_only_the_worker_that_claimed_it_last_counts():
    seen("earlier", ago=timedelta(seconds=1))
    task = running("earlier", "latest")
    assert reaper.reclaim_abandoned_tasks() == 1
    assert status(task) == TaskResultStatus.READY


def test_a_task_that_lost_too_many_workers_fails_instead():
    task = running(*[f"w{n}" for n in range(reaper.MAX_CLAIMS)])
    assert reaper.reclaim_abandoned_tasks() == 0
    assert status(task) == TaskResultStatus.FAILED
    assert task.exception_class_path == "worker.reaper.WorkerLost"
    assert task.finished_at is not None


def test_heartbeats_of_long_gone_workers_are_forgotten():
    seen("gone", ago=timedelta(days=2))
    seen("recent", ago=timedelta(minutes=5))
    reaper.reclaim_abandoned_tasks()
    assert list(Heartbeat.objects.values_list("worker_id", flat=True)) == ["recent"]


def test_a_beat_writes_and_refreshes_the_workers_row():
    reaper.beat(worker_id="w1", host="node-a", pid=7)
    first = Heartbeat.objects.get().seen_at
    reaper.beat(worker_id="w1", host="node-a", pid=7)
    assert Heartbeat.objects.get().seen_at > first
    reaper.stop_beating(worker_id="w1")
    assert not Heartbeat.objects.exists()
