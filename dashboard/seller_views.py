"""The staff's side of the marketplace: the shops by status with the applications to
review first, sales by shop for a period (a chart and a table, the payouts' figures), and
one shop's page where staff decide on it and record what the store has paid it."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_http_methods, require_POST

from core.http import render_page
from core.money import format_money
from dashboard import charts, payouts
from dashboard.kpis import Period
from dashboard.panels import period_label
from security import audit
from security.twofactor.gate import staff_member_required
from shop.errors import ShopError
from shop.models import Seller
from shop.sellers import services

VIEW, REVIEW, PAY = "shop.view_seller", "shop.review_seller", "shop.record_payout"


def _need(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        audit.record(request, "permission.refused", permission=permission, path=request.path)
        raise PermissionDenied("This needs a role that looks after sellers: ask an owner of "
                               "the shop for the Manager or Finance role.")


def _period(request: HttpRequest) -> tuple[Period, str]:
    try:
        return Period.from_strings(request.GET.get("start"), request.GET.get("end")), ""
    except ValueError as error:
        return Period.last(30), f"{error} The last 30 days are shown instead."


@require_http_methods(["GET", "HEAD"])
@staff_member_required
def sellers(request: HttpRequest) -> HttpResponse:
    _need(request, VIEW)
    period, error = _period(request)
    rows = payouts.statement(period)
    everyone = Seller.objects.annotate(products_count=Count("products")).order_by("name")
    context = {
        "applications": [s for s in everyone if s.status == Seller.Status.PENDING],
        "by_status": [(label, [s for s in everyone if s.status == value])
                      for value, label in Seller.Status.choices if value != "pending"],
        "period": period, "period_error": error, "rows": rows, "totals": payouts.totals(rows),
        "chart": _sales_by_shop(period, rows),
    }
    return render_page(request, "dashboard/sellers.html", context)


def _sales_by_shop(period: Period, rows: list[payouts.SellerFigures]) -> charts.Chart:
    ranked = sorted(rows, key=lambda row: row.net, reverse=True)
    spec = charts.ChartSpec(
        name="sales-by-shop", title=f"Net sales by shop, {period_label(period)}",
        description="Bars of each shop's net sales (its lines' totals − discounts − refunds).",
        labels=[row.seller.name for row in ranked], fmt=format_money,
        table=(("Shop", "Net sales"),
               tuple((row.seller.name, format_money(row.net)) for row in ranked)),
        empty="No sales in this period",
    )
    return charts.ranked_bars(spec, values=[row.net for row in ranked])


class DecisionForm(forms.Form):
    commission_rate = forms.DecimalField(
        label="Commission (%)", min_value=Decimal("0"), max_value=Decimal("100"),
        decimal_places=2, required=False)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                             help_text="Told to the seller when rejecting or suspending.")


class PayoutForm(forms.Form):
    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(max_length=100, help_text="The bank transfer's reference.")


@require_http_methods(["GET", "HEAD"])
@staff_member_required
def seller(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, VIEW)
    return _page(request, get_object_or_404(Seller, pk=pk))


def _page(request: HttpRequest, shop: Seller, *, decision: DecisionForm | None = None,
          payout: PayoutForm | None = None) -> HttpResponse:
    period, error = _period(request)
    context = {
        "shop": shop, "period": period, "period_error": error,
        "figures": next(iter(payouts.statement(period, seller=shop)), None),
        "decision": decision or DecisionForm(initial={"commission_rate": shop.commission_rate}),
        "payout": payout or PayoutForm(initial={"start": period.start, "end": period.end}),
        "payouts": shop.payouts.all()[:20],
        "members": shop.members.select_related("user"),
    }
    return render_page(request, "dashboard/seller.html", context)


def _rate(data: dict) -> Decimal:
    if data["commission_rate"] is None:
        raise ShopError("Give the store's commission, in per cent (0 for none).")
    return data["commission_rate"]


ACTIONS = {
    "approve": lambda shop, data, actor: services.approve(
        seller_id=shop.pk, commission_rate=_rate(data), actor=actor),
    "reject": lambda shop, data, actor: services.reject(
        seller_id=shop.pk, reason=data["reason"], actor=actor),
    "suspend": lambda shop, data, actor: services.suspend(
        seller_id=shop.pk, reason=data["reason"], actor=actor),
    "reinstate": lambda shop, data, actor: services.reinstate(seller_id=shop.pk, actor=actor),
    "commission": lambda shop, data, actor: services.set_commission(
        seller_id=shop.pk, commission_rate=_rate(data), actor=actor),
}


@require_POST
@staff_member_required
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, REVIEW)
    shop = get_object_or_404(Seller, pk=pk, is_store=False)
    form = DecisionForm(request.POST)
    action = ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        form.add_error(None, "Choose what to do with the shop.")
    elif form.is_valid():
        try:
            shop = action(shop, form.cleaned_data, request.user)
        except ShopError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"{shop.name}: {shop.get_status_display().lower()}, "
                                      f"commission {shop.commission_rate}%.")
            return redirect("dashboard:seller", pk=shop.pk)
    return _page(request, shop, decision=form)


@require_POST
@staff_member_required
def record_payout(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, PAY)
    shop = get_object_or_404(Seller, pk=pk, is_store=False)
    form = PayoutForm(request.POST)
    if form.is_valid():
        try:
            period = Period(form.cleaned_data["start"], form.cleaned_data["end"])
            payout = payouts.record_payout(seller_id=shop.pk, period=period,
                                           reference=form.cleaned_data["reference"],
                                           actor=request.user, request=request)
        except (ShopError, ValueError) as error:
            form.add_error(None, getattr(error, "message", str(error)))
        else:
            messages.success(request, f"Recorded {format_money(payout.amount)} paid to "
                                      f"{shop.name} ({payout.reference}).")
            return redirect("dashboard:seller", pk=shop.pk)
    return _page(request, shop, payout=form)
