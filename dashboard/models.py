"""Storefront session counts for the dashboard's sessions and conversion rate, and page
views of products and shops for the sellers' figures.

Locked: one row per (day, key). ``key`` is a keyed hash of the visitor's key (its cookie,
see dashboard.sessions), never the key itself; ``day`` is the store's local date. The
dashboard's own permissions live here (exporting reports, seeing the figures, managing staff)
because the dashboard app owns the reports and the staff pages.
"""

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
