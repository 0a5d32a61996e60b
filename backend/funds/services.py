"""Funds: register a budget line, record its arrival with the receipt, allocate it, spend it.

Every write locks the fund row first (PostgreSQL; SQLite serialises writers), so two clerks
allocating the last yuan at the same moment cannot both succeed. Allocations never exceed the fund;
expenditures never exceed what was allocated (in all, and per allocation when one is named).
Services flush, never commit; they raise ``ApiError`` with a field path for the form to mark.
"""
import re
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, or_, select

from .. import jobs
from ..core import audit, clock
from ..core.errors import ApiError, bad_field
from ..core.models import Region
from ..core.scoping import covers
from ..extensions import db
from ..projects.models import Project
from ..subsidies.models import SubsidyPolicy
from .models import CATEGORIES, SOURCE_LEVELS, Fund, FundAllocation, FundExpenditure

# Who may do what (the routes and the screens read these).
READERS = ("admin", "province", "city", "county", "township_lead")
WRITERS = ("admin", "county", "township_lead")
ZERO = Decimal("0.00")


def lock(fund_id):
    """Reload a fund with a row lock."""
    return db.session.execute(select(Fund).where(Fund.id == fund_id).with_for_update()
                              .execution_options(populate_existing=True)).scalar_one()


def allocated_total(fund_id):
    return db.session.scalar(select(func.coalesce(func.sum(FundAllocation.amount), 0))
                             .where(FundAllocation.fund_id == fund_id)) or ZERO


def spent_total(fund_id, allocation_id=None):
    stmt = select(func.coalesce(func.sum(FundExpenditure.amount), 0)).where(FundExpenditure.fund_id == fund_id)
    if allocation_id is not None:
        stmt = stmt.where(FundExpenditure.allocation_id == allocation_id)
    return db.session.scalar(stmt) or ZERO


def totals(fund_ids):
    """{fund id: (allocated, spent)} for these funds, in two grouped queries."""
    ids = list(fund_ids)
    out = {i: (ZERO, ZERO) for i in ids}
    if not ids:
        return out
    alloc = dict(db.session.execute(select(FundAllocation.fund_id, func.sum(FundAllocation.amount))
                                    .where(FundAllocation.fund_id.in_(ids)).group_by(FundAllocation.fund_id)).all())
    spent = dict(db.session.execute(select(FundExpenditure.fund_id, func.sum(FundExpenditure.amount))
                                    .where(FundExpenditure.fund_id.in_(ids)).group_by(FundExpenditure.fund_id)).all())
    return {i: (Decimal(alloc.get(i) or 0), Decimal(spent.get(i) or 0)) for i in ids}


def _no_future(day, path):
    """A day that has come, and in a year a ledger has: 1026 or 0001 is a slip for 2026 (as an import's
    dates, 1900 on; a line before it would be on no cockpit year)."""
    if day.year < 1900:
        raise bad_field(path, "date_out_of_range", "日期的年份不对：应在 1900 年之后",
                        "The date's year is wrong: dates are from 1900 on")
    if day > clock.today():
        raise bad_field(path, "date_in_future", "日期不能晚于今天", "The date cannot be after today")


def township_for(actor, region_id, path="json.region_id"):
    """The township a fund belongs to: 400 unknown or not a township, 403 outside the actor's region."""
    region = db.session.get(Region, region_id)
    if region is None:
        raise bad_field(path, "region_not_found", "地区不存在", "No such region")
    if region.level != "township":
        raise bad_field(path, "region_not_township", "资金指标只能登记到乡镇（街道）",
                        "A budget line belongs to a township")
    if not covers(actor, region):
        raise ApiError(403, "out_of_scope", "该地区不在您的管辖范围内", "This region is outside your region")
    return region


def find(region_id, doc_no, name):
    """The fund with this natural key (region, 文号, 资金名称), or None."""
    return db.session.execute(select(Fund).where(Fund.region_id == region_id, Fund.doc_no == doc_no,
                                                 Fund.name == name)).scalar_one_or_none()


def create_fund(actor, data, batch_id=None):
    """Register a budget line issued to a township (optionally already arrived).

    400 ``region_not_township`` / ``date_in_future`` / ``arrived_before_issued``; 403 outside scope;
    409 ``fund_exists`` for the same 文号 and name in the same township."""
    region = township_for(actor, data["region_id"])
    doc_no, name = data["doc_no"].strip(), data["name"].strip()
    _no_future(data["issued_on"], "json.issued_on")
    if find(region.id, doc_no, name) is not None:
        raise bad_field("json.doc_no", "fund_exists", "该乡镇已登记同一文号的同名资金",
                        "This township already has a budget line with this document number and name", 409)
    now = clock.now()
    fund = Fund(region_id=region.id, doc_no=doc_no, name=name, category=data["category"],
                source_level=data["source_level"], amount=data["amount"], issued_on=data["issued_on"],
                note=data.get("note"), batch_id=batch_id, created_by_id=getattr(actor, "id", None),
                created_at=now, updated_at=now)
    db.session.add(fund)
    db.session.flush()
    audit.record(actor, "fund.create", subject=fund, doc_no=doc_no, amount=str(fund.amount))
    if data.get("arrived_on"):
        register_arrival(fund, actor, data["arrived_on"], data.get("receipt_no"))
    jobs.touch(regions=[region.id])
    return fund


def register_arrival(fund, actor, arrived_on, receipt_no=None):
    """Record that the money arrived (登记/到账) with its receipt number (信息接收回执).

    400 ``date_in_future`` / ``arrived_before_issued``; 409 ``fund_already_registered``."""
    fund = lock(fund.id)
    if fund.arrived_on is not None:
        raise ApiError(409, "fund_already_registered", "该资金已登记到账", "This budget line is already registered")
    _no_future(arrived_on, "json.arrived_on")
    if arrived_on < fund.issued_on:
        raise bad_field("json.arrived_on", "arrived_before_issued", "到账日期不能早于下达日期",
                        "Arrival cannot be before the issue date")
    fund.arrived_on, fund.receipt_no = arrived_on, (receipt_no or "").strip() or None
    fund.registered_by_id, fund.registered_at = getattr(actor, "id", None), clock.now()
    fund.updated_at = clock.now()
    db.session.flush()
    audit.record(actor, "fund.arrival", subject=fund, arrived_on=arrived_on.isoformat(), receipt_no=fund.receipt_no)
    jobs.touch(regions=[fund.region_id])
    return fund


def _must_have_arrived(fund):
    if fund.arrived_on is None:
        raise ApiError(409, "fund_not_registered", "资金尚未登记到账，不能分配或支出",
                       "Register the arrival before allocating or spending")


def _target(fund, data):
    """The allocation's project or policy, checked against the fund's township."""
    township = db.session.get(Region, fund.region_id)
    if data["target"] == "project":
        if not data.get("project_id"):
            raise bad_field("json.project_id", "project_required", "请选择项目", "Choose the project")
        project = db.session.get(Project, data["project_id"])
        region = project and db.session.get(Region, project.region_id)
        if project is None or not region.path.startswith(township.path):
            raise bad_field("json.project_id", "project_not_in_township", "该项目不在本乡镇",
                            "No such project in this township")
        return {"project_id": project.id}
    if data["target"] == "policy":
        if not data.get("policy_id"):
            raise bad_field("json.policy_id", "policy_required", "请选择补贴政策", "Choose the subsidy policy")
        policy = db.session.get(SubsidyPolicy, data["policy_id"])
        region = policy and db.session.get(Region, policy.region_id)
        # A policy applies where it was issued and below: issued by the township, above it or below it.
        if policy is None or not (township.path.startswith(region.path) or region.path.startswith(township.path)):
            raise bad_field("json.policy_id", "policy_not_in_township", "该补贴政策不适用于本乡镇",
                            "No such subsidy policy for this township")
        return {"policy_id": policy.id}
    if not (data.get("purpose") or "").strip():
        raise bad_field("json.purpose", "purpose_required", "请填写用途", "Say what the money is for")
    return {}


def allocate(fund, actor, data):
    """Allocate part of an arrived fund to a project, a subsidy policy or the township's own use.

    400 ``date_in_future`` / ``allocated_before_arrival`` / ``project_not_in_township`` /
    ``policy_not_in_township`` / ``purpose_required``; 409 ``fund_not_registered`` /
    ``allocation_over_fund`` (more than is left unallocated)."""
    fund = lock(fund.id)
    _must_have_arrived(fund)
    link = _target(fund, data)
    _no_future(data["allocated_on"], "json.allocated_on")
    if data["allocated_on"] < fund.arrived_on:
        raise bad_field("json.allocated_on", "allocated_before_arrival", "分配日期不能早于到账日期",
                        "Allocation cannot be before the arrival")
    left = fund.amount - allocated_total(fund.id)
    if data["amount"] > left:
        raise bad_field("json.amount", "allocation_over_fund", f"超出可分配余额（尚可分配 {left:,.2f} 元）",
                        f"More than is left to allocate ({left:,.2f} yuan)", 409)
    row = FundAllocation(fund_id=fund.id, region_id=fund.region_id, target=data["target"],
                         purpose=(data.get("purpose") or "").strip() or None, amount=data["amount"],
                         allocated_on=data["allocated_on"], created_by_id=getattr(actor, "id", None), **link)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "fund.allocate", subject=fund, allocation_id=row.id, amount=str(row.amount),
                 target=row.target)
    jobs.touch(regions=[fund.region_id])
    return row


def spend(fund, actor, data, batch_id=None):
    """Record an expenditure against an arrived fund (optionally against one allocation, or one
    project the fund was allocated to; a fund allocated only once is spent on that allocation).

    400 ``date_in_future`` / ``spent_before_arrival`` / ``allocation_not_in_fund`` /
    ``project_not_allocated``; 409 ``fund_not_registered`` / ``voucher_taken`` /
    ``expenditure_over_allocated`` (more than the fund's allocations leave unspent) /
    ``expenditure_over_allocation`` (more than the named allocation leaves unspent)."""
    fund = lock(fund.id)
    _must_have_arrived(fund)
    voucher = data["voucher_no"].strip()
    allocation = None
    if data.get("allocation_id"):
        allocation = db.session.get(FundAllocation, data["allocation_id"])
        if allocation is None or allocation.fund_id != fund.id:
            raise bad_field("json.allocation_id", "allocation_not_in_fund", "该分配不属于这笔资金",
                            "No such allocation of this budget line")
    elif data.get("project_id"):
        allocation = db.session.execute(select(FundAllocation).where(
            FundAllocation.fund_id == fund.id, FundAllocation.project_id == data["project_id"])
            .order_by(FundAllocation.id)).scalars().first()
        if allocation is None:
            raise bad_field("json.project_id", "project_not_allocated", "这笔资金没有分配给该项目",
                            "This budget line was not allocated to that project")
    else:
        # Spent without naming an allocation: a fund allocated once can only have been spent on that.
        only = db.session.execute(select(FundAllocation).where(FundAllocation.fund_id == fund.id).limit(2)).scalars().all()
        allocation = only[0] if len(only) == 1 else None
    _no_future(data["spent_on"], "json.spent_on")
    if data["spent_on"] < fund.arrived_on:
        raise bad_field("json.spent_on", "spent_before_arrival", "支出日期不能早于到账日期",
                        "An expenditure cannot be before the arrival")
    if db.session.execute(select(FundExpenditure.id).where(FundExpenditure.fund_id == fund.id,
                                                           FundExpenditure.voucher_no == voucher)).first():
        raise bad_field("json.voucher_no", "voucher_taken", "该凭证号已登记", "This voucher is already recorded", 409)
    left = allocated_total(fund.id) - spent_total(fund.id)
    if data["amount"] > left:
        raise bad_field("json.amount", "expenditure_over_allocated", f"超出已分配未支出的金额（尚可支出 {left:,.2f} 元）",
                        f"More than allocated and not yet spent ({left:,.2f} yuan left)", 409)
    if allocation is not None:
        left = allocation.amount - spent_total(fund.id, allocation.id)
        if data["amount"] > left:
            raise bad_field("json.amount", "expenditure_over_allocation",
                            f"超出该分配未支出的金额（尚可支出 {left:,.2f} 元）",
                            f"More than this allocation has left ({left:,.2f} yuan)", 409)
    row = FundExpenditure(fund_id=fund.id, region_id=fund.region_id, allocation_id=allocation and allocation.id,
                          project_id=allocation.project_id if allocation is not None else None,
                          spent_on=data["spent_on"], amount=data["amount"], payee=data["payee"].strip(),
                          voucher_no=voucher, note=data.get("note"), batch_id=batch_id,
                          created_by_id=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "fund.spend", subject=fund, expenditure_id=row.id, amount=str(row.amount), voucher_no=voucher)
    jobs.touch(regions=[fund.region_id], projects=[row.project_id] if row.project_id else [])
    return row


def allocations(fund):
    return db.session.execute(select(FundAllocation).where(FundAllocation.fund_id == fund.id)
                              .order_by(FundAllocation.allocated_on, FundAllocation.id)).scalars().all()


def expenditures(fund):
    return db.session.execute(select(FundExpenditure).where(FundExpenditure.fund_id == fund.id)
                              .order_by(FundExpenditure.spent_on, FundExpenditure.id)).scalars().all()


def chain(fund, allocs=None, spends=None):
    """下达 → 到账 → 分配 → 支出, with the day each hop happened (first and complete) and the days it took."""
    allocs = allocations(fund) if allocs is None else allocs
    spends = expenditures(fund) if spends is None else spends
    issued, arrived = fund.issued_on, fund.arrived_on
    first_alloc = allocs[0].allocated_on if allocs else None
    first_spent = spends[0].spent_on if spends else None
    full_alloc = _reached_on([(a.allocated_on, a.amount) for a in allocs], fund.amount)
    full_spent = _reached_on([(e.spent_on, e.amount) for e in spends], fund.amount)
    days = lambda a, b: (b - a).days if a and b else None  # noqa: E731
    today = clock.today()
    return [
        {"step": "issued", "on": issued, "done_on": issued, "days": None, "waiting_days": None},
        {"step": "arrived", "on": arrived, "done_on": arrived, "days": days(issued, arrived),
         "waiting_days": None if arrived else days(issued, today)},
        {"step": "allocated", "on": first_alloc, "done_on": full_alloc, "days": days(arrived, first_alloc),
         "waiting_days": days(arrived, today) if arrived and not full_alloc else None},
        {"step": "spent", "on": first_spent, "done_on": full_spent, "days": days(first_alloc, first_spent),
         "waiting_days": days(arrived, today) if arrived and not full_spent else None},
    ]


# The statutory hops after issue (下达), in order: the FUND_DEADLINE_DAYS keys. Each one's deadline counts
# from the issue day; the cockpit's figures, the fund-flow view and the fund rules all read that table.
HOPS = ("register", "allocate", "spend")


def hop_limits(table, category):
    """{hop: days after issue} for a category, from FUND_DEADLINE_DAYS (a general transfer's when the
    category has no row)."""
    return table.get(category) or table["general_transfer"]


def hops(amount, issued_on, arrived_on, allocs, spends, limits, today):
    """The one hop rule: a fund's hops 到账 → 分配 → 支出 against their statutory limits.

    ``allocs`` and ``spends`` are (day, amount) in date order. A hop is done on the day it completed
    (arrival; the running total of allocations or expenditures reaching the amount). ``days`` is what
    the hop itself took (from the previous hop's completion), ``elapsed`` the days since issue, which
    the ``limit`` is measured against. A hop is ``due`` once done or past its deadline, ``on_time`` when
    done by it, and ``late`` when done after it or still waiting past it (so due = on_time + late).
    """
    done = (arrived_on, _reached_on(allocs, amount), _reached_on(spends, amount))
    out, previous = [], issued_on
    for hop, done_on in zip(HOPS, done):
        limit = int(limits[hop])
        due_on = issued_on + timedelta(days=limit)
        late = done_on > due_on if done_on is not None else due_on < today
        out.append({"hop": hop, "done_on": done_on, "limit": limit, "due_on": due_on,
                    "days": (done_on - previous).days if done_on and previous else None,
                    "elapsed": (done_on - issued_on).days if done_on else None,
                    "waiting": (today - previous).days if done_on is None and previous else None,
                    "due": done_on is not None or due_on < today,
                    "on_time": done_on is not None and done_on <= due_on, "late": late})
        previous = done_on
    return out


def _reached_on(rows, amount):
    """The first day the running total of (day, amount) rows reached ``amount`` (None: not yet)."""
    total = ZERO
    for day, value in rows:
        total += value
        if total >= amount:
            return day
    return None


def flows(funds, chosen, today, table):
    """{fund id: (hops, allocated, spent)} for fund rows (id, category, amount, issued_on, arrived_on);
    ``chosen`` is a SELECT of the same funds' ids, so that their allocations and expenditures are read
    in two queries whatever their number (no list of ids is sent)."""
    allocs, spends = defaultdict(list), defaultdict(list)
    for model, day, into in ((FundAllocation, FundAllocation.allocated_on, allocs),
                             (FundExpenditure, FundExpenditure.spent_on, spends)):
        for fund_id, on, amount in db.session.execute(
                select(model.fund_id, day, model.amount).where(model.fund_id.in_(chosen))
                .order_by(model.fund_id, day, model.id)):
            into[fund_id].append((on, amount))
    return {f.id: (hops(f.amount, f.issued_on, f.arrived_on, allocs[f.id], spends[f.id],
                        hop_limits(table, f.category), today),
                   sum((a for _, a in allocs[f.id]), ZERO), sum((a for _, a in spends[f.id]), ZERO))
            for f in funds}


def stage(fund, allocated, spent):
    """Where the money is: issued (not arrived) | arrived | allocated (all of it) | spent (all of it)."""
    if fund.arrived_on is None:
        return "issued"
    if spent >= fund.amount:
        return "spent"
    if allocated >= fund.amount:
        return "allocated"
    return "arrived"


def category_of(text):
    """A category code from its code, Chinese or English name (imports); None when unknown."""
    return _lookup(CATEGORIES, text, {"一般转移支付": "general_transfer", "专项": "special_transfer",
                                      "一般性转移支付资金": "general_transfer", "一般转移支付资金": "general_transfer",
                                      "一般性": "general_transfer", "一般": "general_transfer",
                                      "专项转移支付资金": "special_transfer", "专项资金": "special_transfer",
                                      "专项补助": "special_transfer", "专款": "special_transfer",
                                      "自有资金": "own", "乡镇自有": "own", "本级": "own", "乡镇自筹": "own",
                                      "自筹": "own", "本级资金": "own", "乡镇本级": "own"})


_LEVEL_WORDS = {"省": "province", "市": "city", "县": "county", "区": "county", "县区": "county", "区县": "county",
                "乡": "township", "镇": "township", "乡镇": "township", "街道": "township", "中央级": "central",
                "省级": "province", "市级": "city", "县级": "county", "区级": "county", "乡级": "township",
                "镇级": "township", "乡镇级": "township", "自筹": "township", "乡镇自筹": "township",
                "镇自筹": "township", "本级": "township", "乡镇本级": "township"}


def source_level_of(text):
    """A source level code from its code or name as clerks write it: 中央, 省, 省级, 中央资金, 省级财政资金,
    省补助, 市级, 县区级, 乡镇自筹…"""
    found = _lookup(SOURCE_LEVELS, text, _LEVEL_WORDS)
    if found is None:
        bare = re.sub(r"(财政)?(专项)?(补助|转移支付|配套)?(资金|经费)$|财政$|补助$|配套$|级次$", "", (text or "").strip())
        if bare and bare != (text or "").strip():
            found = _lookup(SOURCE_LEVELS, bare, _LEVEL_WORDS)
    return found


def _lookup(table, text, extra):
    key = (text or "").strip()
    if key in table:
        return key
    for code, (zh, en) in table.items():
        if key == zh or key.lower() == en.lower():
            return code
    return extra.get(key)


def search(stmt, q):
    """Narrow a SELECT of funds to those whose 文号 or name contains ``q``."""
    return stmt.where(or_(Fund.doc_no.contains(q, autoescape=True), Fund.name.contains(q, autoescape=True)))
