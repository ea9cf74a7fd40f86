"""The sign-in and sign-up forms: allauth's, with the lockout of security.lockout around
sign-in, and sign-up taking as long for an email that has an account as for a new one."""

import secrets

from allauth.account import app_settings as allauth_settings
from allauth.account import forms as allauth_forms
from django.core.exceptions import ValidationError
from django.db import transaction
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


class SignupForm(allauth_forms.SignupForm):
    """With enumeration prevention on, signing up with an email that has an account answers
    with the same page and redirect as a new sign-up, but allauth makes no account there, and
    so skips the new account's password hash (slow by design: Argon2) and its rows: the time
    of the answer alone would tell whose email is registered. Here that sign-up makes the
    account all the same, for an address nobody has, and rolls it back (see _rehearse). Both
    then send one email and redirect alike."""

    def try_save(self, request):
        # A bot caught by allauth's honeypot (when one is set) gets the same quick, made-up
        # answer whatever its email, so that answer must not rehearse either.
        honeypot = allauth_settings.SIGNUP_FORM_HONEYPOT_FIELD
        caught = bool(honeypot and self.cleaned_data.get(honeypot))
        if self.account_already_exists and not caught:
            self._rehearse(request)
        return super().try_save(request)

    def _rehearse(self, request) -> None:
        """Make the account a new email would get (password hashed with the configured
        hasher, user and email address rows written), then roll all of it back."""
        email = self.cleaned_data["email"]
        self.account_already_exists = False
        # `.invalid` is reserved: the stand-in cannot be anyone's address.
        self.cleaned_data["email"] = f"signup-{secrets.token_hex(8)}@example.invalid"
        try:
            with transaction.atomic():
                self.save(request)
                transaction.set_rollback(True)
        finally:
            self.cleaned_data["email"] = email
            self.account_already_exists = True


def _is_wrong_password(error: ValidationError) -> bool:
    # allauth says "email_password_mismatch" (or username_/phone_) for an unknown name and a
    # wrong password alike; its other refusals are not guesses at a password.
    return str(getattr(error, "code", "")).endswith("_password_mismatch")
