"""The step before a customer's data leaves the shop or their account closes: the password,
and with two-factor on a current code, so a browser left signed in is not enough."""

from django import forms

from security.twofactor import devices, services
from security.twofactor.errors import TwoFactorError
from security.twofactor.forms import code_field
from shop.models import User


class ConfirmIdentityForm(forms.Form):
    password = forms.CharField(
        label="Your password", strip=False, max_length=4096,
        error_messages={"required": "Enter your password."},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = code_field(
        "Current code", "A code from your authenticator app, or an unused backup code."
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if devices.app_device(user) is None:
            del self.fields["code"]

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.", code="password")
        return password

    def clean(self) -> dict:
        cleaned = super().clean()
        # The code is checked only after the right password: a wrong password spends no code.
        if "code" in self.fields and "password" in cleaned and cleaned.get("code"):
            try:
                services.check_code(user=self.user, code=cleaned["code"])
            except TwoFactorError as error:
                self.add_error("code", error.message)
        return cleaned


class CloseAccountForm(ConfirmIdentityForm):
    understood = forms.BooleanField(
        label="I understand that my account, addresses, wishlist and saved shops are deleted "
              "for good, and that this cannot be undone.",
        error_messages={"required": "Tick the box to confirm that you want to close your "
                                    "account."},
    )
