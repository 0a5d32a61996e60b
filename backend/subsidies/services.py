"""Subsidies for people: masked views, revealing a full value (audited), the village's public page,
the villager's self-check and their "没收到" cases."""
import hmac
import uuid
from datetime import timedelta

import jwt
from flask import current_app
from sqlalchemy import func, select

from .. import jobs
from ..core import audit, auth, clock, limits, pii
from ..core.errors import ApiError, bad_field
from ..core.models import Region
from ..core.tree import ancestors
from ..extensions import db
from ..projects.models import Project
from ..qrcodes import services as qrcodes
from ..qrcodes.models import QrCode
from .models import (PAYMENT_STATE_NAMES, Beneficiary, Disbursement, NoticeEntry, SelfCheckAttempt, SubsidyCase,
                     SubsidyPolicy)

REVEALERS = ("admin", "county", "township_lead")  # who may see a full ID number, card or phone
REVEAL_FIELDS = {"name": None, "id_number": "id_enc", "bank_card": "card_enc", "phone": "phone_enc"}
TOKEN_ISSUER = "jicai-self-check"  # never accepted as a staff token (those are issued by "jicai")
# Features built on the subsidies add to what a villager sees and may answer a 没收到 at once (the
# bank's word, backend/bank/selfcheck.py); they register here, so the subsidies import no feature.
PAYMENT_NOTES = []  # fn(beneficiary_id) -> {(policy_id, period): {bank_status, …}}
CASE_ANSWERERS = []  # fn(case) -> the answer, or None


# ---------------------------------------------------------------- staff views

def person_view(b, region_names=None):
    return {"id": b.id, "name": pii.mask_name(b.name), "id_number": b.id_mask, "bank_card": b.card_mask,
            "phone": b.phone_mask, "household": b.household, "region_id": b.region_id,
            "village": (region_names or {}).get(b.region_id) or db.session.get(Region, b.region_id).name}


def payment_views(rows):
    """Disbursements with their policy names (one query for the names)."""
    names = policy_names({d.policy_id for d in rows})
    return [payment_view({"id": d.id, "policy_id": d.policy_id, "policy": names.get(d.policy_id, ""),
                          "period": d.period, "quantity": d.quantity, "amount": d.amount, "status": d.status,
                          "reason": d.reason, "paid_on": d.paid_on, "card_mask": d.card_mask, "voucher": d.voucher})
            for d in rows]


def payment_view(d):
    """A payment as the API shows it, from its values by name (``policy`` its policy's name)."""
    return {"id": d["id"], "policy_id": d["policy_id"], "policy": d["policy"] or "", "period": d["period"],
            "quantity": quantity(d["quantity"]), "amount": d["amount"], "status": d["status"],
            "status_zh": PAYMENT_STATE_NAMES[d["status"]][0], "status_en": PAYMENT_STATE_NAMES[d["status"]][1],
            "reason": d["reason"], "paid_on": d["paid_on"], "bank_card": d["card_mask"], "voucher": d["voucher"]}


def quantity(value):
    """8.500 → "8.5", 1.000 → "1"."""
    return format(value.normalize(), "f") if value is not None else None


def policy_names(ids):
    if not ids:
        return {}
    return dict(db.session.execute(select(SubsidyPolicy.id, SubsidyPolicy.name).where(SubsidyPolicy.id.in_(ids))).all())


def reveal(beneficiary, field, actor, reason):
    """The full value of one personal field, for a role that needs it; every reveal is audited."""
    column = REVEAL_FIELDS[field]
    value = beneficiary.name if column is None else pii.decrypt(getattr(beneficiary, column), field)
    audit.record(actor, "subsidy.reveal", subject=beneficiary, field=field, reason=reason)
    return {"field": field, "value": value}


def record_export_reveal(actor, what, filters, region_id):
    """An export with personal data in full is a reveal: audited with its reason and filters."""
    shown = {k: v for k, v in filters.items() if k in ("q", "policy_id", "period", "status", "region_id")}
    audit.record(actor, "subsidy.reveal_export", region_id=region_id, field="name,id_number,bank_card,phone",
                 kind=what, reason=filters["reason"], filters=shown)


# ---------------------------------------------------------------- the village's public page

def village_of_code(text):
    """The village a 一村一码 code marks: 404/410 like any code."""
    row = qrcodes.find(qrcodes.parse(text))
    if row.status != "active":
        raise qrcodes.revoked_error(row)
    if row.subject_type != "village":
        raise ApiError(404, "not_a_village_code", "这不是村务公开码", "This is not a village code")
    return row, db.session.get(Region, row.subject_id)


VILLAGE_SEARCH_LIMIT = 20


def find_villages(text):
    """Villages whose name contains ``text`` and whose notice board is published (they have an
    active 一村一码 code), with their township and county, for the public front page."""
    rows = db.session.execute(
        select(Region, QrCode.code).join(QrCode, (QrCode.subject_type == "village") & (QrCode.subject_id == Region.id)
                                         & (QrCode.status == "active"))
        .where(Region.level == "village", Region.name.contains(text.strip(), autoescape=True))
        .order_by(Region.code).limit(VILLAGE_SEARCH_LIMIT)).all()
    path = lambda village: village.path.strip("/").split("/")  # noqa: E731
    above = {r.code: r for r in db.session.execute(select(Region).where(
        Region.code.in_({c for village, _ in rows for c in path(village)}),
        Region.level.in_(("township", "county")))).scalars()} if rows else {}
    out = []
    for village, code in rows:
        names = {above[c].level: above[c].name for c in path(village) if c in above}
        out.append({"name": village.name, "township": names.get("township"), "county": names.get("county"),
                    "code": code})
    return out


def current_policies(region):
    """The policies that apply in ``region`` (issued by it or above), newest year of each."""
    codes = region.path.strip("/").split("/")
    rows = db.session.execute(select(SubsidyPolicy).join(Region, Region.id == SubsidyPolicy.region_id)
                              .where(Region.code.in_(codes)).order_by(SubsidyPolicy.year.desc(), SubsidyPolicy.name)).scalars()
    newest = {}
    for p in rows:
        newest.setdefault(p.name, p)
    return [{"id": p.id, "name": p.name, "category": p.category, "year": p.year, "standard_amount": p.standard_amount,
             "unit": p.unit, "legal_basis": p.legal_basis, "department": p.department, "excluded": p.excluded,
             "exclusive_with": p.exclusive_with} for p in sorted(newest.values(), key=lambda p: (p.category, p.name))]


def objections_until(published_on):
    """The last day villagers may object to a notice posted on ``published_on``: its
    BANK_NOTICE_WORKING_DAYS-th working day (after it the notice has been up its full period and
    its people may be paid). None when it was never posted."""
    if published_on is None:
        return None
    day, counted, need = published_on, 0, current_app.config["BANK_NOTICE_WORKING_DAYS"]
    while True:
        counted += day.weekday() < 5
        if counted >= need:
            return day
        day += timedelta(days=1)


def notice_sets(lines):
    """The notices (one per policy) among a period's public lines: when each was posted (its latest
    line), until when villagers may object, and whether that is today."""
    sets, today = {}, clock.today()
    for n in lines:
        s = sets.setdefault(n["policy_id"], {"policy_id": n["policy_id"], "policy": n["policy"], "lines": 0,
                                             "published_on": None})
        s["lines"] += 1
        if n["published_on"] and (s["published_on"] is None or n["published_on"] > s["published_on"]):
            s["published_on"] = n["published_on"]
    for s in sets.values():
        s["objections_until"] = until = objections_until(s["published_on"])
        s["objections_open"] = until is not None and s["published_on"] <= today <= until
    return list(sets.values())


def village_page(code_row, village, period=None):
    periods = [p for (p,) in db.session.execute(
        select(NoticeEntry.period).where(NoticeEntry.region_id == village.id).distinct()
        .order_by(NoticeEntry.period.desc()))]
    period = period if period in periods else (periods[0] if periods else None)
    notice = []
    if period:
        rows = db.session.execute(
            select(NoticeEntry, func.coalesce(Beneficiary.name, NoticeEntry.posted_name, ""), SubsidyPolicy.name)
            .outerjoin(Beneficiary, Beneficiary.id == NoticeEntry.beneficiary_id)  # a line kept as posted, too
            .join(SubsidyPolicy, SubsidyPolicy.id == NoticeEntry.policy_id)
            .where(NoticeEntry.region_id == village.id, NoticeEntry.period == period)
            .order_by(SubsidyPolicy.name, NoticeEntry.id)).all()
        notice = [{"line_id": n.id, "policy_id": n.policy_id, "name": pii.mask_name(name), "policy": policy,
                   "quantity": quantity(n.quantity), "amount": n.amount, "published_on": n.published_on}
                  for n, name, policy in rows]
    projects = db.session.execute(select(Project).where(Project.region_id == village.id)
                                  .order_by(Project.id.desc()).limit(100)).scalars().all()
    codes = qrcodes.active_codes("project", [p.id for p in projects])
    return {"code": code_row.code, "village": {"id": village.id, "name": village.name, "code": village.code},
            "region_path": [r.name for r in ancestors(village) if r.level != "province"] + [village.name],
            "period": period, "periods": periods, "notice": notice,
            "notice_total": sum((n["amount"] for n in notice), start=0), "notices": notice_sets(notice),
            "policies": current_policies(village),
            "projects": [{"id": p.id, "name": p.name, "stage": p.stage, "budget": p.budget, "code": codes.get(p.id)}
                         for p in projects]}


def village_code(village, actor=None):
    """The village's active 一村一码 code, issued on first use."""
    row = qrcodes.active_code("village", village.id)
    return row or qrcodes.issue("village", village.id, village.id, actor)


# ---------------------------------------------------------------- the villager's self-check

def _no_match(left=None):
    zh = "信息不匹配：请核对姓名、身份证号和银行卡（或手机）后四位"
    en = "No match: check the name, ID number and the last four digits of the bank card (or phone)"
    if left:
        zh += f"（该身份证号再错 {left} 次将暂停查询）"
        en += f" ({left} more and checks for this ID number pause)"
    return ApiError(404, "self_check_no_match", zh, en)


def self_check(name, id_number, last4, ip):
    """Find the villager by name + ID number + last four digits of their card (or phone).

    Every answer for someone else's or an unknown ID is the same 404 ``self_check_no_match``, and
    the limits count failures per address and per ID number whether or not the ID exists."""
    cfg = current_app.config
    normal = pii.normalize_id(id_number)
    if normal is None or not pii.id_checksum_ok(normal):
        raise bad_field("json.id_number", "id_invalid", "身份证号格式或校验位不正确", "The ID number is malformed or mistyped")
    last4 = pii.plain(last4)
    digest = pii.blind(normal, "id_number")
    failed = SelfCheckAttempt.success.is_(False)
    this_id = [SelfCheckAttempt.id_hash == digest, failed]
    wait = limits.wait_seconds(SelfCheckAttempt.at, this_id, cfg["SELF_CHECK_PER_ID"], cfg["SELF_CHECK_WINDOW"],
                               key=f"self-check-id:{digest}")
    if wait:
        raise limits.too_many("self_check_rate_limited", "该身份证号查询失败次数过多，请 {minutes} 分钟后再试，或到村委会、乡镇财政所查询",
                              "Too many failed checks for this ID number; try again in {minutes} minutes, or ask at "
                              "the village committee or the township finance office", wait)
    wait = limits.wait_seconds(SelfCheckAttempt.at, [SelfCheckAttempt.ip == ip, failed], cfg["SELF_CHECK_PER_VISITOR"],
                               cfg["SELF_CHECK_WINDOW"], key=f"self-check-ip:{ip}")
    if wait:  # a village's Wi-Fi is one address for everyone: say it is the network
        raise limits.too_many("self_check_rate_limited", "本网络（同一网络地址）查询失败次数过多，请 {minutes} 分钟后再试，或换用手机流量",
                              "Too many failed checks from this network; try again in {minutes} minutes, or use "
                              "mobile data", wait)
    person = db.session.execute(select(Beneficiary).where(Beneficiary.id_hash == digest)).scalar_one_or_none()
    ok = False
    if person is not None:
        tails = [pii.decrypt(t, f)[-4:] for t, f in ((person.card_enc, "bank_card"), (person.phone_enc, "phone")) if t]
        name_ok = pii.plain(name) == pii.plain(person.name)
        ok = name_ok and any(hmac.compare_digest(t, last4) for t in tails)
    else:
        pii.decrypt(pii.encrypt("0000000000000000", "bank_card"), "bank_card")  # the same work either way
    # The attempt must stay counted although a failing request is rolled back: commit it on its own
    # (nothing else is written by a self-check).
    db.session.add(SelfCheckAttempt(ip=ip, id_hash=digest, success=ok))
    db.session.commit()
    if not ok:
        # Counted per ID number whether it exists or not: the warning tells nothing about anyone.
        left = cfg["SELF_CHECK_PER_ID"] - limits.counted(SelfCheckAttempt.at, this_id, cfg["SELF_CHECK_WINDOW"])
        raise _no_match(left if 0 < left <= 2 else None)
    return person


def issue_token(person):
    now = clock.now()
    claims = {"iss": TOKEN_ISSUER, "sub": str(person.id), "iat": now,
              "exp": now + timedelta(minutes=current_app.config["SELF_CHECK_TOKEN_MINUTES"]), "jti": uuid.uuid4().hex}
    return jwt.encode(claims, current_app.config["SECRET_KEY"], algorithm="HS256")


def person_of_token(token):
    try:
        claims = auth.jwt_claims(token or "", current_app.config["SECRET_KEY"], "HS256", TOKEN_ISSUER,
                                 ["exp", "iat", "sub", "iss"])
    except jwt.ExpiredSignatureError:
        raise ApiError(401, "self_check_expired", "查询已超时，请重新核验身份", "The check has expired; verify again")
    except jwt.PyJWTError:
        raise ApiError(401, "self_check_token_invalid", "请先核验身份", "Verify who you are first")
    person = db.session.get(Beneficiary, int(claims["sub"]))
    if person is None:
        raise ApiError(401, "self_check_token_invalid", "请先核验身份", "Verify who you are first")
    return person


def my_view(person):
    """What a villager sees of themselves: masked identity, every payment, their cases."""
    rows = db.session.execute(select(Disbursement).where(Disbursement.beneficiary_id == person.id)
                              .order_by(Disbursement.period.desc(), Disbursement.id.desc())).scalars().all()
    cases = db.session.execute(select(SubsidyCase).where(SubsidyCase.beneficiary_id == person.id)
                               .order_by(SubsidyCase.id.desc())).scalars().all()
    names = policy_names({c.policy_id for c in cases})
    notes = {}
    for hook in PAYMENT_NOTES:
        notes.update(hook(person.id))
    return {"person": {"name": pii.mask_name(person.name), "id_number": person.id_mask,
                       "village": db.session.get(Region, person.region_id).name},
            "payments": [{**view, **notes.get((view["policy_id"], view["period"]), {})} for view in payment_views(rows)],
            "cases": [case_view(c, names) for c in cases]}


def case_view(c, names=None):
    names = names if names is not None else policy_names({c.policy_id})
    return {"id": c.id, "client_uuid": c.client_uuid, "policy_id": c.policy_id, "policy": names.get(c.policy_id, ""),
            "period": c.period, "disbursement_id": c.disbursement_id, "note": c.note, "status": c.status,
            "answer": c.answer, "answered_at": c.answered_at, "created_at": c.created_at}


def open_case(person, client_uuid, note, disbursement_id=None, policy_id=None, period=None):
    """没收到: a case about one of the villager's payments (or a policy and period they expected).
    Idempotent on ``client_uuid``; the township sees it at once as a risk warning."""
    earlier = db.session.execute(select(SubsidyCase).where(SubsidyCase.client_uuid == str(client_uuid))).scalar_one_or_none()
    if earlier is not None:
        if earlier.beneficiary_id != person.id:
            raise bad_field("json.client_uuid", "client_uuid_reused", "该请求编号已被使用", "This client_uuid was already used", 409)
        return earlier, False
    if disbursement_id is not None:
        payment = db.session.get(Disbursement, disbursement_id)
        if payment is None or payment.beneficiary_id != person.id:
            raise bad_field("json.disbursement_id", "not_your_payment", "没有这笔发放记录", "No such payment of yours", 404)
        policy_id, period = payment.policy_id, payment.period
    else:
        if policy_id is None or not period:
            raise bad_field("json.policy_id", "case_needs_subject", "请选择是哪一笔补贴",
                            "Say which payment (disbursement_id, or policy_id and period)")
        policy = db.session.get(SubsidyPolicy, policy_id)
        village = db.session.get(Region, person.region_id)
        if policy is None or db.session.get(Region, policy.region_id).code not in village.path.split("/"):
            raise bad_field("json.policy_id", "unknown_policy", "没有这项补贴政策", "No such policy here", 404)
    same = db.session.execute(select(SubsidyCase).where(
        SubsidyCase.beneficiary_id == person.id, SubsidyCase.policy_id == policy_id, SubsidyCase.period == period,
        SubsidyCase.status == "open")).scalar_one_or_none()
    if same is not None:
        raise ApiError(409, "case_already_open", "您已反映过这笔补贴，乡镇正在核实", "You already reported this payment; the township is checking")
    case = SubsidyCase(client_uuid=str(client_uuid), region_id=person.region_id, beneficiary_id=person.id,
                       disbursement_id=disbursement_id, policy_id=policy_id, period=period, note=note)
    db.session.add(case)
    db.session.flush()
    audit.record(None, "subsidy.case_open", subject=case)
    for hook in CASE_ANSWERERS:  # answered at once when the bank has already said what happened
        answer = hook(case)
        if answer:
            case.status, case.answer, case.answered_at = "answered", answer, clock.now()
            audit.record(None, "subsidy.case_auto_answer", subject=case)
            break
    jobs.touch(regions=[case.region_id])  # the township's warning, within seconds of the commit
    return case, True


def answer_case(case, actor, answer):
    """The township's answer closes the case (the villager sees it) and clears the warning."""
    if case.status != "open":
        raise ApiError(409, "case_not_open", "该反映已答复", "This case has already been answered")
    case.status, case.answer, case.answered_by_id, case.answered_at = "answered", answer, actor.id, clock.now()
    db.session.flush()
    audit.record(actor, "subsidy.case_answer", subject=case)
    jobs.touch(regions=[case.region_id])
    return case


# ---------------------------------------------------------------- policies

def visible_policies(region):
    """Policies that apply in ``region``: issued by it, below it or above it."""
    above = region.path.strip("/").split("/")
    return (select(SubsidyPolicy).join(Region, Region.id == SubsidyPolicy.region_id)
            .where(Region.path.startswith(region.path, autoescape=True) | Region.code.in_(above)))


def set_exclusive(policy, other_ids, actor):
    """Name the policies (of the same year, that apply where the actor is) that may not be received
    together with ``policy`` (互斥政策): stored by name like the policy list's column, audited, and
    the 不得同时享受 rule looks again. 422 ``policy_not_exclusive`` for an id that is not such a policy."""
    others = {p.id: p for p in db.session.execute(
        visible_policies(actor.region).where(SubsidyPolicy.id.in_(set(other_ids)))).scalars()} if other_ids else {}
    for i, pid in enumerate(other_ids):
        other = others.get(pid)
        why = ("not a policy here" if other is None else "the policy itself" if pid == policy.id
               else "another year" if other.year != policy.year else None)
        if why:
            raise ApiError(422, "policy_not_exclusive", "只能选择同一年度的其他政策作为互斥政策",
                           "Only other policies of the same year can be exclusive with this one",
                           fields=[{"path": f"json.exclusive_with.{i}", "message": why}])
    names = sorted({others[pid].name for pid in other_ids})
    before = list(policy.exclusive_with or [])
    if sorted(before) != names:
        policy.exclusive_with = names
        audit.record(actor, "subsidy.policy_exclusive", subject=policy, before=before, after=names)
        jobs.touch(regions=[policy.region_id])
        db.session.flush()
    return policy

