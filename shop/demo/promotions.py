"""The demo's promotions: an automatic offer on a category, a spend threshold and one code,
each in force from a year and a month before they are loaded (the made-up history of
`seed_demo` uses them) and without an end. Matched by name (the code by its text): loading
again adds nothing and leaves staff's edits alone."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from shop.models import Category, DiscountCode, Promotion

CATEGORY_SLUG = "women-knitwear"
CODE = "WELCOME10"


@dataclass(frozen=True)
class PromotionsResult:
    created: int
    code: str  # the code shoppers can try, as `make run` prints it


@transaction.atomic
def load_demo_promotions() -> PromotionsResult:
    starts = timezone.now() - timedelta(days=400)
    created = 0
    knitwear = Category.objects.filter(slug=CATEGORY_SLUG).first()
    if knitwear is not None:
        offer, made = Promotion.objects.get_or_create(
            name="20% off Knitwear", automatic=True,
            defaults={"benefit": Promotion.Benefit.PERCENT, "value": Decimal("20"),
                      "starts_at": starts},
        )
        if made:
            offer.categories.add(knitwear)
        created += made
    _, made = Promotion.objects.get_or_create(
        name="$20 off orders over $400", automatic=True,
        defaults={"benefit": Promotion.Benefit.AMOUNT, "value": Decimal("20"),
                  "min_subtotal": Decimal("400.00"), "starts_at": starts},
    )
    created += made
    if not DiscountCode.objects.filter(code=CODE).exists():
        welcome = Promotion.objects.create(
            name="10% off, once per customer", benefit=Promotion.Benefit.PERCENT,
            value=Decimal("10"), min_subtotal=Decimal("50.00"), per_customer_limit=1,
            combines=True, starts_at=starts,
        )
        DiscountCode.objects.create(promotion=welcome, code=CODE)
        created += 1
    return PromotionsResult(created=created, code=CODE)
