"""Oversight over HTTP: the audit log for county and above (a page by key, or the whole filtered log
as a CSV for Excel), one's own daily digest, and field coverage per township."""
import re
from datetime import date

from ..core import clock, export
from ..core.auth import actor, require
from ..core.errors import bad_field
from ..core.models import Region, User
from ..core.scoping import get_scoped
from ..extensions import db
from . import bp, coverage, digest, services, views
from .schemas import AuditPage, AuditPageQuery, AuditQuery, CoverageOut, DigestOut

ERRORS = [400, 401, 403, 404]


@bp.get("/audit")
@require(*services.READERS)
@bp.input(AuditPageQuery, location="query", arg_name="query")
@bp.output(AuditPage)
@bp.doc(responses=ERRORS)
def audit(query):
    """The audit log of the caller's region and below, newest first: personal data revealed,
    warnings dismissed, imports withdrawn, sign-ins (failed ones too). Filters: ``action`` (one of
    those kinds), ``user_id`` / ``username``, ``region_id`` (a region of the caller's: 403
    ``out_of_scope``, 404), ``since``/``until`` (China days; 400 when ``until`` is before ``since``).
    Pages by key: pass ``next_before`` back as ``before``."""
    rows, next_before = services.audit_page(actor(), query, query["per_page"])
    return {"items": [views.entry(*row) for row in rows], "per_page": query["per_page"], "next_before": next_before,
            "kinds": {k: {"zh": v["name"][0], "en": v["name"][1]} for k, v in services.ACTIONS.items()}}


AUDIT_COLUMNS = (
    export.col("时间", "Time", width=20), export.col("类别", "Kind", width=16), export.col("操作", "Action", width=22),
    export.col("操作人", "By", width=10), export.col("用户名", "Username", width=14), export.col("地区", "Region", width=16),
    export.col("对象", "Subject", width=16), export.col("原因及说明", "Reason and details", width=40),
    export.col("网络地址", "IP address", width=16))
assert [c.zh for c in AUDIT_COLUMNS] == views.CSV_HEADER


def audit_rows(stmt):
    for batch in export.batches(stmt):
        yield [views.csv_row(*row) for row in batch]


@bp.get("/audit.csv")
@require(*services.READERS)
@bp.input(AuditQuery, location="query", arg_name="query")
@bp.doc(responses={200: {"description": "CSV (UTF-8 with BOM, opens in Excel)", "content": {"text/csv": {}}},
                   400: {}, 401: {}, 403: {}, 404: {}})
def audit_csv(query):
    """The same entries as ``/audit`` with the same filters, all of them, as a spreadsheet (Chinese
    headers, UTF-8 with BOM; streamed in batches). Every cell is escaped against formula injection:
    a reason typed as =HYPERLINK(…) shows as text in Excel. (``/audit/export`` gives Excel too.)"""
    stmt = services.audit_entries(actor(), query)
    return export.respond("csv", AUDIT_COLUMNS, lambda: audit_rows(stmt), "操作日志", "audit", header="zh")


@bp.get("/audit/export")
@require(*services.READERS)
@bp.input(export.export_query(AuditQuery, "AuditExportQuery"), location="query", arg_name="query")
@bp.doc(responses={200: {"description": "CSV (UTF-8 with BOM) or Excel, streamed",
                         "content": {"text/csv": {}, export.MIMETYPES["xlsx"]: {}}}, 400: {}, 401: {}, 403: {}, 404: {}})
def audit_export(query):
    """The audit log with ``/audit``'s filters as ``format=csv`` or ``xlsx`` (Chinese and English
    headers), streamed like every list's export."""
    stmt = services.audit_entries(actor(), query)
    return export.respond(query["format"], AUDIT_COLUMNS, lambda: audit_rows(stmt), "操作日志", "audit")


@bp.get("/digests/<day>")
@require(*services.READERS)
@bp.output(DigestOut)
@bp.doc(responses=ERRORS)
def get_digest(day):
    """The caller's daily digest of ``day`` (YYYY-MM-DD): per region one level down, the warnings
    raised the day before, rectifications overdue, subsidy payments failed, with links. 400
    ``bad_date``; 404 when the caller got none that day (someone else's is simply not found)."""
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", day):  # (fromisoformat also takes 20261204 and 2026-W49-5)
            raise ValueError(day)
        wanted = date.fromisoformat(day)
    except ValueError:
        raise bad_field("path.day", "bad_date", "日期格式应为 YYYY-MM-DD", "The date must be YYYY-MM-DD")
    found = digest.of(actor(), wanted)
    return {"day": found.day, "created_at": found.created_at, **{k: found.body[k] for k in ("covers", "region", "totals", "rows")}}


@bp.get("/coverage/<int:region_id>")
@require(*services.COVERAGE_READERS)
@bp.output(CoverageOut)
@bp.doc(responses=ERRORS)
def get_coverage(region_id):
    """Field coverage of a township (or a village) of the caller's: inspections per inspector in the
    last 30 days, and the projects under way not inspected in 30 days. 400 ``not_a_township`` for a
    region above a township; 403 ``out_of_scope``; 404."""
    region = get_scoped(Region, region_id, actor(), "地区", "region")
    return coverage.coverage(region)
