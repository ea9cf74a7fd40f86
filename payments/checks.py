"""A deploy check: the test payment provider marks orders paid without money, so it must
never be on where the shop takes real orders."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def check_test_provider_off(app_configs, **kwargs):
    if "test" in settings.PAYMENT_PROVIDERS:
        return [
            checks.Error(
                "The test payment provider is on: anyone could mark an order paid.",
                hint="Unset PAYMENTS_TEST_PROVIDER in production.",
                id="payments.E001",
            )
        ]
    return []
