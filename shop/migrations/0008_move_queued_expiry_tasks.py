from django.db import migrations

from worker.migration_operations import TASKS_TABLE, MoveQueuedTasks


class Migration(migrations.Migration):
    """Each order's expiry task moved beside the checkout that enqueues it, so that no shop
    package imports one that imports it back."""

    dependencies = [("shop", "0007_order_deadlines_and_sent_emails"), TASKS_TABLE]

    operations = [
        MoveQueuedTasks({"shop.tasks.expire_order": "shop.services.expiry.expire_order"}),
    ]
