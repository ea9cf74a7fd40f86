"""The staff dashboard's landing page: where staff start, with the admin's orders and
products a click away. (Who may open it is tested with the staff gate, in
tests/security/twofactor/test_staff_gate.py.)"""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_page_links_to_the_orders_and_products(staff_client):
    response = staff_client.get("/dashboard/")
    assert response.status_code == 200
    assert "<h1>Staff dashboard</h1>" in response.text
    assert f'href="{reverse("admin:shop_order_changelist")}"' in response.text
    assert f'href="{reverse("admin:shop_product_changelist")}"' in response.text


def test_the_page_needs_a_fixed_number_of_queries(staff_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):  # session, user, verifying device, cart badge
        response = staff_client.get("/dashboard/")
    assert response.status_code == 200 and "<h1>Staff dashboard</h1>" in response.text
