"""The payment providers this shop knows, and which of them settings turn on."""

from django.conf import settings

from payments.providers.base import PaymentEvent, PaymentProvider
from payments.providers.test import TestProvider

__all__ = ["PaymentEvent", "PaymentProvider", "enabled", "get"]


def enabled() -> dict[str, PaymentProvider]:
    providers: dict[str, PaymentProvider] = {}
    if settings.PAYMENTS_TEST_PROVIDER:
        providers["test"] = TestProvider()
    return providers


def get(name: str) -> PaymentProvider | None:
    """The provider by name, or None when it is unknown or turned off."""
    return enabled().get(name)
