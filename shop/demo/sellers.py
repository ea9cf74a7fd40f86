"""The demo's marketplace: three approved sellers beside the store, each selling one aisle
of the demo catalogue. Owns SELLERS (the shops written out as data) and load_demo_sellers.

A seller is matched by its slug and made once, with its branches: the aisle's products that
are still the store's move to it then (on a fresh load, all of them), so the catalogue keeps
its products, variants and stock exactly and no figure changes beyond whose lines they are.
Loading again adds nothing and leaves staff's edits alone. Its people (each shop's owner,
with the demo's published password) come with the demo accounts (dashboard.demo.sellers),
under the demo's settings only.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from shop.caching import bump_catalogue_version
from shop.models import Product, Seller, SellerBranch
from shop.models.sellers import store_seller_id

# Approved before the demo's year of history starts (seed_demo), so they sell through all of it.
APPROVED_DAYS_AGO = 420


@dataclass(frozen=True)
class BranchSpec:
    name: str
    address: str
    latitude: Decimal
    longitude: Decimal


@dataclass(frozen=True)
class SellerSpec:
    name: str
    slug: str
    description: str
    contact_email: str
    return_address: str
    return_policy: str
    links: tuple[str, ...]
    commission_rate: Decimal
    category_slug: str  # the aisle of the demo catalogue the shop sells
    branches: tuple[BranchSpec, ...]


SELLERS = (
    SellerSpec(
        name="Hollow Oak Pottery",
        slug="hollow-oak-pottery",
        description=(
            "A two-person pottery in Portland, Oregon. Every mug, bowl, plate and teapot is "
            "thrown on the wheel, glazed by hand and fired in our own gas kiln, so no two "
            "pieces are quite the same."
        ),
        contact_email="hello@hollowoakpottery.example.com",
        return_address="Hollow Oak Pottery Returns\n2130 SE Division Street\nPortland, OR 97202\n"
                       "United States",
        return_policy=(
            "Send back anything unused within 30 days for a full refund. If a piece arrives "
            "chipped or cracked, send us a photo within 7 days and we will replace it at no "
            "cost; there is no need to return it."
        ),
        links=("https://hollowoakpottery.example.com",
               "https://social.example.com/@hollowoakpottery"),
        commission_rate=Decimal("12.50"),
        category_slug="home-kitchen",
        branches=(
            BranchSpec("Studio and shop", "2130 SE Division Street\nPortland, OR 97202",
                       Decimal("45.50463"), Decimal("-122.64420")),
            BranchSpec("Kiln yard", "815 N Killingsworth Street\nPortland, OR 97217",
                       Decimal("45.56258"), Decimal("-122.67643")),
        ),
    ),
    SellerSpec(
        name="Loom & Linen",
        slug="loom-and-linen",
        description=(
            "Bedding woven from stonewashed linen and long-staple cotton in a family mill in "
            "Asheville, North Carolina. Duvet covers, sheets and throws that soften with every "
            "wash."
        ),
        contact_email="care@loomandlinen.example.com",
        return_address="Loom & Linen\n35 Wall Street\nAsheville, NC 28801\nUnited States",
        return_policy=(
            "Sleep on it for 60 nights: if it is not right, send it back washed and we refund "
            "it in full. Return shipping is on us within the United States."
        ),
        links=("https://loomandlinen.example.com",
               "https://social.example.com/@loomandlinen"),
        commission_rate=Decimal("15.00"),
        category_slug="home-bedding",
        branches=(
            BranchSpec("Mill shop", "35 Wall Street\nAsheville, NC 28801",
                       Decimal("35.59462"), Decimal("-82.55483")),
        ),
    ),
    SellerSpec(
        name="Ridgeline Packworks",
        slug="ridgeline-packworks",
        description=(
            "Daypacks, backpacks, duffels and hip packs cut and sewn in Boulder, Colorado, from "
            "recycled sailcloth and waxed canvas. Every pack is repaired for free for life."
        ),
        contact_email="support@ridgelinepackworks.example.com",
        return_address="Ridgeline Packworks Returns\n1905 Pearl Street\nBoulder, CO 80302\n"
                       "United States",
        return_policy=(
            "Return an unused pack within 45 days for a refund or an exchange. Worn out or "
            "torn? Send it to our workshop and we repair it free of charge."
        ),
        links=("https://ridgelinepackworks.example.com",
               "https://social.example.com/@ridgelinepackworks",
               "https://video.example.com/ridgelinepackworks"),
        commission_rate=Decimal("10.00"),
        category_slug="outdoors-packs",
        branches=(
            BranchSpec("Workshop", "1905 Pearl Street\nBoulder, CO 80302",
                       Decimal("40.01937"), Decimal("-105.27376")),
            BranchSpec("Denver showroom", "1601 Wazee Street\nDenver, CO 80202",
                       Decimal("39.75119"), Decimal("-104.99896")),
        ),
    ),
)


@dataclass(frozen=True)
class SellersResult:
    created: int
    products_moved: int
    sellers: list[tuple[str, Decimal, int]]  # (name, commission %, products) of each demo seller


@transaction.atomic
def load_demo_sellers() -> SellersResult:
    """Make each demo seller that is missing, approved, with its branches and the products
    of its aisle the store still holds."""
    store_id = store_seller_id()
    existing = set(Seller.objects.filter(slug__in=[s.slug for s in SELLERS])
                   .values_list("slug", flat=True))
    approved_at = timezone.now() - timedelta(days=APPROVED_DAYS_AGO)
    created = moved = 0
    for spec in SELLERS:
        if spec.slug in existing or Seller.objects.filter(name__iexact=spec.name).exists():
            continue  # made before, or a shop of that name is somebody else's
        seller = Seller.objects.create(
            name=spec.name, slug=spec.slug, description=spec.description,
            contact_email=spec.contact_email, return_address=spec.return_address,
            return_policy=spec.return_policy, links="\n".join(spec.links),
            status=Seller.Status.APPROVED, commission_rate=spec.commission_rate,
            approved_at=approved_at,
        )
        # It applied a fortnight before it was approved (created_at is stamped on insert).
        Seller.objects.filter(pk=seller.pk).update(created_at=approved_at - timedelta(days=14))
        SellerBranch.objects.bulk_create(
            SellerBranch(seller=seller, name=b.name, address=b.address, latitude=b.latitude,
                         longitude=b.longitude)
            for b in spec.branches
        )
        moved += Product.objects.filter(
            category__slug=spec.category_slug, seller_id=store_id
        ).update(seller=seller, seller_listed=True)
        created += 1
    if moved:
        bump_catalogue_version()  # update() sends no signals
    return SellersResult(created, moved, _sellers())


def _sellers() -> list[tuple[str, Decimal, int]]:
    found = {seller.slug: seller for seller in Seller.objects.filter(
        slug__in=[s.slug for s in SELLERS])}
    counts = dict(Product.objects.filter(seller__in=found.values()).order_by()
                  .values_list("seller__slug").annotate(n=Count("pk")))
    return [(found[s.slug].name, found[s.slug].commission_rate, counts.get(s.slug, 0))
            for s in SELLERS if s.slug in found]
