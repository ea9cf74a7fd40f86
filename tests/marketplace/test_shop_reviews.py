"""Reviews of shops: only customers who bought from a shop review it, once each (posting
again rewrites theirs); the shop's rating is recounted from the rows."""

from decimal import Decimal

import pytest
from django.urls import reverse

from shop.models import SellerReview
from tests.factories import UserFactory
from tests.marketplace.sellers import make_seller, variant_of
from tests.shop.buying import pay, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def hill():
    return make_seller("Hill")


def review(client, seller, **data):
    return client.post(reverse("shop:seller-review", args=[seller.slug]), data, follow=True)


def test_a_buyer_reviews_the_shop_and_its_rating_follows(client, hill):
    buyer = UserFactory(email="bea@example.com", first_name="Bea")
    pay(place((variant_of(hill), 1), email=buyer.email, user=buyer))
    client.force_login(buyer)
    page = review(client, hill, rating="4", body="Well packed.").text
    assert "Thank you for reviewing Hill." in page
    assert "Well packed." in page and "Bea" in page
    hill.refresh_from_db()
    assert (hill.rating_average, hill.rating_count) == (Decimal("4.00"), 1)
    review(client, hill, rating="2", body="Slow this time.")
    hill.refresh_from_db()
    assert (hill.rating_average, hill.rating_count) == (Decimal("2.00"), 1)
    assert SellerReview.objects.get().body == "Slow this time."


def test_only_buyers_review_a_shop(client, hill):
    other = make_seller("Dale")
    someone = UserFactory(email="cy@example.com")
    pay(place((variant_of(other), 1), email=someone.email, user=someone))  # not from Hill
    unpaid = place((variant_of(hill), 1), email=someone.email, user=someone)
    assert unpaid.paid_at is None
    client.force_login(someone)
    page = review(client, hill, rating="5").text
    assert "Only customers who have bought from Hill can review it." in page
    assert not SellerReview.objects.exists()


def test_bad_input_and_guests_change_nothing(client, hill):
    response = client.post(reverse("shop:seller-review", args=[hill.slug]), {"rating": "5"})
    assert response.status_code == 302 and "/accounts/login/" in response.url
    buyer = UserFactory(email="bea@example.com")
    pay(place((variant_of(hill), 1), email=buyer.email, user=buyer))
    client.force_login(buyer)
    assert "Choose a rating from 1 to 5 stars." in review(client, hill, rating="9").text
    assert not SellerReview.objects.exists()
    assert client.post(reverse("shop:seller-review", args=["nobody"]),
                       {"rating": "5"}).status_code == 404
