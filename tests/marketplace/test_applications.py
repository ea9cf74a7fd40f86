"""Applying to sell, and the staff's decisions: approve, reject, suspend, reinstate, each
audited and emailed; a suspended shop's products leave the storefront at once while its
open orders stay to be shipped."""

from decimal import Decimal

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse

from security.models import AuditEntry
from shop.models import Product, Seller, SellerMember
from tests.accounts import make_account
from tests.dashboard.test_roles import as_role
from tests.marketplace.sellers import make_seller, sign_in_as_seller, variant_of
from tests.second_factor import sign_in_with_second_factor
from tests.shop.buying import pay, place

pytestmark = pytest.mark.django_db

APPLICATION = {
    "name": "Hill & Hollow", "description": "Hand-thrown mugs.",
    "contact_email": "hello@hill.example.com", "return_address": "1 Kiln Lane",
    "return_policy": "30 days.", "links": "https://hill.example.com",
    "branches-TOTAL_FORMS": "2", "branches-INITIAL_FORMS": "0",
    "branches-MIN_NUM_FORMS": "0", "branches-MAX_NUM_FORMS": "5",
    "branches-0-name": "Studio", "branches-0-address": "1 Kiln Lane, Stoke",
    "branches-0-latitude": "53.00250", "branches-0-longitude": "-2.17960",
}


def decide(client, seller: Seller, action: str, **data):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("dashboard:seller-decide", args=[seller.pk]),
                           {"action": action, **data})


def actions() -> list[str]:
    return list(AuditEntry.objects.filter(action__startswith="seller.")
                .order_by("pk").values_list("action", flat=True))


def test_a_customer_applies_and_the_application_waits_for_staff(client):
    customer = make_account("maker@example.com")
    sign_in_with_second_factor(client, customer)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("marketplace:apply"), APPLICATION)
    assert response.status_code == 302
    seller = Seller.objects.get(name="Hill & Hollow")
    assert (seller.status, seller.slug, seller.applied_by) == ("pending", "hill-hollow", customer)
    assert seller.branches.get().latitude == Decimal("53.00250")
    assert SellerMember.objects.get(user=customer).role == "owner"
    assert actions() == ["seller.applied"]
    assert mail.outbox[0].to == ["hello@hill.example.com"]
    page = client.get(reverse("marketplace:home")).text
    assert "Your application is with our staff" in page
    # The rest of the portal waits for the decision.
    assert client.get(reverse("marketplace:products")).url == reverse("marketplace:home")


def test_an_application_with_bad_input_changes_nothing_and_says_why(client):
    sign_in_with_second_factor(client, make_account("maker@example.com"))
    response = client.post(reverse("marketplace:apply"),
                           {**APPLICATION, "contact_email": "nope", "links": "not a link",
                            "branches-0-latitude": "123"})
    assert response.status_code == 200
    assert "Enter a valid email address." in response.text
    assert "Enter a valid URL." in response.text
    assert not Seller.objects.filter(is_store=False).exists()


def test_signing_in_to_the_portal_wants_the_second_factor(client):
    seller = make_seller("Hill")
    client.force_login(seller.members.get().user)
    response = client.get(reverse("marketplace:home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("twofactor:setup"))


def test_staff_approve_with_a_commission_and_the_seller_is_told(client):
    seller = make_seller("Hill", status=Seller.Status.PENDING, commission="0")
    as_role(client, "Manager")
    response = decide(client, seller, "approve", commission_rate="12.5")
    assert response.status_code == 302
    seller.refresh_from_db()
    assert (seller.status, seller.commission_rate) == ("approved", Decimal("12.50"))
    assert seller.approved_at is not None
    assert actions() == ["seller.approved"]
    assert "approved" in mail.outbox[0].subject and "12.50%" in mail.outbox[0].body


def test_rejecting_needs_a_reason_which_the_seller_is_told(client):
    seller = make_seller("Hill", status=Seller.Status.PENDING)
    as_role(client, "Owner")
    response = decide(client, seller, "reject")
    assert "Give the reason for rejecting an application" in response.text
    assert Seller.objects.get(pk=seller.pk).status == "pending"
    decide(client, seller, "reject", reason="We sell no ceramics.")
    seller.refresh_from_db()
    assert (seller.status, seller.decision_reason) == ("rejected", "We sell no ceramics.")
    assert "We sell no ceramics." in mail.outbox[-1].body
    assert actions() == ["seller.rejected"]
    # A decision taken cannot be taken again.
    assert "cannot be approved" in decide(client, seller, "approve", commission_rate="5").text


def test_a_suspended_shop_leaves_the_storefront_and_still_ships_its_orders(client):
    seller = make_seller("Hill")
    variant = variant_of(seller)
    order = place((variant, 1))
    pay(order)
    product_url = variant.product.get_absolute_url()
    assert client.get(product_url).status_code == 200
    staff = client.__class__()
    as_role(staff, "Manager")
    decide(staff, seller, "suspend", reason="Late parcels.")
    assert client.get(product_url).status_code == 404
    assert not Product.objects.listed().filter(seller=seller).exists()
    # Its open order is still its to ship, from the portal.
    portal = client.__class__()
    sign_in_as_seller(portal, seller)
    response = portal.post(reverse("marketplace:ship", args=[order.number]),
                           {"tracking_number": "1Z1"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == "shipped"
    decide(staff, seller, "reinstate")
    assert client.get(product_url).status_code == 200
    assert actions() == ["seller.suspended", "seller.shipped", "seller.reinstated"]


def test_a_new_commission_applies_to_orders_placed_after_it(client):
    seller = make_seller("Hill", commission="10")
    variant = variant_of(seller)
    before = place((variant, 1))
    as_role(client, "Owner")
    decide(client, seller, "commission", commission_rate="15")
    after = place((variant, 1), cart=None)
    assert before.lines.get().commission_rate == Decimal("10.00")
    assert after.lines.get().commission_rate == Decimal("15.00")


@pytest.mark.parametrize("role", ["Support", "Fulfilment", "Catalogue", "Marketing", "Finance"])
def test_only_roles_that_review_sellers_decide(client, role):
    seller = make_seller("Hill", status=Seller.Status.PENDING)
    as_role(client, role)
    assert decide(client, seller, "approve", commission_rate="5").status_code == 403
    assert Seller.objects.get(pk=seller.pk).status == "pending"


def test_approving_needs_a_commission_and_far_dates_are_refused_plainly(client):
    seller = make_seller("Hill", status=Seller.Status.PENDING)
    as_role(client, "Owner")
    response = decide(client, seller, "approve", commission_rate="")
    assert "commission, in per cent (0 for none)" in response.text
    assert Seller.objects.get(pk=seller.pk).status == "pending"
    far = "?start=9999-12-01&end=9999-12-31"
    page = client.get(reverse("dashboard:sellers") + far)
    assert page.status_code == 200 and "too far ahead" in page.text
    assert client.get(reverse("dashboard:seller", args=[seller.pk]) + far).status_code == 200
    response = client.post(reverse("dashboard:seller-payout", args=[seller.pk]),
                           {"start": "9999-12-01", "end": "9999-12-31", "reference": "X"})
    assert response.status_code == 200 and "too far ahead" in response.text


def test_the_portal_is_no_storefront_visit(client):
    from dashboard.models import SessionDay

    seller = make_seller("Hill")
    sign_in_as_seller(client, seller)
    client.get(reverse("marketplace:home"),
               headers={"User-Agent": "Mozilla/5.0", "Accept": "text/html"})
    assert not SessionDay.objects.exists()
