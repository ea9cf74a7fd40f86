"""The marketplace in Chromium: a customer applies to sell; an owner of the shop approves
the application with a commission; the seller signs in with a code, adds a product, sees it
bought with one of the store's own in one order, and ships their parcel. axe-core checks
the application, the portal's pages and the staff's seller pages at 1280 and 390 px."""

import re
import secrets

import pytest
from playwright.sync_api import expect

from tests.browser.test_staff_roles import MAKE_OWNER, axe_at_both_widths, last_line
from tests.browser.test_staff_signin import current_code, sign_in_with_password

PASSWORD = "a long enough staff password"
MAKE_CUSTOMER = """
from allauth.account.models import EmailAddress
from django_otp.plugins.otp_totp.models import TOTPDevice
from shop.models import User
user = User.objects.create_user({email!r}, {password!r})
EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
TOTPDevice.objects.create(user=user, name="Phone", key={key!r}, confirmed=True)
"""
BUY_ACROSS_SHOPS = """
from shop.models import Product, Variant
from tests.shop.buying import pay, place
theirs = Variant.objects.get(sku="KILN-MUG-1")
ours = Variant.objects.filter(on_hand__gt=5, product__is_active=True,
                              product__seller__is_store=True).order_by("sku").first()
print(pay(place((theirs, 2), (ours, 1), email="two.shops@example.com")).number)
"""


@pytest.fixture(scope="module")
def owner(shop):
    account = {"email": "oona.owner@example.com", "key": secrets.token_hex(20)}
    shop["manage"]("shell", "-c", MAKE_OWNER.format(password=PASSWORD, **account))
    return account


@pytest.fixture(scope="module")
def maker(shop):
    account = {"email": "kit.kiln@example.com", "key": secrets.token_hex(20)}
    shop["manage"]("shell", "-c", MAKE_CUSTOMER.format(password=PASSWORD, **account))
    return account


def signed_in(page, account, url: str) -> None:
    page.goto(url)
    sign_in_with_password(page, account)
    page.get_by_label("Authentication code").fill(current_code(account["key"]))
    page.get_by_role("button", name="Verify").click()


def test_a_seller_applies_is_approved_adds_a_product_and_ships_their_part(
    shop, owner, maker, page, new_page
):
    signed_in(page, maker, f"{shop['url']}/sell/apply/")
    expect(page.get_by_role("heading", name=re.compile("^Sell on"))).to_be_visible()
    axe_at_both_widths(page, "the application")
    page.get_by_label("Shop name").fill("Kiln & Kettle")
    page.get_by_label("Description").fill("Stoneware thrown by hand in our own studio.")
    page.get_by_label("Return address").fill("4 Clay Street, Stoke-on-Trent")
    page.get_by_label("Return policy").fill("Returns within 30 days, unused.")
    page.locator("#id_branches-0-name").fill("Studio")
    page.locator("#id_branches-0-address").fill("4 Clay Street, Stoke-on-Trent")
    page.get_by_role("button", name="Send the application").click()
    expect(page.locator("body")).to_contain_text("Your application is with our staff")

    staff = new_page()
    signed_in(staff, owner, f"{shop['url']}/dashboard/sellers/")
    expect(staff.get_by_role("heading", name="Applications to review")).to_be_visible()
    axe_at_both_widths(staff, "the sellers page")
    staff.get_by_role("link", name="Kiln & Kettle").click()
    axe_at_both_widths(staff, "a seller's page")
    staff.get_by_label("Commission (%)").fill("12.5")
    staff.get_by_role("button", name="Approve with this commission").click()
    expect(staff.locator(".messages")).to_contain_text("Kiln & Kettle: approved, commission 12.50%")

    page.goto(f"{shop['url']}/sell/")
    expect(page.get_by_role("heading", name="Your figures")).to_be_visible()
    axe_at_both_widths(page, "the seller portal")
    page.get_by_role("navigation", name="Seller portal").get_by_role(
        "link", name="Products").click()
    page.get_by_role("link", name="Add a product").click()
    axe_at_both_widths(page, "the product form")
    page.get_by_label(re.compile(r"^Name:?$")).fill("Speckled Mug")
    page.get_by_label(re.compile(r"^Description:?$")).fill("A speckled stoneware mug, 350 ml.")
    page.get_by_label(re.compile(r"^Category:?$")).select_option(index=1)
    page.get_by_label(re.compile(r"^SKU:?$")).fill("KILN-MUG-1")
    page.get_by_label(re.compile(r"^Price:?$")).fill("22.00")
    page.get_by_label(re.compile(r"^On hand:?$")).fill("10")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Saved Speckled Mug.")
    page.get_by_role("link", name="See it in the shop").click()
    expect(page.get_by_role("heading", level=1, name="Speckled Mug")).to_be_visible()
    expect(page.locator("body")).to_contain_text("Sold by")

    number = last_line(shop["manage"]("shell", "-c", BUY_ACROSS_SHOPS))
    page.goto(f"{shop['url']}/sell/orders/?show=to-ship")
    page.get_by_role("link", name=number).click()
    expect(page.locator("body")).to_contain_text("2 × Speckled Mug")
    axe_at_both_widths(page, "an order in the seller portal")
    page.get_by_label("Tracking number").fill("KK123456")
    page.get_by_role("button", name="Mark your parcel shipped").click()
    expect(page.locator(".messages")).to_contain_text("your parcel is marked shipped")
    expect(page.locator("body")).to_contain_text("Partially shipped")
    expect(page.locator("body")).to_contain_text("KK123456")
    assert not page.errors and not staff.errors, (page.errors, staff.errors)
