"""The task backend in production: django-tasks-db's queue in the shop's own database, with
the id of the request that enqueued each task kept beside its arguments, so the worker's log
lines for the task carry the same request id as the request's own (`worker.runner`)."""

from django.utils.json import normalize_json
from django_tasks_db import backend
from django_tasks_db.models import DBTaskResult

from monitoring.logs import current_request_id

# Stored next to "args" and "kwargs"; django-tasks-db reads only those two.
REQUEST_ID = "request_id"


class DatabaseBackend(backend.DatabaseBackend):
    # A task is a row written in the caller's transaction: it commits or rolls back with the
    # change that asked for it, so nothing is lost between a commit and an enqueue.
    enqueues_in_transaction = True

    def _task_to_db_task(self, task, args, kwargs) -> DBTaskResult:
        return DBTaskResult.objects.create(
            id=self._get_id(),
            args_kwargs=normalize_json(
                {"args": args, "kwargs": kwargs, REQUEST_ID: current_request_id.get()}
            ),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            run_after=task.run_after,
            backend_name=self.alias,
        )
