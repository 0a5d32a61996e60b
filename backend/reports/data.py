"""What each report says: its tables, read from the cockpit's summary table (``region_figures``, the
same sums ``overview.services`` reads) for every figure the cockpit shows, and from the fact tables,
through the region scoping, for the detail rows (the warnings ledger, the inspections, the funds hop
by hop, subsidies by policy and village).

``build(kind, region, period, cut_off)`` returns one plain document: tables of rows of plain values
(str, int, Decimal, date) that the PDF and the Excel file both render, and ``rows_hash`` its
SHA-256 over a canonical serialization, so that the same data gives the same hash.

Flows (money issued, payments made, warnings raised, inspections) are counted in the period's months,
exactly as the cockpit counts them; states (idle money, open warnings, assets held) are as they stood
when the period ended, for a closed period whose month-end states were kept (overview.snapshots),
else as of the generation, as in the cockpit. Detail rows only count what was recorded by the cut-off.
"""
import hashlib
import json
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from flask import current_app
from sqlalchemy import Integer, and_, case, cast, exists, func, or_, select
from sqlalchemy.orm import aliased

from ..bank.models import ReconciliationDifference
from ..bank.reconcile import FINDINGS
from ..core import clock, pii
from ..core.models import Region, User
from ..extensions import db
from ..funds import services as fund_services
from ..funds.models import CATEGORIES, Fund
from ..inspections.models import Inspection
from ..overview import figures, health, snapshots
from ..overview.models import RegionFigure, RegionStateFigure
from ..overview.services import region_brief
from ..projects.models import Project
from ..rectifications.models import Rectification, Submission, Transition
from ..risks.models import RiskWarning
from ..subsidies.models import Beneficiary, Disbursement, NoticeEntry, SubsidyCase, SubsidyPolicy

TEMPLATE_VERSION = "reports-4"  # 2: a long table's PDF shows its first lines and a note; 3: 三方对账差异;
# 4: says whether states are those kept at the period's end or those at generation
KINDS = {
    "funds": ("资金通达情况表", "Fund reach"),
    "subsidies": ("惠民惠农补贴发放情况表", "Subsidy payments"),
    "warnings": ("风险预警与整改台账", "Risk warnings and rectifications ledger"),
    "inspections": ("巡查情况", "Inspections"),
    "assets": ("三资情况", "Assets, resources and contracts"),
    "health": ("乡镇财政健康指数报告", "Township finance health index"),
}
ZERO = Decimal("0.00")
HOP_ZH = {"register": ("到账", "arrival"), "allocate": ("分配", "allocation"), "spend": ("支出", "spending")}
LEVEL_ZH = {"red": "红", "orange": "橙", "yellow": "黄"}
RECT_ZH = {"open": "整改中", "submitted": "待审核", "approved": "已通过", "closed_not_fixed": "未整改关闭"}


def col(key, zh, en, type_="text"):
    return {"key": key, "zh": zh, "en": en, "type": type_}


def fig(name, type_=None):
    """A column for a cockpit figure, named as the cockpit names it."""
    zh, en, unit, _ = figures.FIGURES[name]
    return col(name, zh, en, type_ or ("money" if unit == "yuan" else "int"))


def _plain(value):
    return Decimal(value or 0).quantize(Decimal("0.01"))


# ---- the summary table, as the cockpit reads it ------------------------------------------------------

def children_of(region):
    return db.session.execute(select(Region).where(Region.parent_id == region.id).order_by(Region.code)).scalars().all()


def sums(region_ids, period):
    """({region_id: {figure: own}}, {region_id: {figure: 辖区}}): flows over the period's months, and
    states as they stood when the period ended if it has and they were kept then (overview.snapshots),
    else states now — for this year, the very query of ``overview.services._sums``."""
    kept = snapshots.month_of(period.year, period.months[-1])
    flows = and_(RegionFigure.year == period.year, RegionFigure.month.in_(period.months))
    own, total = defaultdict(dict), defaultdict(dict)
    if kept is None:
        queries = [select(RegionFigure.region_id, RegionFigure.name, func.sum(RegionFigure.own),
                          func.sum(RegionFigure.total))
                   .where(RegionFigure.region_id.in_(region_ids), or_(flows, RegionFigure.year == figures.NOW[0]))
                   .group_by(RegionFigure.region_id, RegionFigure.name)]
    else:
        queries = [select(RegionFigure.region_id, RegionFigure.name, func.sum(RegionFigure.own),
                          func.sum(RegionFigure.total))
                   .where(RegionFigure.region_id.in_(region_ids), flows)
                   .group_by(RegionFigure.region_id, RegionFigure.name),
                   select(RegionStateFigure.region_id, RegionStateFigure.name, RegionStateFigure.own,
                          RegionStateFigure.total)
                   .where(RegionStateFigure.region_id.in_(region_ids), RegionStateFigure.year == kept[0],
                          RegionStateFigure.month == kept[1])]
    for query in queries:
        for region_id, name, o, t in db.session.execute(query):
            own[region_id][name] = _plain(o)
            total[region_id][name] = _plain(t)
    return own, total


def _complete(values):
    return {name: values.get(name, ZERO) for name in figures.FIGURES}


def _by_region(region, period):
    """Rows 本级 + each child (辖区), and the region's 辖区 total: (rows, total, children)."""
    children = children_of(region)
    own, total = sums([region.id, *(c.id for c in children)], period)
    rows = [{"region": f"{region.name}（本级）", "_id": region.id, **_complete(own.get(region.id, {}))}]
    shown = []
    for child in children:
        values = total.get(child.id, {})
        if child.status != "active" and not values:
            continue
        shown.append(child)
        rows.append({"region": child.name, "_id": child.id, **_complete(values)})
    return rows, _complete(total.get(region.id, {})), shown


def _table(title_zh, title_en, columns, rows, total=None):
    keys = [c["key"] for c in columns]
    clean = [{k: r.get(k) for k in keys} for r in rows]
    return {"title_zh": title_zh, "title_en": title_en, "columns": columns, "rows": clean,
            "total": {k: total.get(k) for k in keys} if total is not None else None}


def _chart(title_zh, title_en, labels, series):
    """A bar chart: labels, and series [(name_zh, name_en, [values])]."""
    return {"title_zh": title_zh, "title_en": title_en, "labels": labels,
            "series": [{"zh": zh, "en": en, "values": values} for zh, en, values in series]}


def _subtree(region):
    return Region.path.startswith(region.path, autoescape=True)


# ---- the six kinds ------------------------------------------------------------------------------------

def _funds(region, period, cut_off):
    rows, total, _ = _by_region(region, period)
    for r in rows + [total]:
        d = figures.derived(r, as_of=_judged_on(period))
        r["arrival_pct"], r["spending_pct"] = d["arrival_pct"], d["spending_pct"]
    names = ("funds_issued", "funds_arrived", "funds_allocated", "funds_spent", "funds_unspent", "funds_idle")
    columns = [col("region", "地区", "Region"), *(fig(n) for n in names),
               col("arrival_pct", "到账率%", "Arrived %", "pct"), col("spending_pct", "支出率%", "Spent %", "pct")]
    total["region"] = "合计（辖区）"
    first = _table("一、分地区资金通达", "1. Funds by region", columns, rows, total)

    start, end = period.start, period.end
    funds = db.session.execute(
        select(Fund.id, Fund.region_id, Fund.doc_no, Fund.name, Fund.category, Fund.amount, Fund.issued_on,
               Fund.arrived_on, Region.name.label("region_name"))
        .join(Region, Region.id == Fund.region_id)
        .where(_subtree(region), Fund.issued_on >= start, Fund.issued_on < end)
        .order_by(Fund.issued_on, Fund.doc_no, Fund.id)).all()
    chosen = (select(Fund.id).join(Region, Region.id == Fund.region_id)
              .where(_subtree(region), Fund.issued_on >= start, Fund.issued_on < end))
    flows = fund_services.flows(funds, chosen, clock.today(), current_app.config["FUND_DEADLINE_DAYS"])
    detail, late_funds = [], 0
    for f in funds:
        hops, allocated, spent = flows[f.id]
        late = [h for h in hops if h["late"]]
        late_funds += bool(late)
        days = {h["hop"]: h["days"] for h in hops}
        detail.append({"doc_no": f.doc_no, "name": f.name, "region": f.region_name,
                       "category": CATEGORIES.get(f.category, (f.category,))[0], "amount": _plain(f.amount),
                       "allocated": _plain(allocated), "spent": _plain(spent), "issued_on": f.issued_on,
                       "register_days": days["register"], "allocate_days": days["allocate"],
                       "spend_days": days["spend"],
                       "late": "、".join(HOP_ZH[h["hop"]][0] for h in late) or "—"})
    second = _table("二、资金环节明细（本期下达）", "2. Each budget line issued in the period, hop by hop", [
        col("doc_no", "文号", "Document"), col("name", "资金名称", "Fund"), col("region", "地区", "Region"),
        col("category", "类别", "Category"), col("amount", "金额", "Amount", "money"),
        col("allocated", "已分配", "Allocated", "money"), col("spent", "已支出", "Spent", "money"),
        col("issued_on", "下达日期", "Issued", "date"), col("register_days", "到账天数", "Days to arrive", "int"),
        col("allocate_days", "分配天数", "Days to allocate", "int"), col("spend_days", "支出天数", "Days to spend", "int"),
        col("late", "超期环节", "Late hops")], detail,
        {"doc_no": "合计", "name": f"{len(detail)} 笔，超期 {late_funds} 笔", "amount": sum((d["amount"] for d in detail), ZERO),
         "allocated": sum((d["allocated"] for d in detail), ZERO), "spent": sum((d["spent"] for d in detail), ZERO)})
    kids = rows[1:]
    chart = _chart("下达、到账、支出（元）", "Issued, arrived, spent (yuan)", [r["region"] for r in kids],
                   [(figures.FIGURES[n][0], figures.FIGURES[n][1], [r[n] for r in kids])
                    for n in ("funds_issued", "funds_arrived", "funds_spent")])
    return [first, second], chart, {n: total[n] for n in names}


def _subsidies(region, period, cut_off):
    rows, total, _ = _by_region(region, period)
    names = ("subsidy_paid", "subsidy_paid_count", "subsidy_failed", "subsidy_pending", "cases_filed", "cases_open",
             "recon_differences")
    for r in rows + [total]:
        r["first_time_paid_pct"] = figures.derived(r)["first_time_paid_pct"]
    total["region"] = "合计（辖区）"
    first = _table("一、分地区发放情况", "1. Payments by region", [
        col("region", "地区", "Region"), *(fig(n) for n in names),
        col("first_time_paid_pct", "一次成功率%", "Paid first time %", "pct")], rows, total)

    start, end = period.start, period.end
    where = [_subtree(region)]
    # A county or township lists each village; a city or the province each region one level down
    # (twenty thousand villages are not a report), grouped by the first codes of the row's path.
    coarse = region.level in ("province", "city")
    place = func.substr(Region.path, 1, len(region.path) + 13) if coarse else Region.id
    paid = {}
    for policy_id, region_id, people, count, amount in db.session.execute(
            select(Disbursement.policy_id, place, func.count(func.distinct(Disbursement.beneficiary_id)),
                   func.count(), func.sum(Disbursement.amount))
            .join(Region, Region.id == Disbursement.region_id)
            .where(*where, Disbursement.status == "paid", Disbursement.paid_on >= start, Disbursement.paid_on < end)
            .group_by(Disbursement.policy_id, place)):
        paid[(policy_id, region_id)] = {"people": people, "paid": count, "amount": _plain(amount)}
    failed = aliased(Disbursement)
    repaid = dict(((p, r), n) for p, r, n in db.session.execute(
        select(Disbursement.policy_id, place, func.count())
        .join(Region, Region.id == Disbursement.region_id)
        .where(*where, Disbursement.status == "paid", Disbursement.paid_on >= start, Disbursement.paid_on < end,
               exists().where(failed.beneficiary_id == Disbursement.beneficiary_id,
                              failed.policy_id == Disbursement.policy_id, failed.period == Disbursement.period,
                              failed.status == "failed"))
        .group_by(Disbursement.policy_id, place)))
    unpaid = defaultdict(lambda: {"failed": 0, "pending": 0})
    for policy_id, region_id, code, status, n in db.session.execute(
            select(Disbursement.policy_id, place, Disbursement.period, Disbursement.status, func.count())
            .join(Region, Region.id == Disbursement.region_id)
            .where(*where, Disbursement.status.in_(("failed", "pending")), Disbursement.period.like(f"{period.year}%"))
            .group_by(Disbursement.policy_id, place, Disbursement.period, Disbursement.status)):
        if period.months_of(code):
            unpaid[(policy_id, region_id)][status] += n
    notices = dict(((p, r), n) for p, r, n in db.session.execute(
        select(NoticeEntry.policy_id, place, func.count())
        .join(Region, Region.id == NoticeEntry.region_id)
        .where(*where, NoticeEntry.published_on >= start, NoticeEntry.published_on < end)
        .group_by(NoticeEntry.policy_id, place)))
    lo, hi = period.china_bounds()
    cases = dict(((p, r), n) for p, r, n in db.session.execute(
        select(SubsidyCase.policy_id, place, func.count())
        .join(Region, Region.id == SubsidyCase.region_id)
        .where(*where, SubsidyCase.created_at >= lo, SubsidyCase.created_at < hi, SubsidyCase.created_at <= cut_off)
        .group_by(SubsidyCase.policy_id, place)))
    keys = set(paid) | set(unpaid) | set(notices) | set(cases)
    policies = dict(db.session.execute(select(SubsidyPolicy.id, SubsidyPolicy.name)
                                       .where(SubsidyPolicy.id.in_({p for p, _ in keys}))).all()) if keys else {}
    if coarse:
        paths = {r for _, r in keys}
        places = dict(db.session.execute(select(Region.path, Region.name).where(Region.path.in_(paths))).all()) \
            if paths else {}
    else:
        places = _places({r for _, r in keys})
    detail = []
    for key in sorted(keys, key=lambda k: (policies.get(k[0], ""), places.get(k[1], ""), k)):
        p = paid.get(key, {"people": 0, "paid": 0, "amount": ZERO})
        detail.append({"policy": policies.get(key[0], ""), "village": places.get(key[1], ""), **p,
                       "failed": unpaid[key]["failed"] if key in unpaid else 0,
                       "pending": unpaid[key]["pending"] if key in unpaid else 0,
                       "repaid": repaid.get(key, 0), "notice": notices.get(key, 0), "cases": cases.get(key, 0)})
    cols = [col("policy", "补贴政策", "Policy"),
            col("village", "地区", "Region") if coarse else col("village", "村（社区）", "Village"),
            col("people", "人数", "People", "int"), col("amount", "发放金额", "Amount paid", "money"),
            col("paid", "已发放笔数", "Paid", "int"), col("failed", "失败", "Failed", "int"),
            col("pending", "待发放", "Pending", "int"), col("repaid", "补发", "Re-paid", "int"),
            col("notice", "公示条数", "Notice lines", "int"), col("cases", "“没收到”", "Not received", "int")]
    sums_ = {c["key"]: sum((d[c["key"]] for d in detail), ZERO if c["type"] == "money" else 0)
             for c in cols[2:]}
    second = _table("二、分政策分地区发放情况" if coarse else "二、分政策分村发放情况",
                    "2. By policy and region" if coarse else "2. By policy and village", cols, detail,
                    {"policy": "合计", **sums_})
    kids = rows[1:]
    chart = _chart("补贴发放金额（元）", "Subsidies paid (yuan)", [r["region"] for r in kids],
                   [("发放金额", "Paid", [r["subsidy_paid"] for r in kids])])
    return [first, second, _differences(region, period, cut_off)], chart, {n: total[n] for n in names}


def _differences(region, period, cut_off):
    """三、三方对账差异: the reconciliation's differences standing now (bank/reconcile.py keeps them)
    for the payment periods in the report's months, found by the cut-off, person masked."""
    found = db.session.execute(
        select(ReconciliationDifference, SubsidyPolicy.name, Beneficiary.name)
        .join(Region, Region.id == ReconciliationDifference.region_id)
        .join(SubsidyPolicy, SubsidyPolicy.id == ReconciliationDifference.policy_id)
        .join(Beneficiary, Beneficiary.id == ReconciliationDifference.beneficiary_id)
        .where(_subtree(region), ReconciliationDifference.period.like(f"{period.year}%"),
               ReconciliationDifference.found_at <= cut_off)).all()
    found = [row for row in found if period.months_of(row[0].period)]
    places = _places({d.region_id for d, _, _ in found})
    rows = sorted(({"village": places.get(d.region_id, ""), "policy": policy, "period": d.period,
                    "person": pii.mask_name(person), "kind": FINDINGS[d.kind][0], "notice_amount": d.notice_amount,
                    "paid_amount": d.paid_amount, "line": f"{d.batch_no}-{d.seq:06d}" if d.batch_no else "",
                    "found_on": clock.local_date(d.found_at)} for d, policy, person in found),
                  key=lambda r: (r["village"], r["policy"], r["period"], r["kind"], r["line"]))
    return _table("三、三方对账差异", "3. Differences of the three-way reconciliation", [
        col("village", "村（社区）", "Village"), col("policy", "补贴政策", "Policy"), col("period", "期间", "Period"),
        col("person", "补贴对象", "Beneficiary"), col("kind", "差异", "Difference"),
        col("notice_amount", "公示金额", "On the notice", "money"), col("paid_amount", "发放金额", "Paid", "money"),
        col("line", "批次明细", "Batch line"), col("found_on", "发现日期", "Found", "date")], rows,
        {"village": "合计", "policy": f"{len(rows)} 条"})


def _places(region_ids):
    """{region id: 乡镇·村} for message-like names of villages."""
    if not region_ids:
        return {}
    parent = aliased(Region)
    return {i: (f"{p}·{n}" if p and level == "village" else n) for i, n, level, p in db.session.execute(
        select(Region.id, Region.name, Region.level, parent.name).outerjoin(parent, parent.id == Region.parent_id)
        .where(Region.id.in_(region_ids)))}


def _warnings(region, period, cut_off):
    lo, hi = period.china_bounds()
    users = {}

    def name(user_id):
        if user_id is None:
            return ""
        if user_id not in users:
            users[user_id] = db.session.scalar(select(User.display_name).where(User.id == user_id)) or ""
        return users[user_id]

    of_period = [_subtree(region), RiskWarning.first_seen_at >= lo, RiskWarning.first_seen_at < hi,
                 RiskWarning.first_seen_at <= cut_off]
    warnings = db.session.execute(
        select(RiskWarning, Region.name, Project.name).join(Region, Region.id == RiskWarning.region_id)
        .outerjoin(Project, Project.id == RiskWarning.project_id).where(*of_period)
        .order_by(RiskWarning.first_seen_at, RiskWarning.id)).all()
    warning_ids = select(RiskWarning.id).join(Region, Region.id == RiskWarning.region_id).where(*of_period)
    rects = db.session.execute(
        select(Rectification, Region.name, Project.name).join(Region, Region.id == Rectification.region_id)
        .outerjoin(Project, Project.id == Rectification.project_id)
        .where(_subtree(region), Rectification.created_at <= cut_off,
               or_(Rectification.warning_id.in_(warning_ids),
                   and_(Rectification.warning_id.is_(None), Rectification.created_at >= lo,
                        Rectification.created_at < hi)))
        .order_by(Rectification.id)).all()
    by_warning = defaultdict(list)
    for rect, region_name, project_name in rects:
        by_warning[rect.warning_id].append(rect)
    all_ids = [r.id for r, _, _ in rects]
    evidence, checked, status_then = {}, {}, {}
    for start in range(0, len(all_ids), 2000):  # bounded IN lists, whatever the ledger's length
        ids = all_ids[start:start + 2000]
        for rect_id, text in db.session.execute(
                select(Submission.rectification_id, Submission.text)
                .where(Submission.rectification_id.in_(ids), Submission.submitted_at <= cut_off)
                .order_by(Submission.id)):
            evidence[rect_id] = text
        for rect_id, action, to_status, actor_id, at in db.session.execute(
                select(Transition.rectification_id, Transition.action, Transition.to_status, Transition.actor_id,
                       Transition.at)
                .where(Transition.rectification_id.in_(ids), Transition.at <= cut_off)
                .order_by(Transition.id)):
            status_then[rect_id] = to_status  # the state at the cut-off, whatever happened since
            if action in ("approve", "reject", "close_unfixed"):
                checked[rect_id] = (name(actor_id), clock.local_date(at))

    def rect_cells(rect):
        if rect is None:
            return {"responsible": "", "measure": "", "due_on": None, "status": "", "evidence": "",
                    "checked_by": "", "checked_on": None}
        who, when = checked.get(rect.id, ("", None))
        return {"responsible": name(rect.responsible_id), "measure": rect.requirement, "due_on": rect.due_on,
                "status": RECT_ZH.get(status_then.get(rect.id, "open"), status_then.get(rect.id, "open")),
                "evidence": evidence.get(rect.id, ""),
                "checked_by": who, "checked_on": when}

    rows, levels = [], defaultdict(int)
    for w, region_name, project_name in warnings:
        levels[w.level] += 1
        source = ("巡查" if w.rule_code.startswith("inspection") else
                  "村民" if "case" in w.rule_code or "comment" in w.rule_code else "规则")
        base = {"no": f"W{w.id}", "source": f"{source}·{w.rule_code}", "region": region_name,
                "subject": project_name or w.subject_key, "level": LEVEL_ZH.get(w.level, w.level),
                "found_on": clock.local_date(w.first_seen_at)}
        for rect in by_warning.get(w.id) or [None]:
            rows.append({**base, **rect_cells(rect), "no": base["no"] + (f"/R{rect.id}" if rect else "")})
    names_of = {r.id: (n, p) for r, n, p in rects}
    for rect in by_warning.get(None, []):
        region_name, project_name = names_of[rect.id]
        rows.append({"no": f"R{rect.id}", "source": "巡查" if rect.inspection_id else "人工", "region": region_name,
                     "subject": project_name or "", "level": "", "found_on": clock.local_date(rect.created_at),
                     **rect_cells(rect)})
    cols = [col("no", "编号", "No."), col("source", "来源", "Source"), col("region", "地区", "Region"),
            col("subject", "对象", "Subject"), col("level", "等级", "Level"), col("found_on", "发现日期", "Found", "date"),
            col("responsible", "责任人", "Responsible"), col("measure", "整改措施", "Measure"),
            col("due_on", "期限", "Deadline", "date"), col("status", "状态", "Status"),
            col("evidence", "整改佐证", "Evidence"), col("checked_by", "审核人", "Checked by"),
            col("checked_on", "审核日期", "Checked", "date")]
    total = {"no": "合计", "source": f"预警 {len(warnings)} 条", "region": "，".join(
        f"{LEVEL_ZH[lv]} {levels[lv]}" for lv in ("red", "orange", "yellow"))}
    table = _table("风险预警与整改台账", "Warnings and rectifications of the period", cols, rows, total)
    _, totals, children = _by_region(region, period)
    child_rows, child_totals = sums([c.id for c in children], period)
    chart = _chart("新增预警（条）", "Warnings raised", [c.name for c in children],
                   [("新增预警", "Raised", [child_totals.get(c.id, {}).get("warnings_raised", ZERO) for c in children])])
    head = {"warnings_raised": totals["warnings_raised"], "rect_closed": totals["rect_closed"],
            "rect_overdue": totals["rect_overdue"], "ledger_warnings": len(warnings)}
    return [table], chart, head


def _inspections(region, period, cut_off):
    lo, hi = period.china_bounds()
    # The township of an inspection's region (the region itself, or its parent for a village).
    rows = db.session.execute(
        select(Region.id, Region.level, Region.parent_id, Inspection.inspector_id, func.count(),
               func.count(func.distinct(Inspection.project_id)),
               func.sum(cast(Inspection.off_site, Integer)),
               func.sum(cast(Inspection.position_missing, Integer)),
               func.sum(cast(Inspection.reused_photo, Integer)),
               func.sum(case((Inspection.verdict == "problem", 1), else_=0)))
        .join(Region, Region.id == Inspection.region_id)
        .where(_subtree(region), Inspection.recorded_at >= lo, Inspection.recorded_at < hi,
               Inspection.created_at <= cut_off)
        .group_by(Region.id, Region.level, Region.parent_id, Inspection.inspector_id)).all()
    agg = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    for rid, level, parent_id, inspector_id, n, projects, off, missing, reused, problem in rows:
        town = parent_id if level == "village" else rid
        a = agg[(town, inspector_id)]
        for i, v in enumerate((n, projects, off, missing, reused, problem)):
            a[i] += int(v or 0)
    names = _places({t for t, _ in agg})
    people = dict(db.session.execute(select(User.id, User.display_name)
                                     .where(User.id.in_({u for _, u in agg} or {0}))).all())
    detail = [{"township": names.get(t, ""), "inspector": people.get(u, ""), "inspections": a[0], "projects": a[1],
               "off_site": a[2], "position_missing": a[3], "reused_photo": a[4], "problem": a[5]}
              for (t, u), a in agg.items()]
    detail.sort(key=lambda d: (d["township"], d["inspector"]))
    cols = [col("township", "乡镇", "Township"), col("inspector", "巡查员", "Inspector"),
            col("inspections", "巡查次数", "Inspections", "int"), col("projects", "项目数", "Projects", "int"),
            col("problem", "发现问题", "Problems", "int"), col("off_site", "不在现场", "Off site", "int"),
            col("position_missing", "无定位", "No position", "int"), col("reused_photo", "重复照片", "Reused photo", "int")]
    total = {"township": "合计", **{c["key"]: sum(d[c["key"]] for d in detail) for c in cols[2:]}}
    second = _table("二、分乡镇、巡查员巡查情况", "2. By township and inspector", cols, detail, total)

    by_region, totals, children = _by_region(region, period)
    for r in by_region + [totals]:  # under way as 巡查覆盖 counts them: the coverage's denominator
        r["open_projects"] = sum((r[f"projects_{s}"] for s in figures.UNDER_WAY), ZERO)
        r["coverage"] = figures.derived(r)["inspected_30d_pct"]
    totals["region"] = "合计（辖区）"
    first = _table("一、分地区巡查覆盖", "1. Coverage by region", [
        col("region", "地区", "Region"), fig("inspections"), col("open_projects", "在建项目", "Open projects", "int"),
        fig("projects_inspected_30d"), col("coverage", "近30天覆盖率%", "Covered in 30 days %", "pct")], by_region, totals)
    kids = by_region[1:]
    chart = _chart("巡查次数", "Inspections", [r["region"] for r in kids],
                   [("巡查次数", "Inspections", [r["inspections"] for r in kids])])
    return [first, second], chart, {"inspections": totals["inspections"],
                                    "projects_inspected_30d": totals["projects_inspected_30d"]}


def _assets(region, period, cut_off):
    rows, total, _ = _by_region(region, period)
    names = ("assets", "assets_value", "assets_idle", "assets_idle_value", "contracts_active", "receivables_overdue")
    for r in rows + [total]:
        r["idle_pct"] = figures.derived(r)["idle_assets_pct"]
    total["region"] = "合计（辖区）"
    table = _table("三资情况（资产、资源、合同、应收）", "Assets, resources, contracts, receivables", [
        col("region", "地区", "Region"), *(fig(n) for n in names),
        col("idle_pct", "闲置占比%", "Idle share %", "pct")], rows, total)
    kids = rows[1:]
    chart = _chart("资产净值（元）", "Asset net value (yuan)", [r["region"] for r in kids],
                   [("资产净值", "Net value", [r["assets_value"] for r in kids]),
                    ("闲置资产净值", "Idle", [r["assets_idle_value"] for r in kids])])
    return [table], chart, {n: total[n] for n in names}


def _dimension_scores(index):
    weights, scores = defaultdict(Decimal), defaultdict(Decimal)
    for ind in index["indicators"]:
        if ind["score"] is not None:
            weights[ind["dimension"]] += ind["weight"]
            scores[ind["dimension"]] += ind["weight"] * ind["score"]
    return {d: (scores[d] / weights[d]).quantize(Decimal("0.1")) if weights[d] else None for d in health.DIMENSIONS}


def _judged_on(period):
    """The day a period's spending is judged against the year's time progress: its last, or today."""
    return min(period.end, clock.today())


def _health_row(name, values, before, region_id, period):
    index = health.index(values, region_id, as_of=_judged_on(period))
    previous = (health.index(before, region_id, as_of=_judged_on(period.previous()))["score"]
                if before is not None else None)
    worst = max((i for i in index["indicators"] if i["points_lost"]), key=lambda i: i["points_lost"], default=None)
    row = {"region": name, "score": index["score"], "band": index["band"]["zh"] if index["band"] else "无数据",
           **{f"dim_{d}": v for d, v in _dimension_scores(index).items()},
           "lost": f"{worst['zh']} −{worst['points_lost']}" if worst else "—", "previous": previous,
           "change": (index["score"] - previous) if index["score"] is not None and previous is not None else None}
    return row


def _health(region, period, cut_off):
    children = [c for c in children_of(region) if c.status == "active"]
    ids = [region.id, *(c.id for c in children)]
    _, now = sums(ids, period)
    _, before = sums(ids, period.previous())
    rows = [_health_row(c.name, now.get(c.id, {}), before.get(c.id, {}), c.id, period) for c in children]
    total = _health_row(f"{region.name}（辖区）", now.get(region.id, {}), before.get(region.id, {}), region.id, period)
    cols = [col("region", "地区", "Region"), col("score", "健康指数", "Index", "num"), col("band", "等级", "Band"),
            *(col(f"dim_{d}", zh, en, "num") for d, (zh, en) in health.DIMENSIONS.items()),
            col("lost", "失分最多", "Most points lost"), col("previous", "上期", "Last period", "num"),
            col("change", "变化", "Change", "num")]
    first = _table("一、各地区健康指数", "1. Index by region", cols, rows, total)
    index = health.index(now.get(region.id, {}), region.id, as_of=_judged_on(period))
    detail = [{"dimension": i["dimension_zh"], "indicator": i["zh"], "value": i["value"], "weight": i["weight"],
               "score": i["score"], "lost": i["points_lost"]} for i in index["indicators"]]
    second = _table(f"二、{region.name}指标明细（公式版本 {index['version']}）",
                    f"2. The indicators of {region.name} (formula {index['version']})", [
                        col("dimension", "维度", "Dimension"), col("indicator", "指标", "Indicator"),
                        col("value", "取值", "Value", "num"), col("weight", "权重", "Weight", "num"),
                        col("score", "得分", "Score", "num"), col("lost", "失分", "Points lost", "num")], detail)
    chart = _chart("健康指数", "Health index", [r["region"] for r in rows],
                   [("健康指数", "Index", [r["score"] or ZERO for r in rows])])
    return [first, second], chart, {"score": total["score"], "band": total["band"]}


BUILDERS = {"funds": _funds, "subsidies": _subsidies, "warnings": _warnings, "inspections": _inspections,
            "assets": _assets, "health": _health}


def build(kind, region, period, cut_off):
    """The report document (see the module's docstring); its ``rows_sha256`` is the hash of its rows."""
    tables, chart, head = BUILDERS[kind](region, period, cut_off)
    zh, en = KINDS[kind]
    doc = {"kind": kind, "title_zh": zh, "title_en": en, "region": region_brief(region),
           "period": {"code": period.code, "zh": period.zh, "en": period.en}, "tables": tables, "chart": chart,
           "totals": head, "template_version": TEMPLATE_VERSION, "cut_off": cut_off}
    kept = snapshots.month_of(period.year, period.months[-1])
    doc["states_as_of"] = kept[2] if kept is not None else None  # None: states at generation
    doc["rows_sha256"] = rows_hash(doc)
    return doc


def _canonical(value):
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 100, 100.0 and 100.00 are one value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(type(value))


def dumps(doc):
    """The document as JSON that keeps its types (Decimal, date, datetime), for ``loads``."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), default=_typed).encode()


def loads(body):
    return json.loads(body, object_hook=_untyped)


def _typed(value):
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    raise TypeError(type(value))


def _untyped(obj):
    if len(obj) == 1:
        (tag, value), = obj.items()
        if tag == "$decimal":
            return Decimal(value)
        if tag == "$datetime":
            return datetime.fromisoformat(value)
        if tag == "$date":
            return date.fromisoformat(value)
    return obj


def rows_hash(doc):
    """SHA-256 of the rows a report read: its kind, region, period and every table's columns and rows,
    serialized as canonical JSON (keys sorted, no spaces, UTF-8, money as fixed-point text). The
    cut-off and the generation time are not in it: the same data gives the same hash."""
    body = {"kind": doc["kind"], "region": doc["region"]["code"], "period": doc["period"]["code"],
            "tables": [{"columns": [c["key"] for c in t["columns"]], "rows": t["rows"], "total": t["total"]}
                       for t in doc["tables"]]}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_canonical)
    return hashlib.sha256(text.encode()).hexdigest()
