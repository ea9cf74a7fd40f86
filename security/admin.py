"""Security in the admin.

The audit log: searched and filtered by staff, changed by no one. Entries are written by
`security.audit.record` only; nobody, superusers included, may add, change or delete one
here, so the log stays a record of what happened.

Sign-in lockouts: staff see who is locked out, from where and until when, and clear a
lockout (a customer on the phone who is sure it was them). Rows are written by
security.lockout only; clearing deletes the row, which unlocks the pair and starts its count
again.

Two-factor devices are not edited here: django-otp's own device pages would let staff widen a
device's drift or delete it past the password-and-code rule and the audit log. People manage
their own at /accounts/2fa/.
"""

from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from security import lockout
from security.models import AuditEntry, LoginLock

admin.site.unregister(TOTPDevice)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by the code alone: shown to staff, added, changed or deleted by no one
    (superusers included)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
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


class LockedNowFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "locked"

    def lookups(self, request, model_admin):
        return [("yes", "Locked now"), ("no", "Not locked")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "yes":
            return queryset.filter(locked_until__gt=now)
        if self.value() == "no":
            return queryset.exclude(locked_until__gt=now)
        return queryset


@admin.register(LoginLock)
class LoginLockAdmin(admin.ModelAdmin):
    list_display = ["identifier", "ip", "failures", "last_failure_at", "locked_until", "locked"]
    list_filter = [LockedNowFilter]
    search_fields = ["identifier", "ip"]
    search_help_text = "Search by the email that was typed, or by the address."
    fields = ["identifier", "ip", "failures", "last_failure_at", "locked_until"]
    readonly_fields = fields
    actions = ["clear_lockouts"]

    @admin.display(boolean=True, description="locked now")
    def locked(self, obj: LoginLock) -> bool:
        return bool(obj.locked_until and obj.locked_until > timezone.now())

    @admin.action(description="Clear the selected lockouts", permissions=["delete"])
    def clear_lockouts(self, request, queryset):
        cleared = lockout.clear_locks(lock_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            f"Cleared {cleared} lockout{'' if cleared == 1 else 's'}: those sign-ins are "
            "allowed again.",
            messages.SUCCESS,
        )

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        # Clearing is deleting; one action for it reads better than two.
        actions = super().get_actions(request, action_location=action_location)
        actions.pop("delete_selected", None)
        return actions

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
