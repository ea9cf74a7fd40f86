"""Who may enter the seller portal: a signed-in member of a seller's shop whose session
passed the second factor, for that shop only. The shop found here (`request.seller`) is the
one every portal read is scoped to (marketplace.selectors); ids in URLs never choose it."""

from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from security.twofactor.gate import second_factor_gate
from shop.models import Seller, SellerMember

# A suspended shop still ships the orders it has; a pending or rejected one has none.
OPEN = {Seller.Status.APPROVED, Seller.Status.SUSPENDED}


def membership(user) -> SellerMember | None:
    if not user.is_authenticated:
        return None
    # A person belongs to one shop (applying refuses a second); should staff have added them
    # to another in the admin, the first they joined.
    return SellerMember.objects.select_related("seller").filter(
        user=user, seller__is_store=False).order_by("pk").first()


def seller_portal(*, open_only: bool = True):
    """Let in members of a shop (verified with a code this session); `open_only` also
    wants the shop approved or suspended, else it is sent to the portal's home page, which
    says where its application stands. Someone without a shop is sent to apply."""

    def decorate(view):
        @wraps(view)
        def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            gate = second_factor_gate(request, request.get_full_path())
            if gate is not None:
                return gate
            member = membership(request.user)
            if member is None:
                return redirect("marketplace:apply")
            if open_only and member.seller.status not in OPEN:
                return redirect("marketplace:home")
            request.seller, request.seller_member = member.seller, member
            return view(request, *args, **kwargs)

        return guarded

    return decorate


def owner_only(request: HttpRequest) -> None:
    """What is the owner's alone (the shop's money): not found for the shop's staff."""
    if request.seller_member.role != SellerMember.Role.OWNER:
        raise Http404("Only the shop's owner may do this.")
