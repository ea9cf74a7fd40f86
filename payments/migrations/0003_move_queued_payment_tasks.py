from django.db import migrations

from worker.migration_operations import TASKS_TABLE, MoveQueuedTasks


class Migration(migrations.Migration):
    """The refund and waiting-events tasks moved beside the code that enqueues them, so that
    no payments module imports one that imports it back."""

    dependencies = [("payments", "0002_webhook_inbox_refund_requests"), TASKS_TABLE]

    operations = [
        MoveQueuedTasks({
            "payments.tasks.send_refund": "payments.refunds.send_refund",
            "payments.tasks.apply_waiting_events": "payments.webhooks.apply_waiting_events",
        }),
    ]
