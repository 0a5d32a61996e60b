"""The public notice (公示) shows an amount that differs from what was actually paid."""
from sqlalchemy import func, select

from ...extensions import db
from ...subsidies.models import Beneficiary, NoticeEntry, SubsidyPolicy
from . import Hit, masked_person

CODE = "subsidy_notice_mismatch"
NAME_ZH, NAME_EN = "公示与实发不符", "Notice differs from payment"
LEVEL = "orange"
DESCRIPTION_ZH = "村务公示的补贴金额与实际发放金额不一致：公示失真，或实际发放被截留、挪用。"
DESCRIPTION_EN = "The amount on the village's public notice differs from what was paid: a false notice, or money withheld."
THRESHOLDS = ("RISK_NOTICE_TOLERANCE",)
LABELS = {"person": ("对象", "Person"), "id_number": ("身份证号", "ID number"), "policy": ("政策", "Policy"),
          "period": ("期间", "Period"), "published": ("公示金额", "On the notice"), "paid": ("实发金额", "Paid")}
VOLATILE = ()


def find(ctx):
    stats = ctx.subsidy_stats()
    # Only periods that have been paid out at all: a notice published before the payment run is not a mismatch yet.
    paid_periods = select(stats.c.policy_id, stats.c.period).distinct().subquery()  # paid rows only
    paid = func.coalesce(stats.c.total, 0)
    rows = db.session.execute(
        select(NoticeEntry.id, NoticeEntry.region_id, NoticeEntry.period, NoticeEntry.amount, paid,
               SubsidyPolicy.name, Beneficiary.name, Beneficiary.id_mask)
        .join(paid_periods, (paid_periods.c.policy_id == NoticeEntry.policy_id) & (paid_periods.c.period == NoticeEntry.period))
        .outerjoin(stats, (stats.c.beneficiary_id == NoticeEntry.beneficiary_id) & (stats.c.policy_id == NoticeEntry.policy_id)
                   & (stats.c.period == NoticeEntry.period))
        .join(SubsidyPolicy, SubsidyPolicy.id == NoticeEntry.policy_id)
        .join(Beneficiary, Beneficiary.id == NoticeEntry.beneficiary_id)
        .where(func.abs(NoticeEntry.amount - paid) > ctx.config["RISK_NOTICE_TOLERANCE"]))
    for nid, region_id, period, published, paid_total, policy, name, id_mask in rows:
        yield Hit(f"notice:{nid}", "notice", region_id, None, {
            **masked_person(name, id_mask), "policy": policy, "period": period, "published": ctx.money(published),
            "paid": ctx.money(paid_total)})


def explain(e):
    return (f"公示 {e['person']} 的“{e['policy']}”{e['period']} 为 ¥{e['published']}，实际发放 ¥{e['paid']}",
            f"The notice shows ¥{e['published']} for {e['person']} ('{e['policy']}' {e['period']}); ¥{e['paid']} was paid")
