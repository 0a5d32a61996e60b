"""一键直连: payment batches built from the notice (公示), approved by maker and checker, written as
the bank's file, and reconciled from the bank's return files; failures fixed and re-issued once.

Plain functions; they flush, never commit (the request or the CLI commits once).
"""
import hashlib
import re
from collections import Counter
from datetime import timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import bindparam, func, select, text
from sqlalchemy import table as sa_table
from sqlalchemy.exc import IntegrityError

from .. import jobs
from ..core import audit, clock, pii
from ..core.bulk import bulk_insert, new_ids
from ..core.errors import ApiError, bad_field
from ..core.fields import MAX_ID
from ..core.lookups import among, slices
from ..core.models import Region, User
from ..core.scoping import covers
from ..core.uploads import file_name
from ..departments import services as departments
from ..departments.models import PaymentHold
from ..extensions import db
from ..notifications.services import notify, people_above, place
from ..risks.models import RiskWarning
from ..subsidies.models import (Beneficiary, DeathRecord, Disbursement, NoticeEntry, NoticeObjection, PublicEmployee,
                                SubsidyPolicy)
from ..subsidies.services import visible_policies
from . import files, reconcile
from .models import BATCH_STATE_NAMES, LINE_STATE_NAMES, SENT_BATCHES, BatchPayment, PaymentBatch, ReturnFile, line_state
from .profiles import PLAIN, PROFILES, REASONS, ROUTE_NAMES

BUILDERS = ("clerk",)
APPROVERS = ("township_lead", "county")
SENDERS = ("clerk", "township_lead")  # write the bank file, import returns, fix and re-issue failures
READERS = ("admin", "province", "city", "county", "township_lead", "clerk")
PERIOD_RE = re.compile(r"[0-9]{4}(-(0[1-9]|1[0-2])|-Q[1-4]|-H[12])?")  # (fullmatch: no newline after, ASCII digits)
# Open warnings that stop a person's payment: the rules about a dead person, a public employee, a
# duplicate payment — and any other red warning about the person.
BLOCKING_RULES = {"subsidy_after_death": "dead", "subsidy_public_employee": "employee", "subsidy_duplicate": "dup"}

REFUSALS = {
    "no_card": ("没有有效的银行卡", "No valid bank card"),
    "already_paid": ("本政策本期已发放", "Already paid for this policy and period"),
    "in_batch": ("已在本政策本期的支付批次中", "Already in a batch for this policy and period"),
    "notice_missing": ("未经公示", "Not on the public notice (公示)"),
    "notice_short": ("公示未满规定的工作日", "The notice has not been up for its full period"),
    "objection_open": ("公示期内有未办结的异议", "An objection to the notice is still open"),
    "objection_upheld": ("异议成立，公示尚未更正重新公示", "An objection was upheld and the notice not yet posted again, corrected"),
    "deceased": ("已列入死亡名单", "On the death list"),
    "public_employee": ("财政供养人员，本政策不得享受", "A public employee, excluded from this policy"),
    "red_warning": ("有未处理的红色预警", "An open red warning on the person"),
    "held": ("已停发（预警处置中）", "Payments held (停发) while a warning is dealt with"),
}


def _refusal(code, **extra):
    zh, en = REFUSALS[code]
    return {"reason": code, "reason_zh": zh, "reason_en": en, **extra}


def working_days(start, end):
    """Working days (Monday–Friday) from ``start`` up to but not including ``end``."""
    if start is None or end <= start:
        return 0
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    for i in range(rest):
        if (start + timedelta(days=weeks * 7 + i)).weekday() < 5:
            count += 1
    return count


def check_period(period, path="json.period"):
    if not isinstance(period, str) or not PERIOD_RE.fullmatch(period):
        raise bad_field(path, "period_malformed", "期间格式应为 2026、2026-03、2026-Q1 或 2026-H1",
                        "A period is 2026, 2026-03, 2026-Q1 or 2026-H1")
    return period


def _township(actor):
    region = actor.region
    if region.level != "township":
        raise ApiError(403, "not_township", "只有乡镇的财政专管员能建支付批次", "Only a township clerk builds payment batches")
    return region


def _villages(township):
    return select(Region.id).where(Region.path.startswith(township.path, autoescape=True), Region.level == "village")


def _policy(actor, policy_id, path="json.policy_id"):
    policy = db.session.execute(visible_policies(actor.region).where(SubsidyPolicy.id == policy_id)).scalar_one_or_none()
    if policy is None:
        if db.session.get(SubsidyPolicy, policy_id) is not None:  # another township's own policy
            raise ApiError(403, "out_of_scope", "该补贴政策不在您的管辖范围内", "This policy is outside your region",
                           fields=[{"path": path, "message": "outside your region"}])
        raise bad_field(path, "policy_not_found", "本乡镇没有这项补贴政策", "No such policy applies here", 404)
    return policy


# ---------------------------------------------------------------- the proposal

def propose(township, policy, period):
    """Who would be paid (``lines``) and who is refused with a reason (``refused``), for a policy and
    period in a township: everyone on the village notices for it, and everyone paid by the policy
    before. Amount = the policy's standard × the quantity on the notice (or last paid)."""
    villages = _villages(township)
    today = clock.today()
    need = current_app.config["BANK_NOTICE_WORKING_DAYS"]
    notices = {n.beneficiary_id: n for n in db.session.execute(select(
        NoticeEntry.beneficiary_id, NoticeEntry.quantity, NoticeEntry.published_on).where(
        NoticeEntry.policy_id == policy.id, NoticeEntry.period == period, NoticeEntry.beneficiary_id.is_not(None),
        NoticeEntry.region_id.in_(villages)))}
    earlier = dict(db.session.execute(
        select(Disbursement.beneficiary_id, func.max(Disbursement.quantity)).where(
            Disbursement.policy_id == policy.id, Disbursement.region_id.in_(villages))
        .group_by(Disbursement.beneficiary_id)).all())
    ids = set(notices) | set(earlier)
    if not ids:
        return [], []
    people = {}  # plain rows, not objects: a township's batch is tens of thousands of people
    wanted = select(Beneficiary.id, Beneficiary.region_id, Beneficiary.name, Beneficiary.id_mask, Beneficiary.card_enc,
                    Beneficiary.card_hash, Beneficiary.card_mask).where(Beneficiary.region_id.in_(villages))
    for b in db.session.execute(wanted):
        if b.id in ids:
            people[b.id] = b
    paid = set(db.session.execute(select(Disbursement.beneficiary_id).where(
        Disbursement.policy_id == policy.id, Disbursement.period == period, Disbursement.status == "paid",
        Disbursement.region_id.in_(villages))).scalars())
    batched = set(db.session.execute(select(BatchPayment.beneficiary_id).where(
        BatchPayment.policy_id == policy.id, BatchPayment.period == period,
        BatchPayment.region_id.in_(villages))).scalars())
    dead = set(db.session.execute(select(Beneficiary.id).join(DeathRecord, DeathRecord.id_hash == Beneficiary.id_hash)
                                  .where(Beneficiary.region_id.in_(villages))).scalars())
    employed = set(db.session.execute(select(Beneficiary.id).join(PublicEmployee, PublicEmployee.id_hash == Beneficiary.id_hash)
                                      .where(Beneficiary.region_id.in_(villages))).scalars()) \
        if policy.excludes_public_employees else set()
    held = set(db.session.execute(select(PaymentHold.beneficiary_id).where(
        PaymentHold.policy_id == policy.id, PaymentHold.released_at.is_(None),
        PaymentHold.region_id.in_(villages))).scalars())
    # Objections to the notice about a person: an open one stops them; an upheld one until their line
    # is posted again (published after the ruling), corrected — and then it has its full period anew.
    objected, upheld = set(), {}
    for ben_id, status, resolved_at in db.session.execute(select(
            NoticeObjection.beneficiary_id, NoticeObjection.status, NoticeObjection.resolved_at).where(
            NoticeObjection.policy_id == policy.id, NoticeObjection.period == period,
            NoticeObjection.status.in_(("open", "upheld")), NoticeObjection.beneficiary_id.is_not(None),
            NoticeObjection.region_id.in_(villages))):
        if status == "open":
            objected.add(ben_id)
        else:
            upheld[ben_id] = max(upheld.get(ben_id, resolved_at), resolved_at)
    warned = {}
    for rule, key, level in db.session.execute(select(RiskWarning.rule_code, RiskWarning.subject_key, RiskWarning.level).where(
            RiskWarning.status == "open", RiskWarning.subject_type == "beneficiary",
            RiskWarning.region_id.in_(villages))):
        if rule in BLOCKING_RULES or level == "red":
            parts = key.split(":")
            if len(parts) > 1 and parts[1].isdigit():
                warned.setdefault(int(parts[1]), rule)
    lines, refused = [], []
    for ben_id in sorted(ids):
        b = people.get(ben_id)
        if b is None:
            continue
        notice = notices.get(ben_id)
        quantity = notice.quantity if notice is not None else earlier.get(ben_id) or Decimal(1)
        who = {"beneficiary_id": b.id, "name": pii.mask_name(b.name), "id_number": b.id_mask, "region_id": b.region_id}
        if ben_id in paid:
            refused.append(_refusal("already_paid", **who))
        elif ben_id in batched:
            refused.append(_refusal("in_batch", **who))
        elif not b.card_enc or not b.card_hash:
            refused.append(_refusal("no_card", **who))
        elif notice is None or notice.published_on is None:
            refused.append(_refusal("notice_missing", **who))
        elif (days := working_days(notice.published_on, today)) < need:
            refused.append(_refusal("notice_short", **who, published_on=notice.published_on.isoformat(),
                                    working_days=days, needed=need))
        elif ben_id in objected:
            refused.append(_refusal("objection_open", **who))
        elif ben_id in upheld and notice.published_on <= clock.local_date(upheld[ben_id]):
            refused.append(_refusal("objection_upheld", **who, published_on=notice.published_on.isoformat()))
        elif ben_id in dead:
            refused.append(_refusal("deceased", **who))
        elif ben_id in employed:
            refused.append(_refusal("public_employee", **who))
        elif ben_id in held:
            refused.append(_refusal("held", **who))
        elif ben_id in warned:
            refused.append(_refusal("red_warning", **who, rule=warned[ben_id]))
        else:
            amount = (policy.standard_amount * quantity).quantize(Decimal("0.01"))
            lines.append({"person": b, "quantity": quantity, "amount": amount})
    return lines, refused


def build_batch(actor, policy_id, period):
    """A clerk's new draft batch for a policy and period in their township: every eligible person,
    the refused ones listed with their reasons. 422 ``batch_empty`` when nobody is eligible."""
    township = _township(actor)
    policy = _policy(actor, policy_id)
    check_period(period)
    lines, refused = propose(township, policy, period)
    if not lines:
        counts = Counter(r["reason"] for r in refused)
        fields = [{"path": "json.period", "reason": code, "count": counts[code], "message": f"{en}: {counts[code]}",
                   "zh": f"{zh}：{counts[code]} 人"} for code, (zh, en) in REFUSALS.items() if counts[code]]
        raise ApiError(422, "batch_empty", "没有可发放的对象（见不予发放的原因）", "Nobody is eligible (see the refusals)",
                       fields=fields or [{"path": "json.period", "message": "Nobody in the township receives this policy",
                                          "zh": "本乡镇没有享受该政策的对象"}])
    batch = PaymentBatch(region_id=township.id, policy_id=policy.id, period=period, kind="regular", status="draft",
                         refused=refused, removed=[], created_by_id=actor.id)
    db.session.add(batch)
    db.session.flush()
    _add_lines(batch, lines)
    _fix_totals(batch)
    audit.record(actor, "bank.batch_build", subject=batch, policy_id=policy.id, period=period,
                 count=batch.count, total=str(batch.total), refused=len(refused))
    return batch


def _add_lines(batch, lines, start=1):
    rows = [{"batch_id": batch.id, "seq": seq, "region_id": x["person"].region_id, "beneficiary_id": x["person"].id,
             "policy_id": batch.policy_id, "period": batch.period, "attempt": x.get("attempt", 0),
             "quantity": x["quantity"], "amount": x["amount"], "name": x["person"].name,
             "card_enc": x["person"].card_enc, "card_hash": x["person"].card_hash, "card_mask": x["person"].card_mask,
             "status": "pending", "reissue_of_id": x.get("reissue_of_id")}
            for seq, x in enumerate(lines, start=start)]
    bulk_insert(BatchPayment.__table__, rows)


COPY_FROM = 1000  # rows from which PostgreSQL updates them by COPY into a temporary table


def _update(model, rows):
    """Many rows by primary key (``id``), each with the same columns: on PostgreSQL COPY into a
    temporary table and one UPDATE … FROM it; elsewhere one executemany per chunk."""
    if not rows:
        return
    table = model.__table__
    columns = [k for k in rows[0] if k != "id"]
    if len(rows) >= COPY_FROM and db.session.connection().dialect.name == "postgresql":
        tmp = f"tmp_{table.name}_update"
        db.session.execute(text(f"CREATE TEMP TABLE {tmp} AS SELECT id, {', '.join(columns)} FROM {table.name} WITH NO DATA"))
        bulk_insert(sa_table(tmp), [{"id": r["id"], **{c: r[c] for c in columns}} for r in rows])
        db.session.execute(text(f"UPDATE {table.name} AS t SET {', '.join(f'{c} = s.{c}' for c in columns)} "
                                f"FROM {tmp} AS s WHERE t.id = s.id"))
        db.session.execute(text(f"DROP TABLE {tmp}"))
        return
    stmt = table.update().where(table.c.id == bindparam("_id")).values({c: bindparam(c) for c in columns})
    for i in range(0, len(rows), 5000):
        db.session.execute(stmt, [{**{c: r[c] for c in columns}, "_id": r["id"]} for r in rows[i:i + 5000]])


def _fix_totals(batch):
    count, total = db.session.execute(select(func.count(BatchPayment.id), func.coalesce(func.sum(BatchPayment.amount), 0))
                                      .where(BatchPayment.batch_id == batch.id)).one()
    batch.count, batch.total = int(count), Decimal(total).quantize(Decimal("0.01"))


# ---------------------------------------------------------------- maker and checker

def _state(batch, *allowed):
    if batch.status not in allowed:
        zh, en = BATCH_STATE_NAMES[batch.status]
        raise ApiError(409, "batch_state", f"批次当前状态为“{zh}”，不能这样操作", f"The batch is '{en}'; this is not possible now")


UNSENT = ("draft", "submitted", "lead_approved", "approved")  # the bank file is not written yet


def stopped_lines(batch):
    """The lines of a batch not yet sent to the bank whose person an objection to the notice stops
    now (raised, or upheld, after the batch was built), in order: [(line, reason code)]. Only the
    people with an open or upheld objection on the batch's policy and period are looked at."""
    if batch.status not in UNSENT:
        return []
    objected = select(NoticeObjection.beneficiary_id).where(
        NoticeObjection.policy_id == batch.policy_id, NoticeObjection.period == batch.period,
        NoticeObjection.status.in_(("open", "upheld")), NoticeObjection.beneficiary_id.is_not(None))
    rows = db.session.execute(select(BatchPayment).where(BatchPayment.batch_id == batch.id,
                                                         BatchPayment.beneficiary_id.in_(objected))
                              .order_by(BatchPayment.seq)).scalars().all()
    return [(p, code) for p in rows if (code := _stopped_by_objection(p)) is not None]


def stopped_view(stopped):
    """The stopped lines as the batch page and the 409 ``batch_objection`` list them."""
    out = []
    for p, code in stopped:
        zh, en = REFUSALS[code]
        out.append({"payment_id": p.id, "seq": p.seq, "beneficiary_id": p.beneficiary_id, "name": pii.mask_name(p.name),
                    "amount": str(p.amount), "reason": code, "reason_zh": zh, "reason_en": en})
    return out


def _refuse_if_stopped(batch, doing_zh, doing_en):
    """409 ``batch_objection`` (nothing changes) when an objection stops anybody in the batch: each
    stopped line is a field ``lines.<seq>`` with its person (masked) and the reason."""
    stopped = stopped_lines(batch)
    if not stopped:
        return
    fields = [{"path": f"lines.{x['seq']}", "message": f"Line {x['seq']} ({x['name']}): {x['reason_en']}",
               "zh": f"第 {x['seq']} 笔（{x['name']}）：{x['reason_zh']}", **x} for x in stopped_view(stopped)]
    names = "、".join(f"第 {f['seq']} 笔 {f['name']}" for f in fields[:5]) + ("等" if len(fields) > 5 else "")
    raise ApiError(409, "batch_objection",
                   f"批次中有 {len(fields)} 人因公示异议暂停发放（{names}），不能{doing_zh}：须先由专管员将其移出批次",
                   f"{len(fields)} people in the batch are stopped by an objection to the notice; the batch cannot be "
                   f"{doing_en}: the clerk takes them out first", fields=fields)


def _named(batch):
    """(zh, en) naming a batch in a message: its number, township, policy and period."""
    policy = db.session.get(SubsidyPolicy, batch.policy_id)
    where = place(db.session.get(Region, batch.region_id))
    return (f"批次 {batch.batch_no}（{where}，{policy.name} {batch.period}）",
            f"batch {batch.batch_no} ({where}, {policy.name} {batch.period})")


def _tell(batch, actor, users, kind, zh, en):
    """Tell ``users`` about the batch, never ``actor`` themself; the link opens the batch page."""
    notify([u for u in users if u is not None and u.id != getattr(actor, "id", None)], kind, zh, en,
           f"/bank/{batch.id}")


def remove_line(batch, actor, payment_id, reason):
    """The clerk takes a person out of a batch, with a reason (kept on the batch, audited): any line
    of a draft, and — until the bank file is written — a line an objection to the notice stops. A
    submitted or approved batch then goes back to draft (退回, its approvals cleared), to be
    submitted and approved again with its new count and total; the lead who approved it (or, not yet
    approved, the township's leads) and the county's approver if it had approved are told. 409
    ``batch_state``; 404 ``payment_not_in_batch``."""
    _state(batch, *UNSENT)
    line = db.session.get(BatchPayment, payment_id)
    if line is None or line.batch_id != batch.id:
        raise bad_field("json.payment_id", "payment_not_in_batch", "该笔不在本批次中", "This payment is not in the batch", 404)
    objection = _stopped_by_objection(line)
    if batch.status != "draft" and objection is None:
        _state(batch, "draft")
    entry = {"beneficiary_id": line.beneficiary_id, "name": pii.mask_name(line.name), "amount": str(line.amount),
             "reason": reason, "by": actor.id, "at": clock.now().isoformat()}
    if objection is not None:
        entry["objection"] = objection
    batch.removed = [*(batch.removed or []), entry]
    db.session.delete(line)
    db.session.flush()
    _fix_totals(batch)
    returned = None
    if batch.status != "draft":
        returned = batch.status
        if batch.lead_approved_by_id is not None:
            told = [db.session.get(User, batch.lead_approved_by_id)]
        else:
            told = people_above(db.session.get(Region, batch.region_id), ("township_lead",))
        if batch.county_approved_by_id is not None:
            told.append(db.session.get(User, batch.county_approved_by_id))
        zh, en = _named(batch)
        _tell(batch, actor, told, "bank_batch_returned",
              f"支付批次退回草稿，须重新审核：{zh}：已移出因公示异议暂停发放的 {entry['name']}（{reason}）",
              f"Payment batch back to draft, to be approved again: {en}: {entry['name']} taken out, "
              f"stopped by an objection to the notice ({reason})")
        batch.status = "draft"
        batch.lead_approved_by_id = batch.lead_approved_at = None
        batch.county_approved_by_id = batch.county_approved_at = None
        batch.rejected_reason = (f"已移出因公示异议暂停发放的 {entry['name']}（{reason}），"
                                 f"批次退回草稿，请重新提交审核")[:500]
    audit.record(actor, "bank.batch_remove", subject=batch, beneficiary_id=line.beneficiary_id, reason=reason,
                 objection=objection, returned_from=returned, count=batch.count, total=str(batch.total))
    return batch


def submit(batch, actor):
    """Submit a draft for approval: the count and total are fixed now. 422 ``batch_empty``; 409
    ``batch_objection`` while an objection stops someone in it."""
    _state(batch, "draft")
    _fix_totals(batch)
    if batch.count == 0:
        raise ApiError(422, "batch_empty", "批次中没有人", "The batch has nobody in it")
    _refuse_if_stopped(batch, "提交", "submitted")
    batch.status, batch.submitted_at, batch.rejected_reason = "submitted", clock.now(), None
    audit.record(actor, "bank.batch_submit", subject=batch, count=batch.count, total=str(batch.total))
    return batch


def approve(batch, actor):
    """The township lead approves a submitted batch (never its maker); above the county threshold the
    county approves it too. 403 ``maker_cannot_approve``, ``approver_role``; 409 ``batch_state``,
    ``batch_objection`` while an objection stops someone in it (take them out: the batch goes back to
    draft)."""
    _state(batch, "submitted", "lead_approved")
    if actor.id is not None and actor.id == batch.created_by_id:
        raise ApiError(403, "maker_cannot_approve", "批次的制单人不能审核自己的批次", "The maker of a batch cannot approve it")
    if batch.status == "submitted":
        if actor.role not in ("township_lead", "admin"):
            raise ApiError(403, "approver_role", "应由乡镇负责人先审核", "The township lead approves first")
    else:
        if actor.role not in ("county", "admin"):
            raise ApiError(403, "approver_role", "超过限额的批次须由县级财政审核", "A batch above the limit needs the county")
        if actor.id is not None and actor.id == batch.lead_approved_by_id:
            raise ApiError(403, "maker_cannot_approve", "同一人不能审核两次", "The same person cannot approve twice")
    _refuse_if_stopped(batch, "审核通过", "approved")
    now = clock.now()
    if batch.status == "submitted":
        batch.lead_approved_by_id, batch.lead_approved_at = actor.id, now
        above = current_app.config["BANK_COUNTY_APPROVAL_ABOVE"]
        batch.status = "lead_approved" if batch.total > above else "approved"
        step = "lead"
    else:
        batch.county_approved_by_id, batch.county_approved_at = actor.id, now
        batch.status, step = "approved", "county"
    audit.record(actor, "bank.batch_approve", subject=batch, step=step, status=batch.status,
                 count=batch.count, total=str(batch.total))
    return batch


def reject(batch, actor, reason):
    """Send a submitted batch back to its clerk with the reason (approvals so far are cleared); the
    clerk who made it is told, and the lead who had approved it when the county sends it back."""
    _state(batch, "submitted", "lead_approved")
    if actor.id is not None and actor.id == batch.created_by_id:
        raise ApiError(403, "maker_cannot_approve", "批次的制单人不能审核自己的批次", "The maker of a batch cannot approve it")
    if batch.status == "lead_approved" and actor.role not in ("county", "admin"):
        raise ApiError(403, "approver_role", "该批次正等待县级财政审核", "The batch is with the county")
    told = {batch.created_by_id, batch.lead_approved_by_id} - {None}
    batch.status, batch.rejected_reason = "draft", reason
    batch.lead_approved_by_id = batch.lead_approved_at = None
    if told:
        zh, en = _named(batch)
        _tell(batch, actor, [db.session.get(User, i) for i in sorted(told)], "bank_batch_rejected",
              f"支付批次被退回：{zh}，退回原因：{reason}", f"Payment batch sent back: {en}; the reason: {reason}")
    audit.record(actor, "bank.batch_reject", subject=batch, reason=reason)
    return batch


# ---------------------------------------------------------------- the bank file

def bank_file(batch, profile_code):
    """The bytes of the batch's bank file in a profile (the same bytes every time)."""
    policy = db.session.get(SubsidyPolicy, batch.policy_id)
    township = db.session.get(Region, batch.region_id)
    moment = clock.as_utc(batch.county_approved_at or batch.lead_approved_at or batch.submitted_at or batch.created_at)
    head = {"batch_no": batch.batch_no, "date": clock.local_date(moment).isoformat(),
            "created_at": moment.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            "unit": f"{township.name}财政所", "count": batch.count, "total": batch.total}
    lines, card, id_number = [], pii.decryptor("bank_card"), pii.decryptor("id_number")
    for row in db.session.execute(
            select(BatchPayment.seq, BatchPayment.batch_id, BatchPayment.name, BatchPayment.amount, BatchPayment.card_enc,
                   Beneficiary.id_enc).join(Beneficiary, Beneficiary.id == BatchPayment.beneficiary_id)
            .where(BatchPayment.batch_id == batch.id).order_by(BatchPayment.seq)):
        lines.append({"seq": row.seq, "end_to_end_id": f"PB{row.batch_id:08d}-{row.seq:06d}", "name": row.name,
                      "amount": row.amount, "account": card(row.card_enc),
                      "id_number": id_number(row.id_enc),
                      "memo": f"{policy.name} {batch.period}"})
    return files.write(profile_code, head, lines)


def export(batch, actor, profile_code):
    """Write an approved batch as the bank's file and record its format and SHA-256; once written the
    file is the bank's: later only the same file again (the record never changes). Returns (bytes,
    filename). 400 ``profile_unknown``; 409 ``batch_state``, ``batch_objection`` (the first time,
    while an objection stops someone in it), ``export_profile_fixed`` (another format after the first),
    ``export_changed`` (what it holds no longer writes the file sent). Every download is audited: it
    holds every full card and ID number of the batch."""
    if profile_code not in PROFILES:
        raise bad_field("json.profile", "profile_unknown", "没有这种银行文件格式", "No such bank profile")
    _state(batch, "approved", "exported", "closed")
    first = batch.export_sha256 is None  # (an approved batch: nothing written yet)
    if batch.status == "approved":
        _refuse_if_stopped(batch, "导出银行文件", "written as the bank file")
    if not first and profile_code != batch.export_profile:
        code = batch.export_profile
        sent = PROFILES.get(code) or {"name_zh": code, "name_en": code}  # (a layout since taken out of the list)
        raise ApiError(409, "export_profile_fixed",
                       f"该批次已按“{sent['name_zh']}”格式发给银行，只能再次下载同一文件",
                       f"This batch went to the bank as {sent['name_en']}: only that file can be downloaded again",
                       fields=[{"path": "json.profile", "message": f"the file sent is {batch.export_profile}",
                                "zh": f"已发送的文件格式为 {batch.export_profile}"}])
    data = bank_file(batch, profile_code)
    digest = hashlib.sha256(data).hexdigest()
    if batch.status == "approved":  # (its lines are 'sent' from now: models.line_state)
        batch.status, batch.exported_at = "exported", clock.now()
    if first:
        batch.export_profile, batch.export_sha256 = profile_code, digest
    elif digest != batch.export_sha256:
        raise ApiError(409, "export_changed", "按现有数据生成的银行文件与已发给银行的不一致（如收款人信息已更正），请联系管理员核查",
                       "The batch's data no longer writes the file sent to the bank (a payee's details corrected?): "
                       "have an administrator check it")
    audit.record(actor, "bank.batch_export", subject=batch, profile=profile_code, sha256=digest, bytes=len(data),
                 lines=batch.count)
    return data, f"{batch.batch_no}.{PROFILES[profile_code]['extension']}"


# ---------------------------------------------------------------- return files

def _refuse(code, zh, en, line=None):
    return ApiError(422, code, zh, en, fields=[{"path": "form.file" + (f".line.{line}" if line else ""), "message": en,
                                                "zh": zh}])


def _seen(digest, actor, batch):
    """The answer to a file already imported (``duplicate``: true), or None."""
    seen = db.session.execute(select(ReturnFile).where(ReturnFile.sha256 == digest)).scalar_one_or_none()
    if seen is None:
        return None
    if not covers(actor, db.session.get(Region, seen.region_id)):  # its batch and counts: not to another township
        raise ApiError(403, "out_of_scope", "该批次不在您的管辖范围内", "This batch is outside your region")
    if batch is not None and seen.batch_id != batch.id:
        raise _refuse("batch_mismatch", "该回盘文件属于另一个批次", "This return file belongs to another batch")
    return {"duplicate": True, "batch_id": seen.batch_id, "lines": seen.lines, "counts": seen.counts, "sha256": digest}


def import_return(data, actor, filename=None, batch=None):
    """Import a bank return file (pain.002, or the text profile's success or failure file). The whole
    file is refused (422, nothing changes) when it cannot be read, names another batch
    (``batch_unknown``, ``batch_mismatch``; 403 ``out_of_scope`` first when the batch it names is outside
    the actor's region), has a line not in the batch (``line_unknown``), a line twice (``line_duplicate``), an amount that differs (``amount_mismatch``), an account echoed that is not
    the line's card (``account_mismatch``), totals that do not add up
    (``total_mismatch``), or contradicts a final result (``result_conflict``). The same file again
    changes nothing (``duplicate``: true). Paid and failed lines write the subsidy's payment record."""
    digest = hashlib.sha256(data).hexdigest()
    seen = _seen(digest, actor, batch)
    if seen is not None:
        return seen
    try:
        parsed = files.read_return(data)
    except files.ReturnError as e:
        raise _refuse(e.code, e.zh, e.en, e.line)
    match = re.fullmatch(r"PB([0-9]{1,10})", parsed["batch_no"] or "")
    found = db.session.get(PaymentBatch, int(match.group(1)), with_for_update=True) \
        if match and int(match.group(1)) <= MAX_ID else None
    if found is None:
        raise _refuse("batch_unknown", f"找不到回盘文件所指的批次“{(parsed['batch_no'] or '')[:20]}”",
                      f"No batch '{(parsed['batch_no'] or '')[:20]}' as the return file names")
    # Whose batch it is comes before anything about it: an outsider hears 403, not its number.
    if not covers(actor, db.session.get(Region, found.region_id)):
        raise ApiError(403, "out_of_scope", "该批次不在您的管辖范围内", "This batch is outside your region")
    if batch is not None and found.id != batch.id:
        raise _refuse("batch_mismatch", f"回盘文件属于批次 {found.batch_no}，不是 {batch.batch_no}",
                      f"The return file is for batch {found.batch_no}, not {batch.batch_no}")
    batch = found
    seen = _seen(digest, actor, batch)  # the same file, imported while this one waited for the batch's lock
    if seen is not None:
        return seen
    if batch.status not in SENT_BATCHES:
        raise _refuse("batch_not_sent", "该批次还没有送银行", "This batch has not been sent to the bank")
    lines = parsed["lines"]
    if parsed.get("file_totals"):
        declared = (parsed["count"], parsed["total"])
        actual = (len(lines), sum((x["amount"] for x in lines), Decimal(0)))
    else:
        declared = (parsed["count"], parsed["total"])
        actual = (batch.count, batch.total)
    if declared[0] != actual[0] or declared[1] is None or Decimal(declared[1]) != actual[1]:
        raise _refuse("total_mismatch", f"回盘文件的笔数或总金额不符（文件 {declared[0]} 笔 ¥{declared[1]}，应为 {actual[0]} 笔 ¥{actual[1]:.2f}）",
                      f"The return file's count or total does not match (file {declared[0]} / {declared[1]}, "
                      f"expected {actual[0]} / {actual[1]:.2f})")
    by_key = {}
    field = BatchPayment.seq if parsed["profile"] == "rcb_text" else None
    rows = db.session.execute(select(*_LINE_COLUMNS).where(BatchPayment.batch_id == batch.id)).all()
    for r in rows:
        by_key[r.seq if field is not None else f"PB{batch.id:08d}-{r.seq:06d}"] = r
    seen_keys, changes = set(), []
    for x in lines:
        row = by_key.get(x["key"])
        if row is None:
            raise _refuse("line_unknown", f"第 {x['line']} 行（{str(x['key'])[:24]}）不在批次 {batch.batch_no} 中",
                          f"Line {x['line']} ({str(x['key'])[:24]}) is not in batch {batch.batch_no}", x["line"])
        if x["key"] in seen_keys:
            raise _refuse("line_duplicate", f"第 {x['line']} 行（{str(x['key'])[:24]}）重复出现",
                          f"Line {x['line']} ({str(x['key'])[:24]}) appears twice", x["line"])
        seen_keys.add(x["key"])
        if x["amount"] is not None and x["amount"] != row.amount:
            raise _refuse("amount_mismatch", f"第 {x['line']} 行的金额 ¥{x['amount']} 与批次中的 ¥{row.amount} 不符",
                          f"Line {x['line']}: amount {x['amount']} differs from the batch's {row.amount}", x["line"])
        if not _same_account(x.get("account"), row):
            raise _refuse("account_mismatch", f"第 {x['line']} 行的账号与批次中该笔的账号（{row.card_mask}）不符",
                          f"Line {x['line']}: the account differs from the batch line's ({row.card_mask})", x["line"])
        if row.status in ("paid", "failed"):
            if x["status"] != row.status:
                raise _refuse("result_conflict", f"第 {x['line']} 行与已记录的最终结果矛盾",
                              f"Line {x['line']} contradicts the final result already recorded", x["line"])
            continue
        if x["status"] == "unknown" and row.status == "unknown":
            continue
        changes.append((row, x))
    counts = {"paid": 0, "failed": 0, "unknown": 0, "unchanged": len(lines) - len(changes)}
    _apply(batch, changes, counts)
    _route_failures(batch, [row.id for row, x in changes if x["status"] == "failed"])
    open_left = db.session.execute(select(func.count(BatchPayment.id)).where(
        BatchPayment.batch_id == batch.id, BatchPayment.status.in_(("unknown", "pending")))).scalar()
    if open_left == 0:
        batch.status = "closed"
    rf = ReturnFile(batch_id=batch.id, region_id=batch.region_id, sha256=digest, profile=parsed["profile"],
                    filename=file_name(filename) or None, lines=len(lines), counts=counts,
                    actor_id=getattr(actor, "id", None))
    db.session.add(rf)
    db.session.flush()
    audit.record(actor, "bank.return_import", subject=batch, sha256=digest, profile=parsed["profile"], **counts)
    reconcile.record(batch.region_id, batch.policy_id, batch.period,  # the differences, as findings
                     {row.beneficiary_id for row, _ in changes})
    jobs.touch(regions=[batch.region_id])
    return {"duplicate": False, "batch_id": batch.id, "lines": len(lines), "counts": counts, "sha256": digest,
            "status": batch.status}


_MASKED_ACCOUNT = re.compile(r"([0-9]{0,6})[*xX]+([0-9]{1,6})")


def _same_account(account, row):
    """Whether the account a return line echoes is the batch line's card. The amount alone cannot
    tell two lines of a flat-rate subsidy apart, so a line the bank numbered differently would put
    one person's result on another. A full number is compared by its lookup hash, a masked one
    (6228****1234) by the digits it shows; a line without a readable account is not checked."""
    if not account:
        return True
    full = pii.normalize_card(account)
    if full is not None:
        return pii.blind(full, "bank_card") == row.card_hash
    masked = _MASKED_ACCOUNT.fullmatch(pii.plain(account))
    if masked is not None and row.card_enc:
        card = pii.decrypt(row.card_enc, "bank_card")
        return card.startswith(masked[1]) and card.endswith(masked[2])
    return True


_LINE_COLUMNS = (BatchPayment.id, BatchPayment.batch_id, BatchPayment.seq, BatchPayment.region_id,
                 BatchPayment.beneficiary_id, BatchPayment.policy_id, BatchPayment.period, BatchPayment.amount,
                 BatchPayment.quantity, BatchPayment.card_enc, BatchPayment.card_hash, BatchPayment.card_mask,
                 BatchPayment.status)


def _apply(batch, changes, counts):
    """Write the results: the lines, and the subsidy's payment records (one per person, policy and
    period: a re-issue paid later updates the same record). ``changes`` holds (line, result) pairs,
    each line read with ``_LINE_COLUMNS``."""
    if not changes:
        return
    policy = db.session.get(SubsidyPolicy, batch.policy_id)
    township = db.session.get(Region, batch.region_id)
    today = clock.today()
    now = clock.now()
    keys = [f"bank:{p.beneficiary_id}:{p.policy_id}:{p.period}" for p, _ in changes]
    existing = {}  # the payment records these people already have, by their key (unique in a period)
    for part in slices(keys):
        existing.update(db.session.execute(select(Disbursement.row_key, Disbursement.id).where(
            Disbursement.period == batch.period, among(Disbursement.row_key, part))).all())
    fresh = iter(new_ids(Disbursement, sum(1 for k in keys if k not in existing)))
    updates, new_rows, disb_updates = [], [], []
    for (p, x), key in zip(changes, keys):
        status = x["status"]
        counts[status] += 1
        values = {"id": p.id, "status": status, "bank_code": x.get("bank_code"),
                  "bank_words": (x.get("bank_words") or None) and x["bank_words"][:200],
                  "reason_code": x.get("reason"), "settled_on": now if status != "unknown" else None,
                  "route": None, "route_to": None}
        if status == "failed":
            reason = REASONS[x["reason"]]
            values["route"] = reason["route"]
            values["route_to"] = (policy.department or f"{township.name}财政所") if reason["route"] == "department" \
                else f"{township.name}财政所"
        d_status = {"paid": "paid", "failed": "failed", "unknown": "pending"}[status]
        words = None
        if status == "failed":
            r = REASONS[x["reason"]]
            words = f"{r['zh']}（{x['reason']}{'，银行：' + x['bank_words'] if x.get('bank_words') else ''}）：{r['advice_zh']}"[:200]
        elif status == "unknown":
            words = PLAIN["unknown"][0]
        fields = {"status": d_status, "reason": words, "paid_on": today if status == "paid" else None,
                  "voucher": f"PB{p.batch_id:08d}-{p.seq:06d}", "amount": p.amount, "quantity": p.quantity, "card_enc": p.card_enc,
                  "card_hash": p.card_hash, "card_mask": p.card_mask}
        d_id = existing.get(key)
        if d_id is None:
            d_id = existing[key] = next(fresh)
            new_rows.append({"id": d_id, "region_id": p.region_id, "policy_id": p.policy_id,
                             "beneficiary_id": p.beneficiary_id, "period": p.period, "row_key": key, **fields})
        else:
            disb_updates.append({"id": d_id, **fields})
        values["disbursement_id"] = d_id
        updates.append(values)
    if new_rows:  # (PostgreSQL: the payments' table is partitioned by year; a new year's partition first)
        from ..core import partitions
        partitions.ensure(partitions.years_of({r["period"] for r in new_rows}))
    bulk_insert(Disbursement.__table__, new_rows)
    _update(Disbursement, disb_updates)
    _update(BatchPayment, updates)
    db.session.expire_all()


# ---------------------------------------------------------------- failures and re-issue

def _route_failures(batch, line_ids):
    """Each failure of this return file becomes a task with a deadline (部门协同): a card or name
    problem to the department that owns the policy's registry, a closed or frozen account (or a
    policy no department owns) to the township to contact the villager."""
    if not line_ids:
        return
    policy = db.session.get(SubsidyPolicy, batch.policy_id)
    owner = departments.department_of_policy(policy)
    due = clock.today() + timedelta(days=current_app.config["BANK_FAILURE_FIX_DAYS"])
    # (a bank that turns a whole batch of 100,000 down fails them all in one file)
    lines, names = [], {}
    for ids in slices(sorted(line_ids)):
        part = db.session.execute(select(BatchPayment).where(among(BatchPayment.id, ids))).scalars().all()
        lines += part
        names.update(db.session.execute(select(Beneficiary.id, Beneficiary.name).where(
            among(Beneficiary.id, {p.beneficiary_id for p in part}))).all())
    lines.sort(key=lambda p: p.seq)
    paths = dict(db.session.execute(select(Region.id, Region.path).where(
        Region.id.in_({p.region_id for p in lines}))).all())
    items = []
    for p in lines:
        reason = REASONS.get(p.reason_code) or {"zh": p.reason_code or "", "en": p.reason_code or ""}
        to_department = (p.route == "department" and owner is not None
                         and paths[p.region_id].startswith(owner.region.path))
        who = pii.mask_name(names.get(p.beneficiary_id, ""))
        items.append({
            "subject_id": p.id, "region_id": p.region_id, "department_id": owner.id if to_department else None,
            "title_zh": f"补贴发放失败：{who}，{policy.name} {p.period}，{reason['zh']}（批次 {batch.batch_no} 第 {p.seq} 笔）",
            "title_en": f"Payment failed: {who}, {policy.name} {p.period}, {reason['en']} "
                        f"(batch {batch.batch_no}, line {p.seq})"})
    departments.dispatch_many("payment_failure", items, due)


def _held(p):
    from ..departments.holds import is_held
    return is_held(p.beneficiary_id, p.policy_id)


@departments.on_closed("payment_failure")
def _fixed_by_task(task):
    """销号 of a failure's task: the failure is fixed as the task's feedback says (re-issue is still
    the township's click, exactly once)."""
    p = db.session.get(BatchPayment, task.subject_id)
    if p is not None and p.status == "failed" and p.fixed_at is None:
        p.fixed_at = clock.now()
        p.fix_note = f"协同任务 {task.id} 已销号：{task.feedback or ''}"[:300]
        audit.record(None, "bank.payment_fix", subject=p, task_id=task.id, note=p.fix_note)


def line_view(p, policy_names=None, region_names=None, batch_status=None):
    reason = REASONS.get(p.reason_code or "")
    names = policy_names or {}
    if p.status == "pending" and batch_status is None:
        batch_status = db.session.get(PaymentBatch, p.batch_id).status
    state = line_state(p.status, batch_status)
    return {"id": p.id, "batch_id": p.batch_id, "seq": p.seq, "end_to_end_id": p.end_to_end_id,
            "beneficiary_id": p.beneficiary_id, "name": pii.mask_name(p.name), "bank_card": p.card_mask,
            "region_id": p.region_id, "village": (region_names or {}).get(p.region_id),
            "policy_id": p.policy_id, "policy": names.get(p.policy_id), "period": p.period, "attempt": p.attempt,
            "quantity": format(Decimal(p.quantity).normalize(), "f"), "amount": p.amount, "status": state,
            "status_zh": LINE_STATE_NAMES[state][0], "status_en": LINE_STATE_NAMES[state][1],
            "reason_code": p.reason_code, "reason_zh": reason["zh"] if reason else None,
            "reason_en": reason["en"] if reason else None, "bank_code": p.bank_code, "bank_words": p.bank_words,
            "route": p.route, "route_to": p.route_to,
            "route_zh": ROUTE_NAMES[p.route][0] if p.route else None,
            "route_en": ROUTE_NAMES[p.route][1] if p.route else None,
            "fixed": p.fixed_at is not None, "fix_note": p.fix_note, "reissue_of_id": p.reissue_of_id}


def failures_for_routing(region=None, include_fixed=True):
    """The failed payments (below ``region``, or everywhere) with where each goes to be fixed:
    ``route`` 'department' (the policy's department, ``route_to``: card and name problems) or
    'township' (closed or frozen accounts) — for the department task inboxes."""
    stmt = select(BatchPayment).where(BatchPayment.status == "failed")
    if region is not None:
        stmt = stmt.join(Region, Region.id == BatchPayment.region_id).where(Region.path.startswith(region.path, autoescape=True))
    if not include_fixed:
        stmt = stmt.where(BatchPayment.fixed_at.is_(None))
    rows = db.session.execute(stmt.order_by(BatchPayment.id)).scalars().all()
    reissued = set(db.session.execute(select(BatchPayment.reissue_of_id).where(
        BatchPayment.reissue_of_id.in_(stmt.with_only_columns(BatchPayment.id)))).scalars()) if rows else set()
    pnames = dict(db.session.execute(select(SubsidyPolicy.id, SubsidyPolicy.name).where(
        SubsidyPolicy.id.in_({r.policy_id for r in rows}))).all()) if rows else {}
    rnames = dict(db.session.execute(select(Region.id, Region.name).where(
        Region.id.in_({r.region_id for r in rows}))).all()) if rows else {}
    return [{**line_view(r, pnames, rnames), "reissued": r.id in reissued} for r in rows]


def _failed_line(payment_id, actor, for_update=False):
    stmt = select(BatchPayment).where(BatchPayment.id == payment_id)
    if for_update:
        stmt = stmt.with_for_update()
    p = db.session.execute(stmt).scalar_one_or_none()
    if p is None:
        raise ApiError(404, "not_found", "未找到该笔支付", "No such payment")
    if not covers(actor, db.session.get(Region, p.region_id)):
        raise ApiError(403, "out_of_scope", "该笔支付不在您的管辖范围内", "This payment is outside your region")
    return p


def fix(payment_id, actor, bank_card=None, note=None):
    """Record how a failed payment was fixed: a new card (the person's card is updated) and/or a note.
    A task about the failure still open (the department's, or the township's own) is closed with it
    (自动销号, the fix and who made it on its timeline). 409 ``payment_not_failed``; 400
    ``card_malformed``, ``fix_empty``."""
    p = _failed_line(payment_id, actor, for_update=True)
    if p.status != "failed":
        raise ApiError(409, "payment_not_failed", "只有发放失败的支付需要处理", "Only a failed payment is fixed")
    if not bank_card and not (note or "").strip():
        raise bad_field("json.bank_card", "fix_empty", "请填写新的银行卡号或处理说明", "Give a new card number or a note")
    person = db.session.get(Beneficiary, p.beneficiary_id)
    if bank_card:
        card = pii.normalize_card(bank_card)
        if card is None:
            raise bad_field("json.bank_card", "card_malformed", "银行卡号应为 12–19 位数字", "A card number is 12-19 digits")
        person.card_enc, person.card_hash = pii.encrypt(card, "bank_card"), pii.blind(card, "bank_card")
        person.card_mask, person.updated_at = pii.mask_card(card), clock.now()
    p.fixed_at, p.fixed_by_id, p.fix_note = clock.now(), actor.id, (note or "").strip()[:300] or None
    db.session.flush()
    audit.record(actor, "bank.payment_fix", subject=p, new_card=bool(bank_card), note=p.fix_note)
    what = "；".join(x for x in ("记录了新的银行卡 " + person.card_mask if bank_card else "", p.fix_note or "") if x)
    departments.close_for_owner("payment_failure", p.id, actor, what or "已处理",
                                f"The township fixed this failed payment itself: {'a new card recorded' if bank_card else ''}"
                                f"{'; ' if bank_card and p.fix_note else ''}{p.fix_note or ''}")
    return p


def _stopped_by_objection(p):
    """Why an objection to the notice stops re-issuing ``p`` now, as a batch would refuse the person:
    ``objection_open``; ``objection_upheld`` until their line is posted again after the ruling, and
    then ``notice_short`` until the new posting has had its full period. None when nothing stops it."""
    rows = db.session.execute(select(NoticeObjection.status, NoticeObjection.resolved_at).where(
        NoticeObjection.beneficiary_id == p.beneficiary_id, NoticeObjection.policy_id == p.policy_id,
        NoticeObjection.period == p.period, NoticeObjection.status.in_(("open", "upheld")))).all()
    if any(status == "open" for status, _ in rows):
        return "objection_open"
    rulings = [clock.local_date(at) for status, at in rows if status == "upheld"]
    if not rulings:
        return None
    posted = db.session.execute(select(func.max(NoticeEntry.published_on)).where(
        NoticeEntry.beneficiary_id == p.beneficiary_id, NoticeEntry.policy_id == p.policy_id,
        NoticeEntry.period == p.period)).scalar()
    if posted is None or posted <= max(rulings):
        return "objection_upheld"
    if working_days(posted, clock.today()) < current_app.config["BANK_NOTICE_WORKING_DAYS"]:
        return "notice_short"
    return None


def reissue(payment_id, actor):
    """Put a fixed failed payment into the township's follow-up batch (补发) — exactly once: a second
    request (even at the same moment) gets the same re-issue back. Returns (line, created).
    409 ``payment_not_failed``, ``payment_not_fixed``; 409 ``objection_open``, ``objection_upheld``,
    ``notice_short`` while an objection to the notice stops the person (the failure waits, fixed)."""
    p = _failed_line(payment_id, actor, for_update=True)  # concurrent clicks wait here (PostgreSQL)
    earlier = db.session.execute(select(BatchPayment).where(BatchPayment.reissue_of_id == p.id)).scalar_one_or_none()
    if earlier is not None:
        return earlier, False
    if p.status != "failed":
        raise ApiError(409, "payment_not_failed", "只有发放失败的支付能补发", "Only a failed payment is re-issued")
    if _held(p):
        raise ApiError(409, "payment_held", "此人该政策已停发，不能补发", "Payments of this policy to this person are held")
    if p.fixed_at is None:
        raise ApiError(409, "payment_not_fixed", "请先记录处理结果（如新的银行卡），再补发", "Record the fix (a new card) first")
    stopped = _stopped_by_objection(p)
    if stopped is not None:  # the same refusal as a new batch; the fixed failure stays, to re-issue later
        zh, en = REFUSALS[stopped]
        raise ApiError(409, stopped, f"{zh}，暂不能补发", f"{en}: not re-issued for now")
    batch = db.session.get(PaymentBatch, p.batch_id)
    person = db.session.get(Beneficiary, p.beneficiary_id)
    follow = db.session.execute(select(PaymentBatch).where(
        PaymentBatch.region_id == batch.region_id, PaymentBatch.policy_id == p.policy_id,
        PaymentBatch.period == p.period, PaymentBatch.kind == "reissue", PaymentBatch.status == "draft")
        .order_by(PaymentBatch.id).limit(1).with_for_update()).scalar_one_or_none()
    try:
        with db.session.begin_nested():
            if follow is None:
                follow = PaymentBatch(region_id=batch.region_id, policy_id=p.policy_id, period=p.period, kind="reissue",
                                      status="draft", refused=[], removed=[], created_by_id=actor.id)
                db.session.add(follow)
                db.session.flush()
            seq = (db.session.execute(select(func.max(BatchPayment.seq)).where(BatchPayment.batch_id == follow.id)).scalar() or 0) + 1
            _add_lines(follow, [{"person": person, "quantity": p.quantity, "amount": p.amount, "attempt": p.attempt + 1,
                                 "reissue_of_id": p.id}], start=seq)
            db.session.flush()
    except IntegrityError:  # another request re-issued it first
        earlier = db.session.execute(select(BatchPayment).where(BatchPayment.reissue_of_id == p.id)).scalar_one_or_none()
        if earlier is None:
            raise
        return earlier, False
    _fix_totals(follow)
    line = db.session.execute(select(BatchPayment).where(BatchPayment.reissue_of_id == p.id)).scalar_one()
    audit.record(actor, "bank.payment_reissue", subject=line, region_id=batch.region_id, reissue_of=p.id,
                 batch_id=follow.id)
    return line, True


# ---------------------------------------------------------------- what the villager sees

def bank_status(beneficiary_id):
    """The bank's word on each of a person's payments, by (policy, period): the latest attempt's
    state in plain words and what to do."""
    rows = db.session.execute(select(BatchPayment, PaymentBatch.status).join(
        PaymentBatch, PaymentBatch.id == BatchPayment.batch_id).where(BatchPayment.beneficiary_id == beneficiary_id)
                              .order_by(BatchPayment.attempt)).all()
    out = {}
    for p, batch_status in rows:
        out[(p.policy_id, p.period)] = plain(p, batch_status)
    return out


def plain(p, batch_status):
    state = line_state(p.status, batch_status)
    if state == "failed":
        r = REASONS.get(p.reason_code or "NARR", REASONS["NARR"])
        return {"bank_status": "failed", "bank_reason": p.reason_code, "bank_words": p.bank_words,
                "bank_plain_zh": r["advice_zh"], "bank_plain_en": r["advice_en"], "attempt": p.attempt}
    zh, en = PLAIN.get(state, PLAIN["pending"])
    return {"bank_status": state, "bank_reason": None, "bank_words": p.bank_words,
            "bank_plain_zh": zh, "bank_plain_en": en, "attempt": p.attempt}


def answer_from_bank(case):
    """A villager's 没收到 answered at once with what the bank said, when the bank has a result."""
    status = bank_status(case.beneficiary_id).get((case.policy_id, case.period))
    if status is None or status["bank_status"] in ("pending",):
        return None
    if status["bank_status"] == "paid":
        return "银行回盘显示这笔补贴已打到您的银行卡，请查看银行卡流水；仍有疑问请到村里或乡镇财政所查询。"
    if status["bank_status"] == "failed":
        return f"银行回盘显示这笔补贴发放失败（{status['bank_reason']}{'，银行：' + status['bank_words'] if status['bank_words'] else ''}）。{status['bank_plain_zh']}。处理后将补发。"
    return "这笔补贴已送银行，银行正在处理（结果待查询），不会重复发放，请稍后再查。"
