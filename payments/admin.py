"""Staff see the transaction history: every capture, failure and refund, in a list of its
own and on each order's page. Read-only: payments are written by providers, never by hand.

shop registers the order page, and shop never imports payments; so this app, which may
import shop, adds the payments to that page by registering the order admin again with a
payments inline appended.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from payments.models import Payment
from security.admin import ReadOnlyAdmin
from shop.admin import OrderAdmin, ReadOnlyInline
from shop.models import Order


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ["created_at", "kind", "provider", "amount", "currency", "reference", "note"]
    ordering = ["created_at", "pk"]


class OrderWithPaymentsAdmin(OrderAdmin):
    inlines = [*OrderAdmin.inlines, PaymentInline]


admin.site.unregister(Order)
admin.site.register(Order, OrderWithPaymentsAdmin)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "order_number", "provider", "kind", "amount", "currency", "reference", "created_at",
    ]
    list_display_links = ["reference"]  # the order column links to the order instead
    list_filter = ["provider", "kind"]
    search_fields = ["order__number", "reference"]
    search_help_text = "Search by order number or the provider's reference."
    date_hierarchy = "created_at"
    list_select_related = ["order"]
    list_per_page = 100
    fields = [
        "order_number", "provider", "kind", "amount", "currency", "reference", "note",
        "created_at",
    ]
    readonly_fields = fields


    @admin.display(description="order", ordering="order__number")
    def order_number(self, payment: Payment):
        url = reverse("admin:shop_order_change", args=[payment.order_id])
        return format_html('<a href="{}">{}</a>', url, payment.order.number)
