"""Three-way reconciliation (三方对账) of one policy and period in a township, village by village:
the public notice (公示) ↔ the payment batches ↔ the bank's result. Every difference is a finding with
its kind, the person (masked), the amounts and the batch line it concerns:

- ``not_paid``       on the notice, and no payment the bank has paid (none in a batch, or failed, or
                     still waiting for the bank);
- ``not_on_notice``  paid by the bank, and not on the notice;
- ``amount_differs`` paid, at an amount other than the notice's;
- ``card_differs``   paid to a card other than the one the person has registered now;
- ``paid_twice``     the bank paid the person more than once for the policy and period.
"""
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select

from ..core import pii
from ..core.models import Region
from ..extensions import db
from ..subsidies.models import Beneficiary, NoticeEntry, SubsidyPolicy
from .models import BatchPayment, PaymentBatch

FINDINGS = {
    "not_paid": ("已公示，未发放到账", "On the notice, not paid"),
    "not_on_notice": ("已发放，未经公示", "Paid, not on the notice"),
    "amount_differs": ("发放金额与公示不符", "Paid an amount other than the notice's"),
    "card_differs": ("发放银行卡与登记的不符", "Paid to a card other than the registered one"),
    "paid_twice": ("同一人同一期重复发放", "Paid twice for the same policy and period"),
}
ZERO = Decimal("0.00")


def reconcile(batch):
    """The reconciliation of ``batch``'s township, policy and period (every batch of them, the
    re-issues too): {"villages": [...], "findings": [...], "clean": bool}."""
    township = db.session.get(Region, batch.region_id)
    policy = db.session.get(SubsidyPolicy, batch.policy_id)
    villages = dict(db.session.execute(select(Region.id, Region.name).where(
        Region.path.startswith(township.path, autoescape=True), Region.level == "village")).all())
    notices = {n.beneficiary_id: n for n in db.session.execute(select(
        NoticeEntry.beneficiary_id, NoticeEntry.region_id, NoticeEntry.amount).where(
        NoticeEntry.policy_id == policy.id, NoticeEntry.period == batch.period,
        NoticeEntry.beneficiary_id.is_not(None), NoticeEntry.region_id.in_(list(villages))))}
    lines = defaultdict(list)
    for p in db.session.execute(select(
            BatchPayment.id, BatchPayment.beneficiary_id, BatchPayment.region_id, BatchPayment.amount,
            BatchPayment.status, BatchPayment.card_hash, BatchPayment.card_mask, BatchPayment.seq,
            BatchPayment.batch_id).join(PaymentBatch, PaymentBatch.id == BatchPayment.batch_id).where(
            BatchPayment.policy_id == policy.id, BatchPayment.period == batch.period,
            PaymentBatch.region_id == township.id).order_by(BatchPayment.id)):
        lines[p.beneficiary_id].append(p)
    people = {b.id: b for b in db.session.execute(select(
        Beneficiary.id, Beneficiary.name, Beneficiary.region_id, Beneficiary.card_hash).where(
        Beneficiary.id.in_(set(notices) | set(lines))))} if notices or lines else {}

    findings = []
    per_village = {v: {"notice_count": 0, "notice_amount": ZERO, "paid_count": 0, "paid_amount": ZERO,
                       "findings": 0} for v in villages}

    def add(kind, ben_id, village, notice=None, line=None, **extra):
        zh, en = FINDINGS[kind]
        person = people.get(ben_id)
        findings.append({"kind": kind, "zh": zh, "en": en, "beneficiary_id": ben_id,
                         "name": pii.mask_name(person.name) if person else None,
                         "village": villages.get(village), "notice_amount": notice,
                         "paid_amount": line.amount if line is not None and kind != "not_paid" else None,
                         "batch_no": f"PB{line.batch_id:08d}" if line is not None else None,
                         "seq": line.seq if line is not None else None, **extra})
        if village in per_village:
            per_village[village]["findings"] += 1

    for ben_id in sorted(set(notices) | set(lines)):
        notice = notices.get(ben_id)
        paid = [p for p in lines.get(ben_id, []) if p.status == "paid"]
        village = notice.region_id if notice is not None else lines[ben_id][0].region_id
        if village in per_village and notice is not None:
            per_village[village]["notice_count"] += 1
            per_village[village]["notice_amount"] += notice.amount
        for p in paid:
            if p.region_id in per_village:
                per_village[p.region_id]["paid_count"] += 1
                per_village[p.region_id]["paid_amount"] += p.amount
        if notice is not None and not paid:
            last = lines[ben_id][-1] if lines.get(ben_id) else None
            add("not_paid", ben_id, village, notice.amount, last, state=last.status if last is not None else "none")
            continue
        if not paid:
            continue  # in a batch, not on the notice, and never paid: nothing left the bank
        if notice is None:
            add("not_on_notice", ben_id, village, None, paid[0])
        elif paid[0].amount != notice.amount:
            add("amount_differs", ben_id, village, notice.amount, paid[0])
        person = people.get(ben_id)
        if person is not None and person.card_hash and paid[-1].card_hash != person.card_hash:
            add("card_differs", ben_id, village, notice.amount if notice else None, paid[-1],
                paid_card=paid[-1].card_mask)
        if len(paid) > 1:
            add("paid_twice", ben_id, village, notice.amount if notice else None, paid[1], times=len(paid))
    rows = [{"region": {"id": v, "name": villages[v]}, **figures} for v, figures in
            sorted(per_village.items(), key=lambda kv: villages[kv[0]]) if figures["notice_count"]
            or figures["paid_count"] or figures["findings"]]
    return {"township": {"id": township.id, "name": township.name}, "policy": {"id": policy.id, "name": policy.name},
            "period": batch.period, "villages": rows, "findings": findings, "clean": not findings}
