"""Staff tools for orders: shipping methods priced in place; orders looked up, reviewed,
noted, shipped, delivered or cancelled.

Orders are read-only here except for the review flag and notes: checkout and payments write
them, and every change of status goes through shop's order services. Each change staff make
here writes an audit entry too.

OrderAdmin is registered by payments' admin, which adds the transactions and the refund page
to it: payments may import shop, shop never imports payments, so the one app that sees both
registers the order page, once.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import ngettext

from security import audit
from shop.admin.catalogue import audited_changes
from shop.errors import ShopError
from shop.models import Order, OrderDiscount, OrderEvent, OrderLine, OrderRisk, ShippingMethod
from shop.models.sellers import store_seller_id
from shop.services import fulfilment, orders, risk

REVIEW_PERMISSION = "shop.review_order"


@admin.register(ShippingMethod)
class ShippingMethodAdmin(admin.ModelAdmin):
    """Shipping rates are prices: each change of price, threshold or offer is audited."""

    list_display = ["name", "price", "free_above", "is_active", "position"]
    list_editable = ["price", "free_above", "is_active", "position"]
    search_fields = ["name"]
    audited_fields = ["price", "free_above", "is_active"]

    def save_model(self, request, obj, form, change):
        changes = audited_changes(form, self.audited_fields)
        super().save_model(request, obj, form, change)
        if changes:
            action = "shipping_method.changed" if change else "shipping_method.added"
            audit.record(request, action, obj, **changes)


class ReadOnlyInline(admin.TabularInline):
    """Part of an order's record: shown on its page, never edited there."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields  # all of them, the ones the model does not let forms edit too

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = [
        "product_name", "options", "sku", "unit_price", "quantity", "line_total",
        "quantity_restocked",
    ]


class OrderDiscountInline(ReadOnlyInline):
    model = OrderDiscount
    verbose_name_plural = "discounts"
    fields = ["name", "code_text", "amount", "units"]


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    verbose_name_plural = "timeline"
    fields = ["created_at", "kind", "from_status", "to_status", "note", "actor", "is_internal"]
    ordering = ["created_at", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class OrderForm(forms.ModelForm):
    note = forms.CharField(
        label="Add a note", required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For staff only: it goes on the timeline below; the customer never sees it.",
    )

    class Meta:
        model = Order
        fields = ["needs_review"]


TRACKING_NUMBER_LENGTH = Order._meta.get_field("tracking_number").max_length


class OrderActionForm(ActionForm):
    tracking_number = forms.CharField(
        label="Tracking number (to mark shipped):", required=False,
        widget=forms.TextInput(attrs={"size": 20, "maxlength": TRACKING_NUMBER_LENGTH}),
    )


# Required and limited here rather than on the action form: an invalid action form makes
# the admin drop whichever action was chosen with a bare "No action selected."
TRACKING_NUMBER = forms.CharField(
    max_length=TRACKING_NUMBER_LENGTH,
    error_messages={
        "required": "Enter the parcel's tracking number next to the action, then mark the "
                    "order shipped again. Nothing was changed.",
    },
)
ACTION_LOCATIONS = [admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM]


class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "number", "created_at", "email", "status", "total", "needs_review", "payment_provider",
    ]
    list_filter = ["status", "created_at", "needs_review"]
    date_hierarchy = "created_at"
    search_fields = ["number", "email", "tracking_number"]
    search_help_text = "Search by order number, email or tracking number."
    form = OrderForm
    action_form = OrderActionForm
    actions = ["mark_shipped", "mark_delivered", "cancel", "resend_email"]
    inlines = [OrderLineInline, OrderDiscountInline, OrderEventInline]
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["number", "status", "created_at", "email", "user"]}),
        ("Review", {"fields": ["needs_review", "risk_score", "note"]}),
        ("Money", {"fields": [
            "currency", "subtotal", "shipping_total", "tax_total", "discount_total", "total",
            "refunded_total", "tax_rate", "payment_provider",
        ]}),
        ("Delivery", {"fields": [
            "address", "phone", "shipping_method_name", "tracking_number",
        ]}),
        ("Dates", {"fields": ["paid_at", "shipped_at", "delivered_at", "closed_at"]}),
    ]
    # Everything but the review flag and the note: totals, lines and status are a record of
    # what was bought and paid, and change only through the order services.
    readonly_fields = [
        "number", "status", "created_at", "email", "user", "currency", "subtotal",
        "shipping_total", "tax_total", "discount_total", "total", "refunded_total", "tax_rate",
        "payment_provider", "address", "phone", "shipping_method_name", "tracking_number",
        "paid_at", "shipped_at", "delivered_at", "closed_at", "risk_score",
    ]

    def get_readonly_fields(self, request, obj=None):
        """Anyone who may change an order may flag it; only a person who reviews orders may
        clear a hold."""
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and obj.needs_review and not request.user.has_perm(REVIEW_PERMISSION):
            return [*fields, "needs_review"]
        return fields

    @admin.display(description="risk score")
    def risk_score(self, order: Order) -> str:
        scored = OrderRisk.objects.filter(order=order).first()
        if scored is None:
            return "Not scored."
        reasons = [(f"{reason['why']} (+{reason['points']})",) for reason in scored.reasons]
        return format_html("{} of 100 ({}).<br>{}", scored.score,
                           scored.get_stage_display().lower(),
                           format_html_join(mark_safe("<br>"), "{}", reasons)
                           or "No rule fired.")

    def has_add_permission(self, request):
        return False  # orders come from checkout

    def has_delete_permission(self, request, obj=None):
        return False  # an order is part of the shop's books, whatever became of it

    @admin.display(description="address")
    def address(self, order: Order):
        return format_html_join(
            mark_safe("<br>"), "{}", ((line,) for line in order.address_lines())
        )

    def save_model(self, request, obj, form, change):
        # Only the flag is written: saving the whole row would put back the status and
        # dates the form was built with, undoing what a webhook did meanwhile.
        # (The admin saves in one transaction, so the audit entries commit with the changes.)
        if "needs_review" in form.changed_data and obj.needs_review:
            order = orders.set_needs_review(order_id=obj.pk, needs_review=True, actor=request.user)
            audit.record(request, "order.review_flag", order, needs_review=True)
        elif "needs_review" in form.changed_data:
            order = risk.clear_hold(order_id=obj.pk, actor=request.user)
            audit.record(request, "order.review_cleared", order)
        if note := form.cleaned_data.get("note", "").strip():
            orders.add_note(order_id=obj.pk, note=note, actor=request.user)
            audit.record(request, "order.note", obj, note=note)

    def has_fulfil_permission(self, request) -> bool:
        return request.user.has_perm("shop.fulfil_order")

    def has_cancel_permission(self, request) -> bool:
        return request.user.has_perm("shop.cancel_order")

    def has_resend_permission(self, request) -> bool:
        return request.user.has_perm("shop.resend_order_email")

    @admin.action(
        description="Mark shipped", permissions=["fulfil"], location=ACTION_LOCATIONS
    )
    def mark_shipped(self, request, queryset):
        """The store's own parcel of each order: other sellers ship theirs from their portal."""
        try:
            tracking_number = TRACKING_NUMBER.clean(_posted(request, "tracking_number"))
        except forms.ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return
        self._each_order(
            request, queryset, "marked shipped", "order.shipped",
            lambda order: fulfilment.mark_shipped(
                order_id=order.pk, tracking_number=tracking_number, actor=request.user,
                seller_id=store_seller_id(),
            ),
            tracking_number=tracking_number,
        )

    @admin.action(
        description="Mark delivered", permissions=["fulfil"], location=ACTION_LOCATIONS
    )
    def mark_delivered(self, request, queryset):
        self._each_order(
            request, queryset, "marked delivered", "order.delivered",
            lambda order: fulfilment.mark_delivered(order_id=order.pk, actor=request.user),
        )

    @admin.action(
        description="Cancel (unpaid orders only)", permissions=["cancel"],
        location=ACTION_LOCATIONS,
    )
    def cancel(self, request, queryset):
        self._each_order(
            request, queryset, "cancelled", "order.cancelled",
            lambda order: orders.cancel_order(order_id=order.pk, actor=request.user),
        )

    @admin.action(
        description="Send the last email again", permissions=["resend"],
        location=ACTION_LOCATIONS,
    )
    def resend_email(self, request, queryset):
        self._each_order(
            request, queryset, "emailed again", "order.email_resent",
            lambda order: orders.resend_last_email(order_id=order.pk, actor=request.user),
        )

    def _each_order(self, request, queryset, done: str, action: str, change, **details) -> None:
        """Apply `change`, a service call, to each selected order, and write an audit entry
        `action` for it. The service rolls back what it started for an order that cannot
        change; that order is reported by name and the others still go ahead."""
        changed = 0
        for order in queryset.only("pk", "number", "status").order_by("pk"):
            try:
                with audit.audited(request, action, order, **details) as learned:
                    done_order = change(order)
                    learned.update(from_status=order.status, to_status=done_order.status)
            except ShopError as error:
                reason = error.message
                if order.number not in reason:
                    reason = f"Order {order.number}: {reason}"
                self.message_user(request, reason, messages.ERROR)
            else:
                changed += 1
        if changed:
            count = ngettext("%d order", "%d orders", changed) % changed
            self.message_user(request, f"{count} {done}.", messages.SUCCESS)


def _posted(request, name: str) -> str:
    """A field of the action bar. On an order's own page the admin prefixes the bar's
    fields with its location, so that they never clash with the order's fields."""
    prefixed = f"{admin.ActionLocation.CHANGE_FORM.value}-{name}"
    return request.POST.get(name) or request.POST.get(prefixed) or ""
