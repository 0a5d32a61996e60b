"""Risk warnings: lists, detail, the rules, and dismissing a false positive."""
from sqlalchemy import select

from ..core import export, idempotency
from ..core.auth import actor, require
from ..core.pagination import paginate_remembered
from ..core.plans import written
from ..core.scoping import get_scoped, scoped
from ..core.tree import with_places
from . import bp, engine, services
from .models import RiskWarning
from .rules import RULES
from .schemas import DismissIn, RulePage, SummaryOut, SummaryQuery, WarningOut, WarningPage, WarningQuery

ERRORS = [400, 401, 403, 404, 409, 413, 415]
STAFF = ("admin", "province", "city", "county", "township_lead", "inspector", "clerk")
DISMISSERS = ("county", "city", "province")


@bp.get("/risk-rules")
@require()
@bp.output(RulePage)
@bp.doc(responses=[401])
def list_rules():
    """Every rule: what it checks and why, its level and its thresholds."""
    return {"items": [services.rule_view(rule, thresholds=True) for rule in RULES.values()]}


def warning_list(query):
    """The warnings list's SELECT, filtered and ordered (the list and its export share it)."""
    stmt = scoped(select(RiskWarning), RiskWarning, actor(), within=query.get("region_id"))
    if query["status"] != "all":
        stmt = stmt.where(RiskWarning.status == written(query["status"]))  # (the list's index leads with it)
    for key, column in (("level", RiskWarning.level), ("rule", RiskWarning.rule_code),
                        ("project_id", RiskWarning.project_id)):
        if key in query:
            stmt = stmt.where(column == query[key])
    return services.order(stmt)


LEVEL_NAMES = {"red": "红", "orange": "橙", "yellow": "黄"}
STATUS_NAMES = {"open": "未处理", "resolved": "已解除", "dismissed": "已排除（误报）"}
WARNING_COLUMNS = (
    export.col("编号", "No.", "number", width=8), export.col("级别", "Level", width=6),
    export.col("状态", "Status", width=10), export.col("规则", "Rule", width=22),
    export.col("说明", "Explanation", width=50), export.col("项目", "Project", width=26), *export.PLACE_COLUMNS,
    export.col("首次发现", "First seen", "datetime", width=20), export.col("最近发现", "Last seen", "datetime", width=20),
    export.col("解除时间", "Resolved at", "datetime", width=20), export.col("排除理由", "Dismissal reason", width=24),
    export.col("整改编号", "Rectification no.", "number", width=10))


def warning_rows(stmt):
    """Batches of ``WARNING_COLUMNS`` rows, built by the list's own views (a few queries a batch)."""
    known = {}  # region id → its places, across batches
    for batch in export.batches(stmt):
        places = export.placed((w.region_id for w in batch), known)
        yield [[v["id"], LEVEL_NAMES.get(v["level"], v["level"]), STATUS_NAMES.get(v["status"], v["status"]),
                v["rule"]["name_zh"], v["explanation_zh"], (v["project"] or {}).get("name"), *places[w.region_id],
                v["first_seen_at"], v["last_seen_at"], v["resolved_at"], v["dismissed_reason"],
                v["rectification_id"]] for w, v in zip(batch, services.views(batch))]


@bp.get("/risks/export")
@require(*STAFF)
@bp.input(export.export_query(WarningQuery, "WarningExportQuery"), location="query", arg_name="query")
@bp.doc(responses={200: {"description": "CSV (UTF-8 with BOM) or Excel, streamed",
                         "content": {"text/csv": {}, export.MIMETYPES["xlsx"]: {}}}, 400: {}, 401: {}, 403: {}, 404: {}})
def export_warnings(query):
    """Every warning the list would show with the same filters (``region_id``, ``status``,
    ``level``, ``rule``, ``project_id``), red first, as ``format=csv`` or ``xlsx``, streamed."""
    stmt = warning_list(query)
    return export.respond(query["format"], WARNING_COLUMNS, lambda: warning_rows(stmt), "风险预警清单", "warnings")


@bp.get("/risks")
@require(*STAFF)
@bp.input(WarningQuery, location="query", arg_name="query")
@bp.output(WarningPage)
@bp.doc(responses=ERRORS)
def list_warnings(query):
    """Warnings in the caller's region (or the subtree of ``region_id`` in it; 403 ``out_of_scope``
    outside it), red first; each names its township and county."""
    def build():
        listed = warning_list(query)
        return services.joined(listed.with_only_columns(*services.VIEWED)), listed
    page = paginate_remembered(build, query)
    rows = services.viewed(page["items"])
    page["items"] = with_places(services.joined_views(rows), [w.region_id for w, *_ in rows])
    return page


@bp.get("/risks/summary")
@require(*STAFF)
@bp.input(SummaryQuery, location="query", arg_name="query")
@bp.output(SummaryOut)
@bp.doc(responses=ERRORS)
def warning_summary(query):
    """Open warnings by level and by rule (in the subtree of ``region_id`` when given; 403
    ``out_of_scope`` outside the caller's region)."""
    return services.summary(actor(), within=query.get("region_id"))


@bp.get("/risks/<int:warning_id>")
@require(*STAFF)
@bp.output(WarningOut)
@bp.doc(responses=ERRORS)
def get_warning(warning_id):
    """One warning with its evidence and explanation."""
    return services.views([get_scoped(RiskWarning, warning_id, actor(), "预警", "warning")])[0]


@bp.post("/risks/<int:warning_id>/dismiss")
@require(*DISMISSERS)
@bp.input(DismissIn, arg_name="data")
@bp.output(WarningOut)
@bp.doc(responses=ERRORS)
def dismiss_warning(warning_id, data):
    """A supervisor dismisses a false positive with a written reason (audited); it stays dismissed
    until the facts change. 409 ``warning_not_open``."""
    user = actor()
    warning = get_scoped(RiskWarning, warning_id, user, "预警", "warning")
    return idempotency.once(data["client_uuid"], user, "risk.dismiss", lambda: (
        WarningOut().dump(services.views([engine.dismiss(warning, user, data["reason"])])[0]), 200))
