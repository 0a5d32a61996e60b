"""Imports over HTTP, for every kind: upload (queued as a job), progress and result with the per-row
report, withdrawal, the list of runs, each kind's fields and template, and the column names saved
per region (the column-mapping step)."""
import csv
import io
from urllib.parse import quote

from flask import Response
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import jobs
from ..core.auth import actor, require
from ..core.errors import ApiError
from ..core.models import Region
from ..core.pagination import paginate
from ..core.scoping import get_scoped, scoped
from ..core.spreadsheets import safe_row
from ..core.uploads import large_upload
from ..extensions import db
from . import bp, engine, templates
from .jobs import progress_key
from .models import ColumnMapping, ImportRun
from .schemas import (ImportForm, ImportOut, ImportPage, ImportQuery, KindList, MappingIn, MappingOut, MappingQuery,
                      WithdrawIn)

ERRORS = [400, 401, 403, 404, 409, 413, 415, 422]
# Who may use imports at all; each kind narrows it (``Importer.roles``).
IMPORTERS = ("admin", "county", "township_lead")


def import_view(run, errors=True):
    out = {c: getattr(run, c) for c in ("id", "kind", "region_id", "filename", "sha256", "status", "encoding", "rows",
                                         "inserted", "updated", "unchanged", "error_count", "created_at")}
    out.update(created_by=run.created_by.display_name, report_url=f"/api/v1/imports/{run.id}/report.csv",
               status_url=f"/api/v1/imports/{run.id}",
               errors=run.errors if errors else [], notes=run.notes or [], headers=run.headers or [],
               has_secret=bool(run.secret), withdrawn_at=run.withdrawn_at,
               withdrawn_by=run.withdrawn_by.display_name if run.withdrawn_by else None,
               withdrawn_reason=run.withdrawn_reason,
               progress=jobs.progress(progress_key(run.id)) if run.status == "queued" else None)
    return out


def _scoped_run(import_id):
    run = get_scoped(ImportRun, import_id, actor(), "导入记录", "import")
    engine.check_access(run.kind, db.session.get(Region, run.region_id), actor())
    return run


@bp.post("/imports")
@require(*IMPORTERS)
@large_upload("IMPORT_MAX_BYTES", "import_too_large", "文件过大", "The file is too large")
@bp.input(ImportForm, location="form_and_files", arg_name="form")
@bp.output(ImportOut, status_code=202)
@bp.doc(responses=[code for code in ERRORS if code != 422])
def import_file(form):
    """Take a clerk's .xlsx, .xls or CSV (UTF-8 or GBK) of one kind for a region in scope and queue
    its import: 202 at once with the run (``status`` queued). Poll ``status_url`` for the progress
    (rows read and checked, problems so far) and the result: accepted, or rejected with the per-row
    report (also at ``report_url``) and nothing written — all or nothing. The same file again
    changes nothing; a replayed ``client_uuid`` returns the first run. 400 ``unknown_kind``, 403
    ``role_forbidden`` for a kind the role may not import."""
    user = actor()
    engine.kind_of(form["kind"])
    region = get_scoped(Region, form["region_id"], user, "地区", "region")
    engine.check_access(form["kind"], region, user)
    upload = form["file"]
    run = engine.queue_file(form["kind"], region, user, upload.filename, upload.read(), form["client_uuid"])
    return import_view(run)


@bp.get("/imports")
@require(*IMPORTERS)
@bp.input(ImportQuery, location="query", arg_name="query")
@bp.output(ImportPage)
@bp.doc(responses=ERRORS)
def list_imports(query):
    """Import runs in the caller's region, newest first, a page at a time (``kind``, ``status``)."""
    # Who imported and who withdrew each run: loaded with the page, not a query per run.
    stmt = scoped(select(ImportRun).options(selectinload(ImportRun.created_by), selectinload(ImportRun.withdrawn_by)),
                  ImportRun, actor())
    for key in ("kind", "status"):
        if key in query:
            stmt = stmt.where(getattr(ImportRun, key) == query[key])
    page = paginate(stmt.order_by(ImportRun.id.desc()), query)
    page["items"] = [import_view(r, errors=False) for r in page["items"]]
    return page


@bp.get("/imports/<int:import_id>")
@require(*IMPORTERS)
@bp.output(ImportOut)
@bp.doc(responses=ERRORS)
def get_import(import_id):
    """One run: while ``queued``, its progress (phase reading → checking → writing, rows, rows
    checked, problems so far); then its result, report and the file's header as read."""
    return import_view(_scoped_run(import_id))


@bp.post("/imports/<int:import_id>/withdraw")
@require(*IMPORTERS)
@bp.input(WithdrawIn, arg_name="body")
@bp.output(ImportOut)
@bp.doc(responses=ERRORS)
def withdraw_import(import_id, body):
    """Withdraw (撤销) an accepted run: the rows it added are deleted again and the rows it changed
    get their earlier values, so a file imported by mistake can be replaced by the right one. 409
    (nothing changed) when a later import changed its rows, or when other data points at them.
    Idempotent on ``client_uuid``. Open warnings about the deleted rows resolve at the next scan."""
    run = engine.withdraw(_scoped_run(import_id), actor(), body["reason"], body["client_uuid"])
    return import_view(run)


@bp.post("/imports/<int:import_id>/secret")
@require(*IMPORTERS)
@bp.doc(responses=ERRORS)
def take_secret(import_id):
    """What a run hands back once (a users roster: each new user's one-time password), only to the
    person who imported it; gone after this call (404 ``secret_gone`` the second time). Audited."""
    return {"items": engine.take_secret(_scoped_run(import_id), actor())}


@bp.get("/imports/<int:import_id>/report.csv")
@require(*IMPORTERS)
@bp.doc(responses={200: {"description": "CSV (UTF-8 with BOM, opens in Excel)", "content": {"text/csv": {}}},
                   401: {}, 403: {}, 404: {}})
def import_report(import_id):
    """The run's report as a spreadsheet the clerk opens in Excel: row, column, problem."""
    run = _scoped_run(import_id)
    out = io.StringIO()
    writer = csv.writer(out)
    # Every cell through safe_row: a clerk's cell value (or a column name, or a withdrawal reason)
    # such as =HYPERLINK(...) must show as text when the report is opened in Excel.
    writer.writerow(safe_row(REPORT_HEADER))
    for e in run.errors:
        writer.writerow(safe_row([e["row"], e["column"], e["code"], e["message"]["zh"], e["message"]["en"], e["value"]]))
    if run.status == "withdrawn":
        writer.writerow(safe_row(["", "", "withdrawn", f"已撤销：{run.withdrawn_reason}", f"Withdrawn: {run.withdrawn_reason}", ""]))
    if not run.errors:
        writer.writerow(safe_row(["", "", "ok", f"已导入：新增 {run.inserted}，更新 {run.updated}，未变 {run.unchanged}",
                                  f"Imported: {run.inserted} new, {run.updated} updated, {run.unchanged} unchanged", ""]))
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": _disposition(f"{engine.kind_of(run.kind).title[0]}导入报告-{run.id}.csv",
                                                                 f"import-{run.id}-report.csv")})


# The report's columns as the clerk reads them in Excel (the English message stays as one column).
REPORT_HEADER = ["行号", "列名", "问题代码", "问题说明", "问题说明（英文）", "单元格内容"]


def _disposition(name, ascii_name):
    """补贴对象导入报告-12.csv as the saved file's name (RFC 6266/5987 ``filename*``), with an ASCII
    ``filename`` for clients that cannot read it."""
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def _kind_view(importer):
    return {"kind": importer.kind, "title": {"zh": importer.title[0], "en": importer.title[1]},
            "template_url": f"/api/v1/imports/kinds/{importer.kind}/template.xlsx",
            "fields": [{"name": f.name, "zh": f.zh, "en": f.en, "required": f.required,
                        "aliases": sorted(w for w in f.aliases.split("|") if w),
                        # (an example ID or card number shown masked, like every personal number in JSON)
                        "example": None if f.example is None else engine.shown(f.name, str(f.example)),
                        "rule": {"zh": f.rule[0], "en": f.rule[1]}} for f in templates.fields_of(importer)]}


@bp.get("/imports/kinds")
@require(*IMPORTERS)
@bp.output(KindList)
@bp.doc(responses=ERRORS)
def list_kinds():
    """The kinds the caller's role may import, each with its fields (names, other names read as it,
    required or not, an example, the rule) and its template."""
    user = actor()
    return {"items": [_kind_view(k) for k in engine.KINDS.values() if user.role in k.roles]}


@bp.get("/imports/kinds/<kind>/template.xlsx")
@require(*IMPORTERS)
@bp.doc(responses={200: {"description": "Excel template", "content": {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}, 400: {}, 401: {}, 403: {}})
def template(kind):
    """The kind's template: the header and an example row on the first sheet, the rules of each column
    (Chinese and English) on the second."""
    importer = engine.kind_of(kind)
    if actor().role not in importer.roles:
        raise ApiError(403, "role_forbidden", f"您的角色不能导入{importer.title[0]}",
                       f"Your role cannot import {importer.title[1].lower()}")
    return Response(templates.workbook(importer),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": _disposition(f"{importer.title[0]}导入模板.xlsx",
                                                                 f"{kind}-template.xlsx")})


def _mapping_view(kind, region):
    own = db.session.execute(select(ColumnMapping.columns).where(ColumnMapping.region_id == region.id,
                                                                 ColumnMapping.kind == kind)).scalar_one_or_none() or {}
    everything = engine.saved_columns(kind, region)
    inherited = {k: v for k, v in everything.items() if k not in own}
    return {"kind": kind, "region_id": region.id, "columns": own, "inherited": inherited}


@bp.get("/imports/kinds/<kind>/mapping")
@require(*IMPORTERS)
@bp.input(MappingQuery, location="query", arg_name="query")
@bp.output(MappingOut)
@bp.doc(responses=ERRORS)
def get_mapping(kind, query):
    """The column names saved for ``kind`` by a region in scope (and inherited from above it)."""
    region = get_scoped(Region, query["region_id"], actor(), "地区", "region")
    engine.check_access(kind, region, actor())
    return _mapping_view(kind, region)


@bp.put("/imports/kinds/<kind>/mapping")
@require(*IMPORTERS)
@bp.input(MappingIn, arg_name="data")
@bp.output(MappingOut)
@bp.doc(responses=ERRORS)
def put_mapping(kind, data):
    """Save which field each column of the region's files is ({column name as written: field, or
    null to forget it}): next month's file from the same clerk is read that way, no step needed.
    400 ``unknown_field`` / ``field_twice``. Idempotent (saving the same again changes nothing)."""
    user = actor()
    region = get_scoped(Region, data["region_id"], user, "地区", "region")
    engine.check_access(kind, region, user)
    engine.save_mapping(kind, region, user, data["columns"])
    return _mapping_view(kind, region)
