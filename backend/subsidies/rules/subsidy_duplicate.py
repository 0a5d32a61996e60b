"""The same person paid twice for the same policy and period (重复发放). When the village's notice
shows one of the payments, the warning says so: the notice differs from the payments only by the
duplicate, and subsidy_notice_mismatch raises no second warning for it."""
from sqlalchemy import func, select

from ...extensions import db
from ...risks.rules import Hit, masked_person, yuan
from ..models import Beneficiary, Disbursement, NoticeEntry, SubsidyPolicy

CODE = "subsidy_duplicate"
NAME_ZH, NAME_EN = "重复发放", "Paid twice"
LEVEL = "red"
DESCRIPTION_ZH = "同一人同一政策同一期间发放了不止一次：可能是重复录入、重复申报或冒领。"
DESCRIPTION_EN = "One person was paid more than once for the same policy and period: double entry, double claim or fraud."
THRESHOLDS = ()
LABELS = {"person": ("对象", "Person"), "id_number": ("身份证号", "ID number"), "policy": ("政策", "Policy"),
          "period": ("期间", "Period"), "payments": ("发放次数", "Payments"), "total": ("合计金额", "Total"),
          "published": ("公示金额", "On the notice")}
VOLATILE = ()


def find(ctx):
    # Paid payments grouped in the order of the partial index ix_disbursements_paid_person (read
    # from the index alone): only the groups with more than one payment come back.
    twice = (select(Disbursement.beneficiary_id, Disbursement.policy_id, Disbursement.period,
                    func.count().label("n"), func.sum(Disbursement.amount).label("total"))
             .where(Disbursement.status == "paid")
             .group_by(Disbursement.beneficiary_id, Disbursement.policy_id, Disbursement.period)
             .having(func.count() > 1).subquery())
    rows = db.session.execute(
        select(twice, Beneficiary.region_id, Beneficiary.name, Beneficiary.id_mask, SubsidyPolicy.name.label("policy"),
               NoticeEntry.amount.label("published"))
        .join(Beneficiary, Beneficiary.id == twice.c.beneficiary_id)
        .join(SubsidyPolicy, SubsidyPolicy.id == twice.c.policy_id)
        .outerjoin(NoticeEntry, (NoticeEntry.beneficiary_id == twice.c.beneficiary_id)
                   & (NoticeEntry.policy_id == twice.c.policy_id) & (NoticeEntry.period == twice.c.period))
        .where(*ctx.scope(region=Beneficiary.region_id)))
    for r in rows:
        yield Hit(f"dup:{r.beneficiary_id}:{r.policy_id}:{r.period}", "beneficiary", r.region_id, None, {
            **masked_person(r.name, r.id_mask), "policy": r.policy, "period": r.period, "payments": int(r.n),
            "total": ctx.money(r.total), **({"published": ctx.money(r.published)} if r.published is not None else {})})


def explain(e):
    zh, en = (f"（公示 ¥{yuan(e['published'])}）", f" (the notice shows ¥{yuan(e['published'])})") if e.get("published") else ("", "")
    return (f"{e['person']} 的“{e['policy']}”{e['period']} 发放了 {e['payments']} 次，合计 ¥{yuan(e['total'])}{zh}",
            f"{e['person']} was paid {e['payments']} times for '{e['policy']}' {e['period']} (¥{yuan(e['total'])} in all){en}")
