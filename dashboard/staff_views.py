"""The staff pages, for those who may manage staff: the staff and their roles with an
invitation form (`staff_list`), one person's roles and deactivation (`staff_member`); and
an invitation's own page (`invitation`), where the person invited sets a password."""

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from core.http import render_page
from dashboard import staff
from dashboard.forms import AcceptInvitationForm, InviteForm, RolesForm
from dashboard.models import StaffInvitation
from security import audit
from security.twofactor.gate import staff_member_required
from shop.models import User

MANAGE_STAFF = "dashboard.manage_staff"


def _may_manage(request: HttpRequest) -> None:
    if not request.user.has_perm(MANAGE_STAFF):
        audit.record(request, "permission.refused", permission=MANAGE_STAFF, path=request.path)
        raise PermissionDenied("Managing staff is the owner's: ask an owner of the shop.")


@require_http_methods(["GET", "HEAD", "POST"])
@staff_member_required
def staff_list(request: HttpRequest) -> HttpResponse:
    _may_manage(request)
    form = InviteForm(request.POST or None, grantable=staff.grantable(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            staff.invite(request.user, email=form.cleaned_data["email"],
                         role_names=form.cleaned_data["roles"], request=request)
        except staff.StaffError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
            return redirect("dashboard:staff")
    context = {
        "form": form,
        "people": [(person, staff.roles_of(person)) for person in staff.staff()],
        "invitations": StaffInvitation.objects.filter(accepted_at__isnull=True)
        .prefetch_related("roles")[:50],
    }
    return render_page(request, "dashboard/staff.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_member_required
def staff_member(request: HttpRequest, pk: int) -> HttpResponse:
    _may_manage(request)
    person = get_object_or_404(User, pk=pk, is_staff=True, is_active=True)
    held = staff.roles_of(person)
    form = RolesForm(request.POST or None, initial={"roles": held},
                     grantable=staff.grantable(request.user), held=held)
    if request.method == "POST" and form.is_valid():
        try:
            staff.change_roles(request.user, person, form.cleaned_data["roles"],
                               request=request)
        except staff.StaffError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"The roles of {person.email} are saved.")
            return redirect("dashboard:staff")
    return render_page(request, "dashboard/staff_member.html",
                       {"person": person, "form": form, "held": held})


@require_POST
@staff_member_required
def staff_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    _may_manage(request)
    person = get_object_or_404(User, pk=pk, is_staff=True, is_active=True)
    try:
        staff.deactivate(request.user, person, request=request)
    except staff.StaffError as error:
        messages.error(request, error.message)
        return redirect("dashboard:staff-member", pk=person.pk)
    messages.success(request, f"{person.email} is deactivated and signed out everywhere.")
    return redirect("dashboard:staff")


@require_http_methods(["GET", "HEAD", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invited = staff.invitation_for(token)
    except staff.StaffError as error:
        response = render_page(request, "dashboard/invitation.html",
                               {"problem": error.message})
        response.status_code = 410  # gone: used, expired or never valid
        return response
    form = AcceptInvitationForm(request.POST or None, email=invited.email)
    if request.method == "POST" and form.is_valid():
        try:
            person = staff.accept(token, password=form.cleaned_data["password1"],
                                  request=request)
        except staff.StaffError as error:
            form.add_error(None, error.message)
        else:
            login(request, person, backend="security.users.KeptModelBackend")
            # The staff gate asks for an authenticator app before anything else.
            return redirect(reverse("dashboard:home"))
    return render_page(request, "dashboard/invitation.html",
                       {"form": form, "invited": invited})
