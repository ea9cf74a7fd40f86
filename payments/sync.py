"""Catching webhooks that never arrived: the providers that can list their recent events
(Stripe's events API) are asked for them, and any this shop has not stored is stored and
applied like a webhook. Run by `manage.py sync_payment_events` and its task."""

from datetime import timedelta

from django.utils import timezone

from payments import providers, webhooks

HOURS = 24  # how far back to look by default; Stripe keeps 30 days of events


def sync_recent_events(*, hours: int = HOURS) -> int:
    """Store and apply the events of the last `hours` that were missing; returns how many."""
    since = timezone.now() - timedelta(hours=hours)
    found = 0
    for name, provider in providers.enabled().items():
        recent_events = getattr(provider, "recent_events", None)
        if recent_events is None:
            continue
        for delivery, body in recent_events(since=since):
            stored = webhooks.store(name, delivery, body.decode(),
                                    "fetched from the provider's API")
            if stored is not None:
                found += 1
                webhooks.replay(stored.pk)
    return found
