"""Input the database cannot take (a NUL, a lone surrogate, bytes that are not UTF-8, a value
longer than the shop's limits) answers 400 with the shop's page and a security log line,
wherever the request carries it, before any view, session or form reads it. Ordinary input,
however international, and signed webhook bodies go through."""

import json
import logging

import pytest
from django.http import HttpResponse
from django.test import Client

from security.suspicious import (
    MAX_FORM_VALUE,
    MAX_HEADER,
    MAX_PARAMETER,
    MAX_PATH_SEGMENT,
    SuspiciousInputMiddleware,
)
from shop.models import User
from tests.payments import stripe_signing

URLENCODED = "application/x-www-form-urlencoded"
# Percent-encoded, as a client sends them on the wire.
NUL, SURROGATE, NOT_UTF8 = "%00", "%ED%A0%80", "%FF"


def refused(response) -> bool:
    return response.status_code == 400 and b"couldn\xe2\x80\x99t read that request" in (
        response.content
    )


@pytest.fixture(autouse=True)
def _capture(caplog):
    caplog.set_level(logging.WARNING, logger="security.suspicious")


@pytest.mark.django_db
@pytest.mark.parametrize("path", [
    f"/orders/{NUL}/", f"/payments/{NUL}/start/", "/orders/" + "x" * (MAX_PATH_SEGMENT + 1) + "/",
], ids=["nul", "nul-payments", "overlong"])
def test_a_path_segment_is_refused(client, path):
    assert refused(client.get(path))


@pytest.mark.django_db
@pytest.mark.parametrize("segment", [SURROGATE, NOT_UTF8], ids=["surrogate", "not-utf8"])
def test_a_path_segment_that_is_not_utf8_is_plain_text_by_then(client, segment):
    # Django escapes such bytes as "%ED%A0%80": plain text, which finds no order.
    assert client.get(f"/orders/{segment}/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("query", [
    f"q={NUL}", f"q={SURROGATE}", f"q={NOT_UTF8}", "q=" + "x" * (MAX_PARAMETER + 1),
    f"{NUL}=1", f"{SURROGATE}=1", "x" * (MAX_PARAMETER + 1) + "=1",
], ids=["nul", "surrogate", "not-utf8", "overlong", "nul-name", "surrogate-name",
        "overlong-name"])
def test_a_query_parameter_is_refused(client, query):
    assert refused(client.get(f"/products/?{query}"))


@pytest.mark.django_db
@pytest.mark.parametrize("body", [
    f"email={NUL}", f"email={SURROGATE}", f"email={NOT_UTF8}",
    "email=" + "x" * (MAX_FORM_VALUE + 1), f"{NUL}=1",
], ids=["nul", "surrogate", "not-utf8", "overlong", "nul-name"])
def test_a_form_field_is_refused_and_nothing_is_done(client, body):
    response = client.post(
        "/accounts/signup/", f"{body}&password1=plum-tartan-harbour&password2=plum-tartan-harbour",
        content_type=URLENCODED,
    )
    assert refused(response)
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["a\x00b", "x" * (MAX_FORM_VALUE + 1)], ids=["nul", "overlong"])
def test_a_multipart_form_field_is_refused(client, value):
    # Django replaces bytes that are not UTF-8 in a multipart field, so no surrogate is left.
    assert refused(client.post("/accounts/signup/", {"email": value}))


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["a\x00b", "a\ud800b", "x" * (MAX_HEADER + 1)],
                         ids=["nul", "surrogate", "overlong"])
def test_a_header_is_refused(client, value):
    assert refused(client.get("/products/", headers={"User-Agent": value}))


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["\x00" * 32, "x" * (MAX_HEADER + 1)], ids=["nul", "overlong"])
def test_a_session_cookie_is_refused_before_the_session_is_looked_up(
    client, django_assert_num_queries, value
):
    # A quoted cookie may spell a NUL as "\000"; the session key is looked up in the database.
    client.cookies["sessionid"] = value
    with django_assert_num_queries(0):
        assert refused(client.get("/cart/"))


@pytest.mark.django_db
def test_a_refusal_is_logged_with_where_and_why_but_not_the_value(client, caplog):
    client.get(f"/products/?q=secret{NUL}", headers={"X-Request-ID": "edge-9"})
    [line] = [r.getMessage() for r in caplog.records if r.name == "security.suspicious"]
    assert line == (
        "Refused input: request_id=edge-9 method=GET path=/products/ client=127.0.0.1: "
        "query parameter q: a NUL or a lone surrogate"
    )


@pytest.mark.django_db
def test_the_refused_value_is_not_shown_back(client):
    response = client.get(f"/products/?q=<b>shown{NUL}")
    assert refused(response)
    assert b"shown" not in response.content


@pytest.mark.django_db
def test_ordinary_international_input_goes_through(client):
    text = "Zoë’s café, 東京, 😀 " + "x" * (MAX_PARAMETER - 30)
    assert client.get("/products/", {"q": text}).status_code == 200
    response = client.post("/accounts/login/", {"login": text, "password": "wrong password"},
                           headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"})
    assert response.status_code == 200  # the form's own answer, not a refusal


def test_a_long_text_a_person_writes_goes_through(rf):
    request = rf.post("/products/p/reviews/", f"body={'word ' * 10_000}", content_type=URLENCODED)
    response = SuspiciousInputMiddleware(lambda request: HttpResponse("the view ran"))(request)
    assert response.content == b"the view ran"


@pytest.mark.django_db
@pytest.mark.parametrize("content_type", ["application/json", URLENCODED])
def test_a_signed_webhook_is_left_to_the_webhook_code(settings, content_type):
    """Its body is the provider's JSON, checked by signature, whatever type it claims."""
    settings.PAYMENT_PROVIDERS = ["stripe"]
    settings.STRIPE_SECRET_KEY = "sk_test_shop"
    settings.STRIPE_WEBHOOK_SECRET = secret = "whsec_test_shop"
    body = json.dumps({
        "id": "evt_bad_input", "object": "event", "type": "customer.created",
        "data": {"object": {"id": "cus_1", "description": "x" * (MAX_FORM_VALUE + 1)}},
    }).encode()
    response = Client().post(
        "/webhooks/stripe/", body, content_type=content_type,
        headers={"Stripe-Signature": stripe_signing.sign(body, secret)},
    )
    assert response.status_code == 200, response.content[:300]
