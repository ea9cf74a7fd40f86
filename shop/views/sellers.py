"""A shop's own page: who they are, their returns policy, links and branches, and their
products, searched, filtered and sorted as the listing does, within the shop.

Only approved shops have a page; any other shop is not found, as an unknown one is. The
store has one too. Visitors without a session share the page (shop.shared_pages).
"""

from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST, require_safe

from core.http import render_page
from shop.errors import ShopError
from shop.forms import ListingFilterForm
from shop.review_forms import ShopReviewForm
from shop.selectors import sellers
from shop.selectors.listing import ListingFilters
from shop.selectors.wishlist import saved_seller_ids
from shop.services import shop_reviews
from shop.shared_pages import shared_page
from shop.views.catalogue import LISTING_PARAMS, listing_context


@require_safe
@shared_page(params=LISTING_PARAMS)
def seller_detail(request: HttpRequest, slug: str) -> HttpResponse:
    page = _page_or_404(slug)
    seller = page.seller
    form = ListingFilterForm(request.GET)
    # The shop is fixed: a `shop` in the address names no other.
    filters = replace(
        ListingFilters.from_form(form.filters()), shop="", within_shop=seller.pk
    )
    context = listing_context(request, form, filters, url=seller.get_absolute_url())
    context |= {
        "shop_page": page,
        "seller": seller,
        "saved_sellers": saved_seller_ids(request.user, [seller.pk]),
        "results_heading": "h2",
        "review_form": ShopReviewForm(),
    }
    return render_page(
        request, "shop/seller_detail.html", context, fragments=["listing"], push=context["here"]
    )


@require_POST
def seller_review(request: HttpRequest, slug: str) -> HttpResponse:
    """A customer who bought from the shop reviews it (again: their one review is
    rewritten); anyone else is told why not, and nothing changes."""
    page = _page_or_404(slug)
    back = f"{page.seller.get_absolute_url()}#shop-reviews"
    if not request.user.is_authenticated:
        return redirect_to_login(back)
    form = ShopReviewForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(back)
    try:
        shop_reviews.submit(seller=page.seller, user=request.user, **form.cleaned_data)
    except ShopError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Thank you for reviewing {page.seller.name}.")
    return redirect(back)


def _page_or_404(slug: str) -> sellers.ShopPage:
    """The approved shop's page; any other shop, or none, is not found."""
    page = sellers.shop_page(slug)
    if page is None:
        raise Http404("No such shop.")
    return page
