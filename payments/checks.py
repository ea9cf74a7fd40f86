"""Deploy checks: the test payment provider marks orders paid without money, so it must
never be on where the shop takes real orders; a real provider needs its webhook secrets,
since orders are paid only by webhook."""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks

NEEDED = {
    "stripe": ["STRIPE_WEBHOOK_SECRET"],
    "paypal": ["PAYPAL_CLIENT_SECRET", "PAYPAL_WEBHOOK_ID"],
}


@checks.register(checks.Tags.security, deploy=True)
def check_payment_settings(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[checks.CheckMessage]:
    errors = []
    if "test" in settings.PAYMENT_PROVIDERS:
        errors.append(checks.Error(
            "The test payment provider is on: anyone could mark an order paid.",
            hint="Unset PAYMENTS_TEST_PROVIDER in production.",
            id="payments.E001",
        ))
    for provider in settings.PAYMENT_PROVIDERS:
        for name in NEEDED.get(provider, []):
            if not getattr(settings, name):
                errors.append(checks.Error(
                    f"The {provider} payment provider is on but {name} is not set: no "
                    "payment could be confirmed.",
                    hint=f"Set {name}.",
                    id="payments.E002",
                ))
    if "paypal" in settings.PAYMENT_PROVIDERS and settings.PAYPAL_MODE != "live":
        errors.append(checks.Warning(
            "PayPal runs in sandbox mode: no real money is taken.",
            hint="Set PAYPAL_MODE=live in production.",
            id="payments.W001",
        ))
    return errors
