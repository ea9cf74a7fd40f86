"""The seller portal (/sell/): applying to sell, and for a shop's people its figures,
products, orders to ship and statement. Every page reads through marketplace.selectors,
scoped to the signed-in person's shop."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from core.http import render_page
from core.money import format_money
from dashboard import charts
from dashboard.kpis import Period
from marketplace import selectors
from marketplace.access import OPEN, membership, seller_portal
from marketplace.forms import (
    ApplicationForm,
    BranchFormSet,
    ImageFormSet,
    ProductForm,
    ShipForm,
    variant_formset,
)
from security import audit
from shop.errors import ShopError
from shop.models import Product, Seller, SellerMember
from shop.sellers import services
from shop.services import fulfilment
from shop.slugs import free_slug


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def apply(request: HttpRequest) -> HttpResponse:
    if membership(request.user) is not None:
        return redirect("marketplace:home")
    form = ApplicationForm(request.POST or None, request.FILES or None,
                           initial={"contact_email": request.user.email})
    branches = BranchFormSet(request.POST or None, prefix="branches")
    if request.method == "POST" and form.is_valid() and branches.is_valid():
        values = {name: value for name, value in form.cleaned_data.items()}
        filled = [branch.cleaned_data for branch in branches if branch.cleaned_data]
        try:
            services.apply(user=request.user, values=values, branches=filled)
        except ShopError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Thank you: your application is with our staff.")
            return redirect("marketplace:home")
    return render_page(request, "marketplace/apply.html", {"form": form, "branches": branches})


@require_http_methods(["GET", "HEAD"])
@seller_portal(open_only=False)
def home(request: HttpRequest) -> HttpResponse:
    seller = request.seller
    context = {"seller": seller, "is_open": seller.status in OPEN,
               "is_owner": request.seller_member.role == SellerMember.Role.OWNER}
    if context["is_open"]:
        try:
            period = Period.from_strings(request.GET.get("start"), request.GET.get("end"))
        except ValueError as error:
            return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
        figures = selectors.figures(seller, period)
        context |= {"period": period, "figures": figures, "chart": _sales_chart(figures)}
    return render_page(request, "marketplace/home.html", context)


def _sales_chart(figures: selectors.Figures) -> charts.Chart:
    labels = [f"{day:%-d %b}" for day, _ in figures.days]
    values = [net for _, net in figures.days]
    spec = charts.ChartSpec(
        name="seller-sales", title="Your net sales by day",
        description=f"Columns of your net sales (your lines' totals − discounts − refunds) "
                    f"for each day; {format_money(figures.net)} in all.",
        labels=labels, fmt=format_money,
        table=(("Day", "Net sales"),
               tuple((f"{day:%-d %b %Y}", format_money(net)) for day, net in figures.days)),
        empty="No sales in this period",
    )
    return charts.columns(spec, values=values)


@require_http_methods(["GET", "HEAD"])
@seller_portal()
def products(request: HttpRequest) -> HttpResponse:
    return render_page(request, "marketplace/products.html",
                       {"seller": request.seller, "products": selectors.products(request.seller)})


@require_http_methods(["GET", "HEAD", "POST"])
@seller_portal()
def product_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """A new product, or one of the shop's own (another shop's id: 404), with its variants
    (the shop's rules for prices and stock) and images."""
    seller = request.seller
    product = selectors.product(seller, pk) if pk is not None else Product(seller=seller)
    data, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    form = ProductForm(data, instance=product)
    variants = variant_formset(new=pk is None)(data, instance=product, prefix="variants")
    images = ImageFormSet(data, files, instance=product, prefix="images")
    if data is not None and form.is_valid() and variants.is_valid() and images.is_valid():
        try:
            product = _save(request, form, variants, images)
        except IntegrityError:  # stock reserved, or the name taken, while the form was open
            form.add_error(None, "Something changed while you were editing (an order "
                                 "reserved stock, or another product took the name): check "
                                 "the figures and save again.")
        else:
            messages.success(request, f"Saved {product.name}.")
            return redirect("marketplace:product", pk=product.pk)
    context = {"seller": seller, "product": product, "form": form, "variants": variants,
               "images": images}
    return render_page(request, "marketplace/product_form.html", context)


@transaction.atomic
def _save(request: HttpRequest, form: ProductForm, variants, images) -> Product:
    """The product with its variants and images, in one transaction, and an audit entry
    with each variant's changes (prices and stock as the admin records them)."""
    seller = request.seller
    changes = {(f.instance.sku or f.cleaned_data.get("sku", "new")): f.audited_changes()
               for f in variants.forms if f.has_changed()}
    product = form.save(commit=False)
    product.seller = seller
    product.seller_listed = seller.status == Seller.Status.APPROVED
    if not product.slug:
        product.slug = free_slug(Product, product.name, fallback="product")
    product.save()
    variants.instance = images.instance = product
    variants.save()
    images.save()
    audit.record(request, "seller.product_saved", product, seller=seller.name,
                 fields=sorted(form.changed_data), variants=changes)
    return product


@require_http_methods(["GET", "HEAD"])
@seller_portal()
def orders(request: HttpRequest) -> HttpResponse:
    to_ship = request.GET.get("show") == "to-ship"
    found = selectors.orders(request.seller, to_ship=to_ship)[:100]
    return render_page(request, "marketplace/orders.html",
                       {"seller": request.seller, "orders": found, "to_ship": to_ship})


@require_http_methods(["GET", "HEAD"])
@seller_portal()
def order(request: HttpRequest, number: str) -> HttpResponse:
    found = selectors.order(request.seller, number)
    return _order_page(request, found, ShipForm())


def _order_page(request: HttpRequest, found, form: ShipForm) -> HttpResponse:
    context = {"seller": request.seller, "order": found, "form": form,
               "can_ship": selectors.can_ship(found)}
    return render_page(request, "marketplace/order.html", context)


@require_POST
@seller_portal()
def ship(request: HttpRequest, number: str) -> HttpResponse:
    """The shop's parcel of the order left with this tracking number."""
    found = selectors.order(request.seller, number)
    form = ShipForm(request.POST)
    if form.is_valid():
        try:
            fulfilment.mark_shipped(
                order_id=found.pk, tracking_number=form.cleaned_data["tracking_number"],
                actor=request.user, seller_id=request.seller.pk,
            )
        except ShopError as error:
            form.add_error(None, error.message)
        else:
            audit.record(request, "seller.shipped", found, seller=request.seller.name,
                         tracking_number=form.cleaned_data["tracking_number"])
            messages.success(request, f"Order {found.number}: your parcel is marked shipped.")
            return redirect("marketplace:order", number=found.number)
    return _order_page(request, found, form)
