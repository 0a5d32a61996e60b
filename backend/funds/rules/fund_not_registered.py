"""A budget line issued to the township and not registered as arrived (登记/到账) in time."""
from ...risks.rules import Hit, yuan
from . import FUND_LABELS, facts, overdue
from ..models import Fund

CODE = "fund_not_registered"
NAME_ZH, NAME_EN = "资金下达后未按时登记到账", "Fund not registered in time"
LEVEL = "red"
DESCRIPTION_ZH = ("上级已下达的资金指标超过规定天数仍未在乡镇登记到账（预算法第五十二条）：可能被截留、挪用，"
                  "或乡镇未及时接收。登记到账后自动销号。")
DESCRIPTION_EN = ("A budget line issued by the upper level has not been registered as arrived by the township within "
                  "the statutory days (Budget Law §52): it may be held back, diverted, or not received. "
                  "Clears once the arrival is registered.")
THRESHOLDS = ("FUND_DEADLINE_DAYS",)
LABELS = dict(FUND_LABELS)
VOLATILE = ("days_overdue",)


def find(ctx):
    for fund, _allocated, _spent, deadline in overdue(ctx, "register", lambda a, s: [Fund.arrived_on.is_(None)]):
        yield Hit(f"fund:{fund.id}", "fund", fund.region_id, None, {
            **facts(ctx, fund), "deadline_on": deadline.isoformat(), "days_overdue": (ctx.today - deadline).days})


def explain(e):
    return (f"{e['doc_no']}「{e['fund']}」{yuan(e['amount'])} 元于 {e['issued_on']} 下达，应于 {e['deadline_on']} 前登记到账，"
            f"已逾期 {e['days_overdue']} 天",
            f"{e['doc_no']} '{e['fund']}' ({yuan(e['amount'])} yuan) was issued on {e['issued_on']} and should have been "
            f"registered by {e['deadline_on']}; {e['days_overdue']} days overdue")
