"""The seller portal: every URL scoped to the signed-in person's shop (another shop's ids
are not found), products edited with the shop's own rules, an order across two shops
shipped in two parts, and the statement."""

import csv
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from openpyxl import load_workbook

from security.models import AuditEntry
from shop.models import Order, Product, Shipment, Variant
from shop.services import risk
from shop.services.risk import ProviderVerdict
from tests.factories import CategoryFactory, VariantFactory
from tests.marketplace.sellers import make_seller, sign_in_as_seller, variant_of
from tests.shop.buying import pay, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def hill():
    return make_seller("Hill")


@pytest.fixture
def dale():
    return make_seller("Dale")


def product_post(product: Product | None, **changes) -> dict:
    """The product form as the page posts it, one variant."""
    variant = product.variants.first() if product else None
    data = {
        "name": product.name if product else "Stoneware Mug", "description": "Thrown by hand.",
        "category": (product.category_id if product else CategoryFactory().pk),
        "is_active": "on",
        "variants-TOTAL_FORMS": "1", "variants-INITIAL_FORMS": "1" if variant else "0",
        "variants-MIN_NUM_FORMS": "1", "variants-MAX_NUM_FORMS": "1000",
        "variants-0-sku": variant.sku if variant else "HILL-MUG-1", "variants-0-size": "",
        "variants-0-color": "Ash", "variants-0-price": "24.00", "variants-0-on_hand": "12",
        "variants-0-low_stock_threshold": "3",
        "images-TOTAL_FORMS": "0", "images-INITIAL_FORMS": "0",
        "images-MIN_NUM_FORMS": "0", "images-MAX_NUM_FORMS": "1000",
    }
    if variant:
        data |= {"variants-0-id": variant.pk, "variants-0-product": product.pk}
        # The values the form showed (the shop's rules save only what changed from them).
        for field in ("sku", "size", "color", "price", "on_hand", "low_stock_threshold",
                      "compare_at_price"):
            value = getattr(variant, field)
            data[f"initial-variants-0-{field}"] = "" if value is None else value
    return data | changes


def test_a_seller_adds_a_product_that_shoppers_then_see(client, hill):
    sign_in_as_seller(client, hill)
    response = client.post(reverse("marketplace:product-new"), product_post(None))
    assert response.status_code == 302
    product = Product.objects.get(name="Stoneware Mug")
    assert (product.seller, product.seller_listed, product.slug) == (hill, True, "stoneware-mug")
    assert product.variants.get().on_hand == 12
    assert AuditEntry.objects.filter(action="seller.product_saved").count() == 1
    assert client.get(product.get_absolute_url()).status_code == 200
    listed = client.get(reverse("marketplace:products")).text
    assert "Stoneware Mug" in listed


def test_stock_cannot_drop_below_what_orders_hold(client, hill):
    variant = variant_of(hill, on_hand=5)
    place((variant, 4))
    sign_in_as_seller(client, hill)
    response = client.post(reverse("marketplace:product", args=[variant.product_id]),
                           product_post(variant.product, **{"variants-0-on_hand": "2"}))
    assert response.status_code == 200
    assert "Reserved units cannot exceed the units on hand" in response.text
    variant.refresh_from_db()
    assert variant.on_hand == 5


def test_every_portal_url_with_another_shops_ids_is_not_found(client, hill, dale):
    theirs = variant_of(dale)
    their_order = place((theirs, 1))
    pay(their_order)
    mine = variant_of(hill)
    pay(place((mine, 1)))
    sign_in_as_seller(client, hill)
    product_urls = [reverse("marketplace:product", args=[theirs.product_id])]
    order_urls = [reverse("marketplace:order", args=[their_order.number])]
    for url in product_urls + order_urls:
        assert client.get(url).status_code == 404, url
        assert client.get(url, headers={"HX-Request": "true"}).status_code == 404, url
    assert client.post(product_urls[0], product_post(theirs.product)).status_code == 404
    assert client.post(reverse("marketplace:ship", args=[their_order.number]),
                       {"tracking_number": "1Z"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.price == Decimal("20.00")
    assert Shipment.objects.get(order=their_order).status == "pending"
    # Lists and exports hold only the shop's own rows.
    for url in (reverse("marketplace:products"), reverse("marketplace:orders"),
                reverse("marketplace:orders") + "?show=to-ship", reverse("marketplace:home")):
        page = client.get(url).text
        assert theirs.product.name not in page and their_order.number not in page, url
    statement = b"".join(client.get(reverse("marketplace:statement", args=["csv"]))
                         .streaming_content).decode()
    assert their_order.number not in statement and mine.sku in statement


def test_someone_without_a_shop_is_sent_to_apply(client):
    from tests.accounts import make_account
    from tests.second_factor import sign_in_with_second_factor

    sign_in_with_second_factor(client, make_account("shopper@example.com"))
    for name in ("marketplace:home", "marketplace:products", "marketplace:orders"):
        assert client.get(reverse(name)).url == reverse("marketplace:apply")


def test_an_order_across_two_shops_ships_in_two_parts(client, hill, mailoutbox):
    store_variant = VariantFactory(price=Decimal("30.00"))
    hill_variant = variant_of(hill, price="20.00")
    order = place((store_variant, 1), (hill_variant, 2))
    # One parcel per shop, each charged the shipping method's price.
    shipments = list(order.shipments.order_by("seller__is_store"))
    assert [s.seller for s in shipments] == [hill, store_variant.product.seller]
    assert sum(s.shipping for s in shipments) == order.shipping_total
    one_parcel = place((store_variant, 1))
    assert order.shipping_total == 2 * one_parcel.shipping_total > 0
    one_parcel.delete()
    with TestCase.captureOnCommitCallbacks(execute=True):
        pay(order)
    mail.outbox.clear()

    sign_in_as_seller(client, hill)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("marketplace:ship", args=[order.number]),
                    {"tracking_number": "HILL-1"})
    order.refresh_from_db()
    assert order.status == Order.Status.PARTIALLY_SHIPPED and order.shipped_at is None
    assert "the parcel from Hill" in mail.outbox[0].body and "HILL-1" in mail.outbox[0].body
    assert "shipped by Hill" in mail.outbox[0].body
    # Its own parcel has left: it cannot ship it again.
    page = client.get(reverse("marketplace:order", args=[order.number])).text
    assert "Mark your parcel shipped" not in page and "HILL-1" in page

    from shop.services import fulfilment

    with TestCase.captureOnCommitCallbacks(execute=True):
        fulfilment.mark_shipped(order_id=order.pk, tracking_number="STORE-1")
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED and order.shipped_at is not None
    assert order.tracking_number == "HILL-1, STORE-1"
    assert len(mail.outbox) == 2
    fulfilment.mark_delivered(order_id=order.pk, seller_id=hill.pk)
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED  # one parcel of two has arrived
    fulfilment.mark_delivered(order_id=order.pk)
    order.refresh_from_db()
    assert order.status == Order.Status.DELIVERED
    # The shopper's page lists the parcels, each with its shop, lines and tracking number.
    parcels = {shipment.seller.name: (shipment, lines) for shipment, lines in order.parcels}
    assert parcels["Hill"][0].tracking_number == "HILL-1"
    assert [line.variant_id for line in parcels["Hill"][1]] == [hill_variant.pk]
    assert place((store_variant, 1)).parcels == []  # one shop: shown as a whole


def test_the_statement_downloads_as_a_real_workbook(client, hill):
    variant = variant_of(hill, price="20.00")
    pay(place((variant, 3)))
    sign_in_as_seller(client, hill)
    response = client.get(reverse("marketplace:statement", args=["xlsx"]))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["Statement"]  # none of the whole store's figures
    rows = list(workbook["Statement"].iter_rows(values_only=True))
    assert rows[1][4:9] == (3, 60, 0, 0, 60)
    assert rows[1][10:12] == (6, 54)  # 10% commission, the rest payable
    assert rows[-1][0] == "Total"
    text = b"".join(client.get(reverse("marketplace:statement", args=["csv"]))
                    .streaming_content).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1][1] == rows[1][1]
    assert client.get(reverse("marketplace:statement", args=["csv"]) + "?start=2026-13-01"
                      ).status_code == 400


def test_variants_of_other_shops_are_never_written_through_the_formset(client, hill, dale):
    theirs = variant_of(dale)
    mine = variant_of(hill)
    sign_in_as_seller(client, hill)
    data = product_post(mine.product, **{"variants-0-id": theirs.pk, "variants-0-price": "1.00"})
    client.post(reverse("marketplace:product", args=[mine.product_id]), data)
    assert Variant.objects.get(pk=theirs.pk).price == Decimal("20.00")


def test_checkout_says_shipping_is_charged_per_parcel(client, hill):
    for variant in (VariantFactory(), variant_of(hill)):
        client.post(reverse("shop:cart-add"), {"variant": variant.sku, "quantity": 1})
    page = client.get(reverse("shop:checkout")).text
    assert "Your items come from 2 shops, each sending its own parcel" in page


def test_the_staffs_to_ship_panel_holds_the_orders_with_a_parcel_of_the_stores(hill):
    from dashboard.selectors import orders_to_ship
    from shop.services import fulfilment

    only_theirs = place((variant_of(hill), 1))
    both = place((variant_of(hill), 1), (VariantFactory(), 1))
    for order in (only_theirs, both):
        pay(order)
    assert orders_to_ship() == [both]
    fulfilment.mark_shipped(order_id=both.pk, tracking_number="1Z", seller_id=hill.pk)
    assert orders_to_ship() == [both]  # partially shipped: the store's parcel waits
    fulfilment.mark_shipped(order_id=both.pk, tracking_number="1Z2")
    assert orders_to_ship() == []


def test_an_order_held_for_review_waits_in_its_own_panel_not_to_ship():
    from dashboard.selectors import orders_needing_review, orders_to_ship

    order = place((VariantFactory(), 1))
    pay(order)
    assert orders_to_ship() == [order]
    risk.payment_arrived(order_id=order.pk, verdict=ProviderVerdict(risk_level="highest"))
    assert orders_to_ship() == [] and orders_needing_review() == [order]
    risk.clear_hold(order_id=order.pk, actor=None)
    assert orders_to_ship() == [order]


def test_a_shops_staff_ship_and_edit_but_the_statement_is_the_owners(client, hill):
    from shop.models import SellerMember
    from tests.accounts import make_account
    from tests.second_factor import sign_in_with_second_factor

    packer = make_account("packer@hill.example.com")
    SellerMember.objects.create(seller=hill, user=packer, role=SellerMember.Role.STAFF)
    variant = variant_of(hill)
    order = place((variant, 1))
    pay(order)
    sign_in_with_second_factor(client, packer)
    assert client.get(reverse("marketplace:statement", args=["csv"])).status_code == 404
    home = client.get(reverse("marketplace:home")).text
    assert "Your statement" not in home and "Net sales" not in home  # the money is the owner's
    assert client.get(reverse("marketplace:product", args=[variant.product_id])).status_code == 200
    client.post(reverse("marketplace:ship", args=[order.number]), {"tracking_number": "1Z"})
    assert Shipment.objects.get(order=order).status == "shipped"


def test_a_sellers_price_change_is_audited_with_its_old_and_new_value(client, hill):
    variant = variant_of(hill, price="20.00")
    sign_in_as_seller(client, hill)
    client.post(reverse("marketplace:product", args=[variant.product_id]),
                product_post(variant.product, **{"variants-0-price": "18.50"}))
    variant.refresh_from_db()
    assert variant.price == Decimal("18.50")
    entry = AuditEntry.objects.get(action="seller.product_saved")
    assert entry.details["variants"][variant.sku]["price"] == {"old": "20.00", "new": "18.50"}


def test_a_seller_adds_an_image_to_their_product(client, hill):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    variant = variant_of(hill)
    picture = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(picture, "PNG")
    sign_in_as_seller(client, hill)
    data = product_post(variant.product, **{
        "images-TOTAL_FORMS": "1", "images-0-alt_text": "A teal mug", "images-0-position": "0",
        "images-0-image": SimpleUploadedFile("mug.png", picture.getvalue(), "image/png"),
    })
    response = client.post(reverse("marketplace:product", args=[variant.product_id]), data)
    assert response.status_code == 302
    assert variant.product.images.get().alt_text == "A teal mug"
    data["images-0-image"] = SimpleUploadedFile("mug.png", b"not a picture", "image/png")
    response = client.post(reverse("marketplace:product", args=[variant.product_id]), data)
    assert response.status_code == 200 and "Upload a valid image" in response.text
    assert variant.product.images.count() == 1


def test_a_seller_cannot_ship_an_order_held_for_review(client, hill):
    """The hold stops every parcel, and the seller is told why without the risk reasons."""
    order = place((variant_of(hill, price="20.00"), 1))
    pay(order)
    risk.payment_arrived(order_id=order.pk, verdict=ProviderVerdict(risk_level="highest"))
    sign_in_as_seller(client, hill)

    response = client.post(reverse("marketplace:ship", args=[order.number]),
                           {"tracking_number": "HILL-9"})

    assert response.status_code == 200
    assert "is held for review" in response.text and "highest" not in response.text
    assert order.shipments.get().status == Shipment.Status.PENDING
    risk.clear_hold(order_id=order.pk, actor=None)
    client.post(reverse("marketplace:ship", args=[order.number]), {"tracking_number": "HILL-9"})
    assert order.shipments.get().status == Shipment.Status.SHIPPED
