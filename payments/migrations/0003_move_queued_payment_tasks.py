from django.db import migrations

# The refund and waiting-events tasks moved beside the code that enqueues them (so that no
# payments module imports one that imports it back). Queued tasks are stored under their
# import path, so the tasks still waiting or running when this is deployed are pointed at
# the new paths; tasks that finished keep the path they ran under, as history.
MOVED = {
    "payments.tasks.send_refund": "payments.refunds.send_refund",
    "payments.tasks.apply_waiting_events": "payments.webhooks.apply_waiting_events",
}
NOT_FINISHED = ["READY", "RUNNING"]


def _rewrite(apps, moves: dict[str, str]) -> None:
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    for old, new in moves.items():
        DBTaskResult.objects.filter(task_path=old, status__in=NOT_FINISHED).update(task_path=new)


def point_at_new_paths(apps, schema_editor):
    _rewrite(apps, MOVED)


def point_at_old_paths(apps, schema_editor):
    _rewrite(apps, {new: old for old, new in MOVED.items()})


class Migration(migrations.Migration):

    dependencies = [
        ("payments", "0002_webhook_inbox_refund_requests"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [
        migrations.RunPython(point_at_new_paths, point_at_old_paths, elidable=True),
    ]
