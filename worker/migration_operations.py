"""A migration operation for apps whose tasks move module.

Queued tasks are stored under their import path, so when a task moves, the rows still
waiting or running when the migration is deployed are pointed at its new path (and back, if
the migration is reversed); tasks that finished keep the path they ran under, as history.
"""

from django.db import migrations

NOT_FINISHED = ["READY", "RUNNING"]
# The migration of django-tasks-db's table that such an operation needs applied first.
TASKS_TABLE = ("django_tasks_database", "0021_conditional_partial_index_ordering")


class MoveQueuedTasks(migrations.RunPython):
    """Point queued tasks at new paths: `moved` maps each old import path to its new one."""

    def __init__(self, moved: dict[str, str]) -> None:
        self.moved = moved
        super().__init__(self.forwards, self.backwards, elidable=True)

    def forwards(self, apps, schema_editor) -> None:
        _rewrite(apps, self.moved)

    def backwards(self, apps, schema_editor) -> None:
        _rewrite(apps, {new: old for old, new in self.moved.items()})


def _rewrite(apps, moves: dict[str, str]) -> None:
    DBTaskResult = apps.get_model(TASKS_TABLE[0], "DBTaskResult")
    for old, new in moves.items():
        DBTaskResult.objects.filter(task_path=old, status__in=NOT_FINISHED).update(task_path=new)
