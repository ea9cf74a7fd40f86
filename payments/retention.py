"""What the webhook inbox keeps of a person, and for how long.

A webhook's payload is kept as it arrived while finance may need it (disputes, reversals,
a replay), `WEBHOOK_PAYLOAD_RETENTION_DAYS` after it was received. After that its personal
fields (names, emails, phones, addresses, client addresses, card fingerprints, the payer)
are replaced by REDACTED, and the amounts, ids, statuses and times it holds stay. An event
that failed or still waits keeps its payload until it is applied. The payments and orders
the events were applied to are kept whole: they are the books.
"""

import json
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from payments.models import WebhookEvent

REDACTED = "[redacted]"
# Keys whose whole value is personal, wherever they appear in a Stripe or PayPal payload.
PERSONAL_KEYS = frozenset({
    # Stripe: charges, payment methods, checkout sessions, customers
    "billing_details", "shipping", "receipt_email", "customer_details", "email", "name",
    "phone", "address", "ip_address", "fingerprint", "customer_email", "customer_name",
    "customer_phone", "customer_address", "customer_shipping",
    # PayPal: captures and orders
    "payer", "payer_id", "email_address", "given_name", "surname", "full_name",
    "phone_number", "address_line_1", "address_line_2", "postal_code",
})
BATCH = 500


def redacted(payload: str) -> str:
    """The payload with each personal field's value replaced by REDACTED (the same keys, so
    its shape is still the provider's); a payload that is not JSON is not kept at all."""
    try:
        document = json.loads(payload)
    except ValueError:
        return REDACTED
    return json.dumps(_without_personal(document), separators=(",", ":"))


def _without_personal(value: object) -> object:
    if isinstance(value, dict):
        return {
            key: REDACTED if key.lower() in PERSONAL_KEYS and value[key] not in (None, "", {})
            else _without_personal(value[key])
            for key in value
        }
    if isinstance(value, list):
        return [_without_personal(item) for item in value]
    return value


def due_for_redaction(now: datetime | None = None) -> QuerySet[WebhookEvent]:
    """Applied (or ignored) events received before the period, not yet redacted."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.WEBHOOK_PAYLOAD_RETENTION_DAYS)
    return WebhookEvent.objects.filter(
        received_at__lt=cutoff, redacted_at__isnull=True,
        status__in=[WebhookEvent.Status.PROCESSED, WebhookEvent.Status.IGNORED],
    )


def redact_old_payloads(now: datetime | None = None) -> int:
    """Redact every event due (see the module), a batch at a time; how many were."""
    now = now or timezone.now()
    done = 0
    while batch := list(due_for_redaction(now).only("pk", "payload")[:BATCH]):
        for event in batch:
            event.payload = redacted(event.payload)
            event.redacted_at = now
        WebhookEvent.objects.bulk_update(batch, ["payload", "redacted_at"])
        done += len(batch)
    return done
