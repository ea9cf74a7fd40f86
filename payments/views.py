"""Starting a payment, and the test provider's approve-or-decline page."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from payments import providers, services
from payments.providers.test import TestProvider
from shop.access import visible_order
from shop.models import Order


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, number: str) -> HttpResponse:
    """Send the shopper to the provider chosen at checkout to pay an open order (straight
    after placing it, or again from the order page). Changes nothing here."""
    order = visible_order(request, number)
    provider = providers.get(order.payment_provider)
    if not order.is_open or provider is None:
        messages.error(request, "This order cannot be paid now.")
        return redirect(order)
    return redirect(provider.start_payment(request, order))


@require_http_methods(["GET", "POST"])
def test_checkout(request: HttpRequest, number: str) -> HttpResponse:
    """The test provider's page: approve or decline, as a real provider's page would ask."""
    provider = providers.get(TestProvider.name)
    if not isinstance(provider, TestProvider):
        raise Http404("The test payment provider is off.")
    order = visible_order(request, number)
    if request.method == "POST" and order.is_open:
        decision = request.POST.get("decision")
        if decision not in ("approve", "decline"):
            return HttpResponseBadRequest("Approve or decline the payment.")
        order = services.apply_event(provider.decision(order, approve=decision == "approve"))
        if order.status == Order.Status.PAID:
            messages.success(request, f"Thank you! Order {order.number} is paid.")
        else:
            messages.error(request, "The payment was declined, so the order is cancelled. "
                                    "Nothing was charged.")
        return redirect(order)
    if not order.is_open:
        return redirect(order)
    return render(request, "payments/test_checkout.html", {"order": order})
