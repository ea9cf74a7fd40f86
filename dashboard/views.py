"""The staff dashboard: staff only, with a verified second factor (security's gate).

`home` is the KPI page; HTMX requests get only the region they target (the period's panels,
the KPI row, the time charts, the top products). `chart_file` sends a chart as an SVG file;
`products` is the most viewed products with their way to an order (dashboard.funnel), for
staff who see the figures; `activity` is the staff activity log, for staff who may read the
audit log.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.views.decorators.http import require_safe

from core.db_routers import reading_from_replica
from core.http import render_page, tidy_url
from dashboard import forecasts, funnel, home_page, kpis, panels, selectors
from dashboard.forms import ActivityForm, read_choice
from dashboard.panel_cache import kept
from security import audit
from security.twofactor.gate import staff_member_required

# The fragments inside the period's section, then the fragments a request may ask for.
PERIOD_PARTS = ("kpis", "time-charts", "top-products")
FRAGMENTS = ("dashboard-period", *PERIOD_PARTS)
# The audit log's own permission, as the admin's audit entries require it.
AUDIT_PERMISSION = "security.view_auditentry"
# The figures and charts (the period's panels, every fragment, the SVG files): see
# dashboard.roles for who holds it.
FIGURES_PERMISSION = "dashboard.view_figures"
NO_FIGURES = ("The sales figures and charts are for staff who may see them: ask an owner of "
              "the shop to give you the Finance or Manager role.")
# What the page's kept parts show to some staff and not others (dashboard.home_page): the
# report links, and the low-stock panel itself.
EXPORT_PERMISSION = "dashboard.export_reports"
STOCK_PERMISSION = "shop.view_variant"
# A chart downloaded is what the page shows, to staff who see the figures: logged, but no
# "export" (the reports' action, which needs the export permission).
CHART_DOWNLOADED = "chart.downloaded"


@require_safe
@staff_member_required
@reading_from_replica()
def home(request: HttpRequest) -> HttpResponse:
    """Each person sees the panels their permissions allow; the fragments are all the
    figures', refused to those who may not see them, like the page's own panels."""
    if _targeted(request, FRAGMENTS):
        _need(request, FIGURES_PERMISSION, NO_FIGURES)
    choice, form = read_choice(request.GET)
    here = reverse("dashboard:home") + choice.query()
    if not request.htmx and not form.errors and request.GET and request.get_full_path() != here:
        return redirect(here)  # a form sent without JavaScript: the tidy address
    # The KPI row refreshes itself: that is no step for the browser's history.
    refresh = request.htmx and request.htmx.target == "kpis"
    page = home_page.Dashboard(choice)
    context = {
        "page": page, "choice": choice, "form": form, "here": here,
        "definitions": kpis.DEFINITIONS, "time_zone": settings.TIME_ZONE,
        "reorder_days": {"lead": settings.REORDER_LEAD_DAYS, "cover": settings.REORDER_COVER_DAYS},
        "forecast_days": forecasts.HORIZON,
    }
    # The parts kept as HTML, for everyone who may see them (their links hold the prefix).
    prefix = get_script_prefix()
    if _shows_period_section(request) and not form.errors:
        may_export = "reports" if request.user.has_perm(EXPORT_PERMISSION) else "no-reports"
        context["period_section"] = page.section(
            _rendered(request, context, "dashboard-period"), prefix, may_export)
    if request.user.has_perm(STOCK_PERMISSION) and not _targeted(request, FRAGMENTS):
        context["low_stock_panel"] = page.low_stock_panel(
            _rendered(request, context, "low-stock"), prefix)
    push = "" if refresh or form.errors else here
    return render_page(request, "dashboard/home.html", context, fragments=FRAGMENTS, push=push)


@require_safe
@staff_member_required
@reading_from_replica()
def chart_file(request: HttpRequest, name: str) -> HttpResponse:
    _need(request, FIGURES_PERMISSION, NO_FIGURES)
    if name not in panels.CHARTS:
        raise Http404("No such chart.")
    choice, form = read_choice(request.GET)
    if form.errors:
        problems = " ".join(error for errors in form.errors.values() for error in errors)
        return HttpResponseBadRequest(problems, content_type="text/plain; charset=utf-8")
    chart = panels.chart(name, choice)
    period = choice.period
    audit.record(request, CHART_DOWNLOADED, chart=name, start=period.start, end=period.end)
    response = HttpResponse(chart.svg(standalone=True), content_type="image/svg+xml")
    step = f"-by-{choice.step}" if name in ("sales", "customers") else ""
    top = f"-by-{choice.top}" if name == "top-products" else ""
    response["Content-Disposition"] = (
        f'attachment; filename="{name}{step}{top}-{period.start}-to-{period.end}.svg"'
    )
    return response


@require_safe
@staff_member_required
@reading_from_replica()
def products(request: HttpRequest) -> HttpResponse:
    """The period picker as on the home page: bad input says so and shows the default
    period; the table is kept for a minute, like the home page's panels."""
    _need(request, FIGURES_PERMISSION, NO_FIGURES)
    choice, form = read_choice(request.GET)
    here = reverse("dashboard:products") + choice.query()
    if not request.htmx and not form.errors and request.GET and request.get_full_path() != here:
        return redirect(here)  # a form sent without JavaScript: the tidy address
    period = choice.period
    funnels = kept("product-funnels", lambda: funnel.product_funnels(period),
                          f"{period.start}", f"{period.end}")
    context = {"funnels": funnels, "choice": choice, "form": form,
               "showing": home_page.Dashboard(choice).showing, "time_zone": settings.TIME_ZONE}
    return render_page(request, "dashboard/products.html", context,
                       fragments=["product-funnel"], push="" if form.errors else here)


@require_safe
@staff_member_required
def activity(request: HttpRequest) -> HttpResponse:
    _need(request, AUDIT_PERMISSION,
          "Reading the staff activity log needs the “Can view audit entry” permission: ask "
          "an owner of the shop to give it to you.")
    form = ActivityForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = selectors.activity(
        actor=filters.get("actor"), action=filters.get("action", ""), day=filters.get("day"),
        page=request.GET.get("page", 1),
    )
    # Each entry with its details as (name, value) pairs by name (PostgreSQL's JSON keeps no
    # order): a template reading `details.items` would take a detail named "items" for the
    # dict's method.
    rows = [(entry, sorted(entry.details.items()) if isinstance(entry.details, dict) else [])
            for entry in entries]
    context = {"form": form, "entries": entries, "rows": rows}
    return render_page(request, "dashboard/activity.html", context, fragments=["activity-log"],
                       push=tidy_url(request))


def _need(request: HttpRequest, permission: str, why: str) -> None:
    """Go on only for staff who hold `permission`; a refusal on a money or data page is
    audited."""
    if not request.user.has_perm(permission):
        audit.record(request, "permission.refused", permission=permission, path=request.path)
        raise PermissionDenied(why)


def _shows_period_section(request: HttpRequest) -> bool:
    """Whether the answer holds the period's whole section: the page, or the section
    alone, for staff who see the figures; not one of the fragments inside it."""
    return request.user.has_perm(FIGURES_PERMISSION) and not _targeted(request, PERIOD_PARTS)


def _targeted(request: HttpRequest, fragments: tuple[str, ...]) -> bool:
    """Whether an HTMX request asks for one of these fragments."""
    return bool(request.htmx) and request.htmx.target in fragments


def _rendered(request: HttpRequest, context: dict, part: str) -> Callable[[], str]:
    """What renders `part` of the page from a fresh Dashboard: a part kept as HTML
    (dashboard.home_page) is made so when it falls due."""
    def render() -> str:
        fresh = {**context, "page": home_page.Dashboard(context["choice"], fresh=True),
                 "period_section": "", "low_stock_panel": ""}
        return render_to_string(f"dashboard/home.html#{part}", fresh, request)
    return render
