"""Storefront pages: home, the product listing with search and facets, product detail.

Product cards and the product page carry the wishlist's heart: `wishlisted` holds which of
the page's products the customer has saved (one query, none when not signed in), and `here`
is the address to come back to after saving or signing in. Once more shops than the store
are approved (`many_shops`), cards and the product page say who sells each product, and
the product page offers to save its shop. Visitors without a session all see the same
pages, as do signed-in customers but for their hearts and header; both kinds are kept
(shop.shared_pages).
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from core.http import render_page, tidy_url
from shop.errors import CategoryNotFound
from shop.forms import ListingFilterForm, sort_choices
from shop.models import Product
from shop.promotions import live
from shop.review_forms import ReviewForm
from shop.selectors import catalogue
from shop.selectors.listing import ListingFilters, product_listing
from shop.selectors.reviews import has_reviewed, product_reviews, reviewed_keys
from shop.selectors.variants import VariantChoice
from shop.selectors.wishlist import saved_seller_ids, wishlisted_ids
from shop.shared_pages import shared_page

# What a listing reads from its address: its filters and the page.
LISTING_PARAMS = (*ListingFilterForm.base_fields, "page")


@require_safe
@shared_page()
def home(request: HttpRequest) -> HttpResponse:
    context = catalogue.home_page()
    live.mark_offers(context["featured"], live.live_offers())
    context["wishlisted"] = wishlisted_ids(request.user, (p.pk for p in context["featured"]))
    context["here"] = tidy_url(request)
    return render_page(request, "shop/home.html", context)


@require_safe
@shared_page(params=LISTING_PARAMS)
def product_list(request: HttpRequest) -> HttpResponse:
    form = ListingFilterForm(request.GET)
    filters = ListingFilters.from_form(form.filters())
    context = listing_context(request, form, filters, url=reverse("shop:product-list"))
    return render_page(
        request, "shop/product_list.html", context, fragments=["listing"], push=context["here"]
    )


def listing_context(
    request: HttpRequest, form: ListingFilterForm, filters: ListingFilters, *, url: str
) -> dict:
    """What the listing's template needs: for the listing itself, and for a shop's page,
    whose products are listed alike. `url` is the page the listing's form sends to."""
    try:
        listing = product_listing(filters, page_number=request.GET.get("page") or 1)
    except CategoryNotFound as error:
        raise Http404(error.message) from None
    live.mark_offers(listing.page, live.live_offers())
    return {
        "form": form,
        "filters": listing.filters,
        "listing": listing,
        "sort_choices": sort_choices(searching=bool(filters.q)),
        "wishlisted": wishlisted_ids(request.user, (p.pk for p in listing.page)),
        "here": tidy_url(request),
        "listing_url": url,
    }


def _reviewed_it(request: HttpRequest, slug: str) -> bool:
    # The page's form holds the customer's own review: a page of their own.
    return has_reviewed(request.user, slug)


@require_safe
@shared_page(params=("size", "color", "image"), product_slug="slug", unless=_reviewed_it,
             unless_reads=lambda request: reviewed_keys(request.user))
def product_detail(request: HttpRequest, slug: str) -> HttpResponse:
    product = catalogue.product_detail(slug)
    if product is None:
        raise Http404("No such product.")
    return product_page(request, product)


def product_page(
    request: HttpRequest, product: Product, *, review_form: ReviewForm | None = None,
    review_notice: str = "",
) -> HttpResponse:
    """The whole product page, or the fragment an HTMX request targets; a review form that
    did not validate is shown again with its messages, a review just posted with a thank-you."""
    choice = VariantChoice.for_product(
        product, size=request.GET.get("size", ""), color=request.GET.get("color", "")
    )
    images = list(product.images.all())
    live.mark_offers([product], live.live_offers())
    reviews = product_reviews(product, user=request.user)
    if review_form is None and request.user.is_authenticated:
        review_form = ReviewForm(instance=reviews.mine)
    many_shops = product.approved_shops > 1
    context = {
        "product": product,
        "choice": choice,
        "images": images,
        "main_image": _pick(images, request.GET.get("image")),
        "offer_price": _offer_price(product, choice),
        "reviews": reviews,
        "review_form": review_form,
        "review_notice": review_notice,
        "wishlisted": wishlisted_ids(request.user, [product.pk]),
        "many_shops": many_shops,
        "saved_sellers": (
            saved_seller_ids(request.user, [product.seller_id]) if many_shops else set()
        ),
        # Shown again after a review was posted, the page is still the product's own.
        "here": tidy_url(request) if request.method == "GET" else product.get_absolute_url(),
    }
    return render_page(
        request, "shop/product_detail.html", context,
        fragments=["variant-panel", "gallery", "reviews"],
    )


def _offer_price(product: Product, choice: VariantChoice):
    """The chosen variant's price with the product's offer, where the offer changes it."""
    if product.offer is None or choice.variant is None:
        return None
    return product.offer.unit_price_after(choice.variant.price)


def _pick(images: list, position: str | None):
    """The gallery's main image: the one asked for by its number, else the first."""
    if not images:
        return None
    try:
        return images[min(max(int(position or 1), 1), len(images)) - 1]
    except ValueError:
        return images[0]
