"""Storefront pages: home, the product listing with search and facets, product detail."""

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from shop.errors import CategoryNotFound
from shop.forms import ListingFilterForm, sort_choices
from shop.http import render_page, tidy_url
from shop.selectors import catalogue
from shop.selectors.variants import VariantChoice


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render_page(request, "shop/home.html", catalogue.home_page())


@require_safe
def product_list(request: HttpRequest) -> HttpResponse:
    form = ListingFilterForm(request.GET)
    filters = catalogue.ListingFilters.from_form(form.filters())
    try:
        listing = catalogue.product_listing(filters, page_number=request.GET.get("page") or 1)
    except CategoryNotFound as error:
        raise Http404(error.message) from None
    context = {
        "form": form,
        "filters": listing.filters,
        "listing": listing,
        "sort_choices": sort_choices(searching=bool(filters.q)),
    }
    return render_page(
        request, "shop/product_list.html", context, fragments=["listing"], push=tidy_url(request)
    )


@require_safe
def product_detail(request: HttpRequest, slug: str) -> HttpResponse:
    product = catalogue.product_detail(slug)
    if product is None:
        raise Http404("No such product.")
    choice = VariantChoice.for_product(
        product, size=request.GET.get("size", ""), color=request.GET.get("color", "")
    )
    images = list(product.images.all())
    context = {
        "product": product,
        "choice": choice,
        "images": images,
        "main_image": _pick(images, request.GET.get("image")),
        "related": catalogue.related_products(product),
    }
    return render_page(
        request, "shop/product_detail.html", context, fragments=["variant-panel", "gallery"]
    )


def _pick(images: list, position: str | None):
    """The gallery's main image: the one asked for by its number, else the first."""
    if not images:
        return None
    try:
        return images[min(max(int(position or 1), 1), len(images)) - 1]
    except ValueError:
        return images[0]
