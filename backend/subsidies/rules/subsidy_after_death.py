"""Payments to a person on the imported death list, dated after the death."""
from sqlalchemy import func, select

from ...extensions import db
from ...risks.rules import Hit, masked_person, yuan
from ..models import Beneficiary, DeathRecord, Disbursement

CODE = "subsidy_after_death"
NAME_ZH, NAME_EN = "死亡后仍发放", "Paid after death"
LEVEL = "red"
DESCRIPTION_ZH = "补贴在对象死亡日期之后仍在发放：应及时停发并追回，防止他人冒领。"
DESCRIPTION_EN = "Subsidies were paid after the person's date of death: stop them and recover the money."
THRESHOLDS = ()
LABELS = {"person": ("对象", "Person"), "id_number": ("身份证号", "ID number"), "died_on": ("死亡日期", "Died on"),
          "payments": ("死亡后发放笔数", "Payments after death"), "total": ("合计金额", "Total"),
          "last_paid_on": ("最近发放", "Last paid")}
VOLATILE = ()


def find(ctx):
    rows = db.session.execute(
        select(Beneficiary.id, Beneficiary.region_id, Beneficiary.name, Beneficiary.id_mask, DeathRecord.died_on,
               func.count(Disbursement.id), func.sum(Disbursement.amount), func.max(Disbursement.paid_on))
        .join(DeathRecord, DeathRecord.id_hash == Beneficiary.id_hash)
        .join(Disbursement, Disbursement.beneficiary_id == Beneficiary.id)
        .where(*ctx.scope(region=Beneficiary.region_id), Disbursement.status == "paid",
               Disbursement.paid_on > DeathRecord.died_on)
        .group_by(Beneficiary.id, Beneficiary.region_id, Beneficiary.name, Beneficiary.id_mask, DeathRecord.died_on))
    for ben, region_id, name, id_mask, died_on, n, total, last in rows:
        yield Hit(f"dead:{ben}", "beneficiary", region_id, None, {
            **masked_person(name, id_mask), "died_on": died_on.isoformat(), "payments": int(n),
            "total": ctx.money(total), "last_paid_on": last.isoformat()})


def explain(e):
    return (f"{e['person']} 已于 {e['died_on']} 死亡，此后仍发放 {e['payments']} 笔共 ¥{yuan(e['total'])}（最近 {e['last_paid_on']}）",
            f"{e['person']} died on {e['died_on']} but was paid {e['payments']} times since (¥{yuan(e['total'])}, last {e['last_paid_on']})")
