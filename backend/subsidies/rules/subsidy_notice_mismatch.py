"""The public notice (公示) shows an amount that differs from what was actually paid."""
from sqlalchemy import func, select, tuple_

from ...extensions import db
from ...risks.rules import Hit, masked_person, yuan
from ..models import Beneficiary, Disbursement, NoticeEntry, SubsidyPolicy

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
    # Only periods that have been paid out at all: a notice published before the payment run is
    # not a mismatch yet. The notice's (policy, period) pairs are few; each is one short probe.
    pairs = db.session.execute(select(NoticeEntry.policy_id, NoticeEntry.period).distinct()).all()
    paid_out = [(policy, period) for policy, period in pairs if db.session.execute(
        select(Disbursement.id).where(Disbursement.policy_id == policy, Disbursement.period == period,
                                      Disbursement.status == "paid").limit(1)).first()]
    if not paid_out:
        return
    # What was paid for each notice line: an index-only probe of ix_disbursements_paid_person.
    paid = func.coalesce(select(func.sum(Disbursement.amount)).where(
        Disbursement.beneficiary_id == NoticeEntry.beneficiary_id, Disbursement.policy_id == NoticeEntry.policy_id,
        Disbursement.period == NoticeEntry.period, Disbursement.status == "paid").scalar_subquery(), 0)
    lines = (select(NoticeEntry.id, NoticeEntry.region_id, NoticeEntry.period, NoticeEntry.amount,
                    NoticeEntry.policy_id, NoticeEntry.beneficiary_id, paid.label("paid"))
             .where(*ctx.scope(region=NoticeEntry.region_id),
                    tuple_(NoticeEntry.policy_id, NoticeEntry.period).in_(paid_out)).subquery())
    rows = db.session.execute(
        select(lines, SubsidyPolicy.name.label("policy"), Beneficiary.name, Beneficiary.id_mask)
        .join(SubsidyPolicy, SubsidyPolicy.id == lines.c.policy_id)
        .join(Beneficiary, Beneficiary.id == lines.c.beneficiary_id)
        .where(func.abs(lines.c.amount - lines.c.paid) > ctx.config["RISK_NOTICE_TOLERANCE"]))
    for r in rows:
        yield Hit(f"notice:{r.id}", "notice", r.region_id, None, {
            **masked_person(r.name, r.id_mask), "policy": r.policy, "period": r.period, "published": ctx.money(r.amount),
            "paid": ctx.money(r.paid)})


def explain(e):
    return (f"公示 {e['person']} 的“{e['policy']}”{e['period']} 为 ¥{yuan(e['published'])}，实际发放 ¥{yuan(e['paid'])}",
            f"The notice shows ¥{yuan(e['published'])} for {e['person']} ('{e['policy']}' {e['period']}); ¥{yuan(e['paid'])} was paid")
