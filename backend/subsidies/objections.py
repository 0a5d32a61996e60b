"""Objections (异议) to a village's public notice (公示): the township records what a villager raised
while the notice was up, the township lead upholds or dismisses it. An open objection about a person
stops their payment (backend/bank); an upheld one until the notice is posted again, corrected.

Plain functions; they flush, never commit.
"""
import re
import secrets
import unicodedata

from flask import current_app
from sqlalchemy import func, select

from ..core import audit, clock, limits, pii
from ..core.errors import ApiError, bad_field
from ..core.models import Region, User
from ..core.scoping import narrowed
from ..extensions import db
from ..notifications.services import notify, people_above, place
from .models import (OBJECTION_STATE_NAMES, Beneficiary, NoticeEntry, NoticeObjection, ObjectionLookup,
                     SubsidyPolicy)
from .services import objections_until, policy_names, quantity, visible_policies

RAISERS = ("admin", "county", "township_lead", "clerk")  # who records an objection
RESOLVERS = ("admin", "county", "township_lead")  # who rules on it
TOLD = ("township_lead", "clerk")  # who hears at once of a villager's own objection
MOBILE = re.compile(r"1[3-9]\d{9}")  # a mainland mobile number, once normalised
RECEIPT_LETTERS = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read out over the phone
RECEIPT = re.compile(rf"(?:YY)?(\d{{8}})([{RECEIPT_LETTERS}]{{6}})")  # once cleaned: no spaces, dashes, case


def _open_counts(village_id):
    """Open objections about each person (None: about no one on the list) per policy and period."""
    rows = db.session.execute(select(NoticeObjection.policy_id, NoticeObjection.period, NoticeObjection.beneficiary_id,
                                     func.count()).where(NoticeObjection.region_id == village_id,
                                                         NoticeObjection.status == "open")
                              .group_by(NoticeObjection.policy_id, NoticeObjection.period,
                                        NoticeObjection.beneficiary_id)).all()
    return {(p, period, b): n for p, period, b, n in rows}


def notice(village, actor, policy_id=None, period=None):
    """The staff view of a village's notice: which policies and periods it posted (with their open
    objections), and the lines of one of them (people masked), each with its open objections."""
    base = narrowed(select(NoticeEntry), NoticeEntry, actor).where(NoticeEntry.region_id == village.id)
    sets = db.session.execute(
        base.with_only_columns(NoticeEntry.policy_id, NoticeEntry.period, func.count(), func.max(NoticeEntry.published_on))
        .group_by(NoticeEntry.policy_id, NoticeEntry.period)
        .order_by(NoticeEntry.period.desc(), NoticeEntry.policy_id)).all()
    counts = _open_counts(village.id)
    per_set = {}
    for (p, per, _), n in counts.items():
        per_set[(p, per)] = per_set.get((p, per), 0) + n
    names = policy_names({s[0] for s in sets})
    lines = []
    if policy_id is not None and period is not None:
        rows = db.session.execute(
            base.with_only_columns(NoticeEntry, Beneficiary.name, Beneficiary.id_mask)
            .outerjoin(Beneficiary, Beneficiary.id == NoticeEntry.beneficiary_id)
            .where(NoticeEntry.policy_id == policy_id, NoticeEntry.period == period).order_by(NoticeEntry.id)).all()
        lines = [{"id": n.id, "beneficiary_id": n.beneficiary_id, "name": pii.mask_name(name or n.posted_name or ""),
                  "id_number": mask or n.posted_id, "quantity": quantity(n.quantity), "amount": n.amount,
                  "published_on": n.published_on, "finding": n.finding,
                  "open_objections": counts.get((policy_id, period, n.beneficiary_id), 0) if n.beneficiary_id else 0}
                 for n, name, mask in rows]
    return {"village": {"id": village.id, "name": village.name},
            "sets": [{"policy_id": p, "policy": names.get(p, ""), "period": per, "lines": n, "published_on": on,
                      "open_objections": per_set.get((p, per), 0)} for p, per, n, on in sets],
            "lines": lines}


SENT_NOTE = ("这笔补贴已于 {day} 送银行{batch}，异议不能再停止这笔钱；异议成立的，由乡镇核实后追回或在下期更正",
             "This payment went to the bank on {day}{batch}: the objection can no longer stop it; if it is "
             "upheld the township recovers it or corrects the next period")


# The bank (backend/bank/selfcheck.py) registers here what it has written to its files, so the
# subsidies import no feature: fn(beneficiary_ids) -> [(beneficiary_id, policy_id, period, sent_at,
# batch_no)], the earliest sent first.
SENT_PAYMENTS = []


def payments_sent(rows):
    """For objections about a person, the payment of that policy and period already written to the
    bank's file (an objection then stops nothing): {(person, policy, period): (day sent, batch no)}."""
    ids = {o.beneficiary_id for o in rows if o.beneficiary_id}
    if not ids:
        return {}
    wanted = {(o.beneficiary_id, o.policy_id, o.period) for o in rows if o.beneficiary_id}
    out = {}
    for sent in SENT_PAYMENTS:
        for ben, policy, period, at, batch_no in sent(ids):
            if (ben, policy, period) in wanted:
                out[(ben, policy, period)] = (clock.local_date(at), batch_no)
    return out


def sent_note(o, sent, public=False):
    """``payment_sent`` and the words saying so (zh, en; the batch named to staff only), or (False, None, None)."""
    found = sent.get((o.beneficiary_id, o.policy_id, o.period)) if o.beneficiary_id else None
    if found is None:
        return False, None, None
    day, batch = found
    return (True, SENT_NOTE[0].format(day=day.isoformat(), batch="" if public else f"（批次 {batch}）"),
            SENT_NOTE[1].format(day=day.isoformat(), batch="" if public else f" (batch {batch})"))


def objection_views(rows):
    """Objections as shown to staff (people masked), with one query each for the names."""
    names = policy_names({o.policy_id for o in rows})
    ids = {o.beneficiary_id for o in rows if o.beneficiary_id}
    people = {b.id: b for b in db.session.execute(select(Beneficiary).where(Beneficiary.id.in_(ids))).scalars()} \
        if ids else {}
    villages = dict(db.session.execute(select(Region.id, Region.name).where(
        Region.id.in_({o.region_id for o in rows}))).all()) if rows else {}
    users = {o.resolved_by_id for o in rows} | {o.created_by_id for o in rows}
    staff = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(users - {None}))).all()) \
        if rows else {}
    sent = payments_sent(rows)
    out = []
    for o in rows:
        b = people.get(o.beneficiary_id)
        zh, en = OBJECTION_STATE_NAMES[o.status]
        was_sent, sent_zh, sent_en = sent_note(o, sent)
        out.append({
            "id": o.id, "client_uuid": o.client_uuid, "region_id": o.region_id, "village": villages.get(o.region_id),
            "policy_id": o.policy_id, "policy": names.get(o.policy_id, ""), "period": o.period,
            "beneficiary_id": o.beneficiary_id,
            "person": pii.mask_name(b.name) if b else None, "person_id_number": b.id_mask if b else None,
            "person_name": o.person_name, "raised_by": o.raised_by, "phone": o.phone_mask,
            "received_on": o.received_on, "text": o.text, "status": o.status, "status_zh": zh, "status_en": en,
            "resolution": o.resolution, "resolved_by": staff.get(o.resolved_by_id), "resolved_at": o.resolved_at,
            "created_by": staff.get(o.created_by_id), "created_at": o.created_at, "source": o.source,
            "receipt": o.receipt, "payment_sent": was_sent, "payment_sent_zh": sent_zh, "payment_sent_en": sent_en})
    return out


def raise_objection(actor, village, data):
    """Record an objection to ``village``'s notice for a policy and period, about a person on the
    beneficiary list (``beneficiary_id``) or one named in ``person_name``. 400 ``not_a_village``,
    ``objection_needs_person``, ``phone_invalid``, ``received_on_future``; 404 ``policy_not_found``;
    422 ``beneficiary_not_in_village``; 409 ``client_uuid_reused``."""
    if village.level != "village":
        raise bad_field("json.region_id", "not_a_village", "异议须针对某个村（社区）的公示",
                        "An objection is about a village's notice")
    policy = db.session.execute(visible_policies(village).where(
        SubsidyPolicy.id == data["policy_id"])).scalar_one_or_none()
    if policy is None:
        raise bad_field("json.policy_id", "policy_not_found", "本村没有这项补贴政策", "No such policy applies here", 404)
    person_name = (data.get("person_name") or "").strip() or None
    beneficiary_id = data.get("beneficiary_id")
    if beneficiary_id is None and person_name is None:
        raise bad_field("json.beneficiary_id", "objection_needs_person", "请选择公示中的人，或写明异议涉及谁",
                        "Choose a person on the notice, or name who the objection is about")
    if beneficiary_id is not None:
        person = db.session.get(Beneficiary, beneficiary_id)
        if person is None or person.region_id != village.id:
            raise bad_field("json.beneficiary_id", "beneficiary_not_in_village", "该补贴对象不在这个村",
                            "The beneficiary is not in this village", 422)
    phone = None
    if data.get("phone"):
        phone = pii.normalize_phone(data["phone"])
        if phone is None:
            raise bad_field("json.phone", "phone_invalid", "电话号码格式不正确", "The phone number is malformed")
    if data["received_on"] > clock.today():
        raise bad_field("json.received_on", "received_on_future", "收到日期不能晚于今天",
                        "The date received cannot be after today")
    phone_enc, _, phone_mask = pii.seal(phone, "phone")
    objection = NoticeObjection(
        client_uuid=str(data["client_uuid"]), region_id=village.id, policy_id=policy.id, period=data["period"],
        beneficiary_id=beneficiary_id, person_name=person_name, raised_by=data["raised_by"].strip(),
        phone_enc=phone_enc, phone_mask=phone_mask, received_on=data["received_on"], text=data["text"].strip(),
        status="open", created_by_id=actor.id)
    db.session.add(objection)
    db.session.flush()
    audit.record(actor, "subsidy.objection_raise", subject=objection, policy_id=policy.id, period=objection.period,
                 beneficiary_id=beneficiary_id)
    return objection


def resolve(objection, actor, outcome, resolution):
    """The township lead's ruling: ``upheld`` (the notice is to be corrected and posted again) or
    ``dismissed``, with the reason. 409 ``objection_not_open``."""
    if objection.status != "open":
        raise ApiError(409, "objection_not_open", "该异议已办结", "This objection has already been resolved")
    objection.status, objection.resolution = outcome, resolution.strip()
    objection.resolved_by_id, objection.resolved_at = actor.id, clock.now()
    db.session.flush()
    audit.record(actor, "subsidy.objection_resolve", subject=objection, outcome=outcome)
    return objection


# ---------------------------------------------------------------- the villager's own (from the village's page)

def _receipt():
    """YY20261203-7KQ4MX: the day, and six letters no one can guess from another villager's."""
    for _ in range(5):
        number = f"YY{clock.today():%Y%m%d}-{''.join(secrets.choice(RECEIPT_LETTERS) for _ in range(6))}"
        if db.session.scalar(select(NoticeObjection.id).where(NoticeObjection.receipt == number)) is None:
            return number
    raise RuntimeError("no free receipt number")  # 32^6 a day: never in practice


def public_view(o, village, policy, created):
    """What the villager sees of their objection: the receipt, what it is about, themselves masked."""
    zh, en = OBJECTION_STATE_NAMES[o.status]
    person = o.person_name
    if o.beneficiary_id:
        b = db.session.get(Beneficiary, o.beneficiary_id)
        person = pii.mask_name(b.name) if b else person
    last = db.session.scalar(select(func.max(NoticeEntry.published_on)).where(
        NoticeEntry.region_id == o.region_id, NoticeEntry.policy_id == o.policy_id, NoticeEntry.period == o.period))
    was_sent, sent_zh, sent_en = sent_note(o, payments_sent([o]), public=True)
    return {"receipt": o.receipt, "village": village.name, "policy": policy.name, "period": o.period,
            "payment_sent": was_sent, "payment_sent_zh": sent_zh, "payment_sent_en": sent_en,
            "person": person, "reason": o.text, "name": pii.mask_name(o.raised_by), "phone": o.phone_mask,
            "status": o.status, "status_zh": zh, "status_en": en, "objections_until": objections_until(last),
            "created_at": o.created_at, "created": created}


def villager_objects(village, data, ip):
    """A villager's objection from the village's page to a notice that is up (a policy and period),
    as a whole or to one of its lines: it joins the township's objections (an open one about a
    person stops their payment) and the township's lead and clerks hear of it at once. Idempotent on
    ``client_uuid``: a retry returns (objection, False). 404 ``notice_not_found``,
    ``notice_line_not_found``; 409 ``notice_not_up``, ``notice_period_over``, ``client_uuid_reused``;
    400 ``phone_invalid``; 429 ``objection_rate_limited``."""
    earlier = db.session.execute(select(NoticeObjection).where(
        NoticeObjection.client_uuid == str(data["client_uuid"]))).scalar_one_or_none()
    if earlier is not None:
        if earlier.region_id != village.id or earlier.source != "villager":
            raise bad_field("json.client_uuid", "client_uuid_reused", "该请求编号已被使用",
                            "This client_uuid was already used", 409)
        return earlier, False
    lines = select(NoticeEntry).where(NoticeEntry.region_id == village.id, NoticeEntry.policy_id == data["policy_id"],
                                      NoticeEntry.period == data["period"])
    last = db.session.scalar(lines.with_only_columns(func.max(NoticeEntry.published_on)))
    if not db.session.scalar(lines.with_only_columns(func.count())):
        raise bad_field("json.policy_id", "notice_not_found", "本村没有这一期的这项公示",
                        "This village has no notice for that policy and period", 404)
    line = None
    if data.get("line_id") is not None:
        line = db.session.execute(lines.where(NoticeEntry.id == data["line_id"])).scalar_one_or_none()
        if line is None:
            raise bad_field("json.line_id", "notice_line_not_found", "这期公示上没有这一行",
                            "That line is not on this notice", 404)
    today, until = clock.today(), objections_until(last)
    if until is None or last > today:
        raise ApiError(409, "notice_not_up", "这期公示尚未张贴，暂不能提出异议",
                       "This notice is not up yet; objections open when it is posted")
    if today > until:
        raise ApiError(409, "notice_period_over",
                       f"这期公示的公示期已于 {until.isoformat()} 结束，不能再在线提出异议；如有问题请联系乡镇财政所",
                       f"This notice's period ended on {until.isoformat()}; objections are no longer taken "
                       "online. Please contact the township finance office")
    phone = pii.normalize_phone(data["phone"])
    if phone is None or not MOBILE.fullmatch(phone):
        raise bad_field("json.phone", "phone_invalid", "请填写 11 位手机号码，乡镇将据此答复您",
                        "Enter an 11-digit mainland mobile number; the township replies to it")
    cfg = current_app.config
    ip_hash = pii.blind(ip, "ip")
    wait = limits.wait_seconds(NoticeObjection.created_at, [NoticeObjection.ip_hash == ip_hash],
                               cfg["OBJECTIONS_PER_VISITOR"], cfg["OBJECTIONS_WINDOW"], key=f"objection-ip:{ip_hash}")
    if wait:  # a village's Wi-Fi is one address for everyone: say it is the network
        raise limits.too_many("objection_rate_limited", "本网络提交的异议过多，请 {minutes} 分钟后再试，或到村委会、乡镇财政所当面提出",
                              "Too many objections from this network; try again in {minutes} minutes, or raise it "
                              "at the village committee or the township finance office", wait)
    policy = db.session.get(SubsidyPolicy, data["policy_id"])
    person_name = None
    if line is not None and line.beneficiary_id is None:  # a line kept as posted, matched to no one
        person_name = pii.mask_name(line.posted_name or "") or None
    phone_enc, _, phone_mask = pii.seal(phone, "phone")
    objection = NoticeObjection(
        client_uuid=str(data["client_uuid"]), region_id=village.id, policy_id=policy.id, period=data["period"],
        beneficiary_id=line.beneficiary_id if line is not None else None, person_name=person_name,
        raised_by=data["name"].strip(), phone_enc=phone_enc, phone_mask=phone_mask, received_on=today,
        text=data["reason"].strip(), status="open", created_by_id=None, source="villager", receipt=_receipt(),
        ip_hash=ip_hash)
    db.session.add(objection)
    db.session.flush()
    audit.record(None, "subsidy.objection_villager", subject=objection, policy_id=policy.id,
                 period=objection.period, beneficiary_id=objection.beneficiary_id)
    where = place(village)
    notify(people_above(village, TOLD), "objection",
           f"村民对公示提出异议：{where} · {policy.name} · {objection.period}",
           f"A villager objects to a notice: {where} · {policy.name} · {objection.period}",
           f"/subsidies/notices?village={village.id}&policy={policy.id}&period={objection.period}")
    return objection, True


def clean_receipt(text):
    """A receipt number as typed, cleaned: full-width digits and letters made plain (NFKC), case,
    spaces and dashes dropped, the YY in front optional. None when it cannot be a receipt."""
    plain = "".join(c for c in unicodedata.normalize("NFKC", text or "").upper() if c.isascii() and c.isalnum())
    match = RECEIPT.fullmatch(plain)
    return f"YY{match[1]}-{match[2]}" if match else None


def _no_such_receipt():
    return bad_field("json.receipt", "objection_receipt_not_found",
                     "本村没有这个回执号的异议，请核对回执号（如 YY20261203-7KQ4MX）",
                     "No objection in this village has that receipt number; check it (e.g. YY20261203-7KQ4MX)", 404)


def villager_looks_up(village, receipt, ip):
    """A villager's objection by the receipt number they were given, in ``village`` only: its
    state and the township's answer (``status_view``). The receipt's six letters are random (32^6
    a day), so it is its own secret; wrong ones are limited per visitor (network). 404
    ``objection_receipt_not_found`` (a malformed number too: no hint which part is wrong); 429
    ``objection_lookup_rate_limited``. The attempt is committed on its own, like a self-check's,
    so a wrong one stays counted when the 404 rolls the request back."""
    cfg = current_app.config
    ip_hash = pii.blind(ip, "ip")
    wait = limits.wait_seconds(ObjectionLookup.at, [ObjectionLookup.ip_hash == ip_hash, ObjectionLookup.found.is_(False)],
                               cfg["OBJECTION_LOOKUPS_PER_VISITOR"], cfg["OBJECTIONS_WINDOW"],
                               key=f"objection-lookup-ip:{ip_hash}")
    if wait:  # a village's Wi-Fi is one address for everyone: say it is the network
        raise limits.too_many("objection_lookup_rate_limited",
                              "本网络查询回执号出错次数过多，请 {minutes} 分钟后再试，或到村委会、乡镇财政所查询",
                              "Too many wrong receipt numbers from this network; try again in {minutes} minutes, "
                              "or ask at the village committee or the township finance office", wait)
    number = clean_receipt(receipt)
    objection = db.session.execute(select(NoticeObjection).where(
        NoticeObjection.receipt == number, NoticeObjection.region_id == village.id,
        NoticeObjection.source == "villager")).scalar_one_or_none() if number else None
    db.session.add(ObjectionLookup(ip_hash=ip_hash, found=objection is not None))
    db.session.commit()
    if objection is None:
        raise _no_such_receipt()
    return objection


def status_view(o, village):
    """The villager's objection as they look it up: what they sent (themselves masked, as on the
    receipt), its state, when it was received and ruled on, and the township's answer."""
    policy = db.session.get(SubsidyPolicy, o.policy_id)
    view = public_view(o, village, policy, False)
    del view["created"]
    return {**view, "received_on": o.received_on, "resolved_on": clock.local_date(o.resolved_at) if o.resolved_at else None,
            "answer": o.resolution}
