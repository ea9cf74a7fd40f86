"""Storefront pages: home, the product listing with search and facets, product detail."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe
from django_htmx.http import push_url

from shop.forms import SORT_CHOICES, ListingFilterForm
from shop.http import render_page
from shop.selectors import catalogue
from shop.selectors.variants import VariantChoice
from shop.templatetags.shop import clean_query


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render_page(request, "shop/home.html", catalogue.home_page())


@require_safe
def product_list(request: HttpRequest) -> HttpResponse:
    form = ListingFilterForm(request.GET)
    filters = catalogue.ListingFilters.from_form(form.filters())
    listing = catalogue.product_listing(filters, page_number=request.GET.get("page") or 1)
    context = {
        "form": form,
        "filters": filters,
        "listing": listing,
        "sort_choices": SORT_CHOICES,
    }
    response = render_page(request, "shop/product_list.html", context, fragments=["listing"])
    if request.htmx.target == "listing" and not request.htmx.history_restore_request:
        # The address bar shows the tidy form of the filters, not every empty form field.
        query = clean_query(request.GET)
        push_url(response, f"{request.path}?{query}" if query else request.path)
    return response


@require_safe
def product_detail(request: HttpRequest, slug: str) -> HttpResponse:
    product = catalogue.product_detail(slug)
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
