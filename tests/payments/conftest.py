import pytest
import stripe

from tests.payments.webhook_helpers import (
    PAYPAL_API,
    PAYPAL_WEBHOOK_ID,
    STRIPE_API,
    STRIPE_SECRET_KEY,
    STRIPE_WEBHOOK_SECRET,
)


@pytest.fixture(autouse=True)
def no_retry_wait(monkeypatch):
    """The Stripe SDK retries without its back-off pause, so a provider down stays fast."""
    monkeypatch.setattr(stripe._http_client.HTTPClient, "_sleep_time_seconds", lambda *a: 0)


@pytest.fixture
def providers_on(settings):
    """Stripe, PayPal (verified with its certificate) and the test provider on, with test
    credentials; a module asks for it with `pytest.mark.usefixtures("providers_on")`."""
    settings.PAYMENT_PROVIDERS = ["stripe", "paypal", "test"]
    settings.STRIPE_SECRET_KEY = STRIPE_SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = STRIPE_WEBHOOK_SECRET
    settings.STRIPE_API_BASE = STRIPE_API
    settings.PAYPAL_CLIENT_ID = "paypal-client-id"
    settings.PAYPAL_CLIENT_SECRET = "paypal-client-secret"
    settings.PAYPAL_WEBHOOK_ID = PAYPAL_WEBHOOK_ID
    settings.PAYPAL_MODE = "sandbox"
    settings.PAYPAL_API_BASE = PAYPAL_API
    settings.PAYPAL_WEBHOOK_VERIFICATION = "certificate"
