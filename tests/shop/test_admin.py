"""Staff manage the catalogue in the admin: products with variants and images inline,
search, filters, and prices and stock edited straight from the variant list."""

from decimal import Decimal

import pytest
from django.urls import reverse

from shop.admin.catalogue import VariantForm
from shop.models import Variant
from tests.factories import ProductFactory, ProductImageFactory, VariantFactory

pytestmark = pytest.mark.django_db


def test_product_page_shows_variants_and_images_inline(staff_client):
    product = ProductFactory(name="Field Jacket")
    VariantFactory(product=product, sku="FJ-M")
    ProductImageFactory(product=product)
    response = staff_client.get(reverse("admin:shop_product_change", args=[product.pk]))
    assert response.status_code == 200
    assert "FJ-M" in response.text
    assert 'name="images-0-alt_text"' in response.text


def test_product_list_searches_by_sku(staff_client):
    VariantFactory(product=ProductFactory(name="Field Jacket"), sku="FJ-M")
    VariantFactory(product=ProductFactory(name="Linen Shirt"), sku="LS-M")
    response = staff_client.get(reverse("admin:shop_product_changelist"), {"q": "FJ-M"})
    assert [p.name for p in response.context["cl"].result_list] == ["Field Jacket"]


def test_variant_list_filters_low_stock_by_each_variants_threshold(staff_client):
    VariantFactory(sku="LOW", on_hand=3)  # the default threshold, 5
    VariantFactory(sku="OUT", on_hand=0)
    VariantFactory(sku="PLENTY", on_hand=50)
    VariantFactory(sku="LOW-AT-20", on_hand=25, reserved=5, low_stock_threshold=20)
    VariantFactory(sku="FINE-AT-2", on_hand=3, low_stock_threshold=2)
    url = reverse("admin:shop_variant_changelist")
    low = staff_client.get(url, {"stock": "low"}).context["cl"].result_list
    out = staff_client.get(url, {"stock": "out"}).context["cl"].result_list
    assert sorted(v.sku for v in low) == ["LOW", "LOW-AT-20"]
    assert [v.sku for v in out] == ["OUT"]


def test_price_and_stock_are_edited_from_the_variant_list(staff_client):
    variant = VariantFactory(sku="EDIT-ME", price=Decimal("20.00"), on_hand=5)
    response = staff_client.post(reverse("admin:shop_variant_changelist"), {
        "form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1",
        "form-0-id": str(variant.pk), "form-0-price": "24.50",
        "form-0-compare_at_price": "", "form-0-on_hand": "12", "_save": "Save",
    })
    assert response.status_code == 302
    variant.refresh_from_db()
    assert (variant.price, variant.on_hand) == (Decimal("24.50"), 12)


def test_stock_below_the_reserved_units_is_refused(staff_client):
    variant = VariantFactory(on_hand=5, reserved=4)
    response = staff_client.post(reverse("admin:shop_variant_changelist"), {
        "form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1",
        "form-0-id": str(variant.pk), "form-0-price": "20.00",
        "form-0-compare_at_price": "", "form-0-on_hand": "3", "_save": "Save",
    })
    assert response.status_code == 200
    assert "Reserved units cannot exceed the units on hand: 4 are reserved" in response.text
    variant.refresh_from_db()
    assert variant.on_hand == 5


def test_the_database_refuses_reserved_above_on_hand():
    from django.db import IntegrityError, transaction

    variant = VariantFactory(on_hand=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Variant.objects.filter(pk=variant.pk).update(reserved=3)


def test_saving_a_variant_never_writes_back_the_reserved_units(staff_client, monkeypatch):
    variant = VariantFactory(sku="BUSY", price=Decimal("20.00"), on_hand=10)
    validate = VariantForm.clean

    def an_order_reserves_meanwhile(form):
        # An order reserves units after the admin loaded the variant, before it saves.
        Variant.objects.filter(pk=variant.pk).update(reserved=4)
        return validate(form)

    monkeypatch.setattr(VariantForm, "clean", an_order_reserves_meanwhile)
    response = staff_client.post(reverse("admin:shop_variant_change", args=[variant.pk]), {
        "product": variant.product_id, "sku": "BUSY", "size": "M", "color": "",
        "price": "22.00", "compare_at_price": "", "on_hand": "10", "position": "0",
        "low_stock_threshold": "5",
    })
    assert response.status_code == 302
    variant.refresh_from_db()
    assert (variant.price, variant.reserved) == (Decimal("22.00"), 4)


def test_editing_one_row_of_the_list_leaves_the_others_as_orders_left_them(staff_client):
    first = VariantFactory(sku="A", price=Decimal("20.00"), on_hand=10)
    second = VariantFactory(sku="B", price=Decimal("20.00"), on_hand=10)
    shown = {"price": "20.00", "compare_at_price": "", "on_hand": "10"}
    rows = {}
    for i, (variant, price) in enumerate([(first, "25.00"), (second, "20.00")]):
        rows |= {f"form-{i}-id": str(variant.pk), f"form-{i}-price": price,
                 f"form-{i}-compare_at_price": "", f"form-{i}-on_hand": "10"}
        rows |= {f"initial-form-{i}-{name}": value for name, value in shown.items()}
    Variant.objects.filter(pk=second.pk).update(on_hand=9)  # an order shipped one meanwhile
    response = staff_client.post(reverse("admin:shop_variant_changelist"), {
        "form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "2", **rows, "_save": "Save",
    })
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.price, second.on_hand) == (Decimal("25.00"), 9)
