"""The fund risk rules, registered with the risk engine when the app is built (the engine imports
no feature: funds bring their own rules). Each is about one fund (subject ``fund:<id>``), so it
runs in region and full scans; it clears by itself once the cause is gone (registered, allocated,
spent)."""
from datetime import timedelta

from sqlalchemy import func, select

from ...extensions import db
from ...risks.rules import register
from ..models import CATEGORIES, Fund, FundAllocation, FundExpenditure


def deadlines(ctx, step):
    """[(category, days)] for a step (register | allocate | spend), from FUND_DEADLINE_DAYS."""
    table = ctx.config["FUND_DEADLINE_DAYS"]
    return [(category, int(table[category][step])) for category in CATEGORIES
            if category in table and step in table[category]]


def _total(model):
    return (select(model.fund_id, func.sum(model.amount).label("total"))
            .group_by(model.fund_id).subquery())


def funds(ctx, where):
    """Funds inside the scan's scope for which ``where(alloc, spent)`` (a list of clauses over the
    per-fund totals, as ``func.coalesce(alloc.c.total, 0)``…) holds: rows (fund, allocated, spent),
    in one query with two grouped subqueries."""
    alloc, spent = _total(FundAllocation), _total(FundExpenditure)
    stmt = (select(Fund, func.coalesce(alloc.c.total, 0), func.coalesce(spent.c.total, 0))
            .outerjoin(alloc, alloc.c.fund_id == Fund.id).outerjoin(spent, spent.c.fund_id == Fund.id)
            .where(*ctx.scope(region=Fund.region_id), *where(alloc, spent)).order_by(Fund.id))
    return db.session.execute(stmt).all()


def total(sub):
    """A per-fund total as a clause (0 when the fund has no rows)."""
    return func.coalesce(sub.c.total, 0)


def overdue(ctx, step, extra):
    """Funds past the ``step`` deadline of their category that ``extra(alloc, spent)`` still holds
    for: yields (fund, allocated, spent, deadline)."""
    for category, days in deadlines(ctx, step):
        cutoff = ctx.today - timedelta(days=days)

        def where(alloc, spent, category=category, cutoff=cutoff):
            return [Fund.category == category, Fund.issued_on < cutoff, *extra(alloc, spent)]
        for fund, allocated, spent in funds(ctx, where):
            yield fund, allocated, spent, fund.issued_on + timedelta(days=days)


def facts(ctx, fund):
    """What every fund warning shows about its fund."""
    return {"fund_id": fund.id, "doc_no": fund.doc_no, "fund": fund.name,
            "category": CATEGORIES[fund.category][0], "amount": ctx.money(fund.amount),
            "issued_on": fund.issued_on.isoformat()}


FUND_LABELS = {"fund_id": ("资金编号", "Fund"), "doc_no": ("文号", "Document number"), "fund": ("资金名称", "Fund"),
               "category": ("类别", "Category"), "amount": ("金额（元）", "Amount (yuan)"),
               "issued_on": ("下达日期", "Issued"), "deadline_on": ("应完成日期", "Deadline"),
               "days_overdue": ("逾期天数", "Days overdue")}


from . import fund_idle, fund_not_allocated, fund_not_registered, fund_not_spent  # noqa: E402

RULES = (fund_not_registered, fund_not_allocated, fund_not_spent, fund_idle)
FUND_RULES = tuple(rule.CODE for rule in RULES)
register(*RULES)
