"""The address book: the customer's saved addresses, to add, change, remove and choose the
default from. Someone else's address does not exist as far as a customer can tell.

Also the region field of an address form drawn for a country, which the address forms
(here and at checkout) swap in when the country changes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.http import render_page, show_change
from shop import own_pages
from shop.forms import AddressForm
from shop.models import Address
from shop.selectors.addresses import address_book, customer_address
from shop.services import addresses as address_services


@require_safe
@login_required
@own_pages.customer_page()
def address_list(request: HttpRequest) -> HttpResponse:
    context = {"addresses": address_book(request.user)}
    own_pages.keep(request)
    return render_page(request, "shop/address_list.html", context, fragments=["address-list"])


@require_http_methods(["GET", "POST"])
@login_required
def address_new(request: HttpRequest) -> HttpResponse:
    return _edit(request, None)


@require_http_methods(["GET", "POST"])
@login_required
def address_edit(request: HttpRequest, address_id: int) -> HttpResponse:
    return _edit(request, _own(request, address_id))


@require_POST
@login_required
def address_delete(request: HttpRequest, address_id: int) -> HttpResponse:
    address = _own(request, address_id)
    address_services.delete_address(user=request.user, address_id=address.pk)
    return _changed(request, f"Removed the address for {address.full_name}, {address.line1}.")


@require_POST
@login_required
def address_default(request: HttpRequest, address_id: int) -> HttpResponse:
    address = _own(request, address_id)
    address_services.make_default_address(user=request.user, address_id=address.pk)
    return _changed(request, f"{address.full_name}, {address.line1} is now your default address.")


@require_safe
def address_region(request: HttpRequest) -> HttpResponse:
    """The region field for `?country=`: a list of states or provinces, or free text. Guests
    use it at checkout too; it shows nothing but the country's list."""
    form = AddressForm(initial={"country": request.GET.get("country", "")})
    return render(request, "forms/field.html#field", {"field": form["region"]})


def _edit(request: HttpRequest, address: Address | None) -> HttpResponse:
    """The add and change form: the same fields and checks as at checkout."""
    if request.method == "POST":
        form = AddressForm(request.POST, instance=address)
        if form.is_valid():
            values = {name: form.cleaned_data[name] for name in Address.ADDRESS_FIELDS}
            address_services.save_address(user=request.user, values=values, address=address)
            messages.success(request, "Address added." if address is None else "Address saved.")
            return redirect("shop:address-list")
    else:
        form = AddressForm(instance=address)
    return render(request, "shop/address_form.html", {"form": form, "address": address})


def _own(request: HttpRequest, address_id: int) -> Address:
    address = customer_address(request.user, address_id)
    if address is None:
        raise Http404("No such address.")
    return address


def _changed(request: HttpRequest, notice: str) -> HttpResponse:
    """The address list again (in place) with what happened, or back to the list."""
    return show_change(
        request, "shop/address_list.html", fragment="address-list", back_to="shop:address-list",
        context=lambda: {"addresses": address_book(request.user)}, notice=notice,
    )
