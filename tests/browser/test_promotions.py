"""Promotions in Chromium, with the demo's own (shop.demo.promotions): the Knitwear offer on
the cards and in the cart, the code WELCOME10 entered in place on top of it and, in a page
without JavaScript, as a plain form; the order paid with the test provider charging what the
review showed. axe-core checks the cart with its discounts at both widths."""

import re
from decimal import Decimal

from playwright.sync_api import expect

from tests.browser.axe import assert_no_axe_violations
from tests.browser.test_purchase import amount, fill_checkout

KNITWEAR = "/products/?category=women-knitwear&in_stock=1&sort=name"


def open_knitwear(page, shop) -> str:
    """Open the first Knitwear product with plenty in stock (its card and page showing the
    offer), its first variant in stock chosen; its name."""
    page.goto(shop["url"] + KNITWEAR)
    cards = page.locator("#product-grid .card")
    for index in range(cards.count()):
        expect(cards.nth(index).locator(".badge--offer")).to_have_text("20% off")
        cards.nth(index).locator(".card-link").click()
        expect(page.locator("#variant-availability")).not_to_be_empty()
        if page.locator("#variant-availability").inner_text() == "In stock.":
            expect(page.locator("#variant-panel .badge--offer")).to_have_text("20% off")
            return page.locator("h1").inner_text()
        page.goto(shop["url"] + KNITWEAR)
    raise AssertionError("no Knitwear product on the first page has plenty in stock")


def summary(page) -> dict[str, Decimal]:
    """The review's totals by their row names, discounts as negative amounts."""
    totals = {}
    for row in page.locator(".order-lines tfoot tr").all():
        name = row.locator("th, td").first.inner_text().split(" (")[0]
        value = amount(row.locator("td").last.inner_text())
        totals[name] = -value if "−" in row.locator("td").last.inner_text() else value
    return totals


def test_an_offer_and_a_code_are_taken_off_and_paid_for(shop, page):
    name = open_knitwear(page, shop)
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#cart-count")).to_have_text("1")
    page.goto(f"{shop['url']}/cart/")
    line = page.locator(".cart-line").filter(has_text=name)
    expect(line.locator(".offer-note")).to_contain_text("20% off Knitwear: −$")

    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        assert_no_axe_violations(page, f"the cart with an offer at {width} px")
    page.set_viewport_size({"width": 1280, "height": 900})

    field = page.get_by_label("Discount code")
    field.fill("nope")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#code-error")).to_have_text(
        "NOPE: we do not know this code. Check its spelling.")
    page.get_by_label("Discount code").fill("welcome10")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#cart-summary")).to_contain_text("Code WELCOME10 applied: $")
    # The lines fetch themselves again: the offer is still there, beside the code.
    expect(line.locator(".offer-note")).to_contain_text("20% off Knitwear")
    expect(page.locator("#cart-summary")).to_contain_text("WELCOME10")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        assert_no_axe_violations(page, f"the cart with a code at {width} px")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("link", name="Check out").click()
    fill_checkout(page, email="knit.buyer@example.com")
    page.get_by_role("button", name="Review your order").click()
    expect(page.locator("h1")).to_have_text("Review your order")
    totals = summary(page)
    assert totals["Discount: 20% off Knitwear"] < 0 and totals["Discount: WELCOME10"] < 0
    discounts = sum(value for key, value in totals.items() if key.startswith("Discount:"))
    assert totals["Total"] == totals["Subtotal"] + discounts + totals["Shipping"] + totals["Tax"]
    assert_no_axe_violations(page, "the review with discounts")

    page.get_by_role("button", name=f"Place order and pay ${totals['Total']:,.2f}").click()
    expect(page.locator("h1")).to_have_text("Test payment")
    page.get_by_role("button", name="Approve payment").click()
    expect(page).to_have_url(re.compile(r"/orders/[^/]+/$"))
    expect(page.locator(".order-status .status")).to_have_text("Paid")
    expect(page.locator(".grand-total td")).to_have_text(f"${totals['Total']:,.2f}")
    expect(page.locator(".order-lines")).to_contain_text("Discount: WELCOME10")
    expect(page.locator(".order-lines")).to_contain_text("Discount: 20% off Knitwear")


def test_a_code_is_entered_and_removed_without_javascript(shop, page_without_js):
    page = page_without_js
    open_knitwear(page, shop)
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(f"{shop['url']}/cart/")
    page.get_by_label("Discount code").fill("WELCOME10")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(f"{shop['url']}/cart/")
    expect(page.locator("body")).to_contain_text("Code WELCOME10 applied: $")
    page.get_by_role("button", name=re.compile(r"^Remove code")).click()
    expect(page.locator("body")).to_contain_text("Code WELCOME10 removed.")
    expect(page.get_by_label("Discount code")).to_be_visible()
