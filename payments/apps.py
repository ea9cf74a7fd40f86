from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from payments import (
            checks,  # noqa: F401  registers the deploy check
            privacy,  # noqa: F401  connects the privacy signals' receivers
        )
