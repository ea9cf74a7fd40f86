"""Closing a customer's account on their request, from the admin's list of users: the same
erasure the customer can do themselves (shop.services.erasure), for staff holding
shop.erase_user, after a confirmation page. Each account closed writes an audit entry;
each refused one says why and changes nothing."""

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from security import audit
from shop.errors import AccountNotClosable
from shop.services import erasure

ERASE_PERMISSION = "shop.erase_user"


@admin.action(permissions=["erase"], description="Close accounts and erase personal data")
def erase_personal_data(modeladmin, request: HttpRequest, queryset: QuerySet):
    users = list(queryset.order_by("pk"))
    if "confirm" not in request.POST:
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": "Close accounts and erase their personal data",
            "opts": modeladmin.opts,
            "users": users,
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
            "action": "erase_personal_data",
        }
        return TemplateResponse(request, "admin/shop/user/erase_confirmation.html", context)
    for user in users:
        email = user.email
        try:
            erased = erasure.erase_account(user_id=user.pk)
        except AccountNotClosable as error:
            modeladmin.message_user(request, f"{email} was not closed: {error.message}",
                                    messages.ERROR)
            continue
        audit.record(request, "customer.erased", erased)
        modeladmin.message_user(
            request, f"Closed the account {erased.email} and erased its personal data.",
            messages.SUCCESS,
        )
    return None
