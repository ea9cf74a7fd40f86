from allauth.account.signals import password_reset
from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in


class SecurityConfig(AppConfig):
    name = "security"
    verbose_name = "Security"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported here, not at the top: the audit module needs the models, which load
        # only once every app is ready.
        from security import audit

        user_logged_in.connect(audit.record_staff_sign_in, dispatch_uid="security.staff_sign_in")
        # The sign-in lockouts' admin page registers itself on import.
        from security import admin_lockout, receivers  # noqa: F401

        password_reset.connect(
            receivers.clear_lockouts_after_password_reset,
            dispatch_uid="security.clear_lockouts_after_password_reset",
        )
        # Each sign-in notes in its session whether the account wants a second factor.
        from security.twofactor import gate

        user_logged_in.connect(gate.note_sign_in, dispatch_uid="security.twofactor.sign_in")
