"""A villager pressed "没收到" (not received) and the township has not answered yet."""
from sqlalchemy import select

from ...extensions import db
from ...risks.rules import Hit, masked_person
from ..models import Beneficiary, SubsidyCase, SubsidyPolicy

CODE = "subsidy_not_received"
NAME_ZH, NAME_EN = "群众反映未收到补贴", "Villager reports not received"
LEVEL = "orange"
DESCRIPTION_ZH = "村民扫码自查后反映应发的补贴没有收到：乡镇须核实并答复，答复后自动销号。"
DESCRIPTION_EN = "A villager reported, after checking by QR code, that a subsidy did not arrive; the township must check and answer."
THRESHOLDS = ()
LABELS = {"person": ("对象", "Person"), "id_number": ("身份证号", "ID number"), "policy": ("政策", "Policy"),
          "period": ("期间", "Period"), "case_id": ("反映编号", "Case"), "note": ("村民留言", "Villager's note"),
          "reported_at": ("反映时间", "Reported")}
VOLATILE = ()


def find(ctx):
    rows = db.session.execute(
        select(SubsidyCase.id, SubsidyCase.region_id, SubsidyCase.period, SubsidyCase.note, SubsidyCase.created_at,
               SubsidyPolicy.name, Beneficiary.name, Beneficiary.id_mask)
        .join(SubsidyPolicy, SubsidyPolicy.id == SubsidyCase.policy_id)
        .join(Beneficiary, Beneficiary.id == SubsidyCase.beneficiary_id)
        .where(*ctx.scope(region=SubsidyCase.region_id), SubsidyCase.status == "open"))
    for cid, region_id, period, note, at, policy, name, id_mask in rows:
        yield Hit(f"case:{cid}", "subsidy_case", region_id, None, {
            **masked_person(name, id_mask), "policy": policy, "period": period, "case_id": cid, "note": note or "",
            "reported_at": at.isoformat(timespec="minutes")})


def explain(e):
    return (f"{e['person']} 反映“{e['policy']}”{e['period']} 没有收到（编号 {e['case_id']}）",
            f"{e['person']} reports '{e['policy']}' {e['period']} was not received (case {e['case_id']})")
