"""Downloading a report: /dashboard/reports/<name>.<csv|xlsx>?start=YYYY-MM-DD&end=YYYY-MM-DD
(both left out: the last 30 days).

Staff whose session passed the second factor (the staff gate), with the "Can export reports"
permission; every download writes an audit entry. CSV streams as it is read; XLSX is written
to a temporary file (in memory while small) and sent from there. Both are read from the
replica when there is one (core.db_routers).
"""

import tempfile

from django.core.exceptions import PermissionDenied
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from core.db_routers import iterate_from_replica, reading_from_replica
from dashboard.kpis import Period
from dashboard.reports.csv_writer import csv_chunks
from dashboard.reports.definitions import REPORTS, Report
from dashboard.reports.xlsx_writer import write_workbook
from security import audit
from security.twofactor.gate import staff_member_required

EXPORT_PERMISSION = "dashboard.export_reports"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IN_MEMORY_UP_TO = 1024 * 1024  # bytes of XLSX kept in memory before the file goes to disk


@require_safe
@staff_member_required
@reading_from_replica()
def download(request: HttpRequest, name: str, file_format: str) -> HttpResponse:
    if not request.user.has_perm(EXPORT_PERMISSION):
        audit.record(request, "permission.refused", permission=EXPORT_PERMISSION,
                     path=request.path)
        raise PermissionDenied(
            "Downloading reports needs the “Can export reports” permission: ask an owner "
            "of the shop to give you the Finance role."
        )
    report = REPORTS[name]  # the URL lets only their names through
    try:
        period = Period.from_strings(request.GET.get("start"), request.GET.get("end"))
    except ValueError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    filename = f"{report.name}_{period.start:%Y-%m-%d}_{period.end:%Y-%m-%d}.{file_format}"
    details = {"report": report.name, "format": file_format, "start": period.start,
               "end": period.end}
    response, rows = report_file(report, period, file_format, filename)
    if rows is not None:  # an XLSX file, written already
        details["rows"] = rows
    audit.record(request, audit.EXPORT, **details)
    return response


def report_file(
    report: Report, period: Period, file_format: str, filename: str
) -> tuple[HttpResponse, int | None]:
    """The report as a download, never cached: CSV streamed as it is read (its rows unknown
    until sent: None), or XLSX written first, with its number of rows."""
    rows = None
    if file_format == "csv":
        # Streamed after the view has returned, so each chunk is read on the replica itself.
        response = StreamingHttpResponse(iterate_from_replica(csv_chunks(report, period)),
                                         content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, filename)
    else:
        file, rows = _xlsx_file(report, period)
        response = FileResponse(file, as_attachment=True, filename=filename,
                                content_type=XLSX_TYPE)
    patch_cache_control(response, private=True, no_store=True)
    return response, rows


def _xlsx_file(report, period: Period):
    """The workbook in a temporary file, rewound; FileResponse closes it once it is sent."""
    file = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_UP_TO)  # noqa: SIM115
    try:
        rows = write_workbook(report, period, file)
    except BaseException:
        file.close()
        raise
    file.seek(0)
    return file, rows
