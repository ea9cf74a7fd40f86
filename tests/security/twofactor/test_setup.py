"""Setting up an authenticator app: the QR code and key on the page, the app turned on only
by a valid code, and ten backup codes shown once, downloadable, and stored only as hashes."""

import re
from base64 import b32encode

import pytest
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from security.models import AuditEntry, BackupCode
from security.twofactor import backup_codes
from tests.second_factor import code_for, key_from_base32, totp

pytestmark = pytest.mark.django_db
SETUP = "/accounts/2fa/setup/"
CODES_PAGE = "/accounts/2fa/backup-codes/"


@pytest.fixture
def signed_in(client, customer):
    client.force_login(customer)
    return client


def pending_device(user) -> TOTPDevice:
    return TOTPDevice.objects.get(user=user, confirmed=False)


def shown_codes(response) -> list[str]:
    return re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", response.text)


def turn_on(client, user) -> list[str]:
    """Set up the app and return the backup codes the page showed."""
    client.get(SETUP)
    response = client.post(SETUP, {"code": code_for(pending_device(user))})
    assert response.status_code == 200
    return shown_codes(response)


def test_the_setup_page_shows_the_qr_code_as_inline_svg(signed_in):
    response = signed_in.get(SETUP)
    assert response.status_code == 200
    svg = re.search(r"<svg\b.*?</svg>", response.text, re.S).group(0)
    assert 'class="qr-code"' in svg and 'role="img"' in svg and "<path" in svg
    # Nothing the strict CSP would block, and no image fetched from anywhere.
    assert "style=" not in svg
    assert "<img" not in response.text.split('<main id="main"')[1]


def test_the_setup_page_shows_the_key_in_groups_of_four(signed_in, customer):
    response = signed_in.get(SETUP)
    device = pending_device(customer)
    key = re.search(r'<code class="twofactor-key">([A-Z2-7 ]+)</code>', response.text).group(1)
    assert re.fullmatch(r"([A-Z2-7]{4} )*[A-Z2-7]{1,4}", key)
    assert key_from_base32(key) == bytes.fromhex(device.key)
    assert key.replace(" ", "") == b32encode(device.bin_key).decode().rstrip("=")


def test_the_device_follows_rfc_6238_defaults(signed_in, customer):
    signed_in.get(SETUP)
    device = pending_device(customer)
    assert (device.step, device.digits, device.tolerance, device.t0) == (30, 6, 1, 0)
    assert "algorithm=SHA1" in device.config_url and "issuer=" in device.config_url


def test_reloading_the_page_keeps_the_same_key(signed_in, customer):
    signed_in.get(SETUP)
    key = pending_device(customer).key
    signed_in.get(SETUP)
    assert TOTPDevice.objects.get(user=customer).key == key


def test_the_device_stays_unconfirmed_until_a_valid_code(signed_in, customer):
    signed_in.get(SETUP)
    assert not TOTPDevice.objects.filter(user=customer, confirmed=True).exists()
    response = signed_in.post(SETUP, {"code": code_for(pending_device(customer))})
    assert response.status_code == 200 and len(shown_codes(response)) == 10
    assert TOTPDevice.objects.get(user=customer).confirmed


def test_a_wrong_code_renders_the_page_again_with_a_message(signed_in, customer):
    signed_in.get(SETUP)
    device = pending_device(customer)
    wrong = totp(bytes.fromhex(device.key), 0)  # a real code, from 1970
    response = signed_in.post(SETUP, {"code": wrong})
    assert response.status_code == 200
    assert "That code did not match" in response.text
    assert "<svg" in response.text  # the same QR code, to try again
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed


def test_the_new_codes_are_never_kept_readable_not_even_in_the_session(signed_in, customer):
    codes = turn_on(signed_in, customer)
    stored = str(dict(signed_in.session))
    assert not any(code in stored for code in codes)
    assert shown_codes(signed_in.get(CODES_PAGE)) == []


def test_turning_it_on_verifies_this_session(signed_in, customer):
    turn_on(signed_in, customer)
    device = TOTPDevice.objects.get(user=customer)
    assert signed_in.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert signed_in.get("/orders/").status_code == 200


def test_ten_backup_codes_are_shown_once(signed_in, customer):
    codes = turn_on(signed_in, customer)
    assert len(codes) == 10 == len(set(codes))
    again = signed_in.get(CODES_PAGE)
    assert shown_codes(again) == []
    assert "10 unused backup codes" in again.text


def test_backup_codes_are_stored_only_as_keyed_hashes(signed_in, customer):
    codes = turn_on(signed_in, customer)
    stored = set(BackupCode.objects.filter(device__user=customer).values_list("digest", flat=True))
    assert stored == {backup_codes.digest(user_id=customer.pk, code=code) for code in codes}
    for code in codes:
        assert not any(code in digest or code.replace("-", "") in digest for digest in stored)


def test_the_same_code_hashes_differently_for_another_account():
    assert backup_codes.digest(user_id=1, code="abcde-fghjk") != backup_codes.digest(
        user_id=2, code="abcde-fghjk"
    )


def test_the_codes_download_as_a_text_file(signed_in, customer):
    codes = turn_on(signed_in, customer)
    response = signed_in.post(reverse("twofactor:backup-codes-download"), {"codes": codes})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response["Content-Disposition"] == 'attachment; filename="backup-codes.txt"'
    assert all(code in response.text for code in codes)
    assert "no-store" in response["Cache-Control"]


def test_the_download_writes_only_unused_codes_of_this_account(signed_in, customer):
    codes = turn_on(signed_in, customer)
    made_up = "22222-22222"
    response = signed_in.post(
        reverse("twofactor:backup-codes-download"), {"codes": [codes[0], made_up]}
    )
    assert codes[0] in response.text and made_up not in response.text
    response = signed_in.post(reverse("twofactor:backup-codes-download"), {"codes": [made_up]})
    assert response.status_code == 302


def test_nothing_downloads_by_get(signed_in, customer):
    turn_on(signed_in, customer)
    assert signed_in.get(reverse("twofactor:backup-codes-download")).status_code == 405


def test_setting_up_again_is_refused_while_it_is_on(signed_in, customer):
    turn_on(signed_in, customer)
    response = signed_in.get(SETUP)
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=customer).count() == 1


def test_setup_asks_anonymous_visitors_to_sign_in(client):
    response = client.get(SETUP)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_account_menu_links_to_two_factor(signed_in):
    response = signed_in.get("/")
    link = f'<a href="{reverse("twofactor:overview")}">Two-factor authentication</a>'
    assert link in response.text


def test_turning_it_on_is_in_the_audit_log(signed_in, customer):
    turn_on(signed_in, customer)
    entry = AuditEntry.objects.get(action="2fa.enabled")
    assert (entry.actor, entry.object_id) == (customer, str(customer.pk))
