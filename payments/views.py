"""Paying for an order: starting a payment with a provider, the page the shopper comes back
to (which waits for the webhook, never fulfils), the test provider's page, and the webhooks.

The webhook contract, the same for every provider:

1. verify the signature before anything else: failure → 400, nothing stored, a security log
   line (and the signature-failure alert counts it);
2. store the event as it arrived, once per (provider, event id): already stored → 200;
3. apply it (payments.webhooks, the inbox: one transaction, the order row locked);
4. answer 200; a passing failure → 500 so the provider sends it again. Emails and other
   side effects go out after commit, through tasks.
"""

import logging

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import trigger_client_event

from core.http import render_page
from monitoring import metrics
from payments import providers, services, webhooks
from payments.providers.base import PaymentStartError, ProviderUnavailable, WebhookRejected
from payments.providers.test import TestProvider
from shop import request_cart
from shop.access import visible_order
from shop.errors import ShopError
from shop.forms import payment_choices
from shop.models import Order
from shop.services import orders

logger = logging.getLogger(__name__)
security_log = logging.getLogger("security.webhooks")

# The return page polls this often until the order is no longer waiting for payment.
POLL_SECONDS = 2


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, number: str) -> HttpResponse:
    """Send the shopper to a provider to pay an open order: the one chosen at checkout, or
    another picked on the order's page. A provider that cannot start leaves the order as it
    was, waiting for payment, with a message saying what to do."""
    order = visible_order(request, number)
    name = request.POST.get("provider") or order.payment_provider
    provider = providers.get(name)
    if not order.can_be_paid or provider is None:
        messages.error(request, "This order cannot be paid now.")
        return redirect(order)
    try:
        order = orders.choose_payment_provider(order_id=order.pk, provider=name)
        return redirect(services.start_payment(
            order=order, provider=provider,
            return_url=request.build_absolute_uri(reverse("payments:return", args=[number])),
            cancel_url=request.build_absolute_uri(reverse("payments:cancelled", args=[number])),
        ))
    except PaymentStartError as error:
        messages.error(request, str(error))
    except ShopError as error:
        messages.error(request, error.message)
    return redirect(order)


@require_safe
def payment_return(request: HttpRequest, number: str) -> HttpResponse:
    """The shopper is back from the provider. PayPal captures here; the order is paid when
    the provider's webhook confirms it, and this page shows it in place when that happens."""
    order = visible_order(request, number)
    provider = providers.get(order.payment_provider)
    if order.is_open and provider is not None:
        try:
            # PayPal names its order in `?token=`; the other providers ignore it.
            provider.handle_return(order, token=request.GET.get("token", ""))
        except PaymentStartError as error:
            messages.error(request, str(error))
            return redirect(order)
    return _payment_status(request, order)


@require_safe
def payment_status(request: HttpRequest, number: str) -> HttpResponse:
    """The return page's status, polled in place until the order is settled."""
    return _payment_status(request, visible_order(request, number))


def _payment_status(request: HttpRequest, order: Order) -> HttpResponse:
    # Settled: paid or closed, or the attempt failed (the order waits for another).
    settled = not order.is_open or bool(order.payment_failure)
    polled = request.htmx.target == "payment-status"
    if polled and not settled:
        # Nothing new: htmx swaps nothing, so screen readers hear nothing again.
        return HttpResponse(status=204)
    count = request_cart.recount(request) if order.status == Order.Status.PAID else None
    response = render_page(request, "payments/return.html", {
        "order": order, "settled": settled, "poll_seconds": POLL_SECONDS,
        "payment_choices": payment_choices(),
    }, fragments=["payment-status"])
    if polled:
        response.status_code = 286  # settled: htmx swaps this in and stops polling
        if count is not None:  # the paid units left the cart: the header's badge follows
            trigger_client_event(response, "cart-changed", {"count": count})
    return response


@require_safe
def payment_cancelled(request: HttpRequest, number: str) -> HttpResponse:
    """The shopper left the provider's page without paying."""
    order = visible_order(request, number)
    if order.is_open:
        messages.info(request, "You left the payment page, so nothing was charged. The order "
                               "is waiting for payment: pay now or another way.")
    return redirect(order)


@require_http_methods(["GET", "POST"])
def test_checkout(request: HttpRequest, number: str) -> HttpResponse:
    """The test provider's page: approve or decline, as a real provider's page would ask."""
    provider = providers.get(TestProvider.name)
    if not isinstance(provider, TestProvider):
        raise Http404("The test payment provider is off.")
    order = visible_order(request, number)
    attempt = request.POST.get("attempt") or request.GET.get("attempt", "")
    if not services.is_attempt_of(order, provider=provider.name, reference=attempt):
        attempt = ""  # opened without its attempt, or with another order's
    if request.method == "POST" and order.is_open:
        decision = request.POST.get("decision")
        if decision not in ("approve", "decline"):
            return HttpResponseBadRequest("Approve or decline the payment.")
        # A test payment never comes through the webhook inbox, so no event can be
        # waiting for its capture: what the inbox does after a capture is not needed here.
        event = provider.decision(order, approve=decision == "approve", attempt=attempt)
        order = services.apply_event(event).order
        if order.status == Order.Status.PAID:
            request_cart.recount(request)
            messages.success(request, f"Thank you! Order {order.number} is paid.")
        # A decline: the order's page says so, with the ways to try again.
        return redirect(order)
    if not order.is_open:
        return redirect(order)
    return render(request, "payments/test_checkout.html", {"order": order, "attempt": attempt})


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, provider: str) -> HttpResponse:
    """A provider tells the shop what happened to a payment: verified, stored in the inbox
    once and applied (the contract is in this module's docstring)."""
    found = providers.get(provider)
    if found is None or provider == TestProvider.name:
        raise Http404("No such payment provider.")
    try:
        verified_by = found.verify_webhook(request)
    except WebhookRejected as rejected:
        security_log.warning(
            "Rejected a %s webhook from %s: %s", found.name,
            request.META.get("REMOTE_ADDR", ""), rejected,
        )
        metrics.record_webhook_event(found.name, "", "bad_signature")
        return HttpResponse("Bad signature.", status=400, content_type="text/plain")
    except ProviderUnavailable:
        logger.exception("Could not verify a %s webhook", found.name)
        return HttpResponse("Try again later.", status=503, content_type="text/plain")
    try:
        delivery = found.read_webhook(request.body)
        payload = request.body.decode()  # stored as text: UTF-8, as both providers send
    except ValueError as error:  # UnicodeDecodeError included
        security_log.warning("A signed %s webhook is not an event: %s", found.name, error)
        return HttpResponse("Not an event.", status=400, content_type="text/plain")

    stored = webhooks.store(found.name, delivery, payload, verified_by)
    if stored is None:
        return HttpResponse("Already received.", content_type="text/plain")
    try:
        webhooks.process(stored.pk)
    except webhooks.TransientFailure:
        return HttpResponse("Failed; send it again.", status=500, content_type="text/plain")
    return HttpResponse("OK", content_type="text/plain")
