"""Trusting a browser for 30 days: the signed cookie skips the code step for its account,
until the password changes or two-factor is turned off."""

import time
from datetime import timedelta

import pytest
from django.core import signing
from django_otp import DEVICE_ID_SESSION_KEY

from security.models import AuditEntry
from security.twofactor import services
from tests.accounts import PASSWORD, make_account, sign_in, sign_out, verify
from tests.second_factor import add_app_device, code_for

pytestmark = pytest.mark.django_db
COOKIE = "trusted_browser"
VERIFY = "/accounts/2fa/verify/"


@pytest.fixture
def trusted(client, customer, app):
    """A browser that said "trust this browser" at its last sign-in, now signed out."""
    sign_in(client, customer.email)
    verify(client, code_for(app), trust=True)
    sign_out(client)
    return client


def test_trusting_sets_a_signed_http_only_cookie_for_30_days(client, customer, app, settings):
    settings.SESSION_COOKIE_SECURE = True
    sign_in(client, customer.email)
    cookie = verify(client, code_for(app), trust=True).cookies[COOKIE]
    assert cookie["httponly"] is True
    assert cookie["secure"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == int(timedelta(days=30).total_seconds())
    claim = signing.loads(cookie.value, salt="security.twofactor.trusted-browser")
    assert (claim["user"], claim["device"]) == (customer.pk, app.persistent_id)
    assert PASSWORD not in cookie.value and customer.password not in cookie.value


def test_without_the_box_ticked_no_cookie_is_set(client, customer, app):
    sign_in(client, customer.email)
    assert COOKIE not in verify(client, code_for(app)).cookies


def test_a_trusted_browser_skips_the_code(trusted, customer, app):
    sign_in(trusted, customer.email)
    assert trusted.get("/orders/").status_code == 200
    assert trusted.session[DEVICE_ID_SESSION_KEY] == app.persistent_id


def test_a_password_change_revokes_the_trust(trusted, customer):
    customer.set_password("another long password")
    customer.save()
    sign_in(trusted, customer.email, "another long password")
    assert trusted.get("/orders/")["Location"].startswith(VERIFY)


def test_turning_two_factor_off_revokes_the_trust(trusted, customer, app, clock):
    cookie = trusted.cookies[COOKIE].value
    sign_in(trusted, customer.email)
    response = trusted.post(
        "/accounts/2fa/disable/", {"password": PASSWORD, "code": code_for(app, steps=1, at=clock)}
    )
    assert response.cookies[COOKIE]["max-age"] == 0
    # Even the old cookie, kept somewhere, does not fit the app set up afterwards.
    device = services.start_setup(user=customer)
    services.confirm_setup(user=customer, device_id=device.pk, code=code_for(device, at=clock))
    sign_out(trusted)
    trusted.cookies[COOKIE] = cookie
    sign_in(trusted, customer.email)
    assert trusted.get("/orders/")["Location"].startswith(VERIFY)


def test_the_cookie_is_for_its_own_account_only(trusted):
    other = make_account("grace@example.com")
    add_app_device(other)
    sign_in(trusted, other.email)
    assert trusted.get("/orders/")["Location"].startswith(VERIFY)


def test_a_tampered_cookie_is_ignored(trusted, customer):
    trusted.cookies[COOKIE] = trusted.cookies[COOKIE].value[:-2] + "xx"
    sign_in(trusted, customer.email)
    assert trusted.get("/orders/")["Location"].startswith(VERIFY)


def test_the_trust_ends_after_30_days(trusted, customer, monkeypatch):
    later = time.time() + timedelta(days=30, minutes=1).total_seconds()
    sign_in(trusted, customer.email)
    monkeypatch.setattr(time, "time", lambda: later)
    assert trusted.get("/orders/")["Location"].startswith(VERIFY)


def test_a_trusted_browser_does_not_spare_staff_the_code(trusted, customer):
    customer.is_staff = True
    customer.save()
    sign_in(trusted, customer.email)
    response = trusted.get("/admin/")
    assert response.status_code == 302 and "/accounts/2fa/verify/" in response["Location"]
    page = trusted.get(response["Location"])
    assert "Trust this browser" not in page.text
    assert not AuditEntry.objects.filter(action="staff.second_factor").exists()
