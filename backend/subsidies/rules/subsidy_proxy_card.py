"""One bank card receiving payments for several unrelated people (代领)."""
from sqlalchemy import func, select

from ...core.lookups import among, slices
from ...extensions import db
from ...risks.rules import Hit, yuan
from ..models import Disbursement
from . import people

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
    # Then, for those cards only, what each person on them received; households and names come
    # from the register by primary key.
    per_person = [r for part in slices(shared) for r in db.session.execute(
        select(Disbursement.card_hash, Disbursement.beneficiary_id, func.sum(Disbursement.amount).label("total"),
               func.min(Disbursement.card_mask).label("mask"), func.min(Disbursement.region_id).label("region_id"))
        .where(*paid, among(Disbursement.card_hash, part))
        .group_by(Disbursement.card_hash, Disbursement.beneficiary_id))]
    register = people({r.beneficiary_id for r in per_person})
    cards = {}
    for r in per_person:
        cards.setdefault(r.card_hash, []).append(r)
    for card_hash, rows in cards.items():
        who = [register[r.beneficiary_id] for r in rows]
        households = {p.household or f"#{p.id}" for p in who}
        if len(households) < ctx.config["RISK_PROXY_CARD_MIN_PEOPLE"]:
            continue  # one family sharing a card
        yield Hit(f"card:{card_hash[:32]}", "bank_card", min(r.region_id for r in rows), None, {
            "card": min(r.mask for r in rows), "people": len(who), "households": len(households),
            "names": "、".join(sorted({ctx.mask_name(p.name) for p in who})[:8]),
            "person_ids": sorted(p.id for p in who)[:20],  # for links to each person's payments (no label: not shown)
            "total": ctx.money(sum(r.total for r in rows))})


def explain(e):
    return (f"银行卡 {e['card']} 收到了 {e['households']} 户 {e['people']} 人的补贴（{e['names']}），合计 ¥{yuan(e['total'])}",
            f"Card {e['card']} received subsidies for {e['people']} people in {e['households']} households ({e['names']}), ¥{yuan(e['total'])} in all")
