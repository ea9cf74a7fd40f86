"""Webhook payloads lose their personal fields after finance's period; nothing else does."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from payments.models import WebhookEvent
from payments.retention import REDACTED, redact_old_payloads, redacted
from tests.payments.fixture_events import event, names

pytestmark = pytest.mark.django_db
PERSONAL = ("ada@example.com", "Ada Lovelace", '"Lovelace"', '"Ada"', "62701", "QYR5Z8XDVJNXQ")


@pytest.mark.parametrize("provider, name", [
    *(("stripe", name) for name in names("stripe")),
    *(("paypal", name) for name in names("paypal")),
])
def test_no_personal_value_is_left_in_any_provider_event(provider, name):
    payload = json.dumps(event(provider, name))

    kept = redacted(payload)

    assert not [value for value in PERSONAL if value in kept]
    original, after = json.loads(payload), json.loads(kept)
    assert after["id"] == original["id"]  # the event's id, type and amounts stay
    assert after.get("type") == original.get("type")
    assert _amounts(after) == _amounts(original)


def test_a_stripe_session_keeps_its_order_and_amount_and_says_what_was_taken():
    payload = json.dumps(event("stripe", "checkout.session.completed"))

    session = json.loads(redacted(payload))["data"]["object"]

    assert session["client_reference_id"] == "7KQ4M9XT2P"
    assert session["amount_total"] == 2599
    assert session["customer_details"] == REDACTED
    assert session["customer_email"] == REDACTED


def test_a_payload_that_is_not_json_is_not_kept():
    assert redacted("name=Ada Lovelace&email=ada@example.com") == REDACTED


def _amounts(document) -> list:
    found = []

    def walk(value, key=""):
        if isinstance(value, dict):
            for name, item in value.items():
                walk(item, name)
        elif isinstance(value, list):
            for item in value:
                walk(item, key)
        elif "amount" in key or key == "value":
            found.append((key, value))

    walk(document)
    return found


def _event(n: int, *, days: int, status=WebhookEvent.Status.PROCESSED, **fields) -> WebhookEvent:
    row = WebhookEvent.objects.create(
        provider="stripe", event_id=f"evt_{n}", type="checkout.session.completed",
        payload=json.dumps(event("stripe", "checkout.session.completed")), verified_by="v1",
        status=status, **fields,
    )
    WebhookEvent.objects.filter(pk=row.pk).update(
        received_at=timezone.now() - timedelta(days=days)
    )
    return row


def test_the_job_redacts_exactly_the_applied_events_older_than_the_period(settings):
    settings.WEBHOOK_PAYLOAD_RETENTION_DAYS = 365
    due = [_event(1, days=400), _event(2, days=366, status=WebhookEvent.Status.IGNORED)]
    kept = [
        _event(3, days=364),  # inside the period
        _event(4, days=400, status=WebhookEvent.Status.FAILED),  # still to be applied
        _event(5, days=400, status=WebhookEvent.Status.WAITING),
    ]
    earlier = timezone.now() - timedelta(days=30)
    done_before = _event(6, days=500, redacted_at=earlier)

    assert redact_old_payloads() == 2
    assert redact_old_payloads() == 0  # nothing twice

    for row in due:
        row.refresh_from_db()
        assert "ada@example.com" not in row.payload and row.redacted_at is not None
        assert json.loads(row.payload)["data"]["object"]["amount_total"] == 2599
    for row in kept:
        row.refresh_from_db()
        assert "ada@example.com" in row.payload and row.redacted_at is None
    done_before.refresh_from_db()
    assert done_before.redacted_at == earlier
