"""The webhook inbox: verified events stored once per (provider, event id) as they arrived,
then applied (payments.services.apply_event: one transaction, the order row locked). The
webhook view (payments.views.webhook) verifies and hands events in; the same inbox takes
the events fetched from a provider's API (payments.sync) and staff's replays.

Stored events that failed or wait for their capture are applied again by `process`: from
the admin (replay), after their capture arrives (the `apply_waiting_events` task, enqueued
here when an event records a capture), or when the provider sends them again.
"""

import logging

from django.db import IntegrityError, transaction
from django.tasks import task
from django.utils import timezone

from monitoring import metrics
from payments import services
from payments.models import WebhookEvent
from payments.providers import PROVIDERS
from payments.providers.base import Delivery, EventKind
from shop.errors import ShopError
from worker.enqueue import enqueue_with_transaction

logger = logging.getLogger(__name__)


class TransientFailure(Exception):
    """Applying the event failed for a reason that may pass: the provider should retry."""


def store(provider: str, delivery: Delivery, payload: str, verified_by: str) -> WebhookEvent | None:
    """The stored event to apply: a new one, or one that failed before. None when it is
    stored already and applied, waiting or being applied by another delivery."""
    event = delivery.event
    try:
        with transaction.atomic():
            return WebhookEvent.objects.create(
                provider=provider, event_id=delivery.event_id, type=delivery.type[:100],
                payload=payload, verified_by=verified_by[:255],
                order_number=(event.order_number if event else "")[:20],
                capture_reference=event.capture_reference if event else "",
            )
    except IntegrityError:
        stored = WebhookEvent.objects.get(provider=provider, event_id=delivery.event_id)
        return stored if stored.status == WebhookEvent.Status.FAILED else None


def process(pk: int) -> str:
    """Apply a stored event (row locked, so one delivery at a time); returns its new status.
    Raises TransientFailure after recording an error that may pass. An event that records
    a capture enqueues `apply_waiting_events`, in the same transaction, for the events
    that came before their capture."""
    with transaction.atomic():
        stored = WebhookEvent.objects.select_for_update().get(pk=pk)
        if stored.status in DONE:
            return stored.status
        provider = PROVIDERS[stored.provider]
        stored.attempts += 1
        stored.processed_at = timezone.now()
        transient = False
        try:
            with transaction.atomic():
                stored.status, stored.error = _apply(provider.read_webhook(stored.payload.encode()))
        except services.WaitForCapture as waiting:
            stored.status, stored.error = WebhookEvent.Status.WAITING, str(waiting)
        except services.UnknownOrder as unknown:
            stored.status, stored.error = WebhookEvent.Status.IGNORED, str(unknown)
        except (ShopError, ValueError) as error:
            stored.status, stored.error = WebhookEvent.Status.FAILED, str(error)
            logger.error("Webhook %s could not be applied: %s", stored, error)
        except Exception as error:
            stored.status = WebhookEvent.Status.FAILED
            stored.error = f"{type(error).__name__}: {error}"
            logger.exception("Webhook %s failed", stored)
            transient = True
        stored.save(update_fields=["status", "error", "attempts", "processed_at"])
    outcome = OUTCOMES.get(stored.status, "error")
    metrics.record_webhook_event(stored.provider, stored.type, outcome)
    if transient:
        raise TransientFailure(stored.error)
    return stored.status


# Statuses of a stored event that has nothing left to apply, and the metric's word for each.
OUTCOMES = {WebhookEvent.Status.PROCESSED: "processed", WebhookEvent.Status.IGNORED: "ignored"}
DONE = tuple(OUTCOMES)


def _apply(delivery: Delivery) -> tuple[WebhookEvent.Status, str]:
    """Apply the delivery's event; its stored event's new status and error."""
    event = delivery.event
    if event is None:
        return WebhookEvent.Status.IGNORED, "Not a type this shop acts on."
    applied = services.apply_event(event)
    if applied.changed and event.kind == EventKind.CAPTURED:
        # Refunds, disputes or reversals that came before this capture can now be applied.
        enqueue_with_transaction(
            apply_waiting_events, provider=event.provider, capture_reference=event.reference
        )
    return WebhookEvent.Status.PROCESSED, ""


def replay(pk: int) -> str:
    """Staff apply a stored event again; returns its new status."""
    try:
        return process(pk)
    except TransientFailure:
        return WebhookEvent.Status.FAILED


@task
def apply_waiting_events(*, provider: str, capture_reference: str) -> int:
    return apply_waiting(provider=provider, capture_reference=capture_reference)


def apply_waiting(*, provider: str, capture_reference: str) -> int:
    """Apply the events that waited for this capture; returns how many are now done.
    Events still being applied count too: one may have found no capture just before this
    capture committed, and is about to be stored as waiting; `process` waits for its row
    lock, then applies it (or finds it done)."""
    waiting = WebhookEvent.objects.filter(
        provider=provider, capture_reference=capture_reference,
        status__in=[WebhookEvent.Status.WAITING, WebhookEvent.Status.RECEIVED],
    ).order_by("received_at", "pk").values_list("pk", flat=True)
    return sum(replay(pk) in DONE for pk in list(waiting))
