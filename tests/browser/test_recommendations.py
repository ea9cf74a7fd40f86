"""Recommendation rows in Chromium: loaded by the product, home and cart pages after
themselves, recently viewed following the shopper from page to page, and the rows as a page of
their own without JavaScript; axe-core finds nothing on the pages with their rows, at 1280 and
390 px. The console stays clean, Content-Security-Policy violations included: the `page`
fixture fails a test on any error there (conftest.py)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_no_axe_violations
from tests.browser.test_purchase import add_to_cart

WIDTHS = (1280, 390)
PRODUCT_PATH = re.compile(r"^/products/[\w-]+/$")


def row(page, name: str):
    """The section of the row whose heading has the id `row-<name>`."""
    return page.locator(f"#recommendations section[aria-labelledby='row-{name}']")


def card_paths(where) -> list[str]:
    """Where the product cards in `where` lead, in the order shown."""
    return [link.get_attribute("href") for link in where.locator(".card-link").all()]


def listed_products(page, shop, count: int) -> list[str]:
    """The paths of the first `count` products of the listing."""
    page.goto(f"{shop['url']}/products/?sort=name")
    return card_paths(page.locator("#product-grid"))[:count]


def open_with_rows(page, shop, path: str, heading: str):
    """Open the page at `path` and wait for its rows to arrive, the row named `heading`
    among them; the page's own response."""
    response = page.goto(shop["url"] + path)
    # The placeholder asks for the rows on load; what replaces it does not.
    expect(page.locator("#recommendations:not([hx-trigger=load])")).to_be_attached()
    rows = page.locator("#recommendations h2").all_inner_texts()
    assert heading in rows, f"no row {heading!r} on {path}, only {rows}"
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    return response


@pytest.mark.parametrize("width", WIDTHS)
def test_a_product_page_gets_rows_of_other_products_after_itself(shop, page, width):
    page.set_viewport_size({"width": width, "height": 900})
    path = f"/products/{shop['picker']['slug']}/"
    response = open_with_rows(page, shop, path, "Customers also bought")
    assert "Customers also bought" not in response.text()  # the page came without them
    expect(page.get_by_role("link", name="What customers also bought")).to_have_count(0)
    bought, similar = card_paths(row(page, "bought")), card_paths(row(page, "similar"))
    assert bought, "no cards under Customers also bought"
    shown = card_paths(page.locator("#recommendations"))
    assert all(PRODUCT_PATH.match(card) for card in shown), shown
    assert path not in shown
    assert not set(bought) & set(similar)  # no product in both rows
    assert_no_axe_violations(page, f"a product page with its rows at {width} px")


@pytest.mark.parametrize("width", WIDTHS)
def test_recently_viewed_follows_the_shopper_to_the_home_page(shop, page, width):
    page.set_viewport_size({"width": width, "height": 900})
    first, second = listed_products(page, shop, 2)
    open_with_rows(page, shop, first, "Customers also bought")
    open_with_rows(page, shop, second, "Recently viewed")
    assert card_paths(row(page, "recent")) == [first]  # not the product the page is about
    open_with_rows(page, shop, "/", "Recently viewed")
    assert card_paths(row(page, "recent")) == [second, first]  # latest first
    assert_no_axe_violations(page, f"the home page with its rows at {width} px")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_cart_is_completed_with_products_not_in_it(shop, page, width):
    page.set_viewport_size({"width": width, "height": 900})
    add_to_cart(page, shop)
    open_with_rows(page, shop, "/cart/", "Complete your order")
    in_cart = {link.get_attribute("href").split("?")[0]
               for link in page.locator(".cart-line-name").all()}
    assert f"/products/{shop['picker']['slug']}/" in in_cart
    offered = card_paths(row(page, "complete"))
    assert offered, "no cards under Complete your order"
    assert all(PRODUCT_PATH.match(card) for card in offered), offered
    assert not set(offered) & in_cart
    assert_no_axe_violations(page, f"the cart with its rows at {width} px")


def test_without_javascript_the_rows_are_a_page_of_their_own(shop, page_without_js):
    page = page_without_js
    path = f"/products/{shop['picker']['slug']}/"
    page.goto(shop["url"] + path)
    name = page.locator("h1").inner_text()
    expect(page.get_by_role("heading", name="Customers also bought")).to_have_count(0)
    page.get_by_role("link", name="What customers also bought, and similar products").click()
    expect(page).to_have_url(f"{shop['url']}/recommendations{path}")
    expect(page.locator("h1")).to_have_text(f"More like {name}")
    expect(page.get_by_role("heading", name="Customers also bought", exact=True)).to_be_visible()
    assert card_paths(row(page, "bought")), "no cards under Customers also bought"
    page.get_by_role("link", name="Back", exact=True).click()
    expect(page).to_have_url(shop["url"] + path)
    assert page.errors == [], f"errors in the browser console: {page.errors}"

