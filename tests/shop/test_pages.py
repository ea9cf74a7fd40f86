import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.accounts import make_account, sign_in
from tests.factories import (
    CategoryFactory,
    ProductFactory,
    ProductImageFactory,
    UserFactory,
    VariantFactory,
)

pytestmark = pytest.mark.django_db


def test_home_shows_featured_products_and_top_categories(client):
    parent = CategoryFactory(name="Outdoors", slug="outdoors")
    child = CategoryFactory(name="Tents", slug="tents", parent=parent)
    featured = ProductFactory(name="Two-Person Tent", category=child, is_featured=True)
    VariantFactory(product=featured, price="249.00")
    ProductImageFactory(product=featured)
    VariantFactory(product=ProductFactory(name="Quiet Stove", category=child))
    response = client.get("/")
    assert response.status_code == 200
    assert "Two-Person Tent" in response.text and "$249.00" in response.text
    assert "Quiet Stove" not in response.text
    assert "Outdoors" in response.text and "2 products" in response.text


def test_home_query_count_is_fixed(client, django_assert_max_num_queries):
    category = CategoryFactory(parent=CategoryFactory())
    for _ in range(10):
        VariantFactory(product=ProductFactory(category=category, is_featured=True))
    # the offers in force, categories, their counts, featured products
    with django_assert_max_num_queries(4):
        response = client.get("/")
    assert response.status_code == 200
    assert len(response.context["featured"]) == 8  # the newest eight of the ten


def test_pages_carry_a_strict_nonce_csp(client):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    scripts = re.findall(r"<script[^>]*>", response.text)
    assert scripts and all(f'nonce="{nonce}"' in tag and "src=" in tag for tag in scripts)
    assert "style=" not in response.text
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_htmx_is_served_from_the_site_not_a_cdn(client):
    response = client.get("/")
    src = re.search(r'<script src="([^"]+htmx[^"]+)"', response.text).group(1)
    assert src.startswith("/static/")
    assert client.get(src).status_code == 200


def test_server_error_page_is_friendly(client, settings):
    settings.ROOT_URLCONF = "tests.shop.urls_that_fail"
    failing = Client(raise_request_exception=False)
    response = failing.get("/boom/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text


class TestAccounts:
    password = "correct horse battery staple"

    def test_signup_sends_a_verification_email_and_the_link_signs_in(self, client):
        response = client.post(reverse("account_signup"), {
            "email": "new@example.com", "password1": self.password, "password2": self.password,
        })
        assert response.status_code == 302
        assert len(mail.outbox) == 1
        assert mail.outbox[0].subject.startswith("[Northwind Supply] ")
        assert "Hello from Northwind Supply!" in mail.outbox[0].body
        link = re.search(r"https?://[^/]+(/accounts/confirm-email/\S+)", mail.outbox[0].body)
        confirm = client.get(link.group(1))
        assert confirm.status_code == 200 and "Confirm" in confirm.text
        client.post(link.group(1))
        assert client.get("/").wsgi_request.user.email == "new@example.com"

    def test_short_passwords_are_refused_with_a_message(self, client):
        response = client.post(reverse("account_signup"), {
            "email": "new@example.com", "password1": "short1", "password2": "short1",
        })
        assert response.status_code == 200
        assert "at least 12 characters" in response.text

    def test_login_page_uses_the_shops_look(self, client):
        response = client.get(reverse("account_login"))
        assert response.status_code == 200
        assert "css/shop.css" in response.text and 'class="account-page"' in response.text

    def test_login_with_a_verified_email(self, client):
        user = make_account("known@example.com")
        assert sign_in(client, "known@example.com").status_code == 302
        assert client.get("/").wsgi_request.user == user

    def test_password_reset_does_not_reveal_unknown_accounts(self, client):
        UserFactory(email="known@example.com")
        known = client.post(reverse("account_reset_password"), {"email": "known@example.com"})
        unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})
        assert known.status_code == unknown.status_code == 302
        assert known["Location"] == unknown["Location"]
        assert [m.to for m in mail.outbox] == [["known@example.com"], ["nobody@example.com"]]
        assert "/accounts/password/reset/key/" in mail.outbox[0].body
        assert "/accounts/password/reset/key/" not in mail.outbox[1].body

    def test_sign_out_ends_the_session(self, client):
        client.force_login(UserFactory())
        response = client.post(reverse("account_logout"))
        assert response.status_code == 302
        assert not client.get("/").context["user"].is_authenticated

    def test_the_reset_link_sets_a_new_password(self, client):
        user = UserFactory(email="known@example.com")
        client.post(reverse("account_reset_password"), {"email": "known@example.com"})
        link = re.search(r"https?://[^/]+(/accounts/password/reset/key/\S+)", mail.outbox[0].body)
        # The emailed link moves its key into the session and redirects to the form.
        form_url = client.get(link.group(1), follow=True).redirect_chain[-1][0]
        new_password = "a brand new passphrase"
        response = client.post(form_url, {"password1": new_password, "password2": new_password})
        assert response.status_code == 302
        user.refresh_from_db()
        assert user.check_password(new_password)


def test_favicon_ico_points_at_the_shops_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith("img/favicon.svg")
