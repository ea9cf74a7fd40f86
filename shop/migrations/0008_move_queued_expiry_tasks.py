from django.db import migrations

# Each order's expiry task moved beside the checkout that enqueues it (shop.services.expiry),
# so that no shop package imports one that imports it back. Queued tasks are stored under
# their import path, so those still waiting or running when this is deployed are pointed at
# the new path; tasks that finished keep the path they ran under, as history.
MOVED = {"shop.tasks.expire_order": "shop.services.expiry.expire_order"}
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
        ("shop", "0007_order_deadlines_and_sent_emails"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [
        migrations.RunPython(point_at_new_paths, point_at_old_paths, elidable=True),
    ]
