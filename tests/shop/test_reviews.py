import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from shop.models import Order, Product, Review
from shop.services import reviews as review_services
from tests.factories import (
    CategoryFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    ProductImageFactory,
    ReviewFactory,
    UserFactory,
    VariantFactory,
)
from tests.shop.reviews import ratings_unlike_their_rows

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true", "HX-Target": "reviews"}


@pytest.fixture
def tee():
    product = ProductFactory(name="Cotton Tee", slug="cotton-tee")
    VariantFactory(product=product, sku="TEE-M", size="M")
    return product


@pytest.fixture
def customer(client):
    user = UserFactory(first_name="Grace")
    client.force_login(user)
    return user


def post_review(client, product, headers=None, **fields):
    data = {"rating": "4", "title": "Soft and sturdy", "body": "Washed ten times.", **fields}
    return client.post(reverse("shop:review-submit", args=[product.slug]), data,
                       headers=headers or {})


def submit(product, user, rating, **fields):
    return review_services.submit_review(
        product=product, user=user, rating=rating,
        title=fields.get("title", "A title"), body=fields.get("body", ""),
    )


def bought(user, product, status=Order.Status.PAID):
    order = OrderFactory(user=user, status=status)
    OrderLineFactory(order=order, variant=product.variants.first())
    return order


# --- posting ----------------------------------------------------------------------------------

def test_a_review_is_posted_and_the_rating_recounted(client, customer, tee):
    response = post_review(client, tee, rating="4")
    assert response.status_code == 302
    assert response["Location"] == "/products/cotton-tee/#reviews"
    review = Review.objects.get(product=tee, user=customer)
    assert (review.rating, review.title, review.body) == (4, "Soft and sturdy", "Washed ten times.")
    tee.refresh_from_db()
    assert (tee.rating_average, tee.rating_count) == (Decimal("4.00"), 1)
    assert "Thank you for your review." in client.get(tee.get_absolute_url()).text


def test_posting_a_review_moves_the_count_by_exactly_one(client, customer, tee):
    for rating in (2, 3):
        submit(tee, UserFactory(), rating)
    page = client.get(tee.get_absolute_url()).text
    assert "Reviews (2)" in page and "2.5 out of 5, from 2 reviews" in page

    post_review(client, tee, rating="5")

    page = client.get(tee.get_absolute_url()).text
    assert "★ 3.3 <span class=\"muted\">from 3 reviews</span>" in page
    assert "Reviews (3)" in page and "3.3 out of 5, from 3 reviews" in page
    assert page.count('class="review"') == 3
    post_review(client, tee, rating="4", title="Changed my mind")  # an update, not another
    page = client.get(tee.get_absolute_url()).text
    assert "Reviews (3)" in page and "3.0 out of 5, from 3 reviews" in page


def test_a_second_submission_updates_the_customers_review(client, customer, tee):
    post_review(client, tee, rating="2", title="Shrank")
    post_review(client, tee, rating="5", title="Fine after all")
    review = Review.objects.get(product=tee, user=customer)
    assert (review.rating, review.title) == (5, "Fine after all")
    tee.refresh_from_db()
    assert (tee.rating_average, tee.rating_count) == (Decimal("5.00"), 1)


def test_the_form_says_it_updates_an_existing_review(client, customer, tee):
    ReviewFactory(product=tee, user=customer, title="My first go", rating=3)
    response = client.get(tee.get_absolute_url())
    form = response.text.split('class="review-form"')[1].split("</form>")[0]
    assert "Update your review" in form
    assert 'value="My first go"' in form
    assert re.search(r'<input type="radio" name="rating" value="3"[^>]* checked', form)


def test_a_first_review_form_says_write_a_review(client, customer, tee):
    form = client.get(tee.get_absolute_url()).text.split('class="review-form"')[1]
    assert "Write a review" in form.split("</form>")[0]
    assert "Update your review" not in form.split("</form>")[0]


def test_the_average_is_recounted_to_two_places_half_up(tee):
    for rating in (5, 4, 4):  # 13 / 3 = 4.333…
        submit(tee, UserFactory(), rating)
    tee.refresh_from_db()
    assert (tee.rating_average, tee.rating_count) == (Decimal("4.33"), 3)
    submit(tee, UserFactory(), 4)  # 17 / 4 = 4.25
    submit(tee, UserFactory(), 2)  # 19 / 5 = 3.8
    submit(tee, UserFactory(), 5)  # 24 / 6 = 4.0
    submit(tee, UserFactory(), 1)  # 25 / 7 = 3.5714…
    tee.refresh_from_db()
    assert (tee.rating_average, tee.rating_count) == (Decimal("3.57"), 7)


def test_the_product_passed_in_carries_the_new_rating(tee):
    submit(tee, UserFactory(), 3)
    assert (tee.rating_average, tee.rating_count) == (Decimal("3.00"), 1)


def test_many_products_are_recounted_from_their_rows_at_once(tee):
    others = [VariantFactory().product for _ in range(3)]
    for rating in (5, 4):
        ReviewFactory(product=tee, rating=rating)
    ReviewFactory(product=others[0], rating=1)
    # Figures without rows behind them, as an old demo database kept them.
    Product.objects.filter(pk=others[1].pk).update(rating_average=Decimal("4.20"), rating_count=190)
    assert set(ratings_unlike_their_rows()) == {tee.slug, others[0].slug, others[1].slug}

    changed = review_services.refresh_ratings(product_ids=[tee.pk, *(p.pk for p in others)])

    assert changed == 3
    assert ratings_unlike_their_rows() == {}
    figures = dict(Product.objects.values_list("pk", "rating_average"))
    assert figures[tee.pk] == Decimal("4.50") and figures[others[1].pk] is None
    every_product = Product.objects.values_list("pk", flat=True)
    assert review_services.refresh_ratings(product_ids=every_product) == 0  # nothing left


def test_a_review_that_goes_with_its_authors_account_is_uncounted(client, tee):
    leaving, staying = UserFactory(), UserFactory()
    submit(tee, leaving, 1)
    submit(tee, staying, 5)

    leaving.delete()

    tee.refresh_from_db()
    assert (tee.rating_average, tee.rating_count) == (Decimal("5.00"), 1)
    assert "Reviews (1)" in client.get(tee.get_absolute_url()).text


def test_the_recount_rolls_back_with_the_review(tee, monkeypatch):
    def fail(**_):
        raise RuntimeError("the recount failed")

    monkeypatch.setattr(review_services, "refresh_rating", fail)
    with pytest.raises(RuntimeError):
        submit(tee, UserFactory(), 5)
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("status", "verified"),
    [
        (Order.Status.PAID, True),
        (Order.Status.SHIPPED, True),
        (Order.Status.DELIVERED, True),
        (Order.Status.PARTIALLY_REFUNDED, True),
        (Order.Status.AWAITING_PAYMENT, False),
        (Order.Status.CANCELLED, False),
        (Order.Status.EXPIRED, False),
        (Order.Status.REFUNDED, False),
    ],
)
def test_a_review_is_verified_after_a_paid_order_for_the_product(
    client, customer, tee, status, verified
):
    bought(customer, tee, status=status)
    post_review(client, tee)
    assert Review.objects.get(user=customer).is_verified is verified


def test_an_order_for_another_product_does_not_verify(client, customer, tee):
    other = VariantFactory().product
    bought(customer, other)
    post_review(client, tee)
    assert Review.objects.get(user=customer).is_verified is False


def test_someone_elses_order_does_not_verify(client, customer, tee):
    bought(UserFactory(), tee)
    post_review(client, tee)
    assert Review.objects.get(user=customer).is_verified is False


def test_verification_is_decided_again_at_each_submission(client, customer, tee):
    post_review(client, tee)
    bought(customer, tee)
    post_review(client, tee, title="Now I own it")
    assert Review.objects.get(user=customer).is_verified is True


def test_verified_reviews_are_marked_on_the_page(client, tee):
    ReviewFactory(product=tee, title="Bought it", is_verified=True)
    ReviewFactory(product=tee, title="Just looking", is_verified=False)
    section = client.get(tee.get_absolute_url()).text.split('id="reviews"')[1]
    bought_it = section.split("Bought it")[1].split("</li>")[0]
    looking = section.split("Just looking")[1].split("</li>")[0]
    assert "Verified purchase" in bought_it
    assert "Verified purchase" not in looking


# --- invalid input ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"rating": ""}, "Choose a rating from 1 to 5 stars."),
        ({"rating": "0"}, "Select a valid choice."),
        ({"rating": "6"}, "Select a valid choice."),
        ({"rating": "five"}, "Select a valid choice."),
        ({"title": ""}, "Give your review a title."),
        ({"title": "x" * 121}, "Ensure this value has at most 120 characters"),
    ],
)
def test_an_invalid_review_is_shown_again_with_its_messages(client, customer, tee, fields, message):
    response = post_review(client, tee, **fields)
    assert response.status_code == 200
    assert "Your review was not posted" in response.text
    assert message in response.text
    assert 'action="/products/cotton-tee/reviews/#reviews"' in response.text
    assert response.text.lstrip().startswith("<!doctype html>")
    assert not Review.objects.exists()
    tee.refresh_from_db()
    assert tee.rating_count == 0


def test_an_invalid_review_by_htmx_answers_with_the_reviews_section(client, customer, tee):
    response = post_review(client, tee, headers=HTMX, title="", body="Kept as typed")
    assert response.status_code == 200  # htmx 2 does not swap a 4xx
    assert response.text.lstrip().startswith('<section id="reviews"')
    assert "Give your review a title." in response.text
    assert "Kept as typed" in response.text


def test_a_review_by_htmx_answers_with_the_updated_section(client, customer, tee):
    response = post_review(client, tee, headers=HTMX, rating="5", title="Lovely")
    assert response.status_code == 200
    html = response.text
    assert html.lstrip().startswith('<section id="reviews"')
    assert "<html" not in html
    assert "Thank you for your review." in html
    assert "Lovely" in html and "5.0 out of 5, from 1 review" in html
    assert "Update your review" in html


def test_a_page_shown_again_after_a_post_sends_hearts_back_to_the_product(client, customer, tee):
    response = post_review(client, tee, title="")
    assert 'name="next" value="/products/cotton-tee/"' in response.text


# --- who may post -----------------------------------------------------------------------------

def test_visitors_see_a_sign_in_link_instead_of_the_form(client, tee):
    page = client.get(tee.get_absolute_url()).text
    assert "Sign in to write a review" in page
    assert f'href="{reverse("account_login")}?next=/products/cotton-tee/%23reviews"' in page
    assert 'class="review-form"' not in page


def test_a_visitors_post_is_sent_to_sign_in_and_saves_nothing(client, tee):
    response = post_review(client, tee)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('account_login')}?next=")
    assert not Review.objects.exists()


def test_an_inactive_product_cannot_be_reviewed(client, customer, tee):
    Product.objects.filter(pk=tee.pk).update(is_active=False)
    assert post_review(client, tee).status_code == 404
    assert not Review.objects.exists()


def test_reviews_take_only_posts(client, customer, tee):
    assert client.get(reverse("shop:review-submit", args=[tee.slug])).status_code == 405


# --- the list ---------------------------------------------------------------------------------

def test_reviews_are_listed_newest_first_with_their_count(client, tee):
    now = timezone.now()
    for days, title in [(3, "Oldest"), (1, "Newest"), (2, "Middle")]:
        review = ReviewFactory(product=tee, title=title)
        Review.objects.filter(pk=review.pk).update(created_at=now - timedelta(days=days))
    review_services.refresh_rating(product_id=tee.pk)
    response = client.get(tee.get_absolute_url())
    assert [r.title for r in response.context["reviews"].shown] == ["Newest", "Middle", "Oldest"]
    assert "Reviews (3)" in response.text
    assert "4.0 out of 5, from 3 reviews" in response.text


def test_at_most_twenty_reviews_are_shown(client, tee):
    for i in range(25):
        ReviewFactory(product=tee, title=f"Review number {i}")
    review_services.refresh_rating(product_id=tee.pk)
    response = client.get(tee.get_absolute_url())
    shown = response.context["reviews"].shown
    assert len(shown) == 20
    assert shown[0].title == "Review number 24"
    assert "Review number 4<" not in response.text  # the oldest five are left out
    assert "Showing the 20 newest of 25 reviews." in response.text


def test_the_readers_old_review_is_found_for_the_form_but_not_shown_in_the_list(
    client, customer, tee
):
    mine = ReviewFactory(product=tee, user=customer, title="Mine, long ago")
    Review.objects.filter(pk=mine.pk).update(created_at=timezone.now() - timedelta(days=400))
    for _ in range(20):
        ReviewFactory(product=tee)
    reviews = client.get(tee.get_absolute_url()).context["reviews"]
    assert reviews.mine == mine
    assert mine not in reviews.shown and len(reviews.shown) == 20


def test_the_readers_recent_review_is_listed_in_its_place(client, customer, tee):
    older = ReviewFactory(product=tee, title="Older")
    Review.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=1))
    mine = ReviewFactory(product=tee, user=customer, title="Mine")
    reviews = client.get(tee.get_absolute_url()).context["reviews"]
    assert [r.title for r in reviews.shown] == ["Mine", "Older"]
    assert reviews.mine == mine


def test_review_text_is_escaped(client, tee):
    ReviewFactory(product=tee, title="<script>alert('t')</script>",
                  body="<script>alert('b')</script>\n<b>bold</b>")
    page = client.get(tee.get_absolute_url()).text
    assert "<script>alert(" not in page
    assert "&lt;script&gt;alert(&#x27;t&#x27;)&lt;/script&gt;" in page
    assert "&lt;script&gt;alert(&#x27;b&#x27;)&lt;/script&gt;" in page
    assert "<b>bold</b>" not in page


def test_reviewers_are_named_by_first_name_only(client, tee):
    ReviewFactory(product=tee, user=UserFactory(first_name="Ada", email="ada@example.com"))
    ReviewFactory(product=tee, user=UserFactory(email="anon@example.com"))
    page = client.get(tee.get_absolute_url()).text
    assert "Ada ·" in page and "A customer ·" in page
    assert "ada@example.com" not in page and "anon@example.com" not in page


def test_the_star_rating_is_said_in_words(client, tee):
    ReviewFactory(product=tee, rating=3)
    page = client.get(tee.get_absolute_url()).text
    assert '<span class="stars" aria-hidden="true">★★★☆☆</span>' in page
    assert "Rated 3 out of 5" in page


def test_the_rating_is_chosen_with_labelled_radio_buttons(client, customer, tee):
    form = client.get(tee.get_absolute_url()).text.split('class="review-form"')[1]
    form = form.split("</form>")[0]
    assert "<legend>Rating</legend>" in form
    for stars in range(1, 6):
        label = f'<label for="id_rating_{stars - 1}">{stars} star{"s" if stars > 1 else ""}</label>'
        assert label in form
        assert f'type="radio" name="rating" value="{stars}"' in form


# --- sorting and query counts -----------------------------------------------------------------

def test_sorting_by_rating_follows_the_recounted_averages(client):
    category = CategoryFactory(slug="rated")
    products = {}
    for name in ("Alder", "Birch", "Cedar", "Dogwood"):
        products[name] = ProductFactory(name=name, category=category)
        VariantFactory(product=products[name])
    for name, ratings in [("Alder", [3, 4]), ("Birch", [5, 4, 5]), ("Cedar", [2])]:
        for rating in ratings:
            submit(products[name], UserFactory(), rating)
    response = client.get(reverse("shop:product-list"), {"category": "rated", "sort": "rating"})
    listed = response.context["listing"].page.object_list
    assert [(p.name, p.rating_average) for p in listed] == [
        ("Birch", Decimal("4.67")), ("Alder", Decimal("3.50")), ("Cedar", Decimal("2.00")),
        ("Dogwood", None),
    ]
    # The average shows on each card of the listing, with the number of reviews.
    assert "★ 4.7 <span class=\"muted\">(3)</span>" in response.text
    assert "★ 3.5 <span class=\"muted\">(2)</span>" in response.text


DETAIL_QUERY_BOUND = 9  # as pinned in test_detail


@pytest.mark.parametrize("reviews", [0, 5, 40])
def test_detail_queries_do_not_grow_with_reviews(
    client, django_assert_max_num_queries, tee, reviews
):
    for _ in range(reviews):
        ReviewFactory(product=tee)
    ProductImageFactory(product=tee)
    VariantFactory(product=ProductFactory(category=tee.category))
    with django_assert_max_num_queries(DETAIL_QUERY_BOUND) as captured:
        response = client.get(tee.get_absolute_url())
    # the offers in force, product, variants, images, reviews with their authors
    assert len(captured.captured_queries) == 5
    assert len(response.context["reviews"].shown) == min(reviews, 20)


@pytest.mark.parametrize("reviews", [0, 40])
def test_signed_in_detail_queries_stay_within_the_bound(
    client, django_assert_max_num_queries, customer, tee, reviews
):
    for _ in range(reviews):
        ReviewFactory(product=tee)
    ReviewFactory(product=tee, user=customer)
    VariantFactory(product=ProductFactory(category=tee.category))
    with django_assert_max_num_queries(DETAIL_QUERY_BOUND) as captured:
        response = client.get(tee.get_absolute_url())
    # The anonymous five, the user, whether they reviewed it (so the page is theirs alone,
    # not the customers' shared one), and whether the product is saved (the session comes
    # from the cache); the reader's own review comes with the newest ones.
    assert len(captured.captured_queries) == 8
    assert response.context["reviews"].mine.user == customer
