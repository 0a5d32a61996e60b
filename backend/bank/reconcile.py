"""Three-way reconciliation (三方对账) of one policy and period in a township, village by village:
the public notice (公示) ↔ the payment batches ↔ the bank's result. Every difference is a finding with
its kind, the person (masked), the amounts and the batch line it concerns:

- ``not_paid``       on the notice, and no payment the bank has paid (none in a batch, or failed, or
                     still waiting for the bank);
- ``not_on_notice``  paid by the bank, and not on the notice;
- ``amount_differs`` paid, at an amount other than the notice's;
- ``card_differs``   paid to a card other than the one the person has registered now;
- ``paid_twice``     the bank paid the person more than once for the policy and period.

The differences are also kept (``ReconciliationDifference``) as findings for the cockpit (对账差异,
counted per village) and the subsidies report: ``record`` reconciles one township, policy and
period again and replaces its findings — when a return file is imported (bank.services), and for
every township, policy and period with a batch by the periodic job (bank/jobs.py), which catches
what changed without a return file (a notice posted or corrected, a card changed). A township
whose findings changed is touched, so the cockpit's figures follow.
"""
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import delete, insert, select, text

from .. import jobs
from ..core import clock, pii
from ..core.lookups import among, slices
from ..core.models import Region
from ..extensions import db
from ..subsidies.models import Beneficiary, NoticeEntry, SubsidyPolicy
from .models import BatchPayment, PaymentBatch, ReconciliationDifference, line_state

FINDINGS = {
    "not_paid": ("已公示，未发放到账", "On the notice, not paid"),
    "not_on_notice": ("已发放，未经公示", "Paid, not on the notice"),
    "amount_differs": ("发放金额与公示不符", "Paid an amount other than the notice's"),
    "card_differs": ("发放银行卡与登记的不符", "Paid to a card other than the registered one"),
    "paid_twice": ("同一人同一期重复发放", "Paid twice for the same policy and period"),
}
ZERO = Decimal("0.00")
IN_SLICE = 10_000  # people a return file reconciles by themselves; past that, everyone (it costs the same)


def reconcile(batch):
    """The reconciliation of ``batch``'s township, policy and period (every batch of them, the
    re-issues too): {"villages": [...], "findings": [...], "clean": bool}."""
    return reconcile_of(db.session.get(Region, batch.region_id), db.session.get(SubsidyPolicy, batch.policy_id),
                        batch.period)


def reconcile_of(township, policy, period, people=None):
    """The reconciliation of the policy and period in the township (see ``reconcile``); of only
    these people (beneficiary ids, at most ``IN_SLICE``) when given."""
    villages = dict(db.session.execute(select(Region.id, Region.name).where(
        Region.path.startswith(township.path, autoescape=True), Region.level == "village")).all())
    on_notice = (NoticeEntry.policy_id == policy.id, NoticeEntry.period == period,
                 NoticeEntry.beneficiary_id.is_not(None), NoticeEntry.region_id.in_(list(villages)))
    in_batches = (BatchPayment.policy_id == policy.id, BatchPayment.period == period,
                  PaymentBatch.region_id == township.id)
    if people is not None:
        on_notice += (among(NoticeEntry.beneficiary_id, people),)
        in_batches += (among(BatchPayment.beneficiary_id, people),)
    notices = {n.beneficiary_id: n for n in db.session.execute(select(
        NoticeEntry.beneficiary_id, NoticeEntry.region_id, NoticeEntry.amount).where(*on_notice))}
    lines = defaultdict(list)
    for p in db.session.execute(select(
            BatchPayment.id, BatchPayment.beneficiary_id, BatchPayment.region_id, BatchPayment.amount,
            BatchPayment.status, BatchPayment.card_hash, BatchPayment.card_mask, BatchPayment.seq,
            BatchPayment.batch_id, PaymentBatch.status.label("batch_status"), Beneficiary.card_hash.label("card_now"))
            .join(PaymentBatch, PaymentBatch.id == BatchPayment.batch_id)
            .join(Beneficiary, Beneficiary.id == BatchPayment.beneficiary_id).where(
            *in_batches).order_by(BatchPayment.id)):
        lines[p.beneficiary_id].append(p)

    findings = []
    per_village = {v: {"notice_count": 0, "notice_amount": ZERO, "paid_count": 0, "paid_amount": ZERO,
                       "findings": 0} for v in villages}

    def add(kind, ben_id, village, notice=None, line=None, **extra):
        zh, en = FINDINGS[kind]
        findings.append({"kind": kind, "zh": zh, "en": en, "beneficiary_id": ben_id, "name": None,
                         "village": villages.get(village), "region_id": village, "notice_amount": notice,
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
            add("not_paid", ben_id, village, notice.amount, last,
                state=line_state(last.status, last.batch_status) if last is not None else "none")
            continue
        if not paid:
            continue  # in a batch, not on the notice, and never paid: nothing left the bank
        if notice is None:
            add("not_on_notice", ben_id, village, None, paid[0])
        elif paid[0].amount != notice.amount:
            add("amount_differs", ben_id, village, notice.amount, paid[0])
        if paid[-1].card_now and paid[-1].card_hash != paid[-1].card_now:
            add("card_differs", ben_id, village, notice.amount if notice else None, paid[-1],
                paid_card=paid[-1].card_mask)
        if len(paid) > 1:
            add("paid_twice", ben_id, village, notice.amount if notice else None, paid[1], times=len(paid))
    # The names of the people with a finding only (masked), a slice at a time: a township's 100,000
    # would pass PostgreSQL's 65,535 parameters a statement.
    wanted = sorted({f["beneficiary_id"] for f in findings})
    names = {}
    for part in slices(wanted):
        names.update(db.session.execute(select(Beneficiary.id, Beneficiary.name).where(among(Beneficiary.id, part))).all())
    for f in findings:
        f["name"] = pii.mask_name(names[f["beneficiary_id"]]) if f["beneficiary_id"] in names else None
    rows = [{"region": {"id": v, "name": villages[v]}, **figures} for v, figures in
            sorted(per_village.items(), key=lambda kv: villages[kv[0]]) if figures["notice_count"]
            or figures["paid_count"] or figures["findings"]]
    return {"township": {"id": township.id, "name": township.name}, "policy": {"id": policy.id, "name": policy.name},
            "period": period, "villages": rows, "findings": findings, "clean": not findings}


def record(township_id, policy_id, period, people=None):
    """Reconcile the township's policy and period again and keep its differences as findings: the
    ones gone are deleted, the new ones inserted, one still there keeps its ``found_at``. With
    ``people`` (beneficiary ids: the lines a return file answered), only theirs: nothing else changed
    for the others with that file (what changes without one, the periodic job catches); past
    ``IN_SLICE`` of them, everyone (it costs the same). A line the
    bank has not answered yet is not a finding while the bank has ``BANK_ANSWER_DAYS`` to answer
    (it is in the live reconciliation, 在途): a batch of 100,000 on its way would otherwise raise
    100,000 differences on the cockpit for a day. True when they changed; the township is then
    touched (its warnings and the cockpit's figures follow)."""
    if db.engine.dialect.name == "postgresql":
        # One writer of a key at a time (an import and the periodic job would each delete what the
        # other had not committed yet, and both insert); SQLite writes one at a time anyway.
        db.session.execute(text("SELECT pg_advisory_xact_lock(7213002, hashtext(:key))"),
                           {"key": f"{township_id}/{policy_id}/{period}"})
    township, policy = db.session.get(Region, township_id), db.session.get(SubsidyPolicy, policy_id)
    RD = ReconciliationDifference
    key = (RD.township_id == township_id, RD.policy_id == policy_id, RD.period == period)
    people = sorted(set(people)) if people is not None and len(set(people)) <= IN_SLICE else None
    if people is not None:
        key += (among(RD.beneficiary_id, people),)
    # Plain rows, and only what changed written: one many-row INSERT, a DELETE by id a slice at a time.
    before = {}
    for r in db.session.execute(select(RD.id, RD.kind, RD.beneficiary_id, RD.region_id, RD.notice_amount,
                                       RD.paid_amount, RD.batch_no, RD.seq, RD.found_at).where(*key)):
        before[tuple(r[1:-1])] = (r.id, r.found_at)
    answering = _still_answering(township_id, policy_id, period)
    now = [{"township_id": township_id, "region_id": f["region_id"], "policy_id": policy_id, "period": period,
            "beneficiary_id": f["beneficiary_id"], "kind": f["kind"], "notice_amount": f["notice_amount"],
            "paid_amount": f["paid_amount"], "batch_no": f["batch_no"], "seq": f["seq"]}
           for f in reconcile_of(township, policy, period, people)["findings"]
           if not (f["kind"] == "not_paid" and f["state"] == "sent" and f["batch_no"] in answering)]
    now_ids = {_identity(d) for d in now}
    if now_ids == set(before):
        return False
    found = {(k[0], k[1]): at for k, (_, at) in before.items()}
    gone = [i for k, (i, _) in before.items() if k not in now_ids]
    for part in slices(gone):
        db.session.execute(delete(RD).where(among(RD.id, part)))
    at = clock.now()
    new = [d for d in now if _identity(d) not in before]
    for d in new:
        d["found_at"] = found.get((d["kind"], d["beneficiary_id"]), at)
    if new:
        db.session.execute(insert(RD), new)
    jobs.touch(regions=[township_id])
    return True


def _still_answering(township_id, policy_id, period):
    """The batches of the key (as batch numbers) sent to the bank less than ``BANK_ANSWER_DAYS`` ago."""
    since = clock.now() - timedelta(days=current_app.config["BANK_ANSWER_DAYS"])
    return {f"PB{i:08d}" for i in db.session.execute(select(PaymentBatch.id).where(
        PaymentBatch.region_id == township_id, PaymentBatch.policy_id == policy_id, PaymentBatch.period == period,
        PaymentBatch.exported_at.is_not(None), PaymentBatch.exported_at > since)).scalars()}


def record_all():
    """``record`` every township, policy and period that has a batch; the number whose findings changed."""
    keys = db.session.execute(select(PaymentBatch.region_id, PaymentBatch.policy_id, PaymentBatch.period)
                              .distinct().order_by(PaymentBatch.region_id, PaymentBatch.policy_id,
                                                   PaymentBatch.period)).all()
    return sum(record(*key) for key in keys)


def _identity(d):
    return (d["kind"], d["beneficiary_id"], d["region_id"], d["notice_amount"], d["paid_amount"], d["batch_no"],
            d["seq"])
