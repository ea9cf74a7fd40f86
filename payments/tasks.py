"""Background work on payments: sending refunds to the provider (retried with backoff while
the provider does not answer), applying events that waited for their capture, and fetching
recent Stripe events to catch any webhook that never arrived (also `manage.py
sync_payment_events`)."""

from django.db import InterfaceError, OperationalError
from django.tasks import task

from core import retries
from payments import refunds, sync, webhooks
from payments.providers.base import ProviderUnavailable

PASSING_ERRORS = (ProviderUnavailable, OperationalError, InterfaceError)


@task
def send_refund(*, payment_id: int, attempt: int = 1) -> None:
    try:
        refunds.send_refund(payment_id=payment_id)
    except PASSING_ERRORS as error:
        if not retries.retry_later(send_refund, attempt=attempt, payment_id=payment_id):
            refunds.fail_refund(
                payment_id=payment_id,
                reason=f"the provider did not answer after {attempt} tries ({error}).",
            )
        raise


@task
def apply_waiting_events(*, provider: str, capture_reference: str) -> int:
    return webhooks.apply_waiting(provider=provider, capture_reference=capture_reference)


@task
def sync_payment_events(*, hours: int = sync.HOURS, attempt: int = 1) -> int:
    return retries.run_with_retries(
        sync_payment_events, sync.sync_recent_events, attempt=attempt,
        retry_on=PASSING_ERRORS, hours=hours,
    )
