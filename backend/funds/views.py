"""How funds are shown: one place builds every fund response."""
from sqlalchemy import select

from ..core.models import Region
from ..extensions import db
from ..projects.models import Project
from ..risks.models import RiskWarning
from ..risks.rules import RULES
from ..subsidies.models import SubsidyPolicy
from . import receipts, services
from .models import CATEGORIES, SOURCE_LEVELS, TARGETS


def named(table, code):
    zh, en = table.get(code, (code, code))
    return {"code": code, "zh": zh, "en": en}


def fund_views(funds):
    """List rows: the fund with its allocated and spent totals and its stage (three queries a page)."""
    sums = services.totals(f.id for f in funds)
    regions = dict(db.session.execute(select(Region.id, Region.name).where(
        Region.id.in_({f.region_id for f in funds}))).all()) if funds else {}
    return [_view(f, *sums[f.id], regions[f.region_id]) for f in funds]


def _view(fund, allocated, spent, region_name):
    return {"id": fund.id, "region": {"id": fund.region_id, "name": region_name}, "doc_no": fund.doc_no,
            "name": fund.name, "category": named(CATEGORIES, fund.category),
            "source_level": named(SOURCE_LEVELS, fund.source_level), "amount": fund.amount,
            "issued_on": fund.issued_on, "arrived_on": fund.arrived_on, "receipt_no": fund.receipt_no,
            "note": fund.note, "allocated": allocated, "spent": spent, "unallocated": fund.amount - allocated,
            "unspent": fund.amount - spent if fund.arrived_on else services.ZERO,
            "stage": services.stage(fund, allocated, spent)}


def fund_detail(fund, can_write):
    """The fund, its chain 下达 → 到账 → 分配 → 支出 with the days of each hop, every allocation and
    expenditure, and its open warnings."""
    allocs, spends = services.allocations(fund), services.expenditures(fund)
    project_ids = {a.project_id for a in allocs} | {e.project_id for e in spends}
    projects = dict(db.session.execute(select(Project.id, Project.name).where(
        Project.id.in_(project_ids - {None}))).all()) if project_ids - {None} else {}
    policy_ids = {a.policy_id for a in allocs} - {None}
    policies = {p.id: f"{p.name}（{p.year}）" for p in db.session.execute(
        select(SubsidyPolicy).where(SubsidyPolicy.id.in_(policy_ids))).scalars()} if policy_ids else {}
    ref = lambda table, i: {"id": i, "name": table.get(i, "")} if i else None  # noqa: E731
    spent_by = {}
    for e in spends:
        if e.allocation_id:
            spent_by[e.allocation_id] = spent_by.get(e.allocation_id, services.ZERO) + e.amount
    allocated = sum((a.amount for a in allocs), services.ZERO)
    spent = sum((e.amount for e in spends), services.ZERO)
    warnings = db.session.execute(select(RiskWarning).where(
        RiskWarning.subject_key == f"fund:{fund.id}", RiskWarning.status == "open")
        .order_by(RiskWarning.id)).scalars().all()
    return {**_view(fund, allocated, spent, fund.region.name), "chain": services.chain(fund, allocs, spends),
            "allocations": [{"id": a.id, "target": named(TARGETS, a.target), "project": ref(projects, a.project_id),
                             "policy": ref(policies, a.policy_id), "purpose": a.purpose, "amount": a.amount,
                             "spent": spent_by.get(a.id, services.ZERO), "allocated_on": a.allocated_on}
                            for a in allocs],
            "expenditures": [{"id": e.id, "allocation_id": e.allocation_id, "project": ref(projects, e.project_id),
                              "spent_on": e.spent_on, "amount": e.amount, "payee": e.payee,
                              "voucher_no": e.voucher_no, "note": e.note} for e in spends],
            "warnings": [{"id": w.id, "rule": w.rule_code, "level": w.level,
                          "name": {"code": w.rule_code, "zh": RULES[w.rule_code].NAME_ZH,
                                   "en": RULES[w.rule_code].NAME_EN}} for w in warnings],
            "receipt_files": [receipts.view(r) for r in receipts.of(fund)],
            "registered_by": fund.registered_by.display_name if fund.registered_by else None,
            "can_write": can_write}
