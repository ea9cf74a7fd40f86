"""Sign-in lockouts in the admin: staff see who is locked out, from where and until when,
and clear a lockout (a customer on the phone who is sure it was them).

Rows are written by security.lockout only, so nothing here adds or edits one; clearing
deletes the row, which unlocks the pair and starts its count again.
"""

from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.utils import timezone

from security import lockout
from security.models import LoginLock


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
