"""The payment providers this shop knows, and which of them settings turn on."""

from django.conf import settings

from payments.providers.base import PaymentEvent, PaymentProvider
from payments.providers.paypal import PayPalProvider
from payments.providers.stripe import StripeProvider
from payments.providers.test import TestProvider

__all__ = ["PROVIDERS", "PaymentEvent", "PaymentProvider", "enabled", "get"]


PROVIDERS: dict[str, PaymentProvider] = {
    provider.name: provider for provider in (StripeProvider(), PayPalProvider(), TestProvider())
}


def enabled() -> dict[str, PaymentProvider]:
    """The providers settings.PAYMENT_PROVIDERS turns on, by name, in that order."""
    return {name: PROVIDERS[name] for name in settings.PAYMENT_PROVIDERS}


def get(name: str) -> PaymentProvider | None:
    """The provider by name, or None when it is unknown or turned off."""
    return enabled().get(name)
