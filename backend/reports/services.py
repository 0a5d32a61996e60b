"""Generating reports and keeping them: each generation is a new row of the library with its file in
storage, its cut-off, its rows hash and who made it; an issued file is never written again."""
import gzip
import hashlib

from flask import current_app
from sqlalchemy import func, select

from ..core import clock, storage
from ..core.errors import ApiError, bad_field
from ..core.models import Region, User
from ..extensions import db
from . import data, render
from .models import Report
from .periods import parse

FORMATS = {"pdf": "application/pdf",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
READERS = ("admin", "province", "city", "county", "township_lead")


def check_kind(kind, path="json.kind"):
    """400 ``unknown_report_kind`` unless ``kind`` is one of the six."""
    if kind not in data.KINDS:
        raise bad_field(path, "unknown_report_kind", f"没有这种报表：应为 {'、'.join(data.KINDS)} 之一",
                        f"No such report; one of {', '.join(data.KINDS)}")
    return kind


def check_format(fmt, path="json.format"):
    """400 ``unknown_report_format`` unless pdf or xlsx."""
    if fmt not in FORMATS:
        raise bad_field(path, "unknown_report_format", "格式应为 pdf 或 xlsx", "The format is pdf or xlsx")
    return fmt


def render_file(kind, region, period, fmt, by=None, cut_off=None, version=1, again=False):
    """(document, file bytes) of a report, made here and now (the CLI, the job and the tests);
    ``again``: from the rows kept for that cut-off, if any (``document``)."""
    cut_off = cut_off or clock.now()
    doc = document(kind, region, period, cut_off, again)
    meta = {"by": by, "at": clock.now(), "version": version}
    body = render.pdf(doc, meta, current_app.config["REPORTS_PDF_MAX_ROWS"]) if fmt == "pdf" else render.xlsx(doc, meta)
    return doc, body


def queue(region, kind, period_code, fmt, actor, scheduled=False):
    """A new version of this report, queued (its job is enqueued when the transaction commits) — or,
    while the same report (region, kind, period, format) still waits in the queue, that one: asking
    again, by a double click or a script in a loop, does not pile work on the one worker that also
    runs the scans and imports (the waiting one's cut-off is when it was first asked for)."""
    from . import jobs as report_jobs
    check_kind(kind)
    check_format(fmt)
    period = parse(period_code)
    same = (Report.region_id == region.id, Report.kind == kind, Report.period == period.code, Report.format == fmt)
    waiting = None if scheduled else db.session.execute(  # (the month's own reports are always their own)
        select(Report).where(*same, Report.status == "queued").order_by(Report.version.desc()).limit(1)).scalar_one_or_none()
    if waiting is not None:
        return waiting
    version = (db.session.scalar(select(func.max(Report.version)).where(*same)) or 0) + 1
    report = Report(region_id=region.id, kind=kind, period=period.code, format=fmt, version=version,
                    status="queued", cut_off_at=clock.now(), scheduled=scheduled,
                    created_by_id=getattr(actor, "id", None), created_at=clock.now())
    db.session.add(report)
    db.session.flush()
    from .. import jobs
    jobs.after_commit(report_jobs.generate_report, report.id)
    return report


def generate(report, progress=lambda **_: None):
    """Make a queued report's file, store it and mark it done (idempotent: a done one is left alone)."""
    if report.status != "queued":
        return report
    made = read(report, progress)
    return store(report, made, render_body(made, progress), progress)


def read(report, progress=lambda **_: None):
    """What the file is made from, as plain values (nothing in it loads from the database later)."""
    region = db.session.get(Region, report.region_id)
    by = db.session.get(User, report.created_by_id).display_name if report.created_by_id else None
    progress(phase="reading", pct=10)
    doc = document(report.kind, region, parse(report.period), report.cut_off_at)
    return {"doc": doc, "format": report.format, "meta": {"by": by, "at": clock.now(), "version": report.version},
            "key": f"reports/{region.code}/{report.period}/{report.kind}-v{report.version}-{report.id}.{report.format}"}


def document(kind, region, period, cut_off, again=False):
    """The report's rows as of ``cut_off``, read from the data and kept beside the files (gzip JSON,
    types kept, one per region, kind, period and cut-off minute — the minute the footer prints; the
    first report of a minute is the one kept).

    ``again`` (``flask report --cut-off … --again``): the rows kept for that minute, read back —
    the summary tables keep states only as they are now, and a figure recorded later for an earlier
    month lands in that month, so reading the data again could not give the cut-off's figures. Same
    cut-off, same figures, same hash; 404 ``report_rows_not_kept`` when no report was made then."""
    store_ = storage.from_config(current_app.config)
    key = rows_key(region, kind, period, cut_off)
    if again:
        kept = store_.get(key)
        if kept is None:
            raise ApiError(404, "report_rows_not_kept", "该截止时间（精确到分钟）没有生成过此报表，无从重现",
                           "No such report was made at that cut-off (to the minute): nothing to make again")
        doc = data.loads(gzip.decompress(kept))
        return {**doc, "template_version": data.TEMPLATE_VERSION}  # (the rows are kept; the layout is today's)
    doc = data.build(kind, region, period, cut_off)
    if store_.get(key) is None:  # (the first report of the minute is the one kept: never overwritten)
        store_.put(key, gzip.compress(data.dumps(doc), mtime=0))
    return doc


def rows_key(region, kind, period, cut_off):
    minute = clock.as_utc(cut_off).strftime("%Y%m%dT%H%MZ")
    return f"reports/{region.code}/{period.code}/rows/{kind}-{minute}.json.gz"


def render_body(made, progress=lambda **_: None):
    """The file's bytes (minutes for a long PDF: the job holds no transaction meanwhile)."""
    progress(phase="rendering", pct=50)
    if made["format"] == "pdf":
        return render.pdf(made["doc"], made["meta"], current_app.config["REPORTS_PDF_MAX_ROWS"])
    return render.xlsx(made["doc"], made["meta"])


def store(report, made, body, progress=lambda **_: None):
    progress(phase="storing", pct=90)
    doc = made["doc"]
    storage.from_config(current_app.config).put(made["key"], body)
    report.file_key, report.size = made["key"], len(body)
    report.file_sha256 = hashlib.sha256(body).hexdigest()
    report.rows_sha256, report.template_version = doc["rows_sha256"], doc["template_version"]
    report.totals = {k: (str(v) if v is not None else None) for k, v in doc["totals"].items()}
    report.status, report.finished_at = "done", clock.now()
    db.session.flush()
    return report


def file_of(report):
    """(bytes, mimetype, filename) of a done report; 409 ``report_not_ready`` before, ``report_failed``
    when its job failed (it will never be ready: generate it again)."""
    if report.status == "failed":
        raise ApiError(409, "report_failed", "该报表生成失败，请重新生成", "This report failed; generate it again")
    if report.status != "done" or not report.file_key:
        raise ApiError(409, "report_not_ready", "报表尚未生成完成", "The report is not ready yet")
    body = storage.from_config(current_app.config).get(report.file_key)
    if body is None:
        raise ApiError(410, "report_file_gone", "报表文件已不存在", "The report's file is gone")
    region = db.session.get(Region, report.region_id)
    name = f"{region.name}-{data.KINDS[report.kind][0]}-{report.period}-v{report.version}.{report.format}"
    return body, FORMATS[report.format], name


def view(report, progress=None):
    region = db.session.get(Region, report.region_id)
    return {"id": report.id, "region": {"id": region.id, "code": region.code, "name": region.name},
            "kind": report.kind, "kind_zh": data.KINDS[report.kind][0], "kind_en": data.KINDS[report.kind][1],
            "period": report.period, "format": report.format, "version": report.version, "status": report.status,
            "cut_off_at": report.cut_off_at, "rows_sha256": report.rows_sha256,
            "template_version": report.template_version, "file_sha256": report.file_sha256, "size": report.size,
            "totals": report.totals or {}, "scheduled": report.scheduled,
            "created_by": report.created_by.display_name if report.created_by else None,
            "created_at": report.created_at, "finished_at": report.finished_at, "error": report.error,
            "progress": progress, "status_url": f"/api/v1/reports/{report.id}",
            "download_url": f"/api/v1/reports/{report.id}/file" if report.status == "done" else None}


def library(region, period=None, kind=None):
    """The region's reports, newest first (``period``, ``kind`` narrow it)."""
    stmt = select(Report).where(Report.region_id == region.id)
    if period:
        stmt = stmt.where(Report.period == period)
    if kind:
        stmt = stmt.where(Report.kind == kind)
    return stmt.order_by(Report.id.desc())


def schedule_monthly(today=None):
    """After a month closes (the job runs on the days ``REPORTS_MONTHLY_DAYS``): each active region of the levels
    ``REPORTS_MONTHLY_LEVELS`` gets last month's six reports in both formats, once (a region that has a
    scheduled report of that month already is skipped), and its supervisors are told. Returns how
    many reports were queued."""
    from .periods import last_month
    config = current_app.config
    period = last_month(today or clock.today())
    regions = db.session.execute(select(Region).where(Region.level.in_(config["REPORTS_MONTHLY_LEVELS"]),
                                                      Region.status == "active").order_by(Region.path)).scalars().all()
    done = set(db.session.execute(select(Report.region_id).where(Report.period == period.code,
                                                                  Report.scheduled.is_(True))).scalars())
    queued = 0
    for region in regions:
        if region.id in done:
            continue
        for kind in config["REPORTS_MONTHLY_KINDS"]:
            for fmt in config["REPORTS_MONTHLY_FORMATS"]:
                queue(region, kind, period.code, fmt, None, scheduled=True)
                queued += 1
        _tell(region, period)
    return queued


def _tell(region, period):
    """The region's own supervisors (the users of the roles that read reports, at this region) hear
    that its monthly reports are in the library."""
    from ..notifications.services import notify
    users = db.session.execute(select(User).where(User.region_id == region.id, User.role.in_(READERS),
                                                  User.active.is_(True))).scalars().all()
    notify(users, "reports_monthly", f"{region.name}{period.zh}月度报表已生成",
           f"{region.name}: the monthly reports of {period.en} are ready", f"/reports?region_id={region.id}")
