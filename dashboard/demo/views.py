"""The demo's page views: for each day, each product's page opened by some visitors for
every unit bought (a product page converts a few per cent of its viewers), each shop's own
page by a share of its products' viewers, and each product added to a cart by a share of its
viewers, never fewer than its units that day, so views ≥ adds to a cart ≥ orders holds. Written
in bulk, so the sellers' views and conversion, and the Products page's funnel, come from rows
like every other figure."""

import random
from collections import Counter
from datetime import date

from dashboard.models import PageViewDay
from shop.models import Product

VIEWS_PER_UNIT = (15, 45)
SHOP_PAGE_SHARE = 0.12  # of a shop's product page views, visitors who open the shop's page
CART_SHARE = (0.06, 0.14)  # of a product page's viewers, those who add it to a cart
BATCH = 2000


def add_page_views(rng: random.Random, sold: Counter[tuple[date, int]]) -> int:
    """Rows of views and adds to a cart for `sold` ({(day, product pk): units}); a day's
    row already here (an earlier seed's) keeps its count. Returns how many page views were
    added."""
    products = {pk: (slug, seller_slug) for pk, slug, seller_slug in
                Product.objects.values_list("pk", "slug", "seller__slug")}
    pages, units, shops = [], [], Counter()
    for (day, product_id), bought in sorted(sold.items()):
        slug, seller_slug = products[product_id]
        views = bought * rng.randint(*VIEWS_PER_UNIT)
        pages.append(PageViewDay(day=day, kind=PageViewDay.Kind.PRODUCT, slug=slug, views=views))
        units.append(bought)
        shops[(day, seller_slug)] += views
    # Drawn after every view, so that the views stay what they were before adds were written.
    carts = [PageViewDay(day=page.day, kind=PageViewDay.Kind.CART, slug=page.slug,
                         views=max(bought, round(page.views * rng.uniform(*CART_SHARE))))
             for page, bought in zip(pages, units, strict=True)]
    pages += [PageViewDay(day=day, kind=PageViewDay.Kind.SHOP, slug=slug,
                          views=max(1, round(views * SHOP_PAGE_SHARE)))
              for (day, slug), views in sorted(shops.items())]
    PageViewDay.objects.bulk_create(pages + carts, batch_size=BATCH, ignore_conflicts=True)
    return sum(page.views for page in pages)
