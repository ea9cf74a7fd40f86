"""Storefront session counts for the dashboard's sessions and conversion rate, and page
views of products and shops for the sellers' figures.

Locked: one row per (day, key). ``key`` is a keyed hash of the visitor's key (its cookie,
see dashboard.sessions), never the key itself; ``day`` is the store's local date. The
dashboard's own permissions live here (exporting reports, seeing the figures, managing staff)
because the dashboard app owns the reports and the staff pages.
"""

from datetime import date

from django.conf import settings
from django.db import models


class SessionDay(models.Model):
    """One storefront visitor seen on one day; ``ordered`` when it placed an order that day."""

    day = models.DateField()
    key = models.CharField(max_length=64)
    ordered = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "key"], name="dashboard_sessionday_day_key"),
        ]
        indexes = [models.Index(fields=["day", "ordered"], name="dashboard_sessionday_ordered")]
        default_permissions = ()
        permissions = [
            ("export_reports", "Can export reports"),
            ("view_figures", "Can see the dashboard's sales figures and charts"),
            ("manage_staff", "Can invite staff and change their roles"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.key[:8]}"


class PageViewDay(models.Model):
    """How many visitors opened a product's or a shop's page on a day (the store's), or added
    a product to a cart that day, each visitor counted once a day per row
    (dashboard.sessions.count_once_a_day). Keyed by the page's slug, as its address names
    it: a cart add by its product's. `views` counts the visitors, whatever the kind."""

    class Kind(models.TextChoices):
        PRODUCT = "product", "Product page"
        SHOP = "shop", "Shop page"
        CART = "cart", "Added to a cart"

    day = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    slug = models.SlugField(max_length=220)
    views = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "kind", "slug"], name="page_view_day_once"),
        ]
        indexes = [models.Index(fields=["kind", "slug", "day"], name="page_view_slug_day")]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.slug}: {self.views}"


class StaffInvitation(models.Model):
    """An invitation to join the staff with some roles, sent to an email address by someone
    who may manage staff. Its link (dashboard.staff) works once, for INVITATION_HOURS."""

    email = models.EmailField()
    roles = models.ManyToManyField("auth.Group", related_name="+")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        default_permissions = ()

    def __str__(self) -> str:
        return self.email


class DemandForecast(models.Model):
    """A variant's daily demand forecast as the last recompute made it (dashboard.forecasts):
    units a day from `made_on` on, by the method its backtest chose, with the backtest's
    errors (mean absolute, per day) and the spread it showed (`rmse`, per day)."""

    class Method(models.TextChoices):
        MODEL = "model", "Trend and weekday"
        NAIVE = "naive", "Last 4 weeks' average"

    variant = models.OneToOneField("shop.Variant", primary_key=True, related_name="+",
                                   on_delete=models.CASCADE)
    made_on = models.DateField()
    method = models.CharField(max_length=10, choices=Method.choices)
    daily = models.JSONField()
    rmse = models.FloatField()
    model_error = models.FloatField()
    naive_error = models.FloatField()
    backtest_days = models.PositiveSmallIntegerField()

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.variant_id} from {self.made_on} ({self.method})"


# How many rows share each day's sums: a payment adds to the row its order's id picks, so
# payments at once queue on one row in SLOTS only when their ids agree (dashboard.rollups).
SLOTS = 8


class DailySales(models.Model):
    """A day's storefront sessions (the store's day): `sessions` and `ordered_sessions` are
    the day's SessionDay rows, counted once the day can no longer change
    (`sessions_counted`); until then the dashboard counts them from the rows. The day's
    order sums are on its DailySalesSlot rows."""

    day = models.DateField(primary_key=True)
    sessions = models.PositiveIntegerField(default=0)
    ordered_sessions = models.PositiveIntegerField(default=0)
    sessions_counted = models.BooleanField(default=False)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.day}: {self.sessions} sessions"


class DailySalesSlot(models.Model):
    """One of a day's SLOTS shares of the key figures' sums, kept in step with the orders by
    dashboard.rollups: the paid orders of the day (counted on the day they were paid), their
    items, discounts, refunds as the Refunds figure counts them, and units. The day's sums
    are those of its rows, however they are shared out among them."""

    day = models.DateField()
    slot = models.PositiveSmallIntegerField()
    orders = models.PositiveIntegerField(default=0)
    gross = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    discounts = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    refunds = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    units = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "slot"], name="daily_sales_slot_once"),
        ]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.day} #{self.slot}: {self.orders} orders"


class ProductSales(models.Model):
    """What the lines of paid orders sold of a product, under the name it was sold as, over a
    day or a calendar month (`span`, from `start`): units and line totals (before order
    discounts, tax and shipping). A period reads its whole months' rows and its other days'
    (dashboard.rollup_figures), so a year costs about twelve months of products and the
    days at its ends. `product` is the product of the line's variant, its category read
    through it as the orders' own figures read it; 0 for lines whose variant is gone."""

    class Span(models.TextChoices):
        DAY = "day", "A day"
        MONTH = "month", "A month"

    NO_PRODUCT = 0

    span = models.CharField(max_length=5, choices=Span.choices)
    start = models.DateField()
    # No constraint: a product deleted leaves its rows, whose category then reads as none,
    # as its lines' does.
    product = models.ForeignKey("shop.Product", null=True, related_name="+",
                                on_delete=models.DO_NOTHING, db_constraint=False)
    product_name = models.CharField(max_length=200)
    units = models.BigIntegerField(default=0)  # a month's row moves by a day's difference
    revenue = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["span", "start", "product", "product_name"],
                                    name="product_sales_once"),
        ]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.span} {self.start} {self.product_name}: {self.units}"


class DailyRisk(models.Model):
    """How many orders placed on `day` (the store's) have risk score `score` now, shared out
    over SLOTS rows by order id: the dashboard's flagged share for any threshold. UNSCORED
    counts orders with no risk row."""

    UNSCORED = -1

    day = models.DateField()
    slot = models.PositiveSmallIntegerField()
    score = models.SmallIntegerField()
    # Not PositiveIntegerField: a change is added as -1 and +1, and the database checks the
    # row it would insert before it finds the one to add to.
    orders = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "score", "slot"], name="daily_risk_once"),
        ]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.day} score {self.score} #{self.slot}: {self.orders}"


class DailyCustomers(models.Model):
    """How many customers (email addresses, in lower case) paid on `day` for an order of
    `kind`, by the last day before it on which each had paid for one of that kind
    (`previous_day`, NEVER for none). The customers of a period are then the rows of its days
    whose previous day falls before it: each customer counted once, on their first day in
    the period, however many days the period holds (dashboard.rollup_figures)."""

    NEVER = date.min  # no earlier day: before every period

    class Kind(models.TextChoices):
        PAID = "paid", "Any paid order"
        FIRST = "first", "A first purchase"
        REPEAT = "repeat", "A repeat purchase"

    day = models.DateField()
    kind = models.CharField(max_length=6, choices=Kind.choices)
    previous_day = models.DateField()
    # As on DailySalesSlot: the day's customers shared out by the ids of the orders counting
    # them.
    slot = models.PositiveSmallIntegerField(default=0)
    customers = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "kind", "previous_day", "slot"],
                                    name="daily_customers_once"),
        ]
        # The customers before a day: the rows of each customer's first day, a few a day.
        indexes = [models.Index(fields=["previous_day", "kind", "day"],
                                name="daily_customers_first")]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.day} {self.kind} after {self.previous_day}: {self.customers}"


class RollupBuild(models.Model):
    """When the daily rollups were last built from the orders and sessions (`manage.py
    build_dashboard_rollups`, the demo, the benchmark's seed). Receivers keep them in step
    from then on; until the first build the dashboard reads the orders directly."""

    built_at = models.DateTimeField()
    first_day = models.DateField(null=True)
    last_day = models.DateField(null=True)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"built {self.built_at:%Y-%m-%d %H:%M}"
