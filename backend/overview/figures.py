"""The cockpit's figures: what each one means and how it is computed from the fact tables.

Every stored figure is additive (a sum of money, a count, a sum of days), so that a region's 辖区
value is its own (本级) value plus its children's 辖区 values; rates and averages (spending progress,
closure rate, days to close) are derived from them when read (``derived``).

A figure is either a *flow*, counted in the month its date falls in (``year``, ``month`` 1–12; a
stored moment's month and year are China's, UTC+8, as in the reports), or a
*state* of things now (stored under year 0, month 0): open warnings, idle money, projects by stage.
``compute(region_ids)`` returns the own value of every figure for those regions (``None``: all), as
``{(region_id, year, month, name): value}``; it is the only place that reads the fact tables, and
``summary.py`` keeps the table of results current.
"""
import datetime as dt
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import extract, func, select

from ..assets.models import Asset, ContractReceipt, ContractReceivable, ResourceContract
from ..bank.models import ReconciliationDifference
from ..core import clock
from ..core.models import UtcDateTime, china_time
from ..extensions import db
from ..funds import services as fund_services
from ..funds.models import Fund, FundAllocation, FundExpenditure
from ..inspections.models import COVERAGE_DAYS, Inspection, on_site
from ..projects.models import Project, ProjectPayment
from ..projects.services import STAGE_NAMES, STAGES
from ..rectifications.models import Rectification
from ..risks.rules.no_recent_inspection import ACTIVE as UNDER_WAY
from ..risks.models import LEVELS, RiskWarning
from ..subsidies.models import Disbursement, SubsidyCase, period_months

NOW = (0, 0)  # (year, month) of state figures
ZERO = Decimal(0)
OPEN_STAGES = ("approved", "tendering", "contracted", "construction")
STAGE_ZH = {s: STAGE_NAMES[s][0] for s in STAGES}

# name → (Chinese, English, unit, group). Units: yuan, count, days (a sum of days), yuan_days.
FIGURES = {
    # funds (资金): flows by the date of each hop, and what is left
    "funds_issued": ("下达资金", "Funds issued", "yuan", "funds"),
    "funds_arrived": ("到账资金", "Funds arrived", "yuan", "funds"),
    "funds_allocated": ("已分配资金", "Funds allocated", "yuan", "funds"),
    "funds_spent": ("已支出资金", "Funds spent", "yuan", "funds"),
    "funds_unspent": ("到账未支出", "Arrived, unspent", "yuan", "funds"),
    "funds_idle": ("沉淀资金", "Idle money", "yuan", "funds"),
    "funds_idle_yuan_days": ("沉淀资金·天", "Idle money × days", "yuan_days", "funds"),
    # each fund's hops counted in the month it was issued: a year's hops are its own funds'
    "fund_hops_due": ("应完成资金环节", "Fund hops due", "count", "funds"),
    "fund_hops_on_time": ("按时完成资金环节", "Fund hops on time", "count", "funds"),
    # projects
    "projects": ("项目数", "Projects", "count", "projects"),
    **{f"projects_{s}": (f"{zh}阶段项目", f"Projects · {s}", "count", "projects") for s, zh in STAGE_ZH.items()},
    "project_budget": ("项目预算", "Project budgets", "yuan", "projects"),
    "project_paid": ("项目支付", "Project payments", "yuan", "projects"),
    "projects_overdue": ("超期未完工项目", "Projects past completion", "count", "projects"),
    # under way (contracted, construction, acceptance) and inspected *on site* in 30 days: 巡查覆盖's count
    "projects_inspected_30d": ("近30天现场巡查过的在建项目", "Projects under way inspected on site in 30 days", "count",
                               "projects"),
    "inspections": ("巡查次数", "Inspections", "count", "projects"),
    # subsidies (惠民惠农)
    "subsidy_paid": ("补贴发放金额", "Subsidies paid", "yuan", "subsidies"),
    "subsidy_paid_count": ("补贴发放笔数", "Subsidy payments", "count", "subsidies"),
    "subsidy_failed": ("发放失败笔数", "Failed payments", "count", "subsidies"),
    # the failures by the period they pay for (its last month; a failure has no day of its own): a
    # year's or a month's 一次发放成功率 sets its payments against its own failures, not today's
    "subsidy_failed_period": ("当期发放失败笔数", "Failed payments of the period", "count", "subsidies"),
    "subsidy_pending": ("待发放笔数", "Pending payments", "count", "subsidies"),
    "cases_filed": ("“没收到”反映", "“Not received” cases", "count", "subsidies"),
    "cases_answered": ("已答复反映", "Cases answered", "count", "subsidies"),
    "case_answer_days": ("答复用时（天）", "Days to answer (sum)", "days", "subsidies"),
    "cases_open": ("未答复反映", "Cases open", "count", "subsidies"),
    "recon_differences": ("对账差异", "Reconciliation differences", "count", "subsidies"),
    # warnings and rectifications
    "warnings_raised": ("新增预警", "Warnings raised", "count", "risks"),
    **{f"warnings_open_{lv}": (f"未处理预警·{zh}", f"Open warnings · {lv}", "count", "risks")
       for lv, zh in zip(LEVELS, ("红", "橙", "黄"))},
    "rect_open": ("整改中", "Rectifications open", "count", "risks"),
    "rect_submitted": ("待审核整改", "Rectifications submitted", "count", "risks"),
    "rect_overdue": ("逾期整改", "Rectifications overdue", "count", "risks"),
    "rect_closed": ("已办结整改", "Rectifications closed", "count", "risks"),
    "rect_closed_on_time": ("按期办结整改", "Closed on time", "count", "risks"),
    "rect_close_days": ("办结用时（天）", "Days to close (sum)", "days", "risks"),
    # 三资
    "assets": ("资产数", "Assets", "count", "assets"),
    "assets_value": ("资产净值", "Asset net value", "yuan", "assets"),
    "assets_idle": ("闲置资产数", "Idle assets", "count", "assets"),
    "assets_idle_value": ("闲置资产净值", "Idle asset value", "yuan", "assets"),
    "contracts_active": ("在履行合同", "Active contracts", "count", "assets"),
    "receivables_overdue": ("逾期应收", "Receivables overdue", "yuan", "assets"),
}

FLOWS = ("funds_issued", "funds_arrived", "funds_allocated", "funds_spent", "fund_hops_due", "fund_hops_on_time",
         "project_paid", "inspections", "subsidy_paid", "subsidy_paid_count", "subsidy_failed_period",
         "cases_filed", "cases_answered", "case_answer_days", "warnings_raised", "rect_closed", "rect_closed_on_time",
         "rect_close_days")


def _money(value):
    return Decimal(value or 0).quantize(Decimal("0.01"))


class _Out:
    """The figures being collected: own value per (region, year, month, name)."""

    def __init__(self):
        self.values = defaultdict(lambda: ZERO)

    def add(self, region_id, year, month, name, value):
        if value:
            self.values[(int(region_id), int(year), int(month), name)] += Decimal(value)

    def flows(self, rows, name):
        """Rows of (region_id, year, month, value)."""
        for region_id, year, month, value in rows:
            if year is not None:
                self.add(region_id, year, month, name, value)

    def states(self, rows, name):
        """Rows of (region_id, value)."""
        for region_id, value in rows:
            self.add(region_id, *NOW, name, value)


def _flow(out, name, value, day, region, where=(), joins=()):
    """A flow by the month its day falls in: a date is already China's; a stored moment (UTC) is
    counted by China's calendar, shifted in the query so that SQLite and PostgreSQL agree."""
    where = [day.is_not(None), *where]
    if isinstance(day.type, UtcDateTime):
        day = china_time(day)
    stmt = select(region, extract("year", day), extract("month", day), value)
    for target, on in joins:
        stmt = stmt.join(target, on)
    stmt = stmt.where(*where).group_by(region, extract("year", day), extract("month", day))
    out.flows(db.session.execute(stmt), name)


def compute(regions=None):
    """The own value of every figure for the regions with these ids (None: every region)."""
    out = _Out()
    today = clock.today()
    only = (lambda col: col.in_(regions)) if regions is not None else (lambda col: True)  # noqa: E731
    _funds(out, today, only)
    _projects(out, today, only)
    _subsidies(out, only)
    _risks(out, today, only)
    _assets(out, today, only)
    return {key: value for key, value in out.values.items() if value}


def _funds(out, today, only):
    _flow(out, "funds_issued", func.sum(Fund.amount), Fund.issued_on, Fund.region_id, [only(Fund.region_id)])
    _flow(out, "funds_arrived", func.sum(Fund.amount), Fund.arrived_on, Fund.region_id, [only(Fund.region_id)])
    _flow(out, "funds_allocated", func.sum(FundAllocation.amount), FundAllocation.allocated_on,
          FundAllocation.region_id, [only(FundAllocation.region_id)])
    _flow(out, "funds_spent", func.sum(FundExpenditure.amount), FundExpenditure.spent_on,
          FundExpenditure.region_id, [only(FundExpenditure.region_id)])
    # The hops and idle money need each fund's running totals: few rows (budget lines), read once, and
    # the one hop rule (funds.services.hops) that the fund-flow view shows hop by hop.
    idle_after = current_app.config["FUND_IDLE_DAYS"]
    funds = db.session.execute(select(Fund.id, Fund.region_id, Fund.category, Fund.amount, Fund.issued_on,
                                      Fund.arrived_on).where(only(Fund.region_id))).all()
    flows = fund_services.flows(funds, select(Fund.id).where(only(Fund.region_id)), today,
                                current_app.config["FUND_DEADLINE_DAYS"])
    for f in funds:
        hops, _allocated, spent = flows[f.id]
        issued = (f.issued_on.year, f.issued_on.month)  # (the year's hops are its own funds')
        for hop in hops:
            if hop["due"]:
                out.add(f.region_id, *issued, "fund_hops_due", 1)
                if hop["on_time"]:
                    out.add(f.region_id, *issued, "fund_hops_on_time", 1)
        if f.arrived_on is not None and spent < f.amount:
            left = f.amount - spent
            out.add(f.region_id, *NOW, "funds_unspent", left)
            age = (today - f.arrived_on).days
            if age > idle_after:
                out.add(f.region_id, *NOW, "funds_idle", left)
                out.add(f.region_id, *NOW, "funds_idle_yuan_days", left * age)


def _projects(out, today, only):
    where = [only(Project.region_id)]
    out.states(db.session.execute(select(Project.region_id, func.count()).where(*where)
                                  .group_by(Project.region_id)), "projects")
    out.states(db.session.execute(select(Project.region_id, func.sum(Project.budget)).where(*where)
                                  .group_by(Project.region_id)), "project_budget")
    for region_id, stage, n in db.session.execute(select(Project.region_id, Project.stage, func.count())
                                                   .where(*where).group_by(Project.region_id, Project.stage)):
        out.add(region_id, *NOW, f"projects_{stage}", n)
    grace = timedelta(days=current_app.config["RISK_STAGE_OVERDUE_GRACE_DAYS"])
    out.states(db.session.execute(select(Project.region_id, func.count()).where(
        *where, Project.stage.in_(OPEN_STAGES), Project.planned_end_on < today - grace)
        .group_by(Project.region_id)), "projects_overdue")
    _flow(out, "project_paid", func.sum(ProjectPayment.amount), ProjectPayment.paid_on, Project.region_id,
          where, joins=[(Project, Project.id == ProjectPayment.project_id)])
    # 巡查覆盖's definition (inspections.models): a project under way with an on-site inspection that
    # reached the server in the last 30 days, counted where the project is
    since = clock.now() - timedelta(days=COVERAGE_DAYS)
    out.states(db.session.execute(select(Project.region_id, func.count(func.distinct(Project.id)))
                                  .join(Inspection, Inspection.project_id == Project.id)
                                  .where(*where, Project.stage.in_(UNDER_WAY), on_site(), Inspection.created_at >= since)
                                  .group_by(Project.region_id)), "projects_inspected_30d")
    _flow(out, "inspections", func.count(), Inspection.recorded_at, Inspection.region_id,
          [only(Inspection.region_id)])


def _subsidies(out, only):
    paid = [only(Disbursement.region_id), Disbursement.status == "paid"]
    _flow(out, "subsidy_paid", func.sum(Disbursement.amount), Disbursement.paid_on, Disbursement.region_id, paid)
    _flow(out, "subsidy_paid_count", func.count(), Disbursement.paid_on, Disbursement.region_id, paid)
    out.states(db.session.execute(select(Disbursement.region_id, func.count())
                                  .where(only(Disbursement.region_id), Disbursement.status == "pending")
                                  .group_by(Disbursement.region_id)), "subsidy_pending")
    # The failures read once: open now (a state) and by the period they pay for (a flow).
    for region_id, period, n in db.session.execute(
            select(Disbursement.region_id, Disbursement.period, func.count())
            .where(only(Disbursement.region_id), Disbursement.status == "failed")
            .group_by(Disbursement.region_id, Disbursement.period)):
        out.add(region_id, *NOW, "subsidy_failed", n)
        found = period_months(period)
        if found is not None:
            out.add(region_id, found[0], found[1][-1], "subsidy_failed_period", n)
    # 三方对账's differences as they stand (bank/reconcile.py keeps them), counted in the person's village
    out.states(db.session.execute(select(ReconciliationDifference.region_id, func.count())
                                  .where(only(ReconciliationDifference.region_id))
                                  .group_by(ReconciliationDifference.region_id)), "recon_differences")
    _flow(out, "cases_filed", func.count(), SubsidyCase.created_at, SubsidyCase.region_id,
          [only(SubsidyCase.region_id)])
    out.states(db.session.execute(select(SubsidyCase.region_id, func.count())
                                  .where(only(SubsidyCase.region_id), SubsidyCase.status == "open")
                                  .group_by(SubsidyCase.region_id)), "cases_open")
    for region_id, filed, answered in db.session.execute(
            select(SubsidyCase.region_id, SubsidyCase.created_at, SubsidyCase.answered_at)
            .where(only(SubsidyCase.region_id), SubsidyCase.answered_at.is_not(None))):
        day = clock.local_date(answered)
        out.add(region_id, day.year, day.month, "cases_answered", 1)
        out.add(region_id, day.year, day.month, "case_answer_days",
                _money(Decimal((answered - filed).total_seconds()) / 86400))


def _risks(out, today, only):
    _flow(out, "warnings_raised", func.count(), RiskWarning.first_seen_at, RiskWarning.region_id,
          [only(RiskWarning.region_id)])
    for region_id, level, n in db.session.execute(
            select(RiskWarning.region_id, RiskWarning.level, func.count())
            .where(only(RiskWarning.region_id), RiskWarning.status == "open")
            .group_by(RiskWarning.region_id, RiskWarning.level)):
        out.add(region_id, *NOW, f"warnings_open_{level}", n)
    rows = db.session.execute(select(Rectification.region_id, Rectification.status, Rectification.due_on,
                                     Rectification.created_at, Rectification.closed_at)
                              .where(only(Rectification.region_id)))
    for region_id, status, due_on, created_at, closed_at in rows:
        if status in ("open", "submitted"):
            out.add(region_id, *NOW, f"rect_{status}", 1)
            if due_on < today:
                out.add(region_id, *NOW, "rect_overdue", 1)
        elif closed_at is not None:
            day = clock.local_date(closed_at)
            out.add(region_id, day.year, day.month, "rect_closed", 1)
            out.add(region_id, day.year, day.month, "rect_close_days", (day - clock.local_date(created_at)).days)
            if day <= due_on:
                out.add(region_id, day.year, day.month, "rect_closed_on_time", 1)


def _assets(out, today, only):
    held = [only(Asset.region_id), Asset.status != "处置"]
    out.states(db.session.execute(select(Asset.region_id, func.count()).where(*held)
                                  .group_by(Asset.region_id)), "assets")
    out.states(db.session.execute(select(Asset.region_id, func.sum(Asset.net_value)).where(*held)
                                  .group_by(Asset.region_id)), "assets_value")
    idle = [only(Asset.region_id), Asset.status == "闲置"]
    out.states(db.session.execute(select(Asset.region_id, func.count()).where(*idle)
                                  .group_by(Asset.region_id)), "assets_idle")
    out.states(db.session.execute(select(Asset.region_id, func.sum(Asset.net_value)).where(*idle)
                                  .group_by(Asset.region_id)), "assets_idle_value")
    active = [only(ResourceContract.region_id), ResourceContract.status == "active",
              ResourceContract.ends_on >= today]
    out.states(db.session.execute(select(ResourceContract.region_id, func.count()).where(*active)
                                  .group_by(ResourceContract.region_id)), "contracts_active")
    due = (select(ContractReceivable.contract_id, func.sum(ContractReceivable.amount).label("due"))
           .where(ContractReceivable.due_on < today).group_by(ContractReceivable.contract_id).subquery())
    got = (select(ContractReceipt.contract_id, func.sum(ContractReceipt.amount).label("got"))
           .group_by(ContractReceipt.contract_id).subquery())
    owed = due.c.due - func.coalesce(got.c.got, 0)
    for region_id, amount in db.session.execute(
            select(ResourceContract.region_id, owed).join(due, due.c.contract_id == ResourceContract.id)
            .outerjoin(got, got.c.contract_id == ResourceContract.id)
            .where(only(ResourceContract.region_id), owed > 0)):
        out.add(region_id, *NOW, "receivables_overdue", amount)


def time_progress(year=None, as_of=None):
    """How far through ``year`` the day ``as_of`` is, in percent (both default to today's): a year
    gone by is 100 (its spending is judged at its end, not against today), one to come 0."""
    day = as_of or clock.today()
    start = dt.date(year or day.year, 1, 1)
    days_in_year = (start.replace(year=start.year + 1) - start).days
    elapsed = min(max((day - start).days + 1, 0), days_in_year)
    return (Decimal(elapsed) / days_in_year * 100).quantize(Decimal("0.1"))


def derived(values, year=None, as_of=None):
    """Rates and averages from a region's additive figures (its own or its 辖区 values) for ``year``
    as it stood on ``as_of`` (see ``time_progress``)."""
    v = lambda name: Decimal(values.get(name) or 0)  # noqa: E731
    ratio = lambda a, b: (a / b * 100).quantize(Decimal("0.1")) if b else None  # noqa: E731
    mean = lambda a, b: (a / b).quantize(Decimal("0.1")) if b else None  # noqa: E731
    return {
        "time_progress_pct": time_progress(year, as_of),
        "arrival_pct": ratio(v("funds_arrived"), v("funds_issued")),
        "spending_pct": ratio(v("funds_spent"), v("funds_arrived")),
        "allocation_pct": ratio(v("funds_allocated"), v("funds_arrived")),
        "hops_on_time_pct": ratio(v("fund_hops_on_time"), v("fund_hops_due")),
        "idle_age_days": mean(v("funds_idle_yuan_days"), v("funds_idle")),
        "first_time_paid_pct": ratio(v("subsidy_paid_count"), v("subsidy_paid_count") + v("subsidy_failed_period")),
        "case_answer_days": mean(v("case_answer_days"), v("cases_answered")),
        "rect_on_time_pct": ratio(v("rect_closed_on_time"), v("rect_closed")),
        "rect_close_days": mean(v("rect_close_days"), v("rect_closed")),
        "inspected_30d_pct": ratio(v("projects_inspected_30d"),
                                   sum((v(f"projects_{s}") for s in UNDER_WAY), Decimal(0))),
        "idle_assets_pct": ratio(v("assets_idle_value"), v("assets_value")),
    }
