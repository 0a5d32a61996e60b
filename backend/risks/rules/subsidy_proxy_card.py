"""One bank card receiving payments for several unrelated people (代领)."""
from sqlalchemy import String, cast, func, select

from ...extensions import db
from ...subsidies.models import Beneficiary, Disbursement
from . import Hit, yuan

CODE = "subsidy_proxy_card"
NAME_ZH, NAME_EN = "一卡多人（疑似代领）", "One card, several people"
LEVEL = "red"
DESCRIPTION_ZH = "同一张银行卡收到了多个不同户的补贴对象的补贴款：可能有人冒名代领。"
DESCRIPTION_EN = "One bank card received subsidies for people from different households: someone may be collecting in their names."
THRESHOLDS = ("RISK_PROXY_CARD_MIN_PEOPLE",)
LABELS = {"card": ("银行卡", "Bank card"), "people": ("涉及人数", "People"), "households": ("涉及户数", "Households"),
          "names": ("对象", "Names"), "total": ("合计金额", "Total")}
VOLATILE = ()


def find(ctx):
    paid = (Disbursement.status == "paid", Disbursement.card_hash.is_not(None))
    # First the cards that paid more than one person (min ≠ max, read in the order of the partial
    # index ix_disbursements_paid_card), then households only for those few cards.
    shared = db.session.execute(
        select(Disbursement.card_hash).where(*paid).group_by(Disbursement.card_hash)
        .having(func.min(Disbursement.beneficiary_id) != func.max(Disbursement.beneficiary_id))).scalars().all()
    if not shared:
        return
    household = func.coalesce(Beneficiary.household, "#" + cast(Beneficiary.id, String))
    per_card = (select(Disbursement.card_hash, func.count(func.distinct(Beneficiary.id)).label("people"),
                       func.count(func.distinct(household)).label("households"),
                       func.sum(Disbursement.amount).label("total"), func.min(Disbursement.card_mask).label("mask"),
                       func.min(Disbursement.region_id).label("region_id"))
                .join(Beneficiary, Beneficiary.id == Disbursement.beneficiary_id)
                .where(*paid)
                .group_by(Disbursement.card_hash)
                .having(func.count(func.distinct(household)) >= ctx.config["RISK_PROXY_CARD_MIN_PEOPLE"]))
    hits = [h for start in range(0, len(shared), 1000)  # in chunks: a literal list the index can probe
            for h in db.session.execute(per_card.where(Disbursement.card_hash.in_(shared[start:start + 1000])))]
    if not hits:
        return
    names = {}
    for card, name in db.session.execute(
            select(Disbursement.card_hash, Beneficiary.name).join(Beneficiary, Beneficiary.id == Disbursement.beneficiary_id)
            .where(Disbursement.card_hash.in_([h.card_hash for h in hits]), Disbursement.status == "paid")
            .distinct()):
        names.setdefault(card, set()).add(ctx.mask_name(name))
    for h in hits:
        yield Hit(f"card:{h.card_hash[:32]}", "bank_card", h.region_id, None, {
            "card": h.mask, "people": int(h.people), "households": int(h.households),
            "names": "、".join(sorted(names.get(h.card_hash, ()))[:8]), "total": ctx.money(h.total)})


def explain(e):
    return (f"银行卡 {e['card']} 收到了 {e['households']} 户 {e['people']} 人的补贴（{e['names']}），合计 ¥{yuan(e['total'])}",
            f"Card {e['card']} received subsidies for {e['people']} people in {e['households']} households ({e['names']}), ¥{yuan(e['total'])} in all")
