"""The staff dashboard in Chromium: a staff member signs in with a code, changes the period,
the time charts' granularity and the top products' order, and each time only the panels
concerned are redrawn while the address bar follows, and the report links with them; the
period's reports downloaded; axe-core on the page; the same controls as plain forms without
JavaScript."""

import itertools
import re
import secrets
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_no_axe_violations
from tests.browser.test_staff_signin import current_code, make_account, sign_in_with_password
from tests.browser.test_storefront import mark_document, still_same_document

# Paid orders spread over the last 80 days (more than two 30-day periods, so the
# default view compares against a whole earlier period), some discounted or refunded, and the
# sessions that led to them, so that every panel has something to show.
SALES = """
from datetime import timedelta
from decimal import Decimal
from django.utils import timezone
from dashboard.models import SessionDay
from shop.models import Order, OrderLine, Variant
from tests.dashboard.history import mark_repeat_purchases

if not Order.objects.filter(number__startswith="DASH-").exists():
    first_of_each = {}
    for variant in Variant.objects.select_related("product").order_by("sku"):
        first_of_each.setdefault(variant.product_id, variant)
    variants = list(first_of_each.values())[:24]
    now = timezone.now()
    for n in range(84):
        variant, quantity = variants[(n * n + n) % len(variants)], 1 + n % 3
        subtotal = variant.price * quantity
        discount = (subtotal / 10).quantize(Decimal("0.01")) if n % 4 == 0 else Decimal("0.00")
        total = subtotal - discount + Decimal("5.00")
        order = Order.objects.create(
            number=f"DASH-{n:05d}", email=f"buyer{n % 40}@example.com", full_name="A Buyer",
            line1="1 Market Street", city="San Francisco", postal_code="94107", country="US",
            currency="USD", subtotal=subtotal, shipping_total=Decimal("5.00"),
            tax_total=Decimal("0.00"), discount_total=discount, total=total,
            captured_total=total, refunded_total=subtotal / 2 if n % 9 == 0 else Decimal("0"),
            tax_rate=Decimal("0"), shipping_method_name="Standard", payment_provider="test",
            status=Order.Status.PAID, paid_at=now - timedelta(hours=n * 23),
            needs_review=n == 3,
        )
        OrderLine.objects.create(
            order=order, variant=variant, product_name=variant.product.name, sku=variant.sku,
            unit_price=variant.price, quantity=quantity, line_total=subtotal,
        )
    mark_repeat_purchases()
    today = timezone.localdate()
    SessionDay.objects.bulk_create(
        SessionDay(day=today - timedelta(days=d), key=f"dash-{d}-{k}", ordered=k < 2)
        for d in range(80) for k in range(8 + d % 5)
    )
"""


@pytest.fixture(scope="module")
def sales(shop):
    shop["manage"]("shell", "-c", SALES)


_numbers = itertools.count(1)


@pytest.fixture
def staff(shop, sales):
    """A staff member of this test's own: a code is accepted once only, so two sign-ins
    within the same 30 seconds need two authenticator apps."""
    return make_account(shop, f"dana{next(_numbers)}@example.com", staff=True,
                        key=secrets.token_hex(20))


def open_dashboard(page, shop, staff) -> None:
    page.goto(f"{shop['url']}/dashboard/")
    sign_in_with_password(page, staff)
    page.get_by_label("Authentication code").fill(current_code(staff["key"]))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(f"{shop['url']}/dashboard/")
    expect(page.get_by_role("heading", name="Staff dashboard")).to_be_visible()


def report_days(page, name: str) -> int:
    """How many days the report link `name` asks for."""
    href = page.get_by_role("link", name=name).get_attribute("href")
    start, end = re.search(r"\?start=([\d-]+)&end=([\d-]+)$", href).groups()
    return (date.fromisoformat(end) - date.fromisoformat(start)).days + 1


def test_staff_change_the_period_and_the_granularity_in_place(shop, page, staff, screenshot):
    open_dashboard(page, shop, staff)
    sales = page.locator("#sales-heading")
    expect(sales).to_contain_text("Net sales by day")
    mark_document(page)

    page.get_by_label("Period").focus()
    page.get_by_label("Period").select_option("90d")
    expect(page).to_have_url(re.compile(r"/dashboard/\?period=90d$"))
    expect(page.locator(".period-note")).to_contain_text("Showing last 90 days")
    assert report_days(page, "Sales (CSV)") == 90  # the report links follow the period
    expect(sales).to_contain_text("Net sales by week")  # automatic for 90 days
    expect(page.get_by_label("Period")).to_be_focused()  # not lost in the swap

    page.get_by_label("Show the time charts by").select_option("month")
    expect(page).to_have_url(re.compile(r"/dashboard/\?period=90d&granularity=month$"))
    expect(sales).to_contain_text("Net sales by month")
    expect(page.locator("#customers-heading")).to_contain_text("New customers by month")

    page.get_by_role("radio", name="By units", exact=True).check()
    expect(page).to_have_url(re.compile(r"period=90d&granularity=month&top=units$"))
    expect(page.locator("#top-products-heading")).to_contain_text("by units sold")
    assert still_same_document(page)

    page.go_back()
    expect(page).to_have_url(re.compile(r"/dashboard/\?period=90d&granularity=month$"))
    expect(page.locator("#top-products-heading")).to_contain_text("by revenue")

    page.get_by_label("Period").select_option("30d")
    expect(page).to_have_url(re.compile(r"/dashboard/\?granularity=month$"))
    # htmx pushes the address before it swaps, and wires up the new controls as the swap
    # settles (when "htmx-added" goes): only then does the new select answer a change.
    expect(page.locator("#dashboard-period")).not_to_have_class(re.compile(r"\bhtmx-added\b"))
    page.get_by_label("Show the time charts by").select_option("")
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.locator(".kpi-value").first).not_to_have_text("$0.00")
    assert_no_axe_violations(page)
    page.reload()  # axe leaves empty style attributes behind
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "dashboard")


def test_the_dashboard_fits_a_phone(shop, page, staff):
    """At 390 px nothing but the tables' own scrolling boxes is wider than the screen, and
    the charts take the width there is."""
    page.set_viewport_size({"width": 390, "height": 844})
    open_dashboard(page, shop, staff)
    too_wide = page.evaluate("""() => [...document.querySelectorAll("body *")]
        .filter(e => e.getBoundingClientRect().right > 390.5 && !e.closest(".table-scroll"))
        .map(e => e.tagName + (e.id ? "#" + e.id : "") + "." + e.className)""")
    assert too_wide == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator(".chart").first.bounding_box()["width"] >= 300


def test_a_chart_downloads_as_an_svg_file(shop, page, staff):
    open_dashboard(page, shop, staff)
    with page.expect_download() as download:
        page.locator("#sales-heading ~ .chart-download a").click()
    assert re.fullmatch(r"sales-by-day-\d{4}-\d\d-\d\d-to-\d{4}-\d\d-\d\d\.svg",
                        download.value.suggested_filename)


def test_the_periods_reports_download(shop, page, staff):
    open_dashboard(page, shop, staff)
    assert report_days(page, "Daily (XLSX)") == 30
    with page.expect_download() as download:
        page.get_by_role("link", name="Daily (XLSX)").click()
    assert re.fullmatch(r"daily_\d{4}-\d\d-\d\d_\d{4}-\d\d-\d\d\.xlsx",
                        download.value.suggested_filename)


def test_the_controls_work_as_forms_without_javascript(shop, page_without_js, staff):
    page = page_without_js
    open_dashboard(page, shop, staff)
    page.get_by_label("Period").select_option("7d")
    page.get_by_role("button", name="Show period").click()
    expect(page).to_have_url(re.compile(r"/dashboard/\?period=7d$"))
    page.get_by_label("From", exact=True).fill("2025-01-01")
    page.get_by_label("To", exact=True).fill("2025-01-31")
    page.get_by_role("button", name="Apply range").click()
    expect(page).to_have_url(
        re.compile(r"/dashboard/\?period=custom&start=2025-01-01&end=2025-01-31$")
    )
    expect(page.locator(".period-note")).to_contain_text(
        "Showing 1–31 Jan 2025, against the 31 days before (1–31 Dec 2024)."
    )
    page.get_by_label("From", exact=True).fill("2025-02-01")
    page.get_by_role("button", name="Apply range").click()
    expect(page.locator(".message--error")).to_contain_text("is after the last day")


# The widest amounts a card may hold: seven and eight digits of money, the latter negative
# (net sales after a month of large refunds).
WIDE_AMOUNTS = ("$1,234,567.89", "$12,345,678.90", "\N{MINUS SIGN}$12,345,678.90")


@pytest.mark.parametrize("width", [1280, 390])
def test_money_cards_hold_eight_digits(shop, page, staff, width):
    page.set_viewport_size({"width": width, "height": 900})
    open_dashboard(page, shop, staff)
    values = page.locator(".kpi-value")
    expect(values.first).to_be_visible()
    for amount in WIDE_AMOUNTS:
        # The widest text written into every card, marked long as the page marks a value of
        # more than eleven characters.
        overflowing = page.evaluate("""amount => [...document.querySelectorAll(".kpi-value")]
            .map(value => {
                value.textContent = amount;
                value.classList.toggle("kpi-value--long", amount.length > 11);
                return value;
            })
            .filter(value => value.scrollWidth > value.clientWidth
                             || value.getBoundingClientRect().right
                                > value.closest(".kpi").getBoundingClientRect().right)
            .map(value => value.closest(".kpi").querySelector(".kpi-label").textContent)""",
                                    amount)
        assert overflowing == [], f"{amount} overflows at {width} px"
        heights = {round(box["height"]) for box in (values.nth(n).bounding_box()
                                                     for n in range(values.count()))}
        assert len(heights) == 1  # on one line in every card
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [1280, 390])
def test_the_scrolling_tables_take_the_keyboard_and_axe_finds_nothing(shop, page, staff, width):
    page.set_viewport_size({"width": width, "height": 900})
    open_dashboard(page, shop, staff)
    page.locator(".chart-table summary").first.click()  # a chart's table shown too
    regions = page.locator(".table-scroll")
    assert regions.count() >= 4  # low stock, the charts' tables, orders
    for n in range(regions.count()):
        region = regions.nth(n)
        assert region.get_attribute("tabindex") == "0"
        assert region.get_attribute("role") == "region"
        assert region.get_attribute("aria-label").endswith(" (table)")
    assert_no_axe_violations(page)

    page.goto(f"{shop['url']}/dashboard/activity/")
    log = page.get_by_role("region", name="Entries (table)", exact=True)
    expect(log).to_have_attribute("tabindex", "0")
    log.focus()
    expect(log).to_be_focused()
    if width == 390:  # the table is wider than the phone: the keyboard scrolls it
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        assert log.evaluate("box => box.scrollWidth > box.clientWidth")
        # The browser scrolls smoothly: wait for it to have moved, rather than read it at once.
        page.wait_for_function("box => box.scrollLeft > 0", arg=log.element_handle(),
                               timeout=5000)
    assert_no_axe_violations(page)


def test_the_activity_log_filters_in_place(shop, page, staff):
    open_dashboard(page, shop, staff)
    page.get_by_role("link", name="Staff activity log").click()
    expect(page.get_by_role("heading", name="Staff activity log")).to_be_visible()
    mark_document(page)
    page.get_by_label("Action").select_option("staff.sign_in")
    expect(page).to_have_url(re.compile(r"/dashboard/activity/\?action=staff.sign_in$"))
    expect(page.locator("#activity-log tbody tr").first).to_contain_text("staff.sign_in")
    expect(page.locator("#activity-log tbody")).not_to_contain_text("staff.second_factor")
    assert still_same_document(page)
    assert_no_axe_violations(page)
