"""The sign-in form: allauth's, with the lockout of security.lockout around it."""

from allauth.account import forms as allauth_forms
from django.core.exceptions import ValidationError
from django_otp import user_has_device

from security import lockout
from security.net import client_key

LOCKED_MESSAGE = (
    "Too many failed attempts to sign in with this email address from your connection. "
    f"Please wait {int(lockout.LOCK_DURATION.total_seconds() // 60)} minutes and try again, "
    "or reset your password to get back in now."
)


class LoginForm(allauth_forms.LoginForm):
    """Refuses a locked email and address pair before the password is even checked, so the
    right password gets the same answer as a wrong one while the lock lasts. The answer
    is the same whether or not an account has that email: names are locked either way."""

    def clean(self):
        identifier = self.cleaned_data.get("login")
        if self._errors or not identifier:
            return super().clean()  # a field is missing or malformed: nothing was tried
        ip = client_key(self.request)
        if lockout.is_locked(identifier, ip):
            raise ValidationError(LOCKED_MESSAGE, code="locked")
        try:
            cleaned_data = super().clean()
        except ValidationError as error:
            if _is_wrong_password(error) and lockout.record_failure(identifier, ip):
                raise ValidationError(LOCKED_MESSAGE, code="locked") from None
            raise
        # The count starts again once signing in succeeded, which for an account with a
        # second factor is after its code (the code step clears it then), not here: the
        # right password alone must not wipe out wrong codes.
        if self.user is not None and not user_has_device(self.user):
            lockout.clear(identifier, ip)
        return cleaned_data


def _is_wrong_password(error: ValidationError) -> bool:
    # allauth says "email_password_mismatch" (or username_/phone_) for an unknown name and a
    # wrong password alike; its other refusals are not guesses at a password.
    return str(getattr(error, "code", "")).endswith("_password_mismatch")
