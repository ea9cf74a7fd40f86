"""The shops in the admin: their details, branches and people. Their status and commission
are decided on the dashboard's seller pages (shop.sellers.services), where each decision is
audited and the shop emailed, so here they are read-only; every change made here writes an
audit entry too, the shop's people above all (they decide who enters its portal)."""

from django.contrib import admin

from security import audit
from shop.admin.catalogue import audited_changes
from shop.models import Seller, SellerBranch, SellerMember

DETAILS = ["name", "slug", "description", "logo", "contact_email", "return_address",
           "return_policy", "links"]


class BranchInline(admin.TabularInline):
    model = SellerBranch
    extra = 0


class MemberInline(admin.TabularInline):
    model = SellerMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Seller)
class SellerAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "commission_rate", "contact_email", "created_at"]
    list_filter = ["status"]
    search_fields = ["name", "slug", "contact_email"]
    fields = [*DETAILS, "status", "commission_rate", "decision_reason", "approved_at"]
    readonly_fields = ["status", "commission_rate", "decision_reason", "approved_at"]
    inlines = [BranchInline, MemberInline]

    def has_add_permission(self, request) -> bool:
        return False  # shops apply at /sell/apply/

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a shop with orders is suspended, never deleted

    def save_model(self, request, obj, form, change):
        changes = audited_changes(form, DETAILS)
        super().save_model(request, obj, form, change)
        if changes:
            audit.record(request, "seller.changed", obj, **changes)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is not SellerMember:
            return
        for member in formset.new_objects + [m for m, _ in formset.changed_objects]:
            audit.record(request, "seller.member_saved", form.instance,
                         person=member.user.email, role=member.role)
        for member in formset.deleted_objects:
            audit.record(request, "seller.member_removed", form.instance,
                         person=member.user.email)
