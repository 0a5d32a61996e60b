"""Payments to a public employee for a policy that excludes public employees."""
from sqlalchemy import func, select

from ...extensions import db
from ...risks.rules import Hit, masked_person, yuan
from ..models import Beneficiary, Disbursement, PublicEmployee, SubsidyPolicy

CODE = "subsidy_public_employee"
NAME_ZH, NAME_EN = "财政供养人员违规享受", "Public employee paid"
LEVEL = "orange"
DESCRIPTION_ZH = "财政供养人员领取了明确排除其享受的补贴。"
DESCRIPTION_EN = "A public employee received a subsidy whose policy excludes public employees."
THRESHOLDS = ()
LABELS = {"person": ("对象", "Person"), "id_number": ("身份证号", "ID number"), "employer": ("工作单位", "Employer"),
          "policy": ("政策", "Policy"), "payments": ("笔数", "Payments"), "total": ("合计金额", "Total")}
VOLATILE = ()


def find(ctx):
    rows = db.session.execute(
        select(Beneficiary.id, Beneficiary.region_id, Beneficiary.name, Beneficiary.id_mask, PublicEmployee.employer,
               SubsidyPolicy.id, SubsidyPolicy.name, func.count(Disbursement.id), func.sum(Disbursement.amount))
        .join(PublicEmployee, PublicEmployee.id_hash == Beneficiary.id_hash)
        .join(Disbursement, Disbursement.beneficiary_id == Beneficiary.id)
        .join(SubsidyPolicy, SubsidyPolicy.id == Disbursement.policy_id)
        .where(*ctx.scope(region=Beneficiary.region_id), Disbursement.status == "paid",
               SubsidyPolicy.excludes_public_employees.is_(True))
        .group_by(Beneficiary.id, Beneficiary.region_id, Beneficiary.name, Beneficiary.id_mask,
                  PublicEmployee.employer, SubsidyPolicy.id, SubsidyPolicy.name))
    for ben, region_id, name, id_mask, employer, pid, policy, n, total in rows:
        yield Hit(f"employee:{ben}:{pid}", "beneficiary", region_id, None, {
            **masked_person(name, id_mask), "employer": employer or "", "policy": policy, "payments": int(n),
            "total": ctx.money(total)})


def explain(e):
    return (f"财政供养人员 {e['person']}（{e['employer']}）领取了“{e['policy']}” {e['payments']} 笔共 ¥{yuan(e['total'])}",
            f"Public employee {e['person']} ({e['employer']}) received '{e['policy']}' {e['payments']} times (¥{yuan(e['total'])})")
