"""A product's reviews in Chromium: the rating above them agrees with them, and a title typed
without a single space stays inside its column on a phone."""

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_no_axe_violations

TITLE = "Absolutely" + "wonderful" * 12  # 118 characters, nowhere to break
# The product last by name, which no other browser test opens, so no page of it is cached yet.
WRITE_REVIEW = """
from shop.models import Product, User
from shop.services.reviews import submit_review
product = Product.objects.filter(is_active=True).order_by("-name").first()
user = User.objects.create_user("long.title@example.com", "a long enough password",
                                first_name="Wen")
submit_review(product=product, user=user, rating=4, title={title!r}, body="Fits well.")
print(product.slug)
"""


@pytest.fixture(scope="module")
def reviewed(shop):
    """The path of a product with one review, whose title has no space in it."""
    slug = shop["manage"]("shell", "-c", WRITE_REVIEW.format(title=TITLE)).split()[-1]
    return f"{shop['url']}/products/{slug}/"


def test_the_rating_shown_is_the_one_review_listed(reviewed, page):
    page.goto(reviewed)
    expect(page.locator(".product-info .rating")).to_have_text("★ 4.0 from 1 review")
    expect(page.locator("#reviews-heading")).to_have_text("Reviews (1)")
    expect(page.locator(".rating-summary")).to_contain_text("4.0 out of 5, from 1 review")
    expect(page.locator(".review")).to_have_count(1)


@pytest.mark.parametrize("width", [1280, 390])
def test_a_title_without_spaces_wraps_inside_its_column(reviewed, page, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(reviewed)
    title = page.locator(".review-title")
    expect(title).to_have_text(TITLE)
    overflow = title.evaluate(
        "element => ({right: element.getBoundingClientRect().right,"
        " scroll: element.scrollWidth, client: element.clientWidth,"
        " page: document.documentElement.scrollWidth})"
    )
    assert overflow["scroll"] <= overflow["client"], overflow
    assert overflow["right"] <= width and overflow["page"] <= width, overflow
    assert_no_axe_violations(page)
