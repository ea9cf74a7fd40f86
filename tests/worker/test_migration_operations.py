"""Tasks queued before a task moved module still run: the migrations that moved tasks point
the ones not finished at the new import paths, and back when reversed."""

from importlib import import_module

import pytest
from django.apps import apps
from django.tasks import Task, TaskResultStatus
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

pytestmark = pytest.mark.django_db

MIGRATIONS = [
    "payments.migrations.0003_move_queued_payment_tasks",
    "shop.migrations.0008_move_queued_expiry_tasks",
]


def queued(task_path: str, status: TaskResultStatus) -> DBTaskResult:
    return DBTaskResult.objects.create(
        task_path=task_path, status=status, args_kwargs={"args": [], "kwargs": {}},
    )


def moves(migration: str):
    [operation] = import_module(migration).Migration.operations
    return operation


@pytest.mark.parametrize("migration", MIGRATIONS)
def test_queued_tasks_are_pointed_at_where_the_tasks_now_live(migration):
    operation = moves(migration)
    for old, new in operation.moved.items():
        ready = queued(old, TaskResultStatus.READY)
        running = queued(old, TaskResultStatus.RUNNING)
        done = queued(old, TaskResultStatus.SUCCESSFUL)
        operation.forwards(apps, None)
        paths = dict(DBTaskResult.objects.values_list("pk", "task_path"))
        assert (paths[ready.pk], paths[running.pk]) == (new, new)
        assert paths[done.pk] == old  # history, as it ran
        assert isinstance(import_string(new), Task)


@pytest.mark.parametrize("migration", MIGRATIONS)
def test_moving_back_restores_the_old_paths(migration):
    operation = moves(migration)
    old, new = next(iter(operation.moved.items()))
    ready = queued(new, TaskResultStatus.READY)
    operation.backwards(apps, None)
    ready.refresh_from_db()
    assert ready.task_path == old
