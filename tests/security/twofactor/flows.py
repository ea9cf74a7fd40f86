"""The steps of signing in with two-factor authentication, as a browser takes them."""

from django.urls import reverse

from tests.factories import UserFactory

PASSWORD = "a long enough password"  # what UserFactory sets


def make_account(email: str = "ada@example.com", **fields):
    """An account that can sign in through allauth (its email address is verified)."""
    user = UserFactory(email=email, **fields)
    user.emailaddress_set.create(email=email, verified=True, primary=True)
    return user


def sign_in(client, email: str, password: str = PASSWORD, **extra):
    """The password step, as allauth's sign-in page takes it."""
    return client.post(reverse("account_login"), {"login": email, "password": password, **extra})


def verify(client, code: str, *, next_url: str = "", trust: bool = False, **headers):
    """The code step."""
    data = {"code": code, "next": next_url}
    if trust:
        data["trust"] = "on"
    return client.post(reverse("twofactor:verify"), data, **headers)


def sign_out(client):
    return client.post(reverse("account_logout"))
