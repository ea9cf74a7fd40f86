"""The audit log in the admin: searched and filtered by staff, changed by no one.

Entries are written by `security.audit.record` only. Nobody, superusers included, may add,
change or delete one here, so the log stays a record of what happened.
"""

from django.contrib import admin

from security.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor_label", "action", "object_type", "object_label", "ip"]
    list_filter = ["action", "created_at"]
    date_hierarchy = "created_at"
    search_fields = ["actor_label", "object_label", "object_id"]
    search_help_text = "Search by who (email), or by the object's name or id."
    fields = [
        "created_at", "actor", "actor_label", "action", "object_type", "object_id",
        "object_label", "ip", "details",
    ]
    readonly_fields = fields
    actions = None
    list_per_page = 100

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
