"""The webhook contract, the same for every provider:

1. verify the signature before anything else: failure → 400, nothing stored, a security log
   line (and the signature-failure alert counts it);
2. store the event as it arrived, once per (provider, event id): already stored → 200;
3. apply it (payments.services.apply_event: one transaction, the order row locked);
4. answer 200; a passing failure → 500 so the provider sends it again. Emails and other
   side effects go out after commit, through tasks.

Stored events that failed or wait for their capture are applied again by `process`: from
the admin (replay), after the capture arrives, or when the provider sends them again.
"""

import logging

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from monitoring import metrics
from payments import services
from payments.models import WebhookEvent
from payments.providers import PROVIDERS
from payments.providers.base import Delivery, PaymentProvider, ProviderUnavailable, WebhookRejected
from shop.errors import ShopError

logger = logging.getLogger(__name__)
security_log = logging.getLogger("security.webhooks")
Status = WebhookEvent.Status


class TransientFailure(Exception):
    """Applying the event failed for a reason that may pass: the provider should retry."""


def receive(request: HttpRequest, provider: PaymentProvider) -> HttpResponse:
    try:
        verified_by = provider.verify_webhook(request)
    except WebhookRejected as rejected:
        security_log.warning(
            "Rejected a %s webhook from %s: %s", provider.name,
            request.META.get("REMOTE_ADDR", ""), rejected,
        )
        metrics.record_webhook_event(provider.name, "", "bad_signature")
        return HttpResponse("Bad signature.", status=400, content_type="text/plain")
    except ProviderUnavailable:
        logger.exception("Could not verify a %s webhook", provider.name)
        return HttpResponse("Try again later.", status=503, content_type="text/plain")
    try:
        delivery = provider.read_webhook(request.body)
        payload = request.body.decode()  # stored as text: UTF-8, as both providers send
    except ValueError as error:  # UnicodeDecodeError included
        security_log.warning("A signed %s webhook is not an event: %s", provider.name, error)
        return HttpResponse("Not an event.", status=400, content_type="text/plain")

    stored = store(provider.name, delivery, payload, verified_by)
    if stored is None:
        return HttpResponse("Already received.", content_type="text/plain")
    try:
        process(stored.pk)
    except TransientFailure:
        return HttpResponse("Failed; send it again.", status=500, content_type="text/plain")
    return HttpResponse("OK", content_type="text/plain")


def store(provider: str, delivery: Delivery, payload: str, verified_by: str) -> WebhookEvent | None:
    """The stored event to apply: a new one, or one that failed before. None when it is
    stored already and applied, waiting or being applied by another request."""
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
        return stored if stored.status == Status.FAILED else None


def process(pk: int) -> str:
    """Apply a stored event (row locked, so one request at a time); returns its new status.
    Raises TransientFailure after recording an error that may pass."""
    with transaction.atomic():
        stored = WebhookEvent.objects.select_for_update().get(pk=pk)
        if stored.status in (Status.PROCESSED, Status.IGNORED):
            return stored.status
        provider = PROVIDERS[stored.provider]
        stored.attempts += 1
        stored.processed_at = timezone.now()
        transient = False
        try:
            with transaction.atomic():
                delivery = provider.read_webhook(stored.payload.encode())
                if delivery.event is None:
                    stored.status, stored.error = Status.IGNORED, "Not a type this shop acts on."
                else:
                    services.apply_event(delivery.event)
                    stored.status, stored.error = Status.PROCESSED, ""
        except services.WaitForCapture as waiting:
            stored.status, stored.error = Status.WAITING, str(waiting)
        except services.UnknownOrder as unknown:
            stored.status, stored.error = Status.IGNORED, str(unknown)
        except (ShopError, ValueError) as error:
            stored.status, stored.error = Status.FAILED, str(error)
            logger.error("Webhook %s could not be applied: %s", stored, error)
        except Exception as error:
            stored.status, stored.error = Status.FAILED, f"{type(error).__name__}: {error}"
            logger.exception("Webhook %s failed", stored)
            transient = True
        stored.save(update_fields=["status", "error", "attempts", "processed_at"])
    outcome = {Status.PROCESSED: "processed", Status.IGNORED: "ignored"}.get(stored.status, "error")
    metrics.record_webhook_event(stored.provider, stored.type, outcome)
    if transient:
        raise TransientFailure(stored.error)
    return stored.status


def replay(pk: int) -> str:
    """Staff apply a stored event again; returns its new status."""
    try:
        return process(pk)
    except TransientFailure:
        return Status.FAILED


def apply_waiting(*, provider: str, capture_reference: str) -> int:
    """Apply the events that waited for this capture; returns how many are now done.
    Events still being applied count too: one may have found no capture just before this
    capture committed, and is about to be stored as waiting; `process` waits for its row
    lock, then applies it (or finds it done)."""
    waiting = WebhookEvent.objects.filter(
        provider=provider, capture_reference=capture_reference,
        status__in=[Status.WAITING, Status.RECEIVED],
    ).order_by("received_at", "pk").values_list("pk", flat=True)
    return sum(replay(pk) in (Status.PROCESSED, Status.IGNORED) for pk in list(waiting))
