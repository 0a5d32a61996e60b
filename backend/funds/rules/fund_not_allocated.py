"""An arrived budget line not fully allocated within the statutory days after issue."""
from ...risks.rules import Hit, yuan
from . import FUND_LABELS, facts, overdue, total
from ..models import Fund

CODE = "fund_not_allocated"
NAME_ZH, NAME_EN = "资金未按时分配", "Fund not allocated in time"
LEVEL = "orange"
DESCRIPTION_ZH = ("资金到账后，超过规定天数仍未全部分配到项目、补贴政策或乡镇支出（预算法第五十二条）：资金可能滞留。"
                  "全部分配后自动销号。")
DESCRIPTION_EN = ("An arrived budget line is not fully allocated to projects, subsidy policies or the township's "
                  "spending within the statutory days (Budget Law §52). Clears once all of it is allocated.")
THRESHOLDS = ("FUND_DEADLINE_DAYS",)
LABELS = {**FUND_LABELS, "allocated": ("已分配（元）", "Allocated (yuan)"),
          "unallocated": ("未分配（元）", "Not allocated (yuan)")}
VOLATILE = ("days_overdue",)


def find(ctx):
    rows = overdue(ctx, "allocate", lambda a, s: [Fund.arrived_on.is_not(None), total(a) < Fund.amount])
    for fund, allocated, _spent, deadline in rows:
        yield Hit(f"fund:{fund.id}", "fund", fund.region_id, None, {
            **facts(ctx, fund), "allocated": ctx.money(allocated), "unallocated": ctx.money(fund.amount - allocated),
            "deadline_on": deadline.isoformat(), "days_overdue": (ctx.today - deadline).days})


def explain(e):
    return (f"{e['doc_no']}「{e['fund']}」应于 {e['deadline_on']} 前分配完毕，尚有 {yuan(e['unallocated'])} 元未分配，"
            f"已逾期 {e['days_overdue']} 天",
            f"{e['doc_no']} '{e['fund']}' should have been allocated by {e['deadline_on']}; "
            f"{yuan(e['unallocated'])} yuan still unallocated, {e['days_overdue']} days overdue")
