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


class DailySales(models.Model):
    """The key figures' sums for one day (the store's), kept in step with the orders by
    dashboard.rollups: the paid orders of the day (counted on the day they were paid), their
    items, discounts, refunds as the Refunds figure counts them, and units. `sessions` and
    `ordered_sessions` are the day's SessionDay rows, counted once the day can no longer
    change (`sessions_counted`); until then the dashboard counts them from the rows."""

    day = models.DateField(primary_key=True)
    orders = models.PositiveIntegerField(default=0)
    gross = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    discounts = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    refunds = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    units = models.PositiveBigIntegerField(default=0)
    sessions = models.PositiveIntegerField(default=0)
    ordered_sessions = models.PositiveIntegerField(default=0)
    sessions_counted = models.BooleanField(default=False)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.day}: {self.orders} orders"


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
    customers = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "kind", "previous_day"],
                                    name="daily_customers_once"),
        ]
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
