"""A signed-in session's key names its user, so the session and the user are read from the
cache in one round trip (tests/security/test_kept_users.py counts it); a key naming someone
else signs nobody in."""

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.cached_db import SessionStore as DjangoSessionStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from security import sessions, users
from tests.accounts import PASSWORD, make_account, sign_in, sign_out

pytestmark = pytest.mark.django_db
ORDERS = reverse("shop:order-list")
NEW_PASSWORD = "another long passphrase 42"


def session_key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def signed_in(email: str) -> Client:
    client = Client()
    assert sign_in(client, email).status_code == 302
    return client


def test_the_key_names_the_signed_in_user_and_no_one_after_signing_out():
    customer = make_account("ada@example.com")
    client = signed_in("ada@example.com")
    key = session_key(client)
    assert key.endswith(f"_{customer.pk}") and len(key) <= 40
    assert sessions.named_user(key) == str(customer.pk)

    changed = client.post(reverse("account_change_password"), {
        "oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD,
    })
    assert changed.status_code == 302
    assert session_key(client) != key and sessions.named_user(session_key(client)) == str(
        customer.pk)
    assert client.get(ORDERS).status_code == 200

    sign_out(client)
    assert sessions.named_user(session_key(client) or None) is None


def test_a_key_made_up_with_someones_id_signs_nobody_in():
    customer = make_account("ada@example.com")
    signed_in("ada@example.com").get(ORDERS)  # their user kept in the cache
    assert cache.get(users.cache_keys(customer.pk)[0]) is not None
    stranger = Client()
    stranger.cookies[settings.SESSION_COOKIE_NAME] = f"{'a' * 32}_{customer.pk}"

    page = stranger.get(ORDERS)

    assert page.status_code == 302 and "/accounts/login/" in page["Location"]
    assert "ada@example.com" not in stranger.get("/").text


def test_what_the_session_read_serves_only_its_own_user_and_request():
    ada, grace = make_account("ada@example.com"), make_account("grace@example.com")
    backend = users.KeptModelBackend()

    # Whatever a session naming Ada read, Grace's user is not taken from it.
    users.read_with_session(str(ada.pk), {users.cache_keys(grace.pk)[0]: ada})
    assert backend.get_user(grace.pk) == grace
    # Nor is a later request's, which reads no session, answered from an earlier one's.
    users.read_with_session(str(ada.pk), {users.cache_keys(ada.pk)[0]: grace})
    assert Client().get("/liveness/").status_code == 200
    assert backend.get_user(ada.pk) == ada


def test_a_session_from_before_moves_to_a_key_naming_its_user_as_it_is_saved():
    customer = make_account("ada@example.com")
    before = DjangoSessionStore()
    before.update({
        SESSION_KEY: str(customer.pk), BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
        HASH_SESSION_KEY: customer.get_session_auth_hash(),
    })
    before.create()
    old_key = before.session_key
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = old_key
    assert client.get(ORDERS).status_code == 200  # read as it is, not saved

    store = sessions.SessionStore(old_key)
    store["seen"] = True
    store.save()

    assert store.session_key == f"{store.session_key[:32]}_{customer.pk}"
    assert not Session.objects.filter(session_key=old_key).exists()
    client.cookies[settings.SESSION_COOKIE_NAME] = store.session_key
    assert client.get(ORDERS).status_code == 200


def test_an_id_too_long_to_fit_leaves_the_key_as_it_is():
    store = sessions.SessionStore()
    store[SESSION_KEY] = "1" * (sessions.ROOM + 1)
    store.save()
    key = store.session_key

    store["seen"] = True
    store.save()

    assert store.session_key == key and sessions.named_user(key) is None


@pytest.mark.parametrize("key", [f"{'a' * 32}_{'9' * 3000}", f"{'a' * 32}_\u00b2"])
def test_a_key_naming_no_possible_user_reads_as_any_unknown_key(key):
    assert sessions.named_user(key) is None
    stranger = Client()
    stranger.cookies[settings.SESSION_COOKIE_NAME] = key

    assert stranger.get("/").status_code == 200
    assert stranger.get(ORDERS).status_code == 302
