"""Every page a shopper or a staff member reaches, in Chromium at 1280 and 390 px: axe-core
finds no violation of any impact, and the console shows no error and no Content-Security-Policy
violation.

The pages are seen by seven browsers, each set up once for the module: a visitor with nothing
yet; a guest with an order waiting for payment and a cart; a stranger with the guest's order
link; a customer with a paid order, an unpaid one, a saved address, a wishlist and a cart; a
staff member past the code step; one still at it; and a shopper over the search limit. Each
page at each width is a test of its own, named after the page. Django's admin is checked at
its index, the order list (its search box), an order and the refund page (the shop's own
admin templates), not at every model's pages. Not visited: the 400, 500 and 503 pages (a
browser cannot be made to meet them here; they share base.html with the rest)."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_no_axe_violations
from tests.browser.test_purchase import add_to_cart, place_order, review_order
from tests.browser.test_staff_signin import current_code, make_account, sign_in_with_password

WIDTHS = (1280, 390)
SEARCHES_PER_MINUTE = 60  # security.ratelimits: the "search" rule, per address
ORDER_KEY = "from shop.access import order_key; print(order_key({number!r}))"
ORDER_ID = "from shop.models import Order; print(Order.objects.get(number={number!r}).pk)"
GUEST_LINK = ("from shop.models import Order; from shop.services.guest_privacy import link_token; "
              "pk = Order.objects.get(number={number!r}).pk; print(link_token(first=pk, last=pk))")


@dataclass
class Browser:
    """A page kept open across the module's tests, and what its setup made (order numbers
    and such), for the paths of the pages it visits."""

    page: object
    facts: dict = field(default_factory=dict)


def last_line(output: str) -> str:
    """What a shell command printed last (the shell may say what it imported first)."""
    return output.strip().splitlines()[-1]


def order_number(payment_path: str) -> str:
    return re.search(r"/payments/test/([^/]+)/", payment_path).group(1)


@pytest.fixture(scope="module")
def visitor(new_page):
    return Browser(new_page())


@pytest.fixture(scope="module")
def guest(shop, new_page):
    page = new_page()
    add_to_cart(page, shop)
    payment = place_order(page, shop, email="guest.a11y@example.com")
    add_to_cart(page, shop, in_cart=2)  # the order waiting for payment leaves the cart as it was
    number = order_number(payment)
    key = last_line(shop["manage"]("shell", "-c", ORDER_KEY.format(number=number)))
    # The link a guest's emails carry.
    return Browser(page, {"payment": payment, "link": f"/orders/{number}/?key={key}"})


@pytest.fixture(scope="module")
def stranger(guest, new_page):
    """A browser that never saw the guest's order, with its link."""
    return Browser(new_page(), {"link": guest.facts["link"]})


@pytest.fixture(scope="module")
def customer(shop, new_page):
    page = new_page()
    account = make_account(shop, "ada.a11y@example.com", staff=False)
    page.goto(f"{shop['url']}/accounts/login/")
    sign_in_with_password(page, account)
    expect(page.get_by_role("link", name="Orders")).to_be_visible()
    add_to_cart(page, shop)
    paid = order_number(place_order(page, shop, save_address=True))
    page.get_by_role("button", name="Approve payment").click()
    expect(page.locator(".order-status .status")).to_have_text("Paid")
    add_to_cart(page, shop)  # paid for, the cart was emptied
    payment = place_order(page, shop)
    add_to_cart(page, shop, in_cart=2)
    heart = page.get_by_role("button", name=re.compile(r"^Save .+ to wishlist$")).first
    heart.click()
    expect(heart).to_have_attribute("aria-pressed", "true")
    page.goto(f"{shop['url']}/addresses/")
    edit = page.get_by_role("link", name=re.compile(r"^Edit")).first.get_attribute("href")
    return Browser(page, {"paid": paid, "payment": payment, "open": order_number(payment),
                          "address": edit})


@pytest.fixture(scope="module")
def staff_account(shop):
    return make_account(shop, "max.a11y@example.com", staff=True, key="31" * 20)


@pytest.fixture(scope="module")
def staff(shop, new_page, staff_account, customer):
    page = new_page()
    page.goto(f"{shop['url']}/dashboard/")
    sign_in_with_password(page, staff_account)
    page.get_by_label("Authentication code").fill(current_code(staff_account["key"]))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(f"{shop['url']}/dashboard/")
    paid = customer.facts["paid"]
    order_id = last_line(shop["manage"]("shell", "-c", ORDER_ID.format(number=paid)))
    return Browser(page, {"order_id": order_id})


@pytest.fixture(scope="module")
def staff_at_code_step(shop, new_page, staff_account):
    page = new_page()
    page.goto(f"{shop['url']}/dashboard/")
    sign_in_with_password(page, staff_account)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/verify/"))
    return Browser(page)


@pytest.fixture(scope="module")
def over_the_limit(new_page):
    return Browser(new_page())


def reach_checkout_errors(page, shop, facts):
    page.goto(f"{shop['url']}/checkout/")  # filled in as last time: a name missing now
    page.locator("form.checkout-form [name=full_name]").fill("")
    page.get_by_role("button", name="Review your order").click()
    expect(page.get_by_role("alert")).to_be_visible()


def reach_review(page, shop, facts):
    review_order(page, shop, email=facts.get("email"))


def reach_sign_in_errors(page, shop, facts):
    page.goto(f"{shop['url']}/accounts/login/")
    sign_in_with_password(page, {"email": "nobody.a11y@example.com"})
    expect(page.locator("form .errorlist, form [role=alert]").first).to_be_visible()


def reach_rate_limit(page, shop, facts):
    """Search until refused, then open a search as a page. The counting window is the
    clock's minute: one may end on the way, and then the searching starts again."""
    search = f"{shop['url']}/products/?q=jacket"
    for _ in range(3):
        for _ in range(SEARCHES_PER_MINUTE + 1):
            if page.context.request.get(search).status == 429:
                break
        response = page.goto(search)
        if response.status == 429:
            return response
    raise AssertionError("the searches were never refused")


def reach_guest_data(suffix: str = "") -> Callable:
    """The page of the guest's data link (or one below it), as the emailed link opens it."""
    def reach(page, shop, facts):
        number = re.search(r"/orders/([^/]+)/", facts["link"]).group(1)
        token = last_line(shop["manage"]("shell", "-c", GUEST_LINK.format(number=number)))
        return page.goto(f"{shop['url']}/privacy/link/{token}/{suffix}")
    return reach


@dataclass(frozen=True)
class Visit:
    name: str
    who: str  # the fixture of the browser that goes there
    path: str = ""  # with {placeholders} from the browser's facts
    status: int = 200
    reach: Callable | None = None  # for a page reached by doing something there


VISITS = [
    # Nobody signed in, nothing in the cart.
    Visit("home", "visitor", "/"),
    Visit("listing", "visitor", "/products/"),
    Visit("listing-filtered", "visitor",
          "/products/?category=women&in_stock=1&sort=price&max_price=200"),
    Visit("listing-page-2", "visitor", "/products/?sort=name&page=2"),
    Visit("search-results", "visitor", "/products/?q=sweater"),
    Visit("search-no-results", "visitor", "/products/?q=zeppelin"),
    Visit("product", "visitor", "/products/{slug}/"),
    Visit("cart-empty", "visitor", "/cart/"),
    Visit("shop-page", "visitor", "/shops/hollow-oak-pottery/"),
    Visit("listing-one-shop", "visitor", "/products/?shop=hollow-oak-pottery"),
    Visit("search-finding-a-shop", "visitor", "/products/?q=pottery"),
    Visit("sign-in", "visitor", "/accounts/login/"),
    Visit("sign-in-errors", "visitor", reach=reach_sign_in_errors),
    Visit("sign-up", "visitor", "/accounts/signup/"),
    Visit("verification-sent", "visitor", "/accounts/confirm-email/"),
    Visit("confirm-email-bad-link", "visitor", "/accounts/confirm-email/no-such-key/"),
    Visit("password-reset", "visitor", "/accounts/password/reset/"),
    Visit("password-reset-done", "visitor", "/accounts/password/reset/done/"),
    Visit("password-reset-bad-link", "visitor", "/accounts/password/reset/key/1-no-such-key/"),
    Visit("password-reset-key-done", "visitor", "/accounts/password/reset/key/done/"),
    Visit("account-inactive", "visitor", "/accounts/inactive/"),
    Visit("not-found", "visitor", "/products/no-such-product/", status=404),
    Visit("guest-order-by-link", "stranger", "{link}"),
    Visit("guest-privacy", "visitor", "/privacy/"),
    Visit("guest-privacy-sent", "visitor", "/privacy/sent/"),
    Visit("guest-privacy-bad-link", "visitor", "/privacy/link/not-a-token/", status=400),
    Visit("guest-data-erased", "visitor", "/privacy/erased/"),
    # The guest's data link; its order waits for payment, so erasing says what to wait for.
    Visit("guest-data", "stranger", reach=reach_guest_data()),
    Visit("guest-data-erase-refused", "stranger", reach=reach_guest_data("erase/")),
    # A guest with an order waiting for payment, and a cart.
    Visit("cart", "guest", "/cart/"),
    Visit("checkout", "guest", "/checkout/"),
    Visit("checkout-errors", "guest", reach=reach_checkout_errors),
    Visit("checkout-review", "guest", reach=reach_review),
    Visit("test-payment", "guest", "{payment}"),
    # A customer with orders, an address, a wishlist and a cart.
    Visit("home-signed-in", "customer", "/"),
    Visit("product-signed-in", "customer", "/products/{slug}/"),
    Visit("cart-signed-in", "customer", "/cart/"),
    Visit("checkout-signed-in", "customer", "/checkout/"),
    Visit("checkout-review-signed-in", "customer", reach=reach_review),
    Visit("test-payment-signed-in", "customer", "{payment}"),
    Visit("payment-return", "customer", "/payments/{paid}/return/"),
    Visit("orders", "customer", "/orders/"),
    Visit("order-paid", "customer", "/orders/{paid}/"),
    Visit("order-awaiting-payment", "customer", "/orders/{open}/"),
    Visit("order-cancel-confirm", "customer", "/orders/{open}/cancel/"),
    Visit("wishlist", "customer", "/wishlist/"),
    Visit("shop-page-signed-in", "customer", "/shops/hollow-oak-pottery/"),
    Visit("sell-apply", "customer", "/sell/apply/"),
    Visit("addresses", "customer", "/addresses/"),
    Visit("address-new", "customer", "/addresses/new/"),
    Visit("address-edit", "customer", "{address}"),
    Visit("email-addresses", "customer", "/accounts/email/"),
    Visit("password-change", "customer", "/accounts/password/change/"),
    Visit("reauthenticate", "customer", "/accounts/reauthenticate/"),
    Visit("sign-out-confirm", "customer", "/accounts/logout/"),
    Visit("two-factor-off", "customer", "/accounts/2fa/"),
    Visit("two-factor-setup", "customer", "/accounts/2fa/setup/"),
    Visit("forbidden", "customer", "/dashboard/", status=403),
    Visit("not-found-signed-in", "customer", "/orders/NO-SUCH-ORDER/", status=404),
    # Staff, past the code step or at it.
    Visit("two-factor-verify", "staff_at_code_step", "/accounts/2fa/verify/"),
    Visit("dashboard", "staff", "/dashboard/"),
    Visit("products-funnel", "staff", "/dashboard/products/"),
    Visit("products-funnel-empty", "staff",
          "/dashboard/products/?period=custom&start=2020-01-01&end=2020-01-31"),
    Visit("activity-log", "staff", "/dashboard/activity/"),
    Visit("sellers", "staff", "/dashboard/sellers/"),
    Visit("health", "staff", "/health/"),
    Visit("admin-index", "staff", "/admin/"),
    Visit("admin-orders", "staff", "/admin/shop/order/"),
    Visit("admin-order", "staff", "/admin/shop/order/{order_id}/change/"),
    Visit("admin-refund", "staff", "/admin/shop/order/{order_id}/refund/"),
    Visit("two-factor-on", "staff", "/accounts/2fa/"),
    Visit("backup-codes", "staff", "/accounts/2fa/backup-codes/"),
    Visit("two-factor-disable", "staff", "/accounts/2fa/disable/"),
    Visit("orders-none", "staff", "/orders/"),
    Visit("wishlist-empty", "staff", "/wishlist/"),
    Visit("addresses-none", "staff", "/addresses/"),
    # Over a rate limit.
    Visit("too-many-requests", "over_the_limit", status=429, reach=reach_rate_limit),
]


def unexpected_errors(page, status: int) -> list[str]:
    """The console's errors, but for the one line in which Chromium reports the page's own
    status when it is an error (a 404 page, say) as a resource that failed to load."""
    errors = list(page.errors)
    expected = f"Failed to load resource: the server responded with a status of {status} "
    found = next((error for error in errors if error.startswith(expected)), None)
    if status >= 400 and found:
        errors.remove(found)
    return errors


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("visit", VISITS, ids=lambda visit: visit.name)
def test_the_page_passes_axe_with_a_clean_console(request, shop, visit, width):
    browser = request.getfixturevalue(visit.who)
    page = browser.page
    page.set_viewport_size({"width": width, "height": 900})
    page.errors.clear()
    if visit.reach:
        response = visit.reach(page, shop, browser.facts)
    else:
        path = visit.path.format(slug=shop["picker"]["slug"], **browser.facts)
        response = page.goto(shop["url"] + path)
    if response is not None:
        assert response.status == visit.status, f"{visit.name}: {page.url}"
    assert_no_axe_violations(page, where=f"{visit.name} at {width} px")
    errors = unexpected_errors(page, visit.status)
    assert errors == [], f"errors in the console of {visit.name} at {width} px ({page.url}):\n" + (
        "\n".join(f"  {error}" for error in errors)
    )
