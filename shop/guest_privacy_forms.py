"""A guest's data: the address to send the link to, and the step before erasing."""

from django import forms


class GuestLinkForm(forms.Form):
    email = forms.EmailField(
        label="The email address you ordered with", max_length=254,
        error_messages={"required": "Enter the email address you ordered with.",
                        "invalid": "Enter an email address, such as name@example.com."},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class GuestEraseForm(forms.Form):
    understood = forms.BooleanField(
        label="I understand that my name, email address, street address and phone are "
              "deleted from these orders for good, and that this cannot be undone.",
        error_messages={"required": "Tick the box to confirm that you want your data "
                                    "deleted."},
    )
