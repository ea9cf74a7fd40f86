"""Enqueuing a task as part of the change that asks for it.

On the database backend the task is a row of the current transaction: stored with the order
(or refund, or email) or not at all, so a process that dies right after its commit loses
nothing. Other backends (the ImmediateBackend of dev and tests runs the task at once) are
handed the task only once the transaction has committed, so nothing runs for a change that
was rolled back.
"""

from functools import partial

from django.db import transaction
from django.tasks import Task


def enqueue_with_transaction(task: Task, **kwargs: object) -> None:
    if getattr(task.get_backend(), "enqueues_in_transaction", False):
        task.enqueue(**kwargs)
    else:
        transaction.on_commit(partial(task.enqueue, **kwargs))
