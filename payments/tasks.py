"""Background work on payments that no payments code enqueues: fetching recent Stripe
events to catch any webhook that never arrived (the same as `manage.py
sync_payment_events`, for a scheduler that runs tasks rather than commands).

The tasks that the payments code enqueues itself live beside the code that enqueues them,
so that no module imports one that imports it back: `payments.refunds.send_refund` and
`payments.webhooks.apply_waiting_events`.
"""

from django.tasks import task

from core import retries
from payments import sync
from payments.providers.base import PASSING_ERRORS


@task
def sync_payment_events(*, hours: int = sync.HOURS, attempt: int = 1) -> int:
    return retries.run_with_retries(
        sync_payment_events, sync.sync_recent_events, attempt=attempt,
        retry_on=PASSING_ERRORS, hours=hours,
    )
