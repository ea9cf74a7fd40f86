"""Tasks queued before the refund and waiting-events tasks moved still run: the migration
points the ones not finished at the new import paths."""

from importlib import import_module

import pytest
from django.apps import apps
from django.tasks import Task, TaskResultStatus
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

moving = import_module("payments.migrations.0003_move_queued_payment_tasks")
pytestmark = pytest.mark.django_db


def queued(task_path: str, status: TaskResultStatus) -> DBTaskResult:
    return DBTaskResult.objects.create(
        task_path=task_path, status=status, args_kwargs={"args": [], "kwargs": {}},
    )


def test_queued_tasks_are_pointed_at_where_the_tasks_now_live():
    ready = queued("payments.tasks.send_refund", TaskResultStatus.READY)
    running = queued("payments.tasks.apply_waiting_events", TaskResultStatus.RUNNING)
    done = queued("payments.tasks.send_refund", TaskResultStatus.SUCCESSFUL)
    moving.point_at_new_paths(apps, None)
    paths = dict(DBTaskResult.objects.values_list("pk", "task_path"))
    assert paths == {
        ready.pk: "payments.refunds.send_refund",
        running.pk: "payments.webhooks.apply_waiting_events",
        done.pk: "payments.tasks.send_refund",  # history, as it ran
    }
    assert all(isinstance(import_string(path), Task) for path in moving.MOVED.values())


def test_moving_back_restores_the_old_paths():
    ready = queued("payments.refunds.send_refund", TaskResultStatus.READY)
    moving.point_at_old_paths(apps, None)
    ready.refresh_from_db()
    assert ready.task_path == "payments.tasks.send_refund"
