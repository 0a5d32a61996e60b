"""A payment above the policy's standard × quantity (超标准)."""
from sqlalchemy import literal_column, or_, select

from ...extensions import db
from ...risks.rules import Hit, masked_person, yuan
from ..models import Disbursement, SubsidyPolicy
from . import people

CODE = "subsidy_over_standard"
NAME_ZH, NAME_EN = "超标准发放", "Above the standard"
LEVEL = "orange"
DESCRIPTION_ZH = "发放金额超过政策标准乘以数量：可能是虚报面积/人数或多发。"
DESCRIPTION_EN = "The amount exceeds the policy's standard times the quantity: inflated area/headcount or overpayment."
THRESHOLDS = ("RISK_NOTICE_TOLERANCE",)
LABELS = {"person": ("对象", "Person"), "id_number": ("身份证号", "ID number"), "policy": ("政策", "Policy"),
          "period": ("期间", "Period"), "amount": ("发放金额", "Amount"), "standard": ("标准", "Standard"),
          "quantity": ("数量", "Quantity"), "allowed": ("应发上限", "Allowed")}
VOLATILE = ()
RATE = literal_column("(disbursements.amount / NULLIF(disbursements.quantity, 0))")


def find(ctx):
    tolerance = ctx.config["RISK_NOTICE_TOLERANCE"]
    # Policy by policy (a county has dozens): the payments whose amount per unit is above the
    # standard are one range of ix_disbursements_policy_rate; the exact test and the people follow.
    for pid, policy, standard, unit in db.session.execute(
            select(SubsidyPolicy.id, SubsidyPolicy.name, SubsidyPolicy.standard_amount, SubsidyPolicy.unit)).all():
        rows = db.session.execute(
            select(Disbursement.id, Disbursement.region_id, Disbursement.period, Disbursement.amount,
                   Disbursement.quantity, Disbursement.beneficiary_id)
            .where(*ctx.scope(region=Disbursement.region_id), Disbursement.policy_id == pid, or_(RATE > standard, RATE.is_(None)),
                   Disbursement.status.in_(("paid", "pending")),
                   Disbursement.amount > standard * Disbursement.quantity + tolerance)).all()
        register = people({r.beneficiary_id for r in rows})
        for r in rows:
            person = register[r.beneficiary_id]
            yield Hit(f"over:{r.id}", "disbursement", r.region_id, None, {
                **masked_person(person.name, person.id_mask), "policy": policy, "period": r.period,
                "amount": ctx.money(r.amount), "standard": f"{ctx.money(standard)} {unit}",
                "quantity": ctx.number(r.quantity), "allowed": ctx.money(standard * r.quantity)})


def explain(e):
    return (f"{e['person']} 的“{e['policy']}”{e['period']} 发放 ¥{yuan(e['amount'])}，超过标准 {e['standard']} × {e['quantity']} = ¥{yuan(e['allowed'])}",
            f"{e['person']} got ¥{yuan(e['amount'])} for '{e['policy']}' {e['period']}, above {e['standard']} × {e['quantity']} = ¥{yuan(e['allowed'])}")
