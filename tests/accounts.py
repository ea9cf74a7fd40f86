"""Accounts as a person uses them through allauth's pages: made with a verified email, signed
in (and, with two-factor, through the code step), signed out, reset."""

import re

from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

__all__ = ["PASSWORD", "make_account", "reset_password", "sign_in", "sign_in_errors",
           "sign_out", "verify"]


def make_account(email: str = "ada@example.com", **fields):
    """An account that can sign in through allauth (its email address is verified)."""
    user = UserFactory(email=email, **fields)
    user.emailaddress_set.create(email=email, verified=True, primary=True)
    return user


def sign_in(client, email: str, password: str = PASSWORD, *, ip: str = "198.51.100.7",
            **extra):
    """The password step, as allauth's sign-in page takes it, from address `ip`."""
    return client.post(reverse("account_login"), {"login": email, "password": password, **extra},
                       REMOTE_ADDR=ip)


def sign_in_errors(response) -> list[str]:
    return list(response.context["form"].non_field_errors())


def verify(client, code: str, *, next_url: str = "", trust: bool = False, **headers):
    """The code step."""
    data = {"code": code, "next": next_url}
    if trust:
        data["trust"] = "on"
    return client.post(reverse("twofactor:verify"), data, **headers)


def sign_out(client):
    return client.post(reverse("account_logout"))


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
