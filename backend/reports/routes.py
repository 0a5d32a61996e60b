"""Reports over HTTP: ask for one (202, generated as a job), follow its progress, download its file,
and the report library of a region."""
from urllib.parse import quote

from flask import Response

from .. import jobs
from ..core.auth import actor, require
from ..core.models import Region
from ..core.pagination import paginate
from ..core.scoping import get_scoped
from . import bp, data, services
from .jobs import progress_key
from .models import Report
from .periods import last_month
from .schemas import LibraryQuery, ReportIn, ReportOut, ReportPage

ERRORS = [400, 401, 403, 404]


def _view(report):
    return services.view(report, jobs.progress(progress_key(report.id)) if report.status == "queued" else None)


def _report(report_id):
    report = get_scoped(Report, report_id, actor(), "报表", "report")
    return report


@bp.post("/reports")
@require(*services.READERS)
@bp.input(ReportIn, arg_name="body")
@bp.output(ReportOut, status_code=202)
@bp.doc(responses=ERRORS)
def create_report(body):
    """Generate a report of a region in scope for a period, as a job: 202 at once with the new version
    (``status`` queued); poll ``status_url`` for the progress, then fetch ``download_url``. 400
    ``unknown_report_kind``, ``bad_period``, ``period_in_future``, ``unknown_report_format``; 403
    ``out_of_scope``; 404 ``not_found``."""
    services.check_kind(body["kind"])
    services.check_format(body["format"])
    region = get_scoped(Region, body["region_id"], actor(), "地区", "region")
    return _view(services.queue(region, body["kind"], body["period"], body["format"], actor()))


@bp.get("/reports")
@require(*services.READERS)
@bp.input(LibraryQuery, location="query", arg_name="query")
@bp.output(ReportPage)
@bp.doc(responses=ERRORS)
def list_reports(query):
    """The report library of a region in scope, newest first (``period``, ``kind``), with the kinds
    and last month's period (what the screen offers to generate)."""
    region = get_scoped(Region, query["region_id"], actor(), "地区", "region")
    if query.get("kind"):
        services.check_kind(query["kind"], "query.kind")
    page = paginate(services.library(region, query.get("period"), query.get("kind")), query)
    page["items"] = [_view(r) for r in page["items"]]
    page["kinds"] = [{"code": k, "zh": zh, "en": en} for k, (zh, en) in data.KINDS.items()]
    page["last_month"] = last_month().code
    page["region"] = {"id": region.id, "code": region.code, "name": region.name}
    return page


@bp.get("/reports/<int:report_id>")
@require(*services.READERS)
@bp.output(ReportOut)
@bp.doc(responses=ERRORS)
def get_report(report_id):
    """One report: while queued its progress (phase, pct), then its hash, cut-off and download."""
    return _view(_report(report_id))


@bp.get("/reports/<int:report_id>/file")
@require(*services.READERS)
@bp.doc(responses={200: {"description": "The report as issued: PDF or Excel (.xlsx)",
                         "content": {"application/pdf": {}, services.FORMATS["xlsx"]: {}}},
                   401: {}, 403: {}, 404: {}, 409: {}, 410: {}})
def report_file(report_id):
    """The report's file as issued (PDF or Excel). 409 ``report_not_ready`` while it is queued."""
    body, mimetype, name = services.file_of(_report(report_id))
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename=\"report.{name.rsplit('.', 1)[-1]}\"; "
                               f"filename*=UTF-8''{quote(name)}",
        "Cache-Control": "private, max-age=0", "X-Content-Type-Options": "nosniff"})
