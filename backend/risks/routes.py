"""Risk warnings: lists, detail, the rules, and dismissing a false positive."""
from sqlalchemy import select

from ..core import idempotency
from ..core.auth import actor, require
from ..core.pagination import paginate
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


@bp.get("/risks")
@require(*STAFF)
@bp.input(WarningQuery, location="query", arg_name="query")
@bp.output(WarningPage)
@bp.doc(responses=ERRORS)
def list_warnings(query):
    """Warnings in the caller's region (or the subtree of ``region_id`` in it; 403 ``out_of_scope``
    outside it), red first; each names its township and county."""
    stmt = scoped(select(RiskWarning), RiskWarning, actor(), within=query.get("region_id"))
    if query["status"] != "all":
        stmt = stmt.where(RiskWarning.status == query["status"])
    for key, column in (("level", RiskWarning.level), ("rule", RiskWarning.rule_code),
                        ("project_id", RiskWarning.project_id)):
        if key in query:
            stmt = stmt.where(column == query[key])
    page = paginate(services.order(stmt), query)
    page["items"] = with_places(services.views(page["items"]), [w.region_id for w in page["items"]])
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
