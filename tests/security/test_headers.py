"""Every response carries the security headers: pages, HTMX fragments, error pages and static
files alike. The Content-Security-Policy is strict (nonces, no inline or eval code) and says
where violations are reported."""

import re

import pytest
from django.conf import settings
from django.utils.csp import CSP

from tests.factories import CategoryFactory, ProductFactory, VariantFactory

DENIED_FEATURES = ["camera", "microphone", "geolocation", "payment", "usb"]


def assert_security_headers(response) -> None:
    """The headers every response gets, pages and static files alike."""
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = response["Permissions-Policy"]
    for feature in DENIED_FEATURES:
        assert f"{feature}=()" in policy.split(", ")
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"


@pytest.fixture
def catalogue(db):
    shirts = CategoryFactory(slug="shirts", name="Shirts")
    VariantFactory(product=ProductFactory(name="Linen Shirt", category=shirts))


def test_a_full_page_sends_the_security_headers(client, catalogue):
    response = client.get("/products/")
    assert response.status_code == 200
    assert_security_headers(response)


def test_the_page_scripts_carry_the_nonce_the_policy_names(client, catalogue):
    response = client.get("/products/")
    [nonce] = re.findall(r"'nonce-([^']+)'", response["Content-Security-Policy"])
    assert f'nonce="{nonce}"' in response.text


def test_an_htmx_fragment_sends_the_security_headers(client, catalogue):
    response = client.get("/products/", headers={"HX-Request": "true", "HX-Target": "listing"})
    assert "<html" not in response.text  # the fragment, not the page
    assert_security_headers(response)


def test_an_error_page_sends_the_security_headers(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_security_headers(response)


def test_a_static_file_sends_the_security_headers(client):
    response = client.get(f"{settings.STATIC_URL}css/shop.css")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert_security_headers(response)


def test_https_responses_carry_hsts_when_it_is_on(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get(f"{settings.STATIC_URL}css/shop.css", secure=True)
    assert response["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )


def test_no_directive_of_the_policy_allows_inline_or_eval_code():
    for directive, values in settings.SECURE_CSP.items():
        assert CSP.UNSAFE_INLINE not in values, directive
        assert CSP.UNSAFE_EVAL not in values, directive
        assert CSP.UNSAFE_HASHES not in values, directive


def test_the_policy_names_where_violations_are_reported(client):
    response = client.get(f"{settings.STATIC_URL}css/shop.css")
    csp = response["Content-Security-Policy"].split("; ")
    assert "report-uri /csp-report/" in csp
    assert "report-to csp" in csp
    assert response["Reporting-Endpoints"] == 'csp="/csp-report/"'


def test_the_permissions_policy_is_the_setting(client, settings):
    settings.PERMISSIONS_POLICY = {"camera": [], "fullscreen": ["self"]}
    response = client.get(f"{settings.STATIC_URL}css/shop.css")
    assert response["Permissions-Policy"] == "camera=(), fullscreen=(self)"
