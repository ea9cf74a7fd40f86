"""The shops in the admin: details and people changed there are audited; status and
commission stay the dashboard's decisions."""

import pytest
from django.urls import reverse

from security.models import AuditEntry
from shop.models import Seller, SellerMember
from tests.accounts import make_account
from tests.marketplace.sellers import make_seller

pytestmark = pytest.mark.django_db


def test_staff_change_a_shops_details_and_people_with_audit_rows(staff_client):
    hill = make_seller("Hill")
    owner = hill.members.get()
    packer = make_account("packer@hill.example.com")
    url = reverse("admin:shop_seller_change", args=[hill.pk])
    assert staff_client.get(url).status_code == 200
    data = {
        "name": "Hill", "slug": "hill", "description": "Mugs, now bowls too.",
        "contact_email": hill.contact_email, "return_address": "", "return_policy": "",
        "links": "", "status": "suspended", "commission_rate": "0",
        "branches-TOTAL_FORMS": "0", "branches-INITIAL_FORMS": "0",
        "branches-MIN_NUM_FORMS": "0", "branches-MAX_NUM_FORMS": "1000",
        "members-TOTAL_FORMS": "2", "members-INITIAL_FORMS": "1",
        "members-MIN_NUM_FORMS": "0", "members-MAX_NUM_FORMS": "1000",
        "members-0-id": owner.pk, "members-0-seller": hill.pk,
        "members-0-user": owner.user_id, "members-0-role": "owner",
        "members-1-seller": hill.pk, "members-1-user": packer.pk, "members-1-role": "staff",
    }
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    hill.refresh_from_db()
    assert hill.description == "Mugs, now bowls too."
    assert (hill.status, hill.commission_rate) == ("approved", 10)  # not changed here
    assert SellerMember.objects.get(user=packer).role == "staff"
    assert list(AuditEntry.objects.filter(action__startswith="seller.").order_by("pk")
                .values_list("action", flat=True)) == ["seller.changed", "seller.member_saved"]


def test_shops_are_neither_added_nor_deleted_in_the_admin(staff_client):
    hill = make_seller("Hill")
    assert staff_client.get(reverse("admin:shop_seller_add")).status_code == 403
    assert staff_client.post(reverse("admin:shop_seller_delete", args=[hill.pk]),
                             {"post": "yes"}).status_code == 403
    assert Seller.objects.filter(pk=hill.pk).exists()
