"""An arrived budget line not fully spent within the days allowed after issue."""
from ...risks.rules import Hit, yuan
from . import FUND_LABELS, facts, overdue, total
from ..models import Fund

CODE = "fund_not_spent"
NAME_ZH, NAME_EN = "资金未按时支出", "Fund not spent in time"
LEVEL = "orange"
DESCRIPTION_ZH = "资金下达后超过规定天数仍未支出完毕：项目或补贴可能没有落地。全部支出后自动销号。"
DESCRIPTION_EN = ("A budget line is not fully spent within the days allowed after issue: the project or subsidy "
                  "may not have happened. Clears once all of it is spent.")
THRESHOLDS = ("FUND_DEADLINE_DAYS",)
LABELS = {**FUND_LABELS, "spent": ("已支出（元）", "Spent (yuan)"), "unspent": ("未支出（元）", "Not spent (yuan)")}
VOLATILE = ("days_overdue",)


def find(ctx):
    rows = overdue(ctx, "spend", lambda a, s: [Fund.arrived_on.is_not(None), total(s) < Fund.amount])
    for fund, _allocated, spent, deadline in rows:
        yield Hit(f"fund:{fund.id}", "fund", fund.region_id, None, {
            **facts(ctx, fund), "spent": ctx.money(spent), "unspent": ctx.money(fund.amount - spent),
            "deadline_on": deadline.isoformat(), "days_overdue": (ctx.today - deadline).days})


def explain(e):
    return (f"{e['doc_no']}「{e['fund']}」应于 {e['deadline_on']} 前支出完毕，尚有 {yuan(e['unspent'])} 元未支出，"
            f"已逾期 {e['days_overdue']} 天",
            f"{e['doc_no']} '{e['fund']}' should have been spent by {e['deadline_on']}; "
            f"{yuan(e['unspent'])} yuan still unspent, {e['days_overdue']} days overdue")
