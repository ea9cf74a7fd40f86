from decimal import Decimal

import pytest
from django.urls import reverse

from shop.services import inventory
from shop.services import reviews as review_services
from tests.factories import ProductFactory, ProductImageFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tee():
    product = ProductFactory(name="Cotton Tee", slug="cotton-tee")
    VariantFactory(product=product, sku="TEE-S-RED", size="S", color="Red", price="18.00",
                   on_hand=0)
    VariantFactory(product=product, sku="TEE-M-RED", size="M", color="Red", price="20.00",
                   compare_at_price="25.00", on_hand=3)
    VariantFactory(product=product, sku="TEE-M-BLU", size="M", color="Blue", price="20.00",
                   on_hand=40)
    ProductImageFactory(product=product, alt_text="Cotton Tee, front")
    ProductImageFactory(product=product, alt_text="Cotton Tee, back")
    return product


def detail(client, product, **params):
    return client.get(reverse("shop:product-detail", args=[product.slug]), params)


def test_the_first_variant_in_stock_is_chosen_by_default(client, tee):
    choice = detail(client, tee).context["choice"]
    assert choice.variant.sku == "TEE-M-RED"
    assert choice.status == "Only 3 left."


def test_choosing_size_and_colour_shows_that_variants_price_and_stock(client, tee):
    response = detail(client, tee, size="M", color="Blue")
    assert response.context["choice"].variant.sku == "TEE-M-BLU"
    assert "$20.00" in response.text and "In stock." in response.text
    sale = detail(client, tee, size="M", color="Red")
    assert "$25.00" in sale.text  # the former price, struck through


def test_a_sold_out_variant_disables_the_add_button(client, tee):
    response = detail(client, tee, size="S", color="Red")
    assert response.context["choice"].status == "Out of stock."
    assert not response.context["choice"].can_buy
    assert 'id="add-button" class="button button--primary" disabled' in response.text


def test_a_combination_that_is_not_made_is_explained(client, tee):
    choice = detail(client, tee, size="S", color="Blue").context["choice"]
    assert choice.variant is None
    assert choice.status == "This combination is not made. Try another size or colour."


def test_options_that_lead_nowhere_are_marked_unavailable(client, tee):
    choice = detail(client, tee, size="M", color="Red").context["choice"]
    assert {o.value: o.in_stock for o in choice.sizes} == {"S": False, "M": True}
    assert {o.value: o.in_stock for o in choice.colors} == {"Red": True, "Blue": True}


def test_htmx_picker_request_gets_only_the_variant_panel(client, tee):
    response = client.get(
        reverse("shop:product-detail", args=[tee.slug]), {"size": "M", "color": "Blue"},
        headers={"HX-Request": "true", "HX-Target": "variant-panel"},
    )
    assert response.text.lstrip().startswith('<div id="variant-panel"')
    assert "TEE-M-BLU" in response.text
    assert "<html" not in response.text


def test_gallery_shows_the_chosen_image(client, tee):
    response = detail(client, tee, image="2")
    assert response.context["main_image"].alt_text == "Cotton Tee, back"
    assert detail(client, tee, image="nonsense").context["main_image"].alt_text == (
        "Cotton Tee, front"
    )


def test_breadcrumbs_name_the_category_path(client, tee):
    response = detail(client, tee)
    assert 'aria-label="Breadcrumb"' in response.text
    assert tee.category.name in response.text


def test_inactive_product_is_not_found(client, tee):
    tee.is_active = False
    tee.save()
    response = detail(client, tee)
    assert response.status_code == 404
    assert "We couldn’t find that page" in response.text


def test_unknown_product_is_not_found(client):
    assert client.get("/products/no-such-thing/").status_code == 404


def test_the_rating_the_count_and_the_reviews_listed_agree(client, tee):
    for rating, title in [(5, "Great"), (4, "Good"), (2, "Shrank")]:
        review_services.submit_review(
            product=tee, user=UserFactory(), rating=rating, title=title, body=""
        )
    page = detail(client, tee).text
    header, reviews = page.split('id="reviews"')
    assert '★ 3.7 <span class="muted">from 3 reviews</span>' in header
    assert "Reviews (3)" in reviews
    assert "3.7 out of 5, from 3 reviews" in reviews
    listed = [part.split("</h3>")[0] for part in reviews.split('<h3 class="review-title">')[1:]]
    assert listed == ["Shrank", "Good", "Great"]


def test_a_product_nobody_reviewed_shows_no_rating(client, tee):
    page = detail(client, tee).text
    assert 'class="rating"' not in page and "rating-summary" not in page
    assert "Reviews (" not in page
    assert "No reviews yet." in page


# the offers in force, product, variants, images, the newest reviews; signed in, also the
# session, the user and whether the product is on the wishlist (recommendations come after
# the page, tests/recommendations)
DETAIL_QUERY_BOUND = 8


@pytest.mark.parametrize("variant_count", [1, 40])
def test_detail_queries_do_not_grow_with_variants(
    client, django_assert_max_num_queries, variant_count
):
    product = ProductFactory()
    for i in range(variant_count):
        VariantFactory(product=product, size=f"S{i}", color="Red", price=Decimal(10 + i))
    for _ in range(3):
        ProductImageFactory(product=product)
    for _ in range(6):
        VariantFactory(product=ProductFactory(category=product.category))
    with django_assert_max_num_queries(DETAIL_QUERY_BOUND) as captured:
        response = detail(client, product)
    assert response.status_code == 200
    assert 'hx-get="/recommendations/products/' in response.text
    assert len(captured.captured_queries) == 5


def test_a_product_with_colours_only_picks_by_colour(client):
    mug = ProductFactory(name="Mug")
    VariantFactory(product=mug, size="", color="Teal", on_hand=0)
    VariantFactory(product=mug, size="", color="Black", on_hand=9)
    choice = detail(client, mug, color="Teal").context["choice"]
    assert (choice.sizes, choice.variant.color, choice.status) == ([], "Teal", "Out of stock.")
    assert detail(client, mug).context["choice"].variant.color == "Black"


def test_a_product_without_variants_says_it_is_unavailable(client):
    product = ProductFactory()
    response = detail(client, product)
    assert response.status_code == 200
    assert response.context["choice"].status == "Not available at the moment."
    assert not response.context["choice"].can_buy


def test_htmx_gallery_request_gets_only_the_gallery(client, tee):
    response = client.get(
        reverse("shop:product-detail", args=[tee.slug]), {"image": "2"},
        headers={"HX-Request": "true", "HX-Target": "gallery"},
    )
    assert response.text.lstrip().startswith('<section id="gallery"')
    assert 'alt="Cotton Tee, back"' in response.text.split('class="gallery-thumbs"')[0]


def test_reserved_units_are_not_available(client, tee):
    tee.variants.filter(sku="TEE-M-BLU").update(on_hand=5, reserved=3)
    choice = detail(client, tee, size="M", color="Blue").context["choice"]
    assert choice.status == "Only 2 left."
    # As checkout reserves them: the cached product page shows the change at once.
    inventory.reserve_stock(quantities={tee.variants.get(sku="TEE-M-BLU").pk: 2})
    assert detail(client, tee, size="M", color="Blue").context["choice"].status == "Out of stock."


def test_the_add_button_names_what_is_missing(client, tee):
    response = detail(client, tee, color="Blue")  # a colour, but no size yet
    assert response.context["choice"].status == "Choose a size."
    assert "Choose a size" in response.text.split('id="add-button"')[1].split("</button>")[0]


def test_the_quantity_box_offers_what_is_left_up_to_what_a_cart_line_holds(client):
    plenty = VariantFactory(product=ProductFactory(slug="tent-peg"), size="", on_hand=500)
    few = VariantFactory(product=ProductFactory(slug="lantern"), size="", on_hand=3)
    assert 'max="99"' in detail(client, plenty.product).text
    assert 'max="3"' in detail(client, few.product).text
