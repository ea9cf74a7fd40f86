"""Signing in and resetting a password through allauth's pages, as a customer does."""

import re

from django.core import mail
from django.urls import reverse

from tests.factories import UserFactory

PASSWORD = "a long enough password"  # what UserFactory sets


def make_customer(email: str = "grace@example.com"):
    user = UserFactory(email=email)
    user.emailaddress_set.create(email=email, verified=True, primary=True)
    return user


def sign_in(client, email: str, password: str, *, ip: str = "198.51.100.7"):
    return client.post(reverse("account_login"), {"login": email, "password": password},
                       REMOTE_ADDR=ip)


def sign_in_errors(response) -> list[str]:
    return list(response.context["form"].non_field_errors())


def reset_password(client, email: str, new_password: str) -> None:
    """Ask for a reset link, follow it from the email and set `new_password`."""
    response = client.post(reverse("account_reset_password"), {"email": email})
    assert response.status_code == 302, response.text
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[-1].body)
    response = client.get(link.group(1))
    assert response.status_code == 302, response.text  # the key moves into the session
    response = client.post(response["Location"],
                           {"password1": new_password, "password2": new_password})
    assert response.status_code == 302, response.text
