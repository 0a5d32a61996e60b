"""The subsidy risk rules, each on data a township clerk imports through the real importer: a planted
pattern fires and its near miss does not; the warning names people only masked and reaches the
township's lead but not the neighbouring township's; a second scan writes nothing; fixing the data
(a payment returned, the notice corrected, the case answered) resolves the warning on the next scan.

Everyone here is born on 11 November 1984 (ID numbers 330112 19841111 …) and every policy name
starts with 规则测试, so nothing here meets another test file's people or policies.
"""
import json
import re
import uuid

from sqlalchemy import select

from backend.core import pii
from backend.core.models import Region, User
from backend.extensions import db
from backend.risks.models import RiskWarning
from backend.imports import engine
from backend.subsidies import importer
from backend.subsidies.models import Beneficiary, Disbursement, NoticeEntry, SubsidyCase, SubsidyPolicy
from conftest import every, run_scan, warning_for

QUIET = dict(opened=0, updated=0, resolved=0, reopened=0)
FULL_ID_OR_CARD = re.compile(r"\d{17}[\dXx]|\d{12,19}")
HEADERS = {
    "policies": "政策名称,类别,补贴标准,单位,年度,政策依据,主管部门,不享受对象,互斥政策",
    "beneficiaries": "姓名,身份证号码,村,银行卡号,联系电话,户号",
    "disbursements": "姓名,身份证号,补贴项目,期间,面积,金额,状态,发放日期,失败原因",
    "notices": "姓名,身份证号,补贴项目,期间,面积,金额,公示日期",
    "deaths": "姓名,身份证号,死亡日期",
    "employees": "姓名,身份证号,工作单位",
}


def ident(seq):
    first = f"33011219841111{seq:03d}"
    return first + pii.id_check_char(first)


def card(seq):
    return f"62305599{seq:011d}"


def load(app, world, kind, *lines):
    """The township clerk (the lead of 锦城街道) imports one CSV file; it must be accepted."""
    text = "\n".join([HEADERS[kind], *lines])
    with app.app_context(), app.test_request_context(method="POST"):
        run = engine.run(kind, db.session.get(Region, world["regions"]["jincheng"]),
                           db.session.get(User, world["users"]["lead"]), f"{kind}.csv", text.encode("utf-8"))
        assert run.status == "accepted", run.errors
        db.session.commit()


def register(app, world, *people):
    """people: (name, seq, card or None, household or None) — all of 钱王社区."""
    load(app, world, "beneficiaries", *[f"{name},{ident(seq)},钱王社区,{bank or ''},,{household or ''}"
                                        for name, seq, bank, household in people])


def person_id(app, seq):
    with app.app_context():
        return db.session.execute(select(Beneficiary.id).where(
            Beneficiary.id_hash == pii.blind(ident(seq), "id_number"))).scalar_one()


def policy_id(app, name, year=2026):
    with app.app_context():
        return db.session.execute(select(SubsidyPolicy.id).where(
            SubsidyPolicy.name == name, SubsidyPolicy.year == year)).scalar_one()


def payments_of(app, seq):
    ben = person_id(app, seq)
    with app.app_context():
        return [(d.period, d.amount, d.status) for d in db.session.execute(
            select(Disbursement).where(Disbursement.beneficiary_id == ben)
            .order_by(Disbursement.period, Disbursement.id)).scalars()]


def payment_id(app, seq):
    ben = person_id(app, seq)
    with app.app_context():
        return db.session.execute(select(Disbursement.id).where(Disbursement.beneficiary_id == ben)).scalar_one()


def card_key(app, number):
    with app.app_context():
        return "card:" + pii.blind(number, "bank_card")[:32]


def check_warning(app, world, login_as, code, subject_key, name=None, secrets=()):
    """The warning is open, shows no full ID number or card and names its person masked; the lead of
    锦城街道 sees it, the lead of 太湖源镇 does not; scanning again writes nothing."""
    warning = warning_for(app, code, subject_key)
    assert warning is not None and warning["status"] == "open", warning
    shown = json.dumps(warning["evidence"], ensure_ascii=False)
    assert not FULL_ID_OR_CARD.search(shown), shown
    assert not [s for s in secrets if s in shown]
    if name:
        assert warning["evidence"]["person"] == pii.mask_name(name) and name not in shown
        assert "*" in warning["evidence"]["id_number"]
    seen = [w for w in every(login_as("lead"), f"/api/v1/risks?rule={code}") if w["id"] == warning["id"]]
    assert len(seen) == 1 and seen[0]["region"]["id"] == world["regions"]["qianwang"] and seen[0]["explanation_zh"]
    as_read = json.dumps(seen[0], ensure_ascii=False)  # evidence and the sentences explaining it
    assert not FULL_ID_OR_CARD.search(as_read) and not [s for s in secrets if s in as_read]
    assert name is None or name not in as_read
    sibling = login_as("lead_sibling")
    assert warning["id"] not in [w["id"] for w in every(sibling, f"/api/v1/risks?rule={code}&status=all")]
    assert sibling.get(f"/api/v1/risks/{warning['id']}").status_code == 403
    assert run_scan(app, code)[code] == QUIET
    return warning


def resolved(app, code, subject_key):
    # The write that removed the cause queued a scan of its region (run inline in tests): this scan
    # finds the warning resolved already, or resolves it.
    run_scan(app, code)
    warning = warning_for(app, code, subject_key)
    assert warning["status"] == "resolved" and warning["resolved_reason"] == "cause_gone"
    assert run_scan(app, code)[code] == QUIET


# ---------------------------------------------------------------- 重复发放

def test_paid_twice_fires_and_a_pending_payment_paid_later_is_one_payment(app, world, login_as):
    policy = "规则测试重复发放补贴"
    load(app, world, "policies", f"{policy},种粮补贴,100,元/亩,2026,,,,")
    register(app, world, ("周建平", 1, card(1), "H-DUP-1"), ("吴国良", 2, card(2), "H-DUP-2"))
    load(app, world, "disbursements",
         f"周建平,{ident(1)},{policy},2026-05,5,500,已发放,2026-05-10,",
         f"周建平,{ident(1)},{policy},2026-05,5,500,已发放,2026-05-20,",   # the same month paid again
         f"吴国良,{ident(2)},{policy},2026-05,5,500,待发放,,")
    load(app, world, "disbursements", f"吴国良,{ident(2)},{policy},2026-05,5,500,已发放,2026-05-15,")
    assert payments_of(app, 2) == [("2026-05", 500, "paid")]  # updated in place, not a second payment

    run_scan(app, "subsidy_duplicate")
    key = f"dup:{person_id(app, 1)}:{policy_id(app, policy)}:2026-05"
    warning = check_warning(app, world, login_as, "subsidy_duplicate", key, "周建平", [ident(1), card(1)])
    assert (warning["evidence"]["payments"], warning["evidence"]["total"], warning["evidence"]["period"]) == \
        (2, "1000.00", "2026-05")
    shown = login_as("lead").get(f"/api/v1/risks/{warning['id']}").json
    assert shown["person_id"] == person_id(app, 1)  # the lead follows it to the person's payments
    assert shown["people"] == [{"id": person_id(app, 1), "name": pii.mask_name("周建平")}]
    assert warning_for(app, "subsidy_duplicate", f"dup:{person_id(app, 2)}:{policy_id(app, policy)}:2026-05") is None

    # The bank returns the second transfer: one payment is left.
    load(app, world, "disbursements", f"周建平,{ident(1)},{policy},2026-05,5,500,已退回,2026-05-20,重复发放已退回")
    assert [s for _, _, s in payments_of(app, 1)] == ["paid", "returned"]
    resolved(app, "subsidy_duplicate", key)


# ---------------------------------------------------------------- 一卡多人

def test_one_card_for_two_households_fires_one_family_sharing_a_card_does_not(app, world, login_as):
    policy = "规则测试代领补贴"
    shared, family = card(11), card(12)
    load(app, world, "policies", f"{policy},社会保障,200,元/人·月,2026,,,,")
    register(app, world, ("郑志刚", 11, shared, "H-PROXY-1"), ("冯桂芳", 12, shared, "H-PROXY-2"),
             ("陈德顺", 13, family, "H-PROXY-3"), ("陈阿婆", 14, family, "H-PROXY-3"))
    load(app, world, "disbursements", *[f"{name},{ident(seq)},{policy},2026-06,1,200,已发放,2026-06-05,"
                                        for name, seq in (("郑志刚", 11), ("冯桂芳", 12), ("陈德顺", 13), ("陈阿婆", 14))])

    run_scan(app, "subsidy_proxy_card")
    key = card_key(app, shared)
    warning = check_warning(app, world, login_as, "subsidy_proxy_card", key, secrets=[shared, ident(11), ident(12)])
    e = warning["evidence"]
    assert (e["card"], e["people"], e["households"], e["total"]) == (pii.mask_card(shared), 2, 2, "400.00")
    assert e["names"] == "、".join(sorted([pii.mask_name("郑志刚"), pii.mask_name("冯桂芳")]))
    assert "郑志刚" not in e["names"] and "冯桂芳" not in e["names"]
    assert warning_for(app, "subsidy_proxy_card", card_key(app, family)) is None  # husband and wife, one household
    shown = login_as("lead").get(f"/api/v1/risks/{warning['id']}").json  # the lead follows it to each person
    assert shown["person_id"] is None
    assert shown["people"] == sorted([{"id": person_id(app, 11), "name": pii.mask_name("郑志刚")},
                                      {"id": person_id(app, 12), "name": pii.mask_name("冯桂芳")}], key=lambda p: p["id"])

    load(app, world, "disbursements", f"冯桂芳,{ident(12)},{policy},2026-06,1,200,已退回,2026-06-05,非本人账户")
    resolved(app, "subsidy_proxy_card", key)


# ---------------------------------------------------------------- 超标准

def test_above_standard_times_quantity_fires_exactly_the_standard_does_not(app, world, login_as):
    policy = "规则测试超标准补贴"
    load(app, world, "policies", f"{policy},种粮补贴,100,元/亩,2026,,,,")
    register(app, world, ("褚大海", 21, card(21), None), ("卫小兰", 22, card(22), None))
    load(app, world, "disbursements",
         f"褚大海,{ident(21)},{policy},2026-04,8,1000,已发放,2026-04-10,",   # 8 亩 × 100 = 800 allowed
         f"卫小兰,{ident(22)},{policy},2026-04,8,800,已发放,2026-04-10,")

    run_scan(app, "subsidy_over_standard")
    over, exact = (payment_id(app, seq) for seq in (21, 22))
    key = f"over:{over}"
    warning = check_warning(app, world, login_as, "subsidy_over_standard", key, "褚大海", [ident(21), card(21)])
    e = warning["evidence"]
    assert (e["amount"], e["quantity"], e["allowed"], e["standard"]) == ("1000.00", "8", "800.00", "100.00 元/亩")
    assert warning_for(app, "subsidy_over_standard", f"over:{exact}") is None

    load(app, world, "disbursements", f"褚大海,{ident(21)},{policy},2026-04,8,1000,已退回,2026-04-10,超标准退回")
    resolved(app, "subsidy_over_standard", key)


# ---------------------------------------------------------------- 死亡后仍发放

def test_paid_after_death_fires_paid_before_death_does_not(app, world, login_as):
    policy = "规则测试养老补助"
    load(app, world, "policies", f"{policy},社会保障,200,元/人·月,2026,,,,")
    register(app, world, ("蒋老伯", 31, card(31), None), ("沈阿婆", 32, card(32), None))
    load(app, world, "disbursements",
         f"蒋老伯,{ident(31)},{policy},2026-04,1,200,已发放,2026-04-10,",   # before his death: fine
         f"蒋老伯,{ident(31)},{policy},2026-06,1,200,已发放,2026-06-10,",   # after it
         f"沈阿婆,{ident(32)},{policy},2026-06,1,200,已发放,2026-06-10,")
    load(app, world, "deaths", f"蒋老伯,{ident(31)},2026-05-01", f"沈阿婆,{ident(32)},2026-07-01")

    run_scan(app, "subsidy_after_death")
    key = f"dead:{person_id(app, 31)}"
    warning = check_warning(app, world, login_as, "subsidy_after_death", key, "蒋老伯", [ident(31), card(31)])
    e = warning["evidence"]
    assert (e["died_on"], e["payments"], e["total"], e["last_paid_on"]) == ("2026-05-01", 1, "200.00", "2026-06-10")
    assert warning_for(app, "subsidy_after_death", f"dead:{person_id(app, 32)}") is None

    load(app, world, "disbursements", f"蒋老伯,{ident(31)},{policy},2026-06,1,200,已退回,2026-06-10,对象已死亡")
    resolved(app, "subsidy_after_death", key)


# ---------------------------------------------------------------- 财政供养人员

def test_public_employee_paid_a_policy_that_excludes_them_fires_other_policies_do_not(app, world, login_as):
    excluding, open_to_all = "规则测试耕地补贴", "规则测试残疾补贴"
    load(app, world, "policies", f"{excluding},种粮补贴,100,元/亩,2026,,,财政供养人员,",
         f"{open_to_all},残疾人保障,150,元/人·月,2026,,,,")
    register(app, world, ("韩志明", 41, card(41), None), ("杨春花", 42, card(42), None))
    load(app, world, "disbursements",
         f"韩志明,{ident(41)},{excluding},2026-03,3,300,已发放,2026-03-15,",
         f"韩志明,{ident(41)},{open_to_all},2026-03,1,150,已发放,2026-03-15,",
         f"杨春花,{ident(42)},{excluding},2026-03,3,300,已发放,2026-03-15,")   # not on the list
    load(app, world, "employees", f"韩志明,{ident(41)},临安区某事业单位")

    run_scan(app, "subsidy_public_employee")
    ben = person_id(app, 41)
    key = f"employee:{ben}:{policy_id(app, excluding)}"
    warning = check_warning(app, world, login_as, "subsidy_public_employee", key, "韩志明", [ident(41), card(41)])
    e = warning["evidence"]
    assert (e["employer"], e["policy"], e["payments"], e["total"]) == ("临安区某事业单位", excluding, 1, "300.00")
    assert warning_for(app, "subsidy_public_employee", f"employee:{ben}:{policy_id(app, open_to_all)}") is None
    not_listed = person_id(app, 42)
    assert warning_for(app, "subsidy_public_employee", f"employee:{not_listed}:{policy_id(app, excluding)}") is None

    load(app, world, "disbursements", f"韩志明,{ident(41)},{excluding},2026-03,3,300,已退回,2026-03-15,财政供养人员不享受")
    resolved(app, "subsidy_public_employee", key)


# ---------------------------------------------------------------- 互斥政策

def test_two_exclusive_policies_in_one_year_fire_in_different_years_do_not(app, world, login_as):
    a, b = "规则测试低保金", "规则测试供养金"
    load(app, world, "policies",
         f"{a},社会救助,800,元/户·月,2025,,,,{b}", f"{a},社会救助,850,元/户·月,2026,,,,{b}",
         f"{b},社会救助,1100,元/人·月,2025,,,,", f"{b},社会救助,1200,元/人·月,2026,,,,")
    register(app, world, ("秦福生", 51, card(51), None), ("尤美玲", 52, card(52), None))
    load(app, world, "disbursements",
         f"秦福生,{ident(51)},{a},2026-02,1,850,已发放,2026-02-10,",
         f"秦福生,{ident(51)},{b},2026-03,1,1200,已发放,2026-03-10,",
         f"尤美玲,{ident(52)},{a},2025-11,1,800,已发放,2025-11-10,",    # 低保 last year,
         f"尤美玲,{ident(52)},{b},2026-03,1,1200,已发放,2026-03-10,")   # 供养 this year: allowed

    run_scan(app, "subsidy_exclusive")
    low, high = sorted([policy_id(app, a), policy_id(app, b)])
    key = f"excl:{person_id(app, 51)}:{low}:{high}"
    warning = check_warning(app, world, login_as, "subsidy_exclusive", key, "秦福生", [ident(51), card(51)])
    e = warning["evidence"]
    assert {e["policy"], e["other_policy"]} == {a, b} and e["year"] == 2026
    other = person_id(app, 52)
    with app.app_context():
        assert db.session.query(RiskWarning).filter(RiskWarning.subject_key.startswith(f"excl:{other}:")).count() == 0

    load(app, world, "disbursements", f"秦福生,{ident(51)},{b},2026-03,1,1200,已退回,2026-03-10,互斥政策不得同时享受")
    resolved(app, "subsidy_exclusive", key)


# ---------------------------------------------------------------- 公示与实发不符

def notice_id(app, seq, policy, period):
    ben, pid = person_id(app, seq), policy_id(app, policy)
    with app.app_context():
        return db.session.execute(select(NoticeEntry.id).where(
            NoticeEntry.beneficiary_id == ben, NoticeEntry.policy_id == pid,
            NoticeEntry.period == period)).scalar_one()


def test_notice_differing_from_the_payment_fires_an_equal_or_not_yet_paid_notice_does_not(app, world, login_as):
    policy = "规则测试公示补贴"
    load(app, world, "policies", f"{policy},社会保障,500,元/人·月,2026,,,,")
    register(app, world, ("何金宝", 61, card(61), None), ("吕雪芬", 62, card(62), None),
             ("施永福", 63, card(63), None), ("张立新", 64, card(64), None))
    load(app, world, "disbursements",
         f"何金宝,{ident(61)},{policy},2026-06,1,450,已发放,2026-06-20,",
         f"吕雪芬,{ident(62)},{policy},2026-06,1,450,已发放,2026-06-20,",
         f"张立新,{ident(64)},{policy},2026-08,1,450,待发放,,")   # August's run has not been paid yet
    load(app, world, "notices",
         f"何金宝,{ident(61)},{policy},2026-06,1,500,2026-06-01",   # the notice says 500, 450 was paid
         f"吕雪芬,{ident(62)},{policy},2026-06,1,450,2026-06-01",
         f"施永福,{ident(63)},{policy},2026-07,1,450,2026-07-01",   # July: no payment run at all yet
         f"张立新,{ident(64)},{policy},2026-08,1,450,2026-08-01")

    run_scan(app, "subsidy_notice_mismatch")
    key = f"notice:{notice_id(app, 61, policy, '2026-06')}"
    warning = check_warning(app, world, login_as, "subsidy_notice_mismatch", key, "何金宝", [ident(61), card(61)])
    e = warning["evidence"]
    assert (e["published"], e["paid"], e["period"]) == ("500.00", "450.00", "2026-06")
    for seq, period in ((62, "2026-06"), (63, "2026-07"), (64, "2026-08")):
        assert warning_for(app, "subsidy_notice_mismatch", f"notice:{notice_id(app, seq, policy, period)}") is None, seq

    load(app, world, "notices", f"何金宝,{ident(61)},{policy},2026-06,1,450,2026-06-25")  # the notice is corrected
    resolved(app, "subsidy_notice_mismatch", key)


# ---------------------------------------------------------------- 没收到

def test_a_villagers_open_case_fires_at_once_and_the_answer_resolves_it(app, world, login_as):
    from backend.subsidies import services
    policy = "规则测试临时救助"
    load(app, world, "policies", f"{policy},社会救助,1000,元/人·次,2026,,,,")
    register(app, world, ("孔德明", 71, card(71), None), ("曹宝根", 72, card(72), None))
    load(app, world, "disbursements", f"孔德明,{ident(71)},{policy},2026-09,1,1000,已发放,2026-09-10,",
         f"曹宝根,{ident(72)},{policy},2026-09,1,1000,已发放,2026-09-10,")
    ben, payment, quiet = person_id(app, 71), payment_id(app, 71), person_id(app, 72)
    with app.app_context(), app.test_request_context(method="POST"):
        person = db.session.get(Beneficiary, ben)
        case, created = services.open_case(person, str(uuid.uuid4()), "卡里没有看到这笔钱", disbursement_id=payment)
        db.session.commit()
        case_id = case.id
    assert created
    key = f"case:{case_id}"
    # Opened in the same request as the case: no separate scan needed.
    warning = check_warning(app, world, login_as, "subsidy_not_received", key, "孔德明", [ident(71), card(71)])
    e = warning["evidence"]
    assert (e["policy"], e["period"], e["case_id"], e["note"]) == (policy, "2026-09", case_id, "卡里没有看到这笔钱")
    with app.app_context():  # 曹宝根 was paid and said nothing: no case, no warning
        assert db.session.query(SubsidyCase).filter_by(beneficiary_id=quiet).count() == 0

    with app.app_context(), app.test_request_context(method="POST"):
        services.answer_case(db.session.get(SubsidyCase, case_id), db.session.get(User, world["users"]["lead"]),
                             "已核实：9月10日已转入尾号0071的银行卡，请查看存折")
        db.session.commit()
    warning = warning_for(app, "subsidy_not_received", key)
    assert warning["status"] == "resolved" and warning["resolved_reason"] == "cause_gone"
    assert run_scan(app, "subsidy_not_received")["subsidy_not_received"] == QUIET  # an answered case stays closed
