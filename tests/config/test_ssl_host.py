"""SECURE_SSL_HOST from the environment: where plain-HTTP requests are redirected."""

import pytest

from tests.config.test_settings import PRODUCTION, run_django

ENVIRONMENT = PRODUCTION | {"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "shop.example.com"}
SCRIPT = "from django.conf import settings; print(repr(settings.SECURE_SSL_HOST))"


def test_the_redirect_keeps_the_requested_host_by_default():
    result = run_django(["shell", "-c", SCRIPT], ENVIRONMENT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "None"


def test_the_redirect_host_comes_from_the_environment():
    result = run_django(["shell", "-c", SCRIPT],
                        ENVIRONMENT | {"SECURE_SSL_HOST": "secure.example.com:8443"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "'secure.example.com:8443'"


def test_a_url_is_refused_as_the_redirect_host():
    result = run_django(["check"], ENVIRONMENT | {"SECURE_SSL_HOST": "https://secure.example.com/"})
    assert result.returncode != 0
    assert "SECURE_SSL_HOST must be a host with an optional port" in result.stderr


@pytest.mark.django_db
def test_plain_http_is_redirected_to_that_host(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_SSL_HOST = "secure.example.com:8443"
    response = client.get("/products/?page=2")
    assert response.status_code == 301
    assert response["Location"] == "https://secure.example.com:8443/products/?page=2"
