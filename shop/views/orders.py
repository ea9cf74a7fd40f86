"""The customer's orders: history, one order with its timeline (and, while it waits for
payment, the ways to pay it), and cancelling an unpaid one once the customer confirms."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_safe

from core.http import render_page
from shop import forms, own_pages
from shop.access import visible_order
from shop.errors import ShopError
from shop.models import Order
from shop.selectors import orders as order_selectors
from shop.services import orders as order_services


@require_safe
@login_required
@own_pages.customer_page(params=["page"])
def order_list(request: HttpRequest) -> HttpResponse:
    page = order_selectors.order_history(request.user, page_number=request.GET.get("page") or 1)
    own_pages.keep(request)
    return render_page(request, "shop/order_list.html", {"page": page})


@require_safe
@own_pages.customer_page()
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    order = visible_order(request, number, orders=order_selectors.order_detail())
    # Kept for its customer alone (a guest order this session placed changes nothing of
    # theirs), and not while open: it counts down to its deadline and may fail to be paid.
    if order.user_id == request.user.pk and not order.is_open:
        own_pages.keep(request)
    return _order_page(request, order)


@require_http_methods(["GET", "POST"])
def order_cancel(request: HttpRequest, number: str) -> HttpResponse:
    """Cancelling an unpaid order, in two steps that work without JavaScript: the order's
    page asking to confirm (GET, or a POST without the confirmation), then the POST that
    confirms."""
    if request.method == "GET" or request.POST.get("confirm") != "yes":
        order = visible_order(request, number, orders=order_selectors.order_detail())
        if not order.is_open:
            return redirect(order)
        return _order_page(request, order, confirm_cancel=True)
    order = visible_order(request, number)
    actor = request.user if request.user.is_authenticated else None
    try:
        order_services.cancel_order(
            order_id=order.pk, actor=actor, note="Cancelled by the customer."
        )
    except ShopError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Order {order.number} is cancelled. Nothing was charged.")
    return redirect(order)


def _order_page(
    request: HttpRequest, order: Order, *, confirm_cancel: bool = False
) -> HttpResponse:
    return render_page(request, "shop/order_detail.html", {
        "order": order, "payment_choices": forms.payment_choices(),
        "confirm_cancel": confirm_cancel,
    })
