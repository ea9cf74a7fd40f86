"""Staff roles in Chromium: an owner invites a Fulfilment member from the staff page; the
member sets a password from the invitation's link, sets up an authenticator app before
anything else, marks a paid order shipped in the admin, and is refused a report download.
axe-core checks the staff pages and the invitation page at 1280 and 390 px."""

import re
import secrets
import time

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_no_axe_violations
from tests.browser.test_staff_signin import current_code, sign_in_with_password
from tests.second_factor import key_from_base32, totp

PASSWORD = "a long enough staff password"
MEMBER = "fay.fulfil@example.com"
MAKE_OWNER = """
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice
from shop.models import User
user = User.objects.create_user({email!r}, {password!r}, is_staff=True)
user.groups.set(Group.objects.filter(name="Owner"))
EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
TOTPDevice.objects.create(user=user, name="Phone", key={key!r}, confirmed=True)
"""
PAID_ORDER = """
from shop.models import Variant
from tests.shop.buying import pay, place
# One of the store's own: the store's staff ship the store's parcels.
variant = Variant.objects.filter(on_hand__gt=5, product__is_active=True,
                                 product__seller__is_store=True).order_by("sku").first()
print(pay(place((variant, 1), email="roles.buyer@example.com")).number)
"""
INVITATION_TOKEN = """
from dashboard.models import StaffInvitation
from dashboard.staff import token_for
print(token_for(StaffInvitation.objects.get(email={email!r})))
"""
WIDTHS = (1280, 390)


def last_line(output: str) -> str:
    return output.strip().splitlines()[-1]


def axe_at_both_widths(page, where: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert_no_axe_violations(page, f"{where} at {width} px")
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture(scope="module")
def owner(shop):
    account = {"email": "olive.owner@example.com", "key": secrets.token_hex(20)}
    shop["manage"]("shell", "-c", MAKE_OWNER.format(password=PASSWORD, **account))
    return account


def test_an_invited_fulfilment_member_ships_an_order_and_is_refused_a_report(
    shop, owner, page, new_page
):
    number = last_line(shop["manage"]("shell", "-c", PAID_ORDER))

    page.goto(f"{shop['url']}/dashboard/staff/")
    sign_in_with_password(page, owner)
    page.get_by_label("Authentication code").fill(current_code(owner["key"]))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Staff", exact=True)).to_be_visible()
    axe_at_both_widths(page, "the staff page")
    page.get_by_label("Email").fill(MEMBER)
    page.get_by_label("Fulfilment").check()
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator(".messages")).to_contain_text(f"Invitation sent to {MEMBER}.")
    expect(page.locator("body")).to_contain_text(f"{MEMBER}: Fulfilment")

    token = last_line(shop["manage"]("shell", "-c", INVITATION_TOKEN.format(email=MEMBER)))
    member = new_page()
    member.goto(f"{shop['url']}/dashboard/invitation/{token}/")
    expect(member.get_by_role("heading", name="Join the staff")).to_be_visible()
    axe_at_both_widths(member, "the invitation page")
    member.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    member.get_by_label("Password again").fill(PASSWORD)
    member.get_by_role("button", name="Set my password").click()
    # Nothing before an authenticator app.
    expect(member).to_have_url(re.compile(r"/accounts/2fa/setup/\?next="))
    key = key_from_base32(member.locator(".twofactor-key").inner_text())
    time.sleep(0.1)
    member.get_by_label("Code from your app").fill(totp(key, time.time()))
    member.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(member.get_by_role("heading", name="Backup codes", exact=True)).to_be_visible()

    member.goto(f"{shop['url']}/dashboard/")
    expect(member.get_by_role("heading", name="To ship")).to_be_visible()
    expect(member.get_by_role("heading", name="Key figures")).to_have_count(0)
    staff_pages = member.get_by_role("navigation", name="Staff pages")
    staff_pages.get_by_role("link", name="Orders", exact=True).click()
    row = member.get_by_role("row").filter(has=member.get_by_role("link", name=number))
    row.get_by_role("checkbox").check()
    member.locator("select[name=action]").select_option("mark_shipped")
    member.get_by_label("Tracking number (to mark shipped):").fill("1Z999AA10123456784")
    member.get_by_role("button", name="Run").click()
    expect(member.locator(".messagelist")).to_contain_text("1 order marked shipped.")
    expect(row).to_contain_text("Shipped")

    member.goto(f"{shop['url']}/dashboard/reports/sales.csv")
    expect(member.get_by_role("heading", name="You can’t open this page")).to_be_visible()
    expect(member.locator("body")).to_contain_text("give you the Finance role")
    assert all("403" in error for error in member.errors), member.errors

    page.reload()  # the member has joined since
    page.get_by_role("link", name=MEMBER).click()
    expect(page.get_by_label("Fulfilment")).to_be_checked()
    axe_at_both_widths(page, "a staff member's page")
