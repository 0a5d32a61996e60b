"""沉淀资金: money that arrived long ago and is still not spent."""
from datetime import timedelta

from ...risks.rules import Hit, yuan
from . import FUND_LABELS, facts, funds, total
from ..models import Fund

CODE = "fund_idle"
NAME_ZH, NAME_EN = "沉淀资金", "Idle money"
LEVEL = "red"
DESCRIPTION_ZH = "资金到账超过规定天数仍有余额未支出，形成沉淀：应尽快使用或按规定收回统筹。余额支出完毕后自动销号。"
DESCRIPTION_EN = ("Money arrived more than the allowed days ago and part of it is still unspent (idle): use it or "
                  "return it as the rules require. Clears once the balance is spent.")
THRESHOLDS = ("FUND_IDLE_DAYS",)
LABELS = {**{k: v for k, v in FUND_LABELS.items() if k not in ("deadline_on", "days_overdue")},
          "arrived_on": ("到账日期", "Arrived"), "age_days": ("到账天数", "Days since arrival"),
          "spent": ("已支出（元）", "Spent (yuan)"), "idle_amount": ("沉淀金额（元）", "Idle amount (yuan)")}
VOLATILE = ("age_days",)


def find(ctx):
    cutoff = ctx.today - timedelta(days=int(ctx.config["FUND_IDLE_DAYS"]))
    for fund, _allocated, spent in funds(ctx, lambda a, s: [Fund.arrived_on.is_not(None), Fund.arrived_on < cutoff,
                                                            total(s) < Fund.amount]):
        yield Hit(f"fund:{fund.id}", "fund", fund.region_id, None, {
            **facts(ctx, fund), "arrived_on": fund.arrived_on.isoformat(), "age_days": (ctx.today - fund.arrived_on).days,
            "spent": ctx.money(spent), "idle_amount": ctx.money(fund.amount - spent)})


def explain(e):
    return (f"{e['doc_no']}「{e['fund']}」于 {e['arrived_on']} 到账，已 {e['age_days']} 天，仍有 {yuan(e['idle_amount'])} 元未支出",
            f"{e['doc_no']} '{e['fund']}' arrived on {e['arrived_on']}, {e['age_days']} days ago; "
            f"{yuan(e['idle_amount'])} yuan is still unspent")
