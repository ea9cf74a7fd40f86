"""A seller's statement: their lines of the orders paid in a period, what each earned them
after the store's commission, and the payout that settled it. CSV or XLSX, like the staff's
reports (the same writers), without the whole store's figures."""

from collections.abc import Iterable

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
)
from django.utils import timezone
from django.views.decorators.http import require_safe

from core.db_routers import reading_from_replica
from core.money import to_cents
from dashboard.kpis import Period, store_zone
from dashboard.reports.definitions import COUNT, DATETIME, MONEY, PERCENT, TEXT, Column, Report
from dashboard.reports.views import report_file
from marketplace import selectors
from marketplace.access import owner_only, seller_portal
from security import audit
from shop.models import Seller

COLUMNS = (
    Column("Paid", DATETIME, 17),
    Column("Order", TEXT, 13),
    Column("SKU", TEXT, 18),
    Column("Product", TEXT, 34),
    Column("Units", COUNT, 8, summed=True),
    Column("Gross", MONEY, 12, summed=True),
    Column("Discount", MONEY, 11, summed=True),
    Column("Refunded", MONEY, 11, summed=True),
    Column("Net sales", MONEY, 12, summed=True),
    Column("Commission rate", PERCENT, 11),
    Column("Commission", MONEY, 12, summed=True),
    Column("Payable", MONEY, 12, summed=True),
    Column("Payout", TEXT, 20),
)
NOTE = ("One row per line of yours in orders paid in the period. Net sales = gross − discount "
        "− refunded (before tax); commission is the rate copied when the line was bought, of "
        "its net sales, per line (the payouts page rounds once per rate, so totals may differ "
        "by a cent there); payable = net sales − commission.")


def statement(seller: Seller) -> Report:
    def rows(figures) -> Iterable[tuple]:
        zone = store_zone()  # spreadsheets hold the store's wall-clock time, without a zone
        for line in selectors.statement_lines(seller, figures.period).iterator():
            net = line.line_total - line.discount - line.refunded
            commission = to_cents(net * line.commission_rate / 100)
            paid = timezone.localtime(line.order.paid_at, zone).replace(tzinfo=None)
            yield (paid, line.order.number, line.sku, line.name, line.quantity,
                   line.line_total, line.discount, line.refunded, net,
                   line.commission_rate / 100, commission, net - commission,
                   line.payout.reference if line.payout else "")

    return Report(name="statement", title="Statement", columns=COLUMNS, rows=rows, note=NOTE,
                  store_figures=False)


@require_safe
@seller_portal()
@reading_from_replica()
def download(request: HttpRequest, file_format: str) -> HttpResponse:
    """The statement is the shop owner's: its staff pack and ship, the money is theirs."""
    owner_only(request)
    try:
        period = Period.from_strings(request.GET.get("start"), request.GET.get("end"))
    except ValueError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    filename = (f"statement_{request.seller.slug}_{period.start:%Y-%m-%d}_"
                f"{period.end:%Y-%m-%d}.{file_format}")
    audit.record(request, audit.EXPORT, report="seller statement", seller=request.seller.name,
                 format=file_format, start=period.start, end=period.end)
    response, _ = report_file(statement(request.seller), period, file_format, filename)
    return response
