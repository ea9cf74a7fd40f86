"""The staff dashboard: staff only, with a verified second factor (security's gate)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from monitoring import alerts
from security.twofactor.gate import staff_member_required


@require_safe
@staff_member_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/home.html", {"alerts": alerts.active_alerts()})
