"""Passwords: each validator turns a weak one away at sign-up, and changing or resetting a
password ends the account's other sessions."""

import pytest
from django.test import Client
from django.urls import reverse

from shop.models import User
from tests.accounts import PASSWORD, make_account, reset_password

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("email", "password", "message"), [
    pytest.param("ada@example.com", "Short pw 1!", "This password is too short. It must contain "
                 "at least 12 characters.", id="length"),
    pytest.param("margaret.hamilton@example.com", "margaret.hamilton",
                 "The password is too similar to the email address.", id="similarity"),
    pytest.param("ada@example.com", "password1234", "This password is too common.", id="common"),
    pytest.param("ada@example.com", "839201746253", "This password is entirely numeric.",
                 id="numeric"),
])
def test_sign_up_refuses_a_weak_password(client, email, password, message):
    response = client.post(reverse("account_signup"),
                           {"email": email, "password1": password, "password2": password})
    assert response.status_code == 200
    assert message in response.context["form"].errors["password1"]
    assert not User.objects.filter(email=email).exists()


def test_sign_up_accepts_a_strong_password(client):
    password = "correct horse battery staple"
    response = client.post(reverse("account_signup"),
                           {"email": "ada@example.com", "password1": password,
                            "password2": password})
    assert response.status_code == 302
    assert User.objects.get(email="ada@example.com").check_password(password)


@pytest.fixture
def customer():
    return make_account("grace@example.com")


@pytest.fixture
def laptop(customer):
    client = Client()
    client.force_login(customer)
    return client


@pytest.fixture
def phone(customer):
    client = Client()
    client.force_login(customer)
    return client


def is_signed_in(client) -> bool:
    # A page only a signed-in customer may see; the session check happens on each request.
    return client.get(reverse("account_email")).status_code == 200


def change_password(client, new_password: str):
    return client.post(reverse("account_change_password"), {
        "oldpassword": PASSWORD, "password1": new_password, "password2": new_password,
    })


def test_changing_the_password_ends_the_other_sessions(laptop, phone):
    assert is_signed_in(phone)
    assert change_password(laptop, "a brand new long password").status_code == 302
    assert not is_signed_in(phone)


def test_changing_the_password_keeps_the_session_that_changed_it(laptop, phone):
    assert change_password(laptop, "a brand new long password").status_code == 302
    assert is_signed_in(laptop)


def test_resetting_the_password_ends_every_session(client, customer, phone):
    assert is_signed_in(phone)
    reset_password(client, customer.email, "a brand new long password")
    assert not is_signed_in(phone)
    assert not is_signed_in(client)  # following the link does not sign in either
