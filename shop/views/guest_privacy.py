"""A guest's data, by a signed link emailed to the address they ordered with: asking for
the link (the same answer whatever is typed), the page it opens, the download of those
orders' data, and erasing it after a confirmation step. A link that is expired, tampered
with, used up or for an account's address gets a page saying what to do, never an error."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from shop.errors import AccountNotClosable, ShopError
from shop.guest_privacy_forms import GuestEraseForm, GuestLinkForm
from shop.services import guest_privacy

REFUSED = {
    guest_privacy.GuestLinkInvalid: 400,
    guest_privacy.GuestHasAccount: 403,
    guest_privacy.GuestLinkExpired: 410,
    guest_privacy.GuestLinkUsed: 410,
}


@require_http_methods(["GET", "POST"])
def guest_privacy_request(request: HttpRequest) -> HttpResponse:
    form = GuestLinkForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        guest_privacy.request_link(email=form.cleaned_data["email"])
        return redirect("shop:guest-privacy-sent")
    return render(request, "shop/guest_privacy.html",
                  {"form": form, "hours": guest_privacy.link_hours()})


@require_safe
def guest_privacy_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "shop/guest_privacy_sent.html", {"hours": guest_privacy.link_hours()})


@never_cache
@require_safe
def guest_data(request: HttpRequest, token: str) -> HttpResponse:
    try:
        guest = guest_privacy.guest_for_token(token)
    except tuple(REFUSED) as error:
        return _refused(request, error)
    orders = guest.orders().order_by("pk").only("number", "status", "total", "created_at")
    return render(request, "shop/guest_data.html",
                  {"guest": guest, "orders": orders, "token": token})


@never_cache
@require_safe
def guest_data_download(request: HttpRequest, token: str) -> HttpResponse:
    try:
        guest = guest_privacy.guest_for_token(token)
    except tuple(REFUSED) as error:
        return _refused(request, error)
    response = HttpResponse(guest_privacy.export_guest_data(guest=guest),
                            content_type="application/zip")
    filename = f"your-data-{timezone.localdate():%Y-%m-%d}.zip"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def guest_data_erase(request: HttpRequest, token: str) -> HttpResponse:
    try:
        guest = guest_privacy.guest_for_token(token)
    except tuple(REFUSED) as error:
        return _refused(request, error)
    form = GuestEraseForm(request.POST if request.method == "POST" else None)
    reasons: list[str] = []
    try:
        if request.method == "POST" and form.is_valid():
            guest_privacy.erase_guest_data(guest=guest)
            return redirect("shop:guest-data-erased")
        guest_privacy.check_erasable(guest=guest)
    except AccountNotClosable as error:
        reasons = error.reasons
    except tuple(REFUSED) as error:
        return _refused(request, error)
    return render(request, "shop/guest_data_erase.html",
                  {"guest": guest, "token": token, "form": form, "reasons": reasons})


@require_safe
def guest_data_erased(request: HttpRequest) -> HttpResponse:
    return render(request, "shop/guest_data_erased.html")


def _refused(request: HttpRequest, error: ShopError) -> HttpResponse:
    if isinstance(error, guest_privacy.GuestHasAccount):
        next_url = f"{reverse('account_login')}?next={reverse('shop:your-data')}"
        next_label = "Sign in"
    else:
        next_url, next_label = reverse("shop:guest-privacy"), "Ask for a new link"
    context = {"heading": "Link not available", "message": error.message,
               "next_url": next_url, "next_label": next_label}
    return render(request, "shop/data_link_refused.html", context, status=REFUSED[type(error)])
