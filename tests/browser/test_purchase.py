"""Buying in Chromium: the cart changing in place, checkout, the test payment provider, and
the order page; the same purchase without JavaScript; a declined payment tried again and paid;
cancelling with a confirmation; the keyboard; and accessibility checked by axe-core on the cart,
checkout and order pages."""

import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_no_axe_violations
from tests.browser.test_storefront import mark_document, still_same_document

CUSTOMER = {"email": "pat.buyer@example.com", "password": "a long enough test password"}
CREATE_CUSTOMER = """
from allauth.account.models import EmailAddress
from shop.models import User
user = User.objects.filter(email={email!r}).first()
user = user or User.objects.create_user({email!r}, {password!r})
EmailAddress.objects.update_or_create(
    user=user, email=user.email, defaults={{"verified": True, "primary": True}}
)
"""
ADDRESS = {
    "Full name": "Pat Buyer", "Address": "1 Market Street", "City": "San Francisco",
    "Postal code": "94107",
}


@pytest.fixture(scope="module")
def customer(shop):
    """A customer with a verified email address, so they can sign in at once."""
    shop["manage"]("shell", "-c", CREATE_CUSTOMER.format(**CUSTOMER))
    return CUSTOMER


def amount(text: str) -> Decimal:
    """`$1,234.50` as a number."""
    return Decimal(re.sub(r"[^\d.]", "", text))


def sign_in(page, shop, customer) -> None:
    page.goto(f"{shop['url']}/accounts/login/")
    page.get_by_label("Email").fill(customer["email"])
    page.get_by_label("Password").fill(customer["password"])
    page.get_by_role("button", name=re.compile(r"^sign in$", re.IGNORECASE)).click()
    expect(page.get_by_role("link", name="Orders")).to_be_visible()


def open_product_in_stock(page, shop) -> None:
    """Open the first product of the listing with plenty in stock (earlier tests may have
    bought the last few of another), its first variant in stock chosen."""
    listing = f"{shop['url']}/products/?in_stock=1&sort=name"
    page.goto(listing)
    for index in range(page.locator("#product-grid .card-link").count()):
        page.locator("#product-grid .card-link").nth(index).click()
        expect(page.locator("#variant-availability")).not_to_be_empty()
        if page.locator("#variant-availability").inner_text() == "In stock.":
            expect(page.locator("#add-button")).to_have_text("Add to cart")
            return
        page.goto(listing)
    raise AssertionError("no product on the listing's first page has plenty in stock")


def add_to_cart(page, shop, *, in_cart: int = 1) -> None:
    """Put one unit of a variant with plenty of stock in the cart, by its product page; the
    cart then holds `in_cart` units."""
    case = shop["picker"]
    page.goto(f"{shop['url']}/products/{case['slug']}/?size={case['in_stock']}&color={case['color']}")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#cart-notice")).to_contain_text("Added 1 ×")
    expect(page.locator("#cart-count")).to_have_text(str(in_cart))


def field(page, label: str):
    return page.get_by_label(re.compile(rf"^{re.escape(label)}:?$"))


def fill_checkout(page, *, email: str | None = None, shipping: str = "Standard",
                  payment: str = "Test payment (no money moves)",
                  save_address: bool = False) -> None:
    """A US address, by the fields' labels; `email` for a guest, `save_address` for a
    signed-in customer."""
    if email:
        field(page, "Email").fill(email)
    for label, value in ADDRESS.items():
        field(page, label).fill(value)
    expect(field(page, "Country")).to_have_value("US")  # where the form starts
    field(page, "State").select_option("CA")
    if save_address:
        page.get_by_label("Save this address to my address book").check()
    page.get_by_role("radio", name=re.compile(rf"^{shipping}:")).check()
    page.get_by_label(payment).check()


def review_order(page, shop, **checkout) -> None:
    """Fill in checkout for the cart (see `fill_checkout`) and go on to the review page."""
    page.goto(f"{shop['url']}/checkout/")
    fill_checkout(page, **checkout)
    page.get_by_role("button", name="Review your order").click()
    expect(page.locator("h1")).to_have_text("Review your order")


def place_order(page, shop, **checkout) -> str:
    """Check out the cart paying with the test provider, and stop at the provider's page;
    the path of that page."""
    review_order(page, shop, **checkout)
    page.get_by_role("button", name=re.compile(r"^Place order and pay")).click()
    expect(page.locator("h1")).to_have_text("Test payment")
    url = urlsplit(page.url)
    return f"{url.path}?{url.query}"


def review_totals(page) -> dict[str, Decimal]:
    rows = page.locator(".order-lines tfoot tr")
    return {
        row.locator("th").inner_text().split(" (")[0]: amount(row.locator("td").inner_text())
        for row in rows.all()
    }


def discounts(totals: dict[str, Decimal]) -> Decimal:
    """What the review's discount rows take off (the demo's spend threshold, say)."""
    return sum((value for name, value in totals.items() if name.startswith("Discount")),
               Decimal("0.00"))


def order_number(page) -> str:
    return re.search(r"/orders/([^/]+)/", page.url).group(1)


def test_a_customer_buys_with_the_cart_updating_in_place(shop, customer, page, screenshot):
    sign_in(page, shop, customer)
    open_product_in_stock(page, shop)
    product = page.locator("h1").inner_text()
    mark_document(page)
    page.get_by_role("button", name="Add to cart").click()
    notice = page.locator("#cart-notice")
    expect(notice).to_contain_text(re.compile(r"Added 1 × .+ to your cart\."))
    expect(page.locator("#cart-count")).to_have_text("1")
    expect(page.locator("#cart-count")).to_have_attribute("aria-label", "1 item")
    expect(page.locator("#announcer")).to_contain_text("Added 1 ×")
    assert still_same_document(page)

    notice.get_by_role("link", name="View cart").click()
    expect(page).to_have_url(f"{shop['url']}/cart/")
    line = page.locator(".cart-line").filter(has_text=product)
    unit = amount(re.search(r"\$[\d,.]+(?= each)", line.inner_text()).group())
    expect(line.locator(".cart-line-total")).to_have_text(f"${unit:,.2f}")
    expect(page.locator("#cart-subtotal")).to_have_text(f"${unit:,.2f}")
    mark_document(page)
    line.get_by_label(re.compile(r"^Quantity")).fill("2")
    line.get_by_label(re.compile(r"^Quantity")).press("Tab")  # a number field changes on leaving
    expect(line.locator(".cart-line-total")).to_have_text(f"${unit * 2:,.2f}")
    expect(page.locator("#cart-subtotal")).to_have_text(f"${unit * 2:,.2f}")
    expect(page.locator("#cart-units")).to_have_text("2")
    expect(page.locator("#cart-count")).to_have_text("2")
    expect(page.locator("#cart-lines")).to_contain_text("quantity 2.")
    assert still_same_document(page)
    expect(page).to_have_url(f"{shop['url']}/cart/")
    screenshot(page, "cart")

    page.get_by_role("link", name="Check out").click()
    expect(page.locator("h1")).to_have_text("Checkout")
    fill_checkout(page, shipping="Express")
    page.get_by_role("button", name="Review your order").click()
    expect(page.locator("h1")).to_have_text("Review your order")
    totals = review_totals(page)
    assert totals["Subtotal"] == unit * 2
    assert totals["Shipping"] == Decimal("15.00")
    assert totals["Total"] == (totals["Subtotal"] - discounts(totals) + totals["Shipping"]
                               + totals["Tax"])
    expect(page.locator("address")).to_contain_text("1 Market Street")

    page.get_by_role("button", name=f"Place order and pay ${totals['Total']:,.2f}").click()
    expect(page.locator("h1")).to_have_text("Test payment")
    page.get_by_role("button", name="Approve payment").click()
    expect(page).to_have_url(re.compile(r"/orders/[^/]+/$"))
    number = order_number(page)
    expect(page.locator("h1")).to_have_text(f"Order {number}")
    expect(page.locator(".messages")).to_contain_text(f"Order {number} is paid.")
    expect(page.locator(".order-status .status")).to_have_text("Paid")
    expect(page.locator(".timeline")).to_contain_text("Order placed")
    expect(page.locator(".timeline")).to_contain_text("Payment received")
    expect(page.locator(".grand-total td")).to_have_text(f"${totals['Total']:,.2f}")
    expect(page.locator("#cart-count")).to_have_text("0")
    assert_no_axe_violations(page)
    screenshot(page, "order")

    page.get_by_role("link", name="Orders", exact=True).click()
    expect(page.locator("h1")).to_have_text("Your orders")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=number))
    expect(row).to_contain_text("Paid")
    expect(row).to_contain_text(f"${totals['Total']:,.2f}")
    row.get_by_role("link", name=number).click()
    expect(page.locator("h1")).to_have_text(f"Order {number}")


def test_a_guest_buys_without_javascript(shop, page_without_js):
    page = page_without_js
    open_product_in_stock(page, shop)
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(f"{shop['url']}/cart/")
    expect(page.locator(".messages")).to_contain_text("Added 1 ×")
    expect(page.locator("#cart-count")).to_have_text("1")

    line = page.locator(".cart-line").first
    unit = amount(line.locator(".cart-line-total").inner_text())
    line.get_by_label(re.compile(r"^Quantity")).fill("2")
    line.get_by_role("button", name="Update").click()
    expect(page.locator(".messages")).to_contain_text("quantity 2.")
    expect(line.locator(".cart-line-total")).to_have_text(f"${unit * 2:,.2f}")
    expect(page.locator("#cart-subtotal")).to_have_text(f"${unit * 2:,.2f}")
    expect(page.locator("#cart-count")).to_have_text("2")

    page.get_by_role("link", name="Check out").click()
    page.get_by_role("button", name="Review your order").click()  # nothing filled in yet
    expect(page.get_by_role("alert")).to_have_text("Please check the fields marked below.")
    expect(page).to_have_url(f"{shop['url']}/checkout/")
    fill_checkout(page, email="guest.buyer@example.com")
    page.get_by_role("button", name="Review your order").click()
    expect(page).to_have_url(f"{shop['url']}/checkout/review/")
    totals = review_totals(page)
    assert totals["Subtotal"] == unit * 2
    assert totals["Total"] == (totals["Subtotal"] - discounts(totals) + totals["Shipping"]
                               + totals["Tax"])
    expect(page.locator(".cart-summary")).to_contain_text("guest.buyer@example.com")

    page.get_by_role("button", name=re.compile(r"^Place order and pay")).click()
    expect(page).to_have_url(re.compile(r"/payments/test/[^/]+/\?attempt=test_[\w-]+$"))
    page.get_by_role("button", name="Approve payment").click()
    expect(page).to_have_url(re.compile(r"/orders/[^/]+/$"))
    expect(page.locator("h1")).to_have_text(f"Order {order_number(page)}")
    expect(page.locator(".order-status .status")).to_have_text("Paid")
    expect(page.locator(".timeline")).to_contain_text("Payment received")
    expect(page.locator("#cart-count")).to_have_text("0")


def place_and_decline(page, shop, email: str) -> str:
    """Check out the cart with the test provider and decline the payment; returns the
    order's number, the order's page open."""
    place_order(page, shop, email=email)
    page.get_by_role("button", name="Decline payment").click()
    expect(page).to_have_url(re.compile(r"/orders/[^/]+/$"))
    return order_number(page)


def test_a_declined_payment_can_be_tried_again_and_paid(shop, page):
    add_to_cart(page, shop)
    number = place_and_decline(page, shop, "declined@example.com")
    expect(page.locator(".order-status .status")).to_have_text("Awaiting payment")
    expect(page.locator(".message--error")).to_contain_text(
        "Your payment was declined. The test card was declined.")
    expect(page.locator(".timeline")).to_contain_text("Payment failed")
    expect(page.locator("#cart-count")).to_have_text("1")  # the cart keeps its lines

    page.get_by_role("button", name="Try again").click()
    expect(page.locator("h1")).to_have_text("Test payment")
    page.get_by_role("button", name="Approve payment").click()
    expect(page).to_have_url(re.compile(rf"/orders/{number}/$"))
    expect(page.locator(".messages")).to_contain_text(f"Order {number} is paid.")
    expect(page.locator(".order-status .status")).to_have_text("Paid")
    expect(page.locator(".message--error")).to_have_count(0)
    expect(page.locator("#cart-count")).to_have_text("0")  # emptied once paid
    page.goto(f"{shop['url']}/cart/")
    expect(page.locator(".cart-line")).to_have_count(0)


def test_cancelling_an_order_asks_to_confirm_without_javascript(shop, page_without_js):
    page = page_without_js
    open_product_in_stock(page, shop)
    page.get_by_role("button", name="Add to cart").click()
    number = place_and_decline(page, shop, "cancelling@example.com")
    page.get_by_role("link", name="Cancel order").click()
    expect(page.get_by_role("heading", name=f"Cancel order {number}?")).to_be_visible()
    page.get_by_role("link", name="No, keep it").click()
    expect(page.locator(".order-status .status")).to_have_text("Awaiting payment")
    page.get_by_role("link", name="Cancel order").click()
    page.get_by_role("button", name="Yes, cancel the order").click()
    expect(page.locator(".messages")).to_contain_text(f"Order {number} is cancelled.")
    expect(page.locator(".order-status .status")).to_have_text("Cancelled")
    expect(page.get_by_role("button", name="Try again")).to_have_count(0)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_order_pages_have_no_accessibility_violations(shop, page, width):
    page.set_viewport_size({"width": width, "height": 900})
    add_to_cart(page, shop)
    number = place_and_decline(page, shop, f"axe-order-{width}@example.com")
    assert_no_axe_violations(page)  # the payment declined, with the ways to try again
    page.get_by_role("link", name="Cancel order").click()
    expect(page.get_by_role("heading", name=f"Cancel order {number}?")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="No, keep it").click()
    page.get_by_role("button", name="Try again").click()
    expect(page.locator("h1")).to_have_text("Test payment")
    assert_no_axe_violations(page)


def test_the_keyboard_changes_and_removes_a_cart_line(shop, page):
    add_to_cart(page, shop)
    page.goto(f"{shop['url']}/cart/")
    line = page.locator(".cart-line").first
    unit = amount(line.locator(".cart-line-total").inner_text())
    quantity = line.get_by_label(re.compile(r"^Quantity"))
    line.locator(".cart-line-name").focus()
    page.keyboard.press("Tab")
    expect(quantity).to_be_focused()
    # Each arrow step is a change; the second, sent while the first is on its way, wins.
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(line.locator(".cart-line-total")).to_have_text(f"${unit * 3:,.2f}")
    expect(quantity).to_have_value("3")
    expect(page.locator("#cart-count")).to_have_text("3")
    expect(quantity).to_be_focused()  # the field came back with the new lines, still in focus
    # Read out once the new lines have settled, and htmx has wired up their forms.
    expect(page.locator("#announcer")).to_have_text(re.compile(r"quantity 3\.$"))

    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    page.keyboard.press("Tab")  # leaving the field changes it, and focus moves on to Remove
    expect(line.locator(".cart-line-total")).to_have_text(f"${unit * 2:,.2f}")
    remove = line.get_by_role("button", name=re.compile(r"^Remove"))
    expect(remove).to_be_focused()  # and stays there after the lines are swapped in again
    expect(page.locator("#announcer")).to_have_text(re.compile(r"quantity 2\.$"))

    page.keyboard.press("Enter")
    expect(page.locator(".cart-line")).to_have_count(0)
    expect(page.locator("#cart-lines")).to_contain_text("Removed")
    expect(page.locator("#cart-count")).to_have_text("0")
    expect(page.locator("#cart-lines [data-swap-focus]")).to_be_focused()  # not lost to the top


def test_a_change_made_as_the_lines_come_back_is_not_lost(shop, page):
    add_to_cart(page, shop)
    page.goto(f"{shop['url']}/cart/")
    quantity = page.locator(".cart-line").first.get_by_label(re.compile(r"^Quantity"))
    # The shopper's next change lands in the same moment as the answer to their first: the
    # lines just swapped in must already send it.
    page.evaluate("""() => document.body.addEventListener("htmx:afterSwap", function next(event) {
        if (event.target.id !== "cart-lines") return;
        document.body.removeEventListener("htmx:afterSwap", next);
        setTimeout(() => {
          const box = document.querySelector(".cart-line input[name=quantity]");
          box.value = "3";
          box.dispatchEvent(new Event("change", {bubbles: true}));
        });
      })""")
    quantity.fill("2")
    quantity.press("Tab")
    expect(quantity).to_have_value("3")
    # The totals fetched after the first change do not land over the second's.
    expect(page.locator("#cart-units")).to_have_text("3")
    expect(page.locator("#cart-count")).to_have_text("3")


@pytest.mark.parametrize("width", [1280, 390])
def test_cart_and_checkout_have_no_accessibility_violations(shop, page, screenshot, width):
    page.set_viewport_size({"width": width, "height": 900})
    add_to_cart(page, shop)
    page.goto(f"{shop['url']}/cart/")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Check out").click()
    expect(page.locator("h1")).to_have_text("Checkout")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Review your order").click()  # the errors shown, too
    expect(page.get_by_role("alert")).to_be_visible()
    assert_no_axe_violations(page)
    page.goto(f"{shop['url']}/checkout/")
    fill_checkout(page, email="axe@example.com")
    if width == 1280:
        page.evaluate("window.scrollTo(0, 0)")
        screenshot(page, "checkout")
    page.get_by_role("button", name="Review your order").click()
    expect(page.locator("h1")).to_have_text("Review your order")
    assert_no_axe_violations(page)
