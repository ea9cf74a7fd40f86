"""A customer's data, in Chromium: asking for the download with the password, opening the
emailed link and reading the ZIP it gives; closing the account (refused while an order is
open, then done), after which signing in fails. axe-core finds nothing on these pages at
1280 and 390 px."""

import io
import json
import re
import zipfile
from contextlib import suppress
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.browser.axe import assert_no_axe_violations
from tests.browser.test_purchase import add_to_cart, place_order
from tests.browser.test_staff_signin import PASSWORD, make_account, sign_in_with_password

EMAIL = "dana.privacy@example.com"
WIDTHS = (1280, 390)
# The link the email carries (the server's mail stays in its own process): the same signed
# token for the customer's newest export.
EXPORT_LINK = """
from shop.models import DataExport
from shop.services.data_export import export_token
export = DataExport.objects.filter(user__email={email!r}).exclude(file_name="").latest("pk")
print(export_token(export))
"""


def no_axe_violations_at_each_width(page, where: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert_no_axe_violations(page, f"{where} at {width} px")
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    page.reload()  # axe leaves empty style attributes behind


def download_zip(page, url: str) -> dict[str, object]:
    # A download is not a page: Chromium aborts the navigation, and the file comes.
    with page.expect_download() as started, suppress(PlaywrightError):
        page.goto(url)
    archive = zipfile.ZipFile(io.BytesIO(Path(started.value.path()).read_bytes()))
    return {name: archive.read(name).decode("utf-8-sig") for name in archive.namelist()}


def test_a_customer_downloads_their_data_then_closes_their_account(shop, page, screenshot):
    make_account(shop, EMAIL, staff=False)
    page.goto(f"{shop['url']}/accounts/login/")
    sign_in_with_password(page, {"email": EMAIL})
    expect(page.get_by_role("link", name="Orders")).to_be_visible()
    add_to_cart(page, shop)
    payment = place_order(page, shop, save_address=True)  # left unpaid, for now
    number = re.search(r"/payments/test/([^/]+)/", payment).group(1)

    page.goto(f"{shop['url']}/addresses/")
    page.locator("main").get_by_role("link", name=re.compile(r"^Your data")).click()
    expect(page.locator("h1")).to_have_text("Your data")
    no_axe_violations_at_each_width(page, "your data")
    page.get_by_label("Your password").fill("not the password")
    page.get_by_role("button", name="Email me a download link").click()
    expect(page.locator(".errorlist")).to_contain_text("That is not your password.")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Email me a download link").click()
    expect(page.locator(".messages")).to_contain_text("A link to download it will be emailed")
    screenshot(page, "your-data")

    token = shop["manage"]("shell", "-c", EXPORT_LINK.format(email=EMAIL)).strip().splitlines()[-1]
    files = download_zip(page, f"{shop['url']}/accounts/data/download/{token}/")
    assert json.loads(files["profile.json"])["email"] == EMAIL
    (address,) = json.loads(files["addresses.json"])
    assert address["city"]
    assert [order["number"] for order in json.loads(files["orders.json"])] == [number]
    assert files["order_lines.csv"].splitlines()[0].startswith("order,product")

    page.goto(f"{shop['url']}/accounts/data/download/{token[:-4]}xxxx/")
    expect(page.locator("h1")).to_have_text("Download not available")
    expect(page.locator("main")).to_contain_text("This download link is not valid")
    no_axe_violations_at_each_width(page, "a refused link")
    # Chromium reports the refused link's own 400 as a resource that failed to load.
    refused = "Failed to load resource: the server responded with a status of 400 "
    assert page.errors and all(error.startswith(refused) for error in page.errors)
    page.errors.clear()

    page.goto(f"{shop['url']}/accounts/data/")
    page.get_by_role("link", name="Close your account").click()
    expect(page.get_by_role("alert")).to_contain_text(f"Order {number} is waiting for payment")
    no_axe_violations_at_each_width(page, "closing refused")
    page.goto(f"{shop['url']}/orders/{number}/")
    page.get_by_role("link", name="Cancel order").click()
    page.get_by_role("button", name="Yes, cancel the order").click()
    expect(page.locator(".order-status .status")).to_have_text("Cancelled")

    page.goto(f"{shop['url']}/accounts/data/close/")
    no_axe_violations_at_each_width(page, "closing the account")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Close my account").click()
    expect(page.locator(".errorlist")).to_contain_text("Tick the box")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label(re.compile(r"^I understand")).check()
    page.get_by_role("button", name="Close my account").click()
    expect(page.locator("h1")).to_have_text("Your account is closed")
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    no_axe_violations_at_each_width(page, "the account closed")

    page.goto(f"{shop['url']}/accounts/login/")
    sign_in_with_password(page, {"email": EMAIL})
    expect(page.locator("h1")).to_have_text(re.compile("sign in", re.IGNORECASE))
    expect(page.get_by_role("link", name="Orders")).to_have_count(0)
