"""The demo's page views: for each day, each product's page opened by some visitors for
every unit bought (a product page converts a few per cent of its viewers), and each shop's
own page by a share of its products' viewers. Written in bulk, so the sellers' views and
conversion come from rows like every other figure."""

import random
from collections import Counter
from datetime import date

from dashboard.models import PageViewDay
from shop.models import Product

VIEWS_PER_UNIT = (15, 45)
SHOP_PAGE_SHARE = 0.12  # of a shop's product page views, visitors who open the shop's page
BATCH = 2000


def add_page_views(rng: random.Random, sold: Counter[tuple[date, int]]) -> int:
    """Rows of views for `sold` ({(day, product pk): units}); a day's row already here (an
    earlier seed's) keeps its count. Returns how many views were added."""
    products = {pk: (slug, seller_slug) for pk, slug, seller_slug in
                Product.objects.values_list("pk", "slug", "seller__slug")}
    rows, shops = [], Counter()
    for (day, product_id), units in sorted(sold.items()):
        slug, seller_slug = products[product_id]
        views = units * rng.randint(*VIEWS_PER_UNIT)
        rows.append(PageViewDay(day=day, kind=PageViewDay.Kind.PRODUCT, slug=slug, views=views))
        shops[(day, seller_slug)] += views
    rows += [PageViewDay(day=day, kind=PageViewDay.Kind.SHOP, slug=slug,
                         views=max(1, round(views * SHOP_PAGE_SHARE)))
             for (day, slug), views in sorted(shops.items())]
    PageViewDay.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
    return sum(row.views for row in rows)
