"""The same person paid twice for the same policy and period (重复发放)."""
from sqlalchemy import select

from ...extensions import db
from ...subsidies.models import Beneficiary, SubsidyPolicy
from . import Hit, masked_person

CODE = "subsidy_duplicate"
NAME_ZH, NAME_EN = "重复发放", "Paid twice"
LEVEL = "red"
DESCRIPTION_ZH = "同一人同一政策同一期间发放了不止一次：可能是重复录入、重复申报或冒领。"
DESCRIPTION_EN = "One person was paid more than once for the same policy and period: double entry, double claim or fraud."
THRESHOLDS = ()
LABELS = {"person": ("对象", "Person"), "id_number": ("身份证号", "ID number"), "policy": ("政策", "Policy"),
          "period": ("期间", "Period"), "payments": ("发放次数", "Payments"), "total": ("合计金额", "Total")}
VOLATILE = ()


def find(ctx):
    stats = ctx.subsidy_stats()
    rows = db.session.execute(
        select(stats.c.beneficiary_id, stats.c.policy_id, stats.c.period, stats.c.n, stats.c.total,
               Beneficiary.region_id, Beneficiary.name, Beneficiary.id_mask, SubsidyPolicy.name)
        .join(Beneficiary, Beneficiary.id == stats.c.beneficiary_id)
        .join(SubsidyPolicy, SubsidyPolicy.id == stats.c.policy_id)
        .where(stats.c.n > 1))
    for ben, policy, period, n, total, region_id, name, id_mask, policy_name in rows:
        yield Hit(f"dup:{ben}:{policy}:{period}", "beneficiary", region_id, None, {
            **masked_person(name, id_mask), "policy": policy_name, "period": period, "payments": int(n),
            "total": ctx.money(total)})


def explain(e):
    return (f"{e['person']} 的“{e['policy']}”{e['period']} 发放了 {e['payments']} 次，合计 ¥{e['total']}",
            f"{e['person']} was paid {e['payments']} times for '{e['policy']}' {e['period']} (¥{e['total']} in all)")
