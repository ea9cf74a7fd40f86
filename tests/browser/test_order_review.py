"""An order held for review, in Chromium: a guest pays, the provider then rates the payment
"highest" (as Stripe's Radar does on `charge.succeeded`) and the order is held. A staff
member finds it on the dashboard with its score and why, cannot mark it shipped, opens its
review page, and clears the hold; it then ships. axe-core finds nothing on the dashboard's
panel or the review page at 1280 and 390 px."""

import re
import secrets

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_no_axe_violations
from tests.browser.test_accessibility import last_line, order_number
from tests.browser.test_purchase import add_to_cart, place_order
from tests.browser.test_staff_signin import current_code, make_account, sign_in_with_password

# At the default threshold: the suite's server holds nothing by a score (see conftest).
VERDICT = """
from django.test import override_settings
from shop.models import Order
from shop.services.risk import ProviderVerdict, payment_arrived
order = Order.objects.get(number={number!r})
with override_settings(RISK_REVIEW_THRESHOLD=50):
    payment_arrived(order_id=order.pk,
                    verdict=ProviderVerdict(risk_level="highest", risk_score=88))
print(order.pk)
"""
STATE = """
from shop.models import Order
order = Order.objects.get(number={number!r})
print(order.needs_review, order.status)
"""


@pytest.fixture(scope="module")
def held(shop, new_page):
    """A guest's paid order, held for review by the provider's verdict: its number and id."""
    page = new_page()
    add_to_cart(page, shop)
    number = order_number(place_order(page, shop, email="held.guest@example.com"))
    page.get_by_role("button", name="Approve payment").click()
    expect(page.locator(".order-status .status")).to_have_text("Paid")
    order_id = last_line(shop["manage"]("shell", "-c", VERDICT.format(number=number)))
    return {"number": number, "id": order_id}


@pytest.fixture
def owner(shop):
    return make_account(shop, f"rita{secrets.token_hex(3)}@example.com", staff=True,
                        key=secrets.token_hex(20))


def sign_in(page, shop, account) -> None:
    page.goto(f"{shop['url']}/dashboard/")
    sign_in_with_password(page, account)
    page.get_by_label("Authentication code").fill(current_code(account["key"]))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(f"{shop['url']}/dashboard/")


def mark_shipped(page) -> None:
    """The action bar on the order's own page."""
    page.locator("select[name='CHANGE_FORM-action']").select_option("mark_shipped")
    page.locator("input[name='CHANGE_FORM-tracking_number']").fill("1Z999")
    page.locator("select[name='CHANGE_FORM-action']").locator(
        "xpath=ancestor::div[contains(@class, 'actions')]").get_by_role("button").click()


def state(shop, number: str) -> str:
    return last_line(shop["manage"]("shell", "-c", STATE.format(number=number)))


@pytest.mark.parametrize("width", [1280, 390])
def test_the_held_panel_and_the_review_page_pass_axe(shop, page, held, owner, width):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, shop, owner)
    panel = page.locator("section", has=page.get_by_role("heading",
                                                         name="Orders held for review"))
    row = panel.get_by_role("row", name=held["number"])
    expect(row).to_contain_text(re.compile(r"Risk score \d+: "))
    expect(row).to_contain_text("rates the payment highest, score 88. (+60)")
    expect(panel).to_contain_text(re.compile(r"scored \d+ or more for risk"))
    assert_no_axe_violations(page, where=f"dashboard at {width} px")
    page.goto(f"{shop['url']}/admin/shop/order/{held['id']}/review/")
    expect(page.get_by_role("heading", name=re.compile(r"^Risk score: \d+ of 100"))
           ).to_be_visible()
    assert_no_axe_violations(page, where=f"review page at {width} px")


def test_a_held_order_ships_only_once_its_hold_is_cleared(shop, page, held, owner):
    sign_in(page, shop, owner)
    page.goto(f"{shop['url']}/admin/shop/order/{held['id']}/change/")
    mark_shipped(page)
    expect(page.locator(".messagelist")).to_contain_text("is held for review")
    assert state(shop, held["number"]) == "True paid"

    page.get_by_role("link", name="Review…").click()
    page.get_by_label("Clear the hold: the order may ship").check()
    page.get_by_label("Why (for staff)").fill("Called the customer; the card is theirs.")
    page.get_by_role("button", name="Decide").click()
    expect(page.locator(".messagelist")).to_contain_text("may ship")
    assert state(shop, held["number"]) == "False paid"
    expect(page.get_by_role("link", name="Review…")).to_have_count(0)

    mark_shipped(page)
    expect(page.locator(".messagelist")).to_contain_text("marked shipped")
    assert state(shop, held["number"]) == "False shipped"
