"""Staff signing in, in Chromium: the admin sends them to the shop's sign-in, then to the
code step, where a code computed here from their app's key lets them into the admin; the
same without JavaScript; a customer setting up two-factor from the QR page's key; and
axe-core on the setup and code pages."""

import re
import secrets
import time

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_no_axe_violations
from tests.second_factor import key_from_base32, totp

PASSWORD = "a long enough staff password"
CREATE_ACCOUNT = """
from allauth.account.models import EmailAddress
from django_otp.plugins.otp_totp.models import TOTPDevice
from shop.models import User
user = User.objects.filter(email={email!r}).first()
user = user or User.objects.create_user({email!r}, {password!r}, is_staff={staff!r},
                                        is_superuser={staff!r})
EmailAddress.objects.update_or_create(
    user=user, email=user.email, defaults={{"verified": True, "primary": True}}
)
if {key!r}:
    TOTPDevice.objects.update_or_create(
        user=user, name="Phone", defaults={{"key": {key!r}, "confirmed": True}}
    )
"""


THROTTLE = """
from datetime import timedelta
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
TOTPDevice.objects.filter(user__email={email!r}).update(
    throttling_failure_count={failures!r},
    throttling_failure_timestamp=timezone.now() - timedelta(seconds={seconds_ago!r}),
)
"""


def throttle(shop, account: dict, *, failures: int, seconds_ago: int) -> None:
    """As if the account's last of `failures` wrong codes in a row came `seconds_ago`:
    django-otp then wants 2 ** (failures - 1) seconds from it before it checks a code."""
    shop["manage"]("shell", "-c", THROTTLE.format(
        email=account["email"], failures=failures, seconds_ago=seconds_ago,
    ))


def make_account(shop, email: str, *, staff: bool, key: str = "") -> dict:
    shop["manage"]("shell", "-c", CREATE_ACCOUNT.format(
        email=email, password=PASSWORD, staff=staff, key=key,
    ))
    return {"email": email, "key": key}


@pytest.fixture(scope="module")
def staff(shop):
    """A staff member whose authenticator app holds `key`."""
    return make_account(shop, "sam.staff@example.com", staff=True, key=secrets.token_hex(20))


@pytest.fixture(scope="module")
def staff_without_js(shop):
    return make_account(shop, "kim.staff@example.com", staff=True, key=secrets.token_hex(20))


@pytest.fixture(scope="module")
def customer(shop):
    """A customer without two-factor yet."""
    return make_account(shop, "lee.customer@example.com", staff=False)


def current_code(key_hex: str) -> str:
    return totp(bytes.fromhex(key_hex), time.time())


def sign_in_with_password(page, account) -> None:
    page.get_by_label("Email").fill(account["email"])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile(r"^sign in$", re.IGNORECASE)).click()


def test_staff_sign_in_with_a_code_ends_in_the_admin(shop, page, staff, screenshot):
    page.goto(f"{shop['url']}/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/admin/$"))
    sign_in_with_password(page, staff)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/verify/\?next=%2Fadmin%2F$"))
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    assert_no_axe_violations(page)
    screenshot(page, "twofactor-verify")
    page.reload()  # axe leaves empty style attributes behind, which htmx would copy over
    page.get_by_label("Authentication code").fill(current_code(staff["key"]))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(f"{shop['url']}/admin/")
    expect(page.get_by_role("link", name="Orders").first).to_be_visible()


def test_staff_sign_in_works_without_javascript(shop, page_without_js, staff_without_js):
    page = page_without_js
    page.goto(f"{shop['url']}/dashboard/")
    sign_in_with_password(page, staff_without_js)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/verify/"))
    page.get_by_label("Authentication code").fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#verify-form .errorlist")).to_contain_text("That code did not work")
    # Wrong codes in a row: a minute to wait, and even the right code is turned away with how
    # long is left; then the clock of the wait is moved past its end instead of slept out.
    throttle(shop, staff_without_js, failures=7, seconds_ago=0)
    page.get_by_label("Authentication code").fill(current_code(staff_without_js["key"]))
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#verify-form .errorlist")).to_contain_text(
        re.compile(r"Too many tries: wait (6[0-4]|5\d) seconds and enter the newest code")
    )
    throttle(shop, staff_without_js, failures=7, seconds_ago=64)
    page.get_by_label("Authentication code").fill(current_code(staff_without_js["key"]))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(f"{shop['url']}/dashboard/")
    expect(page.get_by_role("heading", name="Staff dashboard")).to_be_visible()


def test_a_customer_sets_up_two_factor_from_the_key_on_the_page(shop, page, customer, screenshot):
    page.goto(f"{shop['url']}/accounts/login/")
    sign_in_with_password(page, customer)
    page.get_by_role("link", name="Two-factor authentication").click()
    page.get_by_role("link", name="Set up two-factor authentication").click()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    assert_no_axe_violations(page)
    screenshot(page, "twofactor-setup")
    page.reload()  # the same key: the app being set up stays until it is confirmed
    key = key_from_base32(page.locator(".twofactor-key").inner_text())
    page.get_by_label("Code from your app").fill("000000")
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(page.locator("#setup-form .errorlist")).to_contain_text("That code did not match")
    time.sleep(1.1)
    page.get_by_label("Code from your app").fill(totp(key, time.time()))
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(page.get_by_role("heading", name="Backup codes", exact=True)).to_be_visible()
    expect(page.locator(".backup-codes li")).to_have_count(10)
    assert_no_axe_violations(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download as a text file").click()
    assert download.value.suggested_filename == "backup-codes.txt"
