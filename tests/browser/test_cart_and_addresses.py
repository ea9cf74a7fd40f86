"""In Chromium: quantities the cart cannot take are cut or refused with a message, and the box
shows what the cart holds; a US address picks its state from a list, which follows the
country chosen, with JavaScript and without; the shipping choices show their prices."""

import json
import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_no_axe_violations
from tests.browser.test_purchase import order_number

# A variant with far more in stock than one cart may hold, so only that limit cuts a line.
PLENTY = """
import json
from django.db.models import F
from shop.models import Variant
variant = Variant.objects.filter(product__is_active=True).exclude(size="").exclude(color="")\\
    .order_by("-sku").first()
Variant.objects.filter(pk=variant.pk).update(on_hand=F("reserved") + 500)
print(json.dumps({"slug": variant.product.slug, "size": variant.size, "color": variant.color,
                  "name": str(variant)}))
"""


@pytest.fixture(scope="module")
def plenty(shop):
    case = json.loads(shop["manage"]("shell", "-c", PLENTY).splitlines()[-1])
    query = urlencode({"size": case["size"], "color": case["color"]})
    return {**case, "url": f"{shop['url']}/products/{case['slug']}/?{query}"}


def quantity_box(page):
    return page.locator(".cart-line").get_by_label(re.compile(r"^Quantity"))


@pytest.mark.parametrize("width", [390, 1280])
def test_quantities_past_the_limit_are_cut_and_bad_ones_refused_in_place(
    shop, plenty, page, width
):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(plenty["url"])
    notice = page.locator("#cart-notice")
    page.get_by_label("Quantity").fill("-1")
    page.get_by_role("button", name="Add to cart").click()
    expect(notice).to_have_text("Enter a whole number of 1 or more, such as 2.")
    expect(page.locator("#cart-count")).to_have_text("0")
    page.get_by_label("Quantity").fill("150")
    page.get_by_role("button", name="Add to cart").click()
    expect(notice).to_contain_text(
        f"We can sell at most 99 of one item: added 99, so you now have 99 of “{plenty['name']}”"
        " in your cart."
    )
    expect(page.locator("#cart-count")).to_have_text("99")

    page.goto(f"{shop['url']}/cart/")
    expect(quantity_box(page)).to_have_value("99")
    quantity_box(page).fill("2")
    quantity_box(page).press("Tab")  # a number field changes on leaving it
    expect(page.locator("#cart-units")).to_have_text("2")
    quantity_box(page).fill("999")
    quantity_box(page).press("Tab")
    expect(page.locator("#cart-lines [role=alert]")).to_have_text(
        f"We can sell at most 99 of one item, so your quantity of “{plenty['name']}” is now 99."
    )
    expect(quantity_box(page)).to_have_value("99")
    expect(page.locator("#cart-units")).to_have_text("99")
    expect(page.locator("#cart-count")).to_have_text("99")
    assert_no_axe_violations(page)

    for bad in ("-1", "1.5"):
        quantity_box(page).fill(bad)
        quantity_box(page).press("Tab")
        expect(quantity_box(page)).to_have_value("99")  # the line as it still is
        expect(page.locator("#cart-lines [role=alert]")).to_have_text(
            f"Enter a whole number, such as 2 (0 removes it). “{plenty['name']}” stays at 99."
        )
    expect(page.locator("#cart-count")).to_have_text("99")
    assert_no_axe_violations(page)


def test_without_javascript_the_cart_page_says_what_it_did(shop, plenty, page_without_js):
    page = page_without_js
    page.goto(plenty["url"])
    page.get_by_label("Quantity").fill("999")
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(f"{shop['url']}/cart/")
    expect(page.locator(".messages")).to_contain_text("We can sell at most 99 of one item")
    expect(quantity_box(page)).to_have_value("99")

    quantity_box(page).fill("1.5")
    page.get_by_role("button", name="Update").click()
    expect(page.locator(".messages")).to_contain_text(f"“{plenty['name']}” stays at 99.")
    expect(quantity_box(page)).to_have_value("99")
    expect(page.locator("#cart-count")).to_have_text("99")


def field(page, label: str):
    return page.get_by_label(re.compile(rf"^{re.escape(label)}:?$"))


def fill_address(page, *, postal_code: str) -> None:
    field(page, "Email").fill("state.buyer@example.com")
    field(page, "Full name").fill("Sam Buyer")
    field(page, "Address").fill("350 Fifth Avenue")
    field(page, "City").fill("New York")
    field(page, "Postal code").fill(postal_code)
    page.get_by_label("Test payment (no money moves)").check()


def test_a_us_buyer_picks_the_state_from_a_list_that_follows_the_country(shop, plenty, page):
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(plenty["url"])
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#cart-count")).to_have_text("1")
    page.goto(f"{shop['url']}/checkout/")

    # Each shipping choice says its price; the cheapest is chosen to start with.
    standard = page.get_by_role("radio", name=re.compile(r"^Standard: \$\d+\.\d\d"))
    expect(standard).to_be_checked()
    expect(page.get_by_role("radio", name=re.compile(r"^Express: \$\d+\.\d\d"))).not_to_be_checked()

    fill_address(page, postal_code="10001")
    expect(field(page, "Country")).to_have_value("US")
    state = field(page, "State")
    expect(state.locator("option[value=NY]")).to_have_text("New York")
    field(page, "Country").select_option("CA")  # the region is swapped in place
    province = field(page, "Province or territory")
    expect(province.locator("option[value=ON]")).to_have_text("Ontario")
    expect(page.locator("option[value=NY]")).to_have_count(0)
    assert_no_axe_violations(page)
    field(page, "Country").select_option("US")
    field(page, "State").select_option(label="New York")
    page.get_by_role("button", name="Review your order").click()

    expect(page.locator("h1")).to_have_text("Review your order")
    expect(page.locator("address")).to_contain_text("New York NY 10001")
    page.get_by_role("button", name=re.compile(r"^Place order and pay")).click()
    page.get_by_role("button", name="Approve payment").click()
    expect(page).to_have_url(re.compile(r"/orders/[^/]+/$"))
    expect(page.locator("h1")).to_have_text(f"Order {order_number(page)}")
    expect(page.locator("address")).to_contain_text("New York NY 10001")


def test_without_javascript_the_form_comes_back_with_the_countrys_list(
    shop, plenty, page_without_js
):
    page = page_without_js
    page.goto(plenty["url"])
    page.get_by_role("button", name="Add to cart").click()
    page.goto(f"{shop['url']}/checkout/")
    fill_address(page, postal_code="K1A 0B1")
    expect(field(page, "State")).to_be_visible()  # drawn for the US, where the form starts
    field(page, "Country").select_option("CA")
    page.get_by_role("button", name="Review your order").click()

    expect(page).to_have_url(f"{shop['url']}/checkout/")
    expect(page.locator("#id_region_error")).to_have_text(
        "Choose the province or territory from the list."
    )
    field(page, "Province or territory").select_option(label="Ontario")
    page.get_by_role("button", name="Review your order").click()
    expect(page.locator("h1")).to_have_text("Review your order")
    expect(page.locator("address")).to_contain_text("New York ON K1A 0B1")
    expect(page.locator("address")).to_contain_text("Canada")
