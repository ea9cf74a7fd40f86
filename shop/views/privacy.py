"""A customer's data: the "Your data" page, asking for a download of everything the shop
holds about them (emailed as a signed link that expires), the download itself, and closing
the account. Asking and closing need the password, and a current code with two-factor on."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from security import audit
from shop.errors import AccountNotClosable
from shop.models import DataExport
from shop.privacy_forms import CloseAccountForm, ConfirmIdentityForm
from shop.services import data_export, erasure


@never_cache
@require_safe
@login_required
def your_data(request: HttpRequest) -> HttpResponse:
    return _your_data_page(request, ConfirmIdentityForm(user=request.user))


@never_cache
@require_POST
@login_required
def data_export_request(request: HttpRequest) -> HttpResponse:
    form = ConfirmIdentityForm(request.POST, user=request.user)
    if not form.is_valid():
        return _your_data_page(request, form)
    data_export.request_export(user=request.user)
    audit.record(request, "privacy.export_requested", request.user)
    messages.success(
        request, f"We are gathering your data. A link to download it will be emailed to "
        f"{request.user.email} within a few minutes; it works for {data_export.link_days()} days."
    )
    return redirect("shop:your-data")


def _your_data_page(request: HttpRequest, form: ConfirmIdentityForm) -> HttpResponse:
    context = {
        "form": form,
        "export": DataExport.objects.filter(user=request.user).first(),
        "now": timezone.now(),
        "days": data_export.link_days(),
    }
    return render(request, "shop/your_data.html", context)


@never_cache
@require_safe
def data_download(request: HttpRequest, token: str) -> HttpResponse:
    """The ZIP a signed link names, to whoever holds the link (it went to the account's
    email address), until it expires."""
    try:
        export = data_export.export_for_token(token)
    except data_export.ExportLinkExpired as error:
        return _link_refused(request, error.message, status=410)
    except data_export.ExportLinkInvalid as error:
        return _link_refused(request, error.message, status=400)
    filename = f"your-data-{export.ready_at:%Y-%m-%d}.zip"
    try:
        file = default_storage.open(export.file_name, "rb")
    except FileNotFoundError:  # a newer download replaced it a moment ago
        return _link_refused(request, data_export.ExportLinkExpired.message, status=410)
    response = FileResponse(file, as_attachment=True, filename=filename,
                            content_type="application/zip")
    response["Cache-Control"] = "private, no-store"
    return response


def _link_refused(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    return render(request, "shop/data_link_refused.html", {"message": message}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def account_close(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = CloseAccountForm(request.POST or None, user=user)
    reasons: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            closed = erasure.erase_account(user_id=user.pk)
        except AccountNotClosable as error:
            reasons = error.reasons
        else:
            # No client address: the entry outlives the account it was about. The closed
            # row, not request.user, whose copy still holds the email the erasure replaced.
            audit.record(None, "privacy.account_closed", closed, actor=closed)
            logout(request)
            return redirect("shop:account-closed")
    else:
        try:
            erasure.check_closable(user=user)
        except AccountNotClosable as error:
            reasons = error.reasons
    return render(request, "shop/account_close.html", {"form": form, "reasons": reasons})


@require_safe
def account_closed(request: HttpRequest) -> HttpResponse:
    return render(request, "shop/account_closed.html")
