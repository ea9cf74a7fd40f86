"""Staff see the transaction history (every attempt, capture, failure, refund, dispute and
reversal) in a list of its own and on each order's page, refund a paid order from its page,
and read the webhook inbox, replaying events that failed or wait.

The order page is registered here, once: shop defines it and never imports payments, so
this app, which may import shop, registers it with the payments and the refund page added.
"""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from payments import refunds, webhooks
from payments.models import Payment, WebhookEvent
from security import audit
from security.admin import ReadOnlyAdmin
from shop.admin import OrderAdmin, ReadOnlyInline
from shop.errors import ShopError
from shop.models import Order
from shop.services import risk

REFUND_PERMISSION = "shop.refund_order"
REVIEW_PERMISSION = "shop.review_order"


class PaymentInline(ReadOnlyInline):
    model = Payment
    verbose_name_plural = "transactions"
    fields = [
        "created_at", "kind", "status", "provider", "amount", "currency", "reference",
        "capture_reference", "confirmed_at", "requested_by", "note",
    ]
    ordering = ["created_at", "pk"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Payment]:
        return super().get_queryset(request).select_related("requested_by")


class RefundForm(forms.Form):
    """An amount, or units of the order's lines (their price and tax), to refund."""

    amount = forms.DecimalField(
        required=False, min_value=Decimal("0.01"), max_digits=12, decimal_places=2,
        help_text="Leave empty to refund the units chosen below instead.",
    )
    restock = forms.BooleanField(
        label="Put the refunded units back on sale", required=False,
        help_text="When the provider confirms the refund.",
    )
    cancel_order = forms.BooleanField(
        label="Cancel the order", required=False,
        help_text="Refunds everything left, shipping included, of a paid order that has not "
                  "shipped; the units chosen below then only say what goes back on sale.",
    )
    reason = forms.CharField(max_length=200, required=False, label="Reason (for staff)")

    def __init__(self, *args, order: Order, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = list(order.lines.all())
        for line in self.lines:
            left = line.quantity - line.quantity_restocked
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                label=f"{line.name} ({line.sku}), {line.unit_price} each", required=False,
                min_value=0, max_value=left, initial=0,
                help_text=f"Units to refund, up to {left}.",
            )

    def refund_request(self) -> refunds.RefundRequest:
        data = self.cleaned_data
        lines = {
            line.pk: units for line in self.lines if (units := data.get(f"line_{line.pk}"))
        }
        return refunds.RefundRequest(
            amount=data["amount"], lines=lines, restock=data["restock"],
            cancel_order=data["cancel_order"], reason=data["reason"],
        )


class OrderWithPaymentsAdmin(OrderAdmin):
    inlines = [*OrderAdmin.inlines, PaymentInline]
    change_form_template = "admin/payments/order_change_form.html"

    def get_urls(self) -> list[URLPattern]:
        return [
            path("<int:order_id>/refund/", self.admin_site.admin_view(self.refund_view),
                 name="shop_order_refund"),
            path("<int:order_id>/review/", self.admin_site.admin_view(self.review_view),
                 name="shop_order_review"),
            *super().get_urls(),
        ]

    def refund_view(self, request: HttpRequest, order_id: int) -> HttpResponse:
        """Refund a paid order, in full or in part, by amount or by lines."""
        if not request.user.has_perm(REFUND_PERMISSION):
            audit.record(request, "permission.refused", permission=REFUND_PERMISSION,
                         path=request.path)
            raise PermissionDenied(
                "Refunds need the “Can refund orders” permission: ask an owner of the shop to "
                "give you the Finance role."
            )
        order = get_object_or_404(Order, pk=order_id)
        form = RefundForm(request.POST or None, order=order)
        if request.method == "POST" and form.is_valid():
            wanted = form.refund_request()
            try:
                with audit.audited(
                    request, audit.REFUND, order, restock=wanted.restock,
                    cancel_order=wanted.cancel_order, reason=wanted.reason,
                ) as learned:
                    refund = refunds.request_refund(
                        order_id=order.pk, wanted=wanted, actor=request.user
                    )
                    learned.update(amount=str(refund.amount), provider=refund.provider,
                                   lines=refund.restock or wanted.lines)
            except ShopError as error:
                form.add_error(None, error.message)
            else:
                self.message_user(
                    request,
                    f"Refund of {refund.amount} {refund.currency} asked of {refund.provider}. "
                    "The order changes when the provider confirms it.",
                    messages.SUCCESS,
                )
                return redirect("admin:shop_order_change", order.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Refund order {order.number}",
            "order": order,
            "form": form,
            "refundable": refunds.refundable(order),
            "opts": self.opts,
            "original": order,
        }
        return TemplateResponse(request, "admin/payments/refund.html", context)


    def review_view(self, request: HttpRequest, order_id: int) -> HttpResponse:
        """An order held for review: its risk score with the reasons, and the two ways out,
        letting it ship or cancelling it with a refund of everything (its units go back on
        sale when the provider confirms)."""
        _require(request, REVIEW_PERMISSION, "Reviewing held orders needs the “Can clear or "
                 "cancel orders held for review” permission: ask an owner of the shop.")
        order = get_object_or_404(Order, pk=order_id)
        form = ReviewForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                self._decide(request, order, form.cleaned_data)
            except ShopError as error:
                form.add_error(None, error.message)
            else:
                return redirect("admin:shop_order_change", order.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Review order {order.number}",
            "order": order, "form": form, "opts": self.opts, "original": order,
            "risk": risk.risk_of(order), "refundable": refunds.refundable(order),
        }
        return TemplateResponse(request, "admin/payments/review.html", context)

    def _decide(self, request: HttpRequest, order: Order, data: dict) -> None:
        if data["decision"] == ReviewForm.CLEAR:
            with audit.audited(request, "order.review_cleared", order, note=data["note"]):
                risk.clear_hold(order_id=order.pk, actor=request.user, note=data["note"])
            self.message_user(request, f"Order {order.number} may ship.", messages.SUCCESS)
            return
        if not order.needs_review:
            raise ShopError(f"Order {order.number} is not held for review.")
        wanted = refunds.RefundRequest(
            cancel_order=True, restock=True, reason=data["note"] or "Held for review: cancelled.",
            lines={line.pk: line.quantity - line.quantity_restocked for line in order.lines.all()
                   if line.quantity > line.quantity_restocked},
        )
        with audit.audited(request, audit.REFUND, order, cancel_order=True, restock=True,
                           reason=wanted.reason, review=True) as learned:
            refund = refunds.request_refund(order_id=order.pk, wanted=wanted, actor=request.user)
            learned.update(amount=str(refund.amount), provider=refund.provider)
        self.message_user(
            request, f"Refund of {refund.amount} {refund.currency} asked of {refund.provider}: "
                     "the order is cancelled when the provider confirms it, and stays held "
                     "until then.", messages.SUCCESS,
        )


class ReviewForm(forms.Form):
    CLEAR, CANCEL = "clear", "cancel"
    decision = forms.ChoiceField(choices=[(CLEAR, "Clear the hold: the order may ship"),
                                          (CANCEL, "Cancel the order and refund it in full")],
                                 widget=forms.RadioSelect)
    note = forms.CharField(max_length=200, required=False, label="Why (for staff)")


def _require(request: HttpRequest, permission: str, message: str) -> None:
    if not request.user.has_perm(permission):
        audit.record(request, "permission.refused", permission=permission, path=request.path)
        raise PermissionDenied(message)


admin.site.register(Order, OrderWithPaymentsAdmin)


def _order_link(order: Order) -> str:
    url = reverse("admin:shop_order_change", args=[order.pk])
    return format_html('<a href="{}">{}</a>', url, order.number)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "order_number", "provider", "kind", "status", "amount", "currency", "reference",
        "created_at",
    ]
    list_display_links = ["reference"]  # the order column links to the order instead
    list_filter = ["provider", "kind", "status"]
    search_fields = ["order__number", "reference", "capture_reference"]
    search_help_text = "Search by order number or the provider's reference."
    date_hierarchy = "created_at"
    list_select_related = ["order"]
    list_per_page = 100
    fields = [
        "order_number", "provider", "kind", "status", "amount", "currency", "reference",
        "capture_reference", "restock", "cancels_order", "requested_by", "note", "created_at",
        "confirmed_at",
    ]
    readonly_fields = fields

    @admin.display(description="order", ordering="order__number")
    def order_number(self, payment: Payment) -> str:
        return _order_link(payment.order)


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    """The webhook inbox: every verified delivery, what became of it, and a replay for those
    that failed or wait."""

    list_display = [
        "received_at", "provider", "type", "event_id", "status", "order_number", "attempts",
    ]
    list_filter = ["status", "provider", "type"]
    search_fields = ["event_id", "order_number", "capture_reference"]
    search_help_text = "Search by event id, order number or capture reference."
    date_hierarchy = "received_at"
    list_per_page = 100
    actions = ["replay"]
    fields = [
        "provider", "event_id", "type", "status", "error", "verified_by", "order_number",
        "capture_reference", "attempts", "received_at", "processed_at", "payload",
    ]
    readonly_fields = fields

    def has_replay_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("payments.replay_webhookevent")

    @admin.action(description="Replay the selected events", permissions=["replay"])
    def replay(self, request: HttpRequest, queryset: QuerySet[WebhookEvent]) -> None:
        outcomes = {}
        for event in queryset.exclude(status__in=[WebhookEvent.Status.PROCESSED,
                                                  WebhookEvent.Status.IGNORED]):
            status = webhooks.replay(event.pk)
            outcomes[status] = outcomes.get(status, 0) + 1
            audit.record(request, "webhook.replayed", event, status=status)
        if not outcomes:
            self.message_user(request, "Only events that failed or wait can be replayed.",
                              messages.WARNING)
            return
        summary = ", ".join(f"{count} {status}" for status, count in sorted(outcomes.items()))
        self.message_user(request, f"Replayed: {summary}.", messages.SUCCESS)
