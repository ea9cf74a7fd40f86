"""Living with two-factor on: the overview, new backup codes (which need a current code and
end the old ones) and turning it off (which needs the password and a code)."""

import re

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from security.models import AuditEntry, BackupCode, BackupCodeDevice
from security.twofactor import services
from tests.accounts import PASSWORD, sign_in, sign_out, verify
from tests.second_factor import code_for, sign_in_with_second_factor

pytestmark = pytest.mark.django_db
REGENERATE = "/accounts/2fa/backup-codes/new/"
DISABLE = "/accounts/2fa/disable/"


@pytest.fixture
def signed_in(client, customer):
    sign_in_with_second_factor(client, customer)
    return client


@pytest.fixture
def old_codes(customer, app, clock):
    return services.regenerate_backup_codes(user=customer, code=code_for(app, steps=-1, at=clock))


def test_the_overview_says_when_two_factor_is_off(client, customer):
    client.force_login(customer)
    response = client.get("/accounts/2fa/")
    assert "Off: your password alone signs you in." in response.text
    assert reverse("twofactor:setup") in response.text


def test_the_overview_says_when_it_is_on_and_counts_the_codes(signed_in, old_codes):
    response = signed_in.get("/accounts/2fa/")
    assert "On: signing in asks for a code" in response.text
    assert "10 unused backup codes" in response.text


def test_new_backup_codes_need_a_current_code(signed_in, customer, old_codes):
    before = set(BackupCode.objects.values_list("digest", flat=True))
    response = signed_in.post(REGENERATE, {"code": "000000"})
    assert response.status_code == 200
    assert "That code did not work" in response.text
    assert set(BackupCode.objects.values_list("digest", flat=True)) == before


def test_new_backup_codes_end_the_old_ones(signed_in, customer, app, old_codes, clock):
    response = signed_in.post(REGENERATE, {"code": code_for(app, at=clock)})
    assert response.status_code == 200
    page = response.text
    assert "Your old backup codes no longer work." in page
    new_codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", page)
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert BackupCode.objects.count() == 10
    sign_out(signed_in)
    sign_in(signed_in, customer.email)
    assert verify(signed_in, new_codes[0]).status_code == 302
    sign_out(signed_in)
    sign_in(signed_in, customer.email)
    assert "That code did not work" in verify(signed_in, old_codes[0]).text


def test_turning_it_off_shows_a_labelled_form(signed_in):
    response = signed_in.get(DISABLE)
    assert '<label for="id_password">Password' in response.text
    assert '<label for="id_code">Current code' in response.text


def test_turning_it_off_needs_the_password(signed_in, customer, app, clock):
    response = signed_in.post(
        DISABLE, {"password": "not the password", "code": code_for(app, at=clock)}
    )
    assert response.status_code == 200
    assert "That is not your password." in response.text
    assert TOTPDevice.objects.filter(user=customer).exists()


def test_turning_it_off_needs_a_code(signed_in, customer):
    response = signed_in.post(DISABLE, {"password": PASSWORD, "code": "000000"})
    assert response.status_code == 200
    assert "That code did not work" in response.text
    assert TOTPDevice.objects.filter(user=customer).exists()


def test_turning_it_off_removes_the_app_and_the_codes(signed_in, customer, app, old_codes, clock):
    response = signed_in.post(DISABLE, {"password": PASSWORD, "code": code_for(app, at=clock)})
    assert response["Location"] == reverse("twofactor:overview")
    assert not TOTPDevice.objects.filter(user=customer).exists()
    assert not BackupCodeDevice.objects.filter(user=customer).exists()
    assert not BackupCode.objects.exists()
    sign_out(signed_in)
    sign_in(signed_in, customer.email)
    assert signed_in.get("/orders/").status_code == 200


def test_changes_are_in_the_audit_log(signed_in, customer, app, clock):
    signed_in.post(REGENERATE, {"code": code_for(app, steps=-1, at=clock)})
    signed_in.post(DISABLE, {"password": PASSWORD, "code": code_for(app, at=clock)})
    actions = list(
        AuditEntry.objects.filter(actor=customer).order_by("pk").values_list("action", flat=True)
    )
    assert actions == ["2fa.backup_codes_replaced", "2fa.disabled"]
