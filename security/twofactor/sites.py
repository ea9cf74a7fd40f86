"""The admin site: the Django admin, open only to staff whose session passed the second
factor. Its own sign-in form is never a way in: /admin/login/ sends people through the
shop's sign-in and the two-factor step instead, like every other page."""

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from security.net import safe_next
from security.twofactor.gate import is_verified_staff, staff_gate


class StaffAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        return is_verified_staff(request.user)

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        next_url = safe_next(
            request, request.GET.get(REDIRECT_FIELD_NAME, ""),
            default=reverse("admin:index", current_app=self.name),
        )
        return staff_gate(request, next_url) or HttpResponseRedirect(next_url)
