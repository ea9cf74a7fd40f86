"""The two-factor forms: a code, a code with "trust this browser", the password and a code
to turn it off, and the backup codes sent back for download."""

import re

from django import forms

from security.twofactor import backup_codes

CODE_ATTRS = {"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}


def code_field(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label, help_text=help_text, max_length=32, strip=True,
        error_messages={"required": "Enter a code."},
        widget=forms.TextInput(attrs=CODE_ATTRS),
    )


class SetupForm(forms.Form):
    code = forms.CharField(
        label="Code from your app", help_text="The 6-digit code the app shows for this shop.",
        max_length=16, strip=True, error_messages={"required": "Enter the 6-digit code."},
        widget=forms.TextInput(attrs={**CODE_ATTRS, "inputmode": "numeric"}),
    )


class VerifyForm(forms.Form):
    code = code_field(
        "Authentication code",
        "The 6-digit code from your authenticator app, or one of your backup codes.",
    )
    trust = forms.BooleanField(
        label="Trust this browser for 30 days", required=False,
        help_text="Only on a device nobody else uses.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.is_staff:  # staff give a code at every sign-in (see trust.trusted_device)
            del self.fields["trust"]


class CodeForm(forms.Form):
    code = code_field(
        "Current code", "A code from your authenticator app, or an unused backup code."
    )


class DisableForm(forms.Form):
    password = forms.CharField(
        label="Password", strip=False, error_messages={"required": "Enter your password."},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = code_field(
        "Current code", "A code from your authenticator app, or an unused backup code."
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.", code="password")
        return password


CODE_PATTERN = re.compile(rf"^[{backup_codes.ALPHABET}]{{5}}-[{backup_codes.ALPHABET}]{{5}}$")


class DownloadForm(forms.Form):
    """The codes the page just showed, posted back to be saved as a file (the view keeps
    only those that are still unused codes of this account)."""

    codes = forms.Field(widget=forms.MultipleHiddenInput)

    def clean_codes(self) -> list[str]:
        codes = [str(code) for code in self.cleaned_data["codes"] or []]
        codes = [code for code in codes[: backup_codes.COUNT] if CODE_PATTERN.match(code)]
        if not codes:
            raise forms.ValidationError("There are no codes to download.")
        return codes
