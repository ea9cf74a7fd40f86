"""The demo marketplace's people, so that a newcomer running `make run` can open the seller
portal: an owner for each of the demo's sellers (shop.demo.sellers), and a customer whose
application to sell waits for staff to decide on it.

Owns ensure_demo_sellers, OWNERS and APPLICATION. For the demo only, like the staff accounts
(dashboard.demo.staff): the same published password, under settings.DEMO_ACCOUNTS. Each
account's email address is verified and it has no second factor yet: its first visit to
/sell/ sends it to set up an authenticator app, as the staff's first visit to /dashboard/
does. An account that exists is left exactly as it is.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dashboard.demo.staff import PASSWORD, NotTheDemo
from shop.models import Seller, SellerBranch, SellerMember, User

# The owner of each demo seller, by the seller's slug: (first name, last name, email).
OWNERS = {
    "hollow-oak-pottery": ("Hana", "Mori", "hana@hollowoakpottery.example.com"),
    "loom-and-linen": ("Callum", "Reid", "callum@loomandlinen.example.com"),
    "ridgeline-packworks": ("Inés", "Alvarez", "ines@ridgelinepackworks.example.com"),
}
SHOWN = "hollow-oak-pottery"  # the seller whose sign-in `make run` prints


@dataclass(frozen=True)
class Application:
    first_name: str
    last_name: str
    email: str
    shop: dict  # the Seller's fields
    branch: dict  # its one SellerBranch's


APPLICATION = Application(
    first_name="Theo", last_name="Brandt", email="theo.brandt@example.com",
    shop={
        "name": "Tidewater Candle Co.", "slug": "tidewater-candle-co",
        "description": "Hand-poured soy candles and beeswax tapers from a harbour-side "
                       "studio in Portland, Maine, scented with balsam, sea salt and "
                       "wild blueberry.",
        "contact_email": "theo.brandt@example.com",
        "return_address": "Tidewater Candle Co.\n12 Commercial Street\nPortland, ME 04101\n"
                          "United States",
        "return_policy": "Unlit candles come back within 30 days for a full refund.",
        "links": "https://tidewatercandles.example.com",
    },
    branch={"name": "Studio", "address": "12 Commercial Street\nPortland, ME 04101",
            "latitude": Decimal("43.65732"), "longitude": Decimal("-70.25166")},
)


@dataclass(frozen=True)
class SellerAccounts:
    owners: list[tuple[str, str]]  # (shop name, owner's email) of the demo sellers loaded
    shown: tuple[str, str] | None  # the one `make run` prints, once its seller is loaded
    application: tuple[str, str]  # the pending shop's name, its applicant's email


@transaction.atomic
def ensure_demo_sellers() -> SellerAccounts:
    """Make the owners of the demo sellers that are loaded and the pending application,
    unless their accounts exist."""
    if not settings.DEMO_ACCOUNTS:
        raise NotTheDemo(
            "The demo's seller accounts have a published password: they are made only under "
            "the demo's settings (config.settings.dev, DEMO_ACCOUNTS on)."
        )
    sellers = {seller.slug: seller for seller in Seller.objects.filter(slug__in=OWNERS)}
    for slug, (first_name, last_name, email) in OWNERS.items():
        if slug in sellers:
            _own(sellers[slug], first_name, last_name, email)
    _apply()
    owners = [(sellers[slug].name, OWNERS[slug][2]) for slug in OWNERS if slug in sellers]
    shown = (sellers[SHOWN].name, OWNERS[SHOWN][2]) if SHOWN in sellers else None
    return SellerAccounts(owners, shown, (APPLICATION.shop["name"], APPLICATION.email))


def _own(seller: Seller, first_name: str, last_name: str, email: str) -> None:
    """The seller's owner, made with their membership unless the account exists."""
    if User.objects.filter(email__iexact=email).exists():
        return
    owner = _account(email, first_name, last_name)
    SellerMember.objects.create(seller=seller, user=owner, role=SellerMember.Role.OWNER)
    if seller.applied_by_id is None:
        Seller.objects.filter(pk=seller.pk).update(applied_by=owner)


def _apply() -> None:
    """A customer's application to sell, waiting for staff: made with its applicant."""
    if User.objects.filter(email__iexact=APPLICATION.email).exists():
        return
    applicant = _account(APPLICATION.email, APPLICATION.first_name, APPLICATION.last_name)
    shop = APPLICATION.shop
    if Seller.objects.filter(slug=shop["slug"]).exists() or Seller.objects.filter(
        name__iexact=shop["name"]
    ).exists():
        return  # a shop of that name is somebody else's: the customer only
    seller = Seller.objects.create(**shop, status=Seller.Status.PENDING, applied_by=applicant)
    # Applied two days ago (created_at is stamped on insert).
    Seller.objects.filter(pk=seller.pk).update(created_at=timezone.now() - timedelta(days=2))
    SellerBranch.objects.create(seller=seller, **APPLICATION.branch)
    SellerMember.objects.create(seller=seller, user=applicant, role=SellerMember.Role.OWNER)


def _account(email: str, first_name: str, last_name: str) -> User:
    user = User.objects.create_user(email, PASSWORD, first_name=first_name,
                                    last_name=last_name)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user
