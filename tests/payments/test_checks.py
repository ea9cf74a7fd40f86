"""`check --deploy` on the payment settings: the test provider must be off, a real provider
needs the secrets its webhooks are verified with, and PayPal's sandbox is worth a warning."""

import pytest

from payments.checks import check_payment_settings


def found(settings, **changes) -> list[tuple[str, str]]:
    for name, value in changes.items():
        setattr(settings, name, value)
    return [(message.id, message.msg) for message in check_payment_settings(None)]


@pytest.fixture
def live(settings):
    """Stripe and PayPal on, live, with every secret set."""
    settings.PAYMENT_PROVIDERS = ["stripe", "paypal"]
    settings.STRIPE_WEBHOOK_SECRET = "whsec_live"
    settings.PAYPAL_CLIENT_SECRET = "paypal-secret"
    settings.PAYPAL_WEBHOOK_ID = "WH-LIVE"
    settings.PAYPAL_MODE = "live"
    return settings


def test_real_providers_set_up_for_live_pass(live):
    assert found(live) == []


def test_the_test_provider_on_is_an_error(live):
    assert [check_id for check_id, _ in found(live, PAYMENT_PROVIDERS=["stripe", "test"])] == [
        "payments.E001"]


@pytest.mark.parametrize(("provider", "name"), [
    ("stripe", "STRIPE_WEBHOOK_SECRET"),
    ("paypal", "PAYPAL_CLIENT_SECRET"),
    ("paypal", "PAYPAL_WEBHOOK_ID"),
])
def test_a_provider_on_without_its_secret_is_an_error(live, provider, name):
    assert found(live, **{name: ""}) == [(
        "payments.E002",
        f"The {provider} payment provider is on but {name} is not set: no payment could be "
        "confirmed.",
    )]


def test_a_secret_of_a_provider_turned_off_is_not_needed(live):
    assert found(live, PAYMENT_PROVIDERS=["stripe"], PAYPAL_WEBHOOK_ID="",
                 PAYPAL_MODE="sandbox") == []


def test_paypal_in_sandbox_mode_is_a_warning(live):
    assert [check_id for check_id, _ in found(live, PAYPAL_MODE="sandbox")] == ["payments.W001"]
