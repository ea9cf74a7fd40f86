"""A signed-in customer's user row is read once a minute, not on every request, and forgotten
the moment it changes: a new password or a closed account signs other sessions out at once."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.sessions.backends.cached_db import SessionStore
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from security import users
from security.twofactor import devices
from tests.accounts import PASSWORD, make_account, sign_in
from tests.conftest import cache_calls

pytestmark = pytest.mark.django_db
ORDERS = reverse("shop:order-list")
NEW_PASSWORD = "another long passphrase 42"


def signed_in(email: str) -> Client:
    client = Client()
    assert sign_in(client, email).status_code == 302
    return client


def test_a_customers_next_requests_do_not_read_their_user(django_assert_num_queries):
    make_account("ada@example.com")
    client = signed_in("ada@example.com")
    client.get("/")  # the home page kept, the user read and kept

    with django_assert_num_queries(0):
        page = client.get("/")

    assert "ada@example.com" in page.text


def test_a_new_password_signs_the_other_sessions_out_at_once():
    make_account("ada@example.com")
    laptop, phone = signed_in("ada@example.com"), signed_in("ada@example.com")
    assert phone.get(ORDERS).status_code == 200  # the user kept

    changed = laptop.post(reverse("account_change_password"), {
        "oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD,
    })

    assert changed.status_code == 302
    assert laptop.get(ORDERS).status_code == 200
    after = phone.get(ORDERS)
    assert after.status_code == 302 and "/accounts/login/" in after["Location"]


def test_a_closed_account_is_signed_out_at_once():
    customer = make_account("ada@example.com")
    client = signed_in("ada@example.com")
    assert client.get(ORDERS).status_code == 200

    customer.is_active = False
    customer.save()

    assert client.get(ORDERS).status_code == 302


def test_a_new_email_shows_on_the_next_page():
    customer = make_account("ada@example.com")
    client = signed_in("ada@example.com")
    client.get("/")

    customer.email = "ada.l@example.com"
    customer.save(update_fields=["email"])

    page = client.get("/").text
    assert "ada.l@example.com" in page and "ada@example.com" not in page


def test_staff_are_read_from_the_database_on_every_request(rf, django_assert_num_queries):
    person = make_account("pat@example.com", is_staff=True)
    request = rf.get("/")
    request.session = SessionStore()
    request.session.update({
        "_auth_user_id": str(person.pk), "_auth_user_backend": "security.users.KeptModelBackend",
        "_auth_user_hash": person.get_session_auth_hash(),
    })
    get_user(request)

    with django_assert_num_queries(1):
        assert get_user(request) == person
    assert cache.get(users._key(person.pk)) is None



def test_the_user_and_whether_they_have_two_factor_are_read_with_the_session(monkeypatch):
    customer = make_account("ada@example.com")
    client = signed_in("ada@example.com")
    client.get(ORDERS)
    reads = cache_calls(monkeypatch, with_keys=True)

    assert client.get(ORDERS).status_code == 200

    about_them = [(name, keys) for name, keys in reads if "security." in str(keys)]
    session = SessionStore(client.cookies[settings.SESSION_COOKIE_NAME].value)
    assert about_them == [
        ("get_many", [session.cache_key, users._key(customer.pk), devices.cache_key(customer.pk)]),
    ]
