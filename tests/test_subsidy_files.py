"""Files as clerks really have them (issue 11): a county's file with a township column, a village
written with its township, a policy list dated only in its title, a public notice as it was posted
(masked names and ID numbers, a line nobody can match), a payment list whose village column
disagrees with the register, and a policy name the clerk nearly got right.

Everyone here is born on 9 September 1966 (ID numbers 330112 19660909 …) and two villages of one
name, 同名村, are added under 锦城街道 and 太湖源镇: nothing here meets another test file's people.
"""
import pytest
from sqlalchemy import func, select

from backend.core import pii
from backend.core.models import Region, User
from backend.extensions import db
from backend.imports import engine
from backend.imports.models import ImportRun
from backend.subsidies.models import Beneficiary, NoticeEntry, SubsidyPolicy
from subsidy_seed import POLICIES


def ident(seq):
    first = f"33011219660909{seq:03d}"
    return first + pii.id_check_char(first)


def run(app, world, kind, text, region="jincheng", user="lead"):
    with app.app_context(), app.test_request_context(method="POST"):
        result = engine.run(kind, db.session.get(Region, world["regions"][region]),
                              db.session.get(User, world["users"][user]), f"{kind}.csv", text.encode())
        db.session.commit()
        return {c: getattr(result, c) for c in ("id", "status", "inserted", "updated", "unchanged", "errors", "notes")}


def problems(result):
    return [(e["row"], e["field"], e["code"]) for e in result["errors"]]


def accepted(result):
    assert result["status"] == "accepted", result["errors"]
    return result


@pytest.fixture(scope="module")
def villages(app, world):
    """同名村 in 锦城街道 and in 太湖源镇 (kept: other files never name it); the policies."""
    with app.app_context(), app.test_request_context(method="POST"):
        ids = {}
        for key, township, code in (("jc", "jincheng", "330112006091"), ("th", "taihuyuan", "330112103291")):
            found = db.session.execute(select(Region).where(Region.code == code)).scalar_one_or_none()
            if found is None:
                parent = db.session.get(Region, world["regions"][township])
                found = Region(code=code, name="同名村", level="village", path=f"{parent.path}{code}/", parent_id=parent.id)
                db.session.add(found)
                db.session.flush()
            ids[key] = found.id
        db.session.commit()
    accepted(run(app, world, "policies", POLICIES, region="linan", user="county"))
    return ids


def village_of(app, seq):
    with app.app_context():
        return db.session.execute(select(Beneficiary.region_id).where(
            Beneficiary.id_hash == pii.blind(ident(seq), "id_number"))).scalar_one()


# ---------------------------------------------------------------- 1. the township column

def test_a_countys_file_looks_each_village_up_in_its_township(app, world, villages):
    text = ("乡镇,村,姓名,身份证号\n"
            f"锦城街道,同名村,甄一,{ident(1)}\n"
            f"太湖源镇,同名村,甄二,{ident(2)}\n"
            f"太湖源,白沙村,甄三,{ident(3)}\n")  # the township without 镇
    accepted(run(app, world, "beneficiaries", text, region="linan", user="county"))
    assert (village_of(app, 1), village_of(app, 2), village_of(app, 3)) == (
        villages["jc"], villages["th"], world["regions"]["baisha"])


def test_a_village_that_exists_but_not_in_the_rows_township_is_that_rows_error(app, world, villages):
    text = ("乡镇,村,姓名,身份证号\n"
            f"太湖源镇,钱王社区,甄四,{ident(4)}\n"  # 钱王社区 is in 锦城街道
            f"锦城街道,白沙村,甄五,{ident(5)}\n"
            f"锦城街道,钱王社区,甄六,{ident(6)}\n"
            f"不存在镇,钱王社区,甄七,{ident(7)}\n")
    result = run(app, world, "beneficiaries", text, region="linan", user="county")
    assert problems(result) == [(2, "village", "village_not_in_township"), (3, "village", "village_not_in_township"),
                                (5, "township", "unknown_township")]
    assert "锦城街道" in result["errors"][0]["message"]["zh"]


@pytest.mark.parametrize("written", ["锦城街道同名村", "锦城街道 同名村", "锦城街道-同名村", "锦城同名村"])
def test_township_and_village_in_one_cell(app, world, villages, written):
    seq = 10 + ["锦城街道同名村", "锦城街道 同名村", "锦城街道-同名村", "锦城同名村"].index(written)
    accepted(run(app, world, "beneficiaries", f"村,姓名,身份证号\n{written},甄{seq},{ident(seq)}\n",
                 region="linan", user="county"))
    assert village_of(app, seq) == villages["jc"]


def test_the_same_village_name_alone_still_asks_for_the_township(app, world, villages):
    result = run(app, world, "beneficiaries", f"村,姓名,身份证号\n同名村,甄二十,{ident(20)}\n", region="linan", user="county")
    assert problems(result) == [(2, "village", "village_ambiguous")]
    assert "乡镇" in result["errors"][0]["message"]["zh"]


def test_a_payment_file_reads_its_township_and_village_too(app, world, villages):
    accepted(run(app, world, "beneficiaries", f"乡镇,村,姓名,身份证号\n太湖源镇,同名村,甄二一,{ident(21)}\n",
                 region="linan", user="county"))
    head = "乡镇,村,姓名,身份证号,补贴项目,期间,金额,状态,发放日期\n"
    wrong = f"锦城街道,同名村,甄二一,{ident(21)},城乡居民基础养老金,2026-05,230,已发放,2026-05-10\n"
    result = run(app, world, "disbursements", head + wrong, region="linan", user="county")
    assert problems(result) == [(2, "village", "village_mismatch")]
    right = wrong.replace("锦城街道", "太湖源镇")
    accepted(run(app, world, "disbursements", head + right, region="linan", user="county"))


# ---------------------------------------------------------------- 2. the year in the title

def test_a_policy_list_dated_only_in_its_title(app, world, villages):
    text = ("2026年惠农补贴政策清单\n"
            "政策名称,类别,补贴标准,单位\n"
            "标题年度测试补贴,种粮补贴,80,元/亩\n")
    accepted(run(app, world, "policies", text, region="linan", user="county"))
    with app.app_context():
        assert db.session.execute(select(SubsidyPolicy.year).where(
            SubsidyPolicy.name == "标题年度测试补贴")).scalar_one() == 2026
    undated = run(app, world, "policies", "惠农补贴政策清单\n政策名称,类别,补贴标准\n无年度测试补贴,种粮补贴,80\n",
                  region="linan", user="county")
    assert problems(undated) == [(None, "year", "header_missing")]


# ---------------------------------------------------------------- 6. payments: village, 序号, near misses

def test_a_payment_whose_village_differs_from_the_register_is_reported(app, world, villages):
    accepted(run(app, world, "beneficiaries", f"村,姓名,身份证号\n钱王社区,甄三十,{ident(30)}\n"))
    head = "序号,姓名,身份证号,所属村,补贴项目,期间,金额,状态,发放日期\n"
    row = f"1,甄三十,{ident(30)},{{}},城乡居民基础养老金,2026-06,230,已发放,2026-06-10\n"
    result = run(app, world, "disbursements", head + row.format("同名村"))
    assert problems(result) == [(2, "village", "village_mismatch")]
    assert "钱王社区" in result["errors"][0]["message"]["zh"]
    ok = accepted(run(app, world, "disbursements", head + row.format("钱王社区")))
    assert not [n for n in ok["notes"] if n["code"] == "columns_not_used"]  # 序号 is known, not reported


@pytest.mark.parametrize("written,meant", [("养老金", "城乡居民基础养老金"), ("耕地保护补贴", "耕地地力保护补贴"),
                                           ("2026年耕地保护补贴", "耕地地力保护补贴"), ("临时救助", "困难群众临时救助")])
def test_a_policy_near_miss_names_the_policy_meant(app, world, villages, written, meant):
    accepted(run(app, world, "beneficiaries", f"村,姓名,身份证号\n钱王社区,甄三一,{ident(31)}\n"))
    text = f"姓名,身份证号,补贴项目,期间,金额\n甄三一,{ident(31)},{written},2026-07,100\n"
    result = run(app, world, "disbursements", text)
    assert problems(result) == [(2, "policy", "unknown_policy")]
    assert f"是不是“{meant}”" in result["errors"][0]["message"]["zh"], result["errors"][0]["message"]["zh"]


# ---------------------------------------------------------------- 3. the public notice as it was posted

def notice_lines(app, policy, period):
    with app.app_context():
        pid = db.session.execute(select(SubsidyPolicy.id).where(SubsidyPolicy.name == policy,
                                                                SubsidyPolicy.year == 2026)).scalar_one()
        return {(n.posted_name, n.posted_id): (n.beneficiary_id, n.amount, n.finding, n.region_id)
                for n in db.session.execute(select(NoticeEntry).where(NoticeEntry.policy_id == pid,
                                                                      NoticeEntry.period == period)).scalars()}


def person_id(app, seq):
    with app.app_context():
        return db.session.execute(select(Beneficiary.id).where(
            Beneficiary.id_hash == pii.blind(ident(seq), "id_number"))).scalar_one()


def masked(seq, shown=(6, 4)):
    full = ident(seq)
    return full[:shown[0]] + "*" * (18 - sum(shown)) + full[18 - shown[1]:]


def test_a_notice_as_posted_masked_names_and_ids_are_matched_the_rest_kept_as_findings(app, world, villages):
    from conftest import run_scan, warning_for
    policy = "公示原样测试补贴"
    accepted(run(app, world, "policies", f"政策名称,类别,补贴标准,单位,年度\n{policy},社会救助,500,元/人·次,2026\n",
                 region="linan", user="county"))
    accepted(run(app, world, "beneficiaries", "村,姓名,身份证号\n" + "".join(
        f"钱王社区,{name},{ident(seq)}\n" for name, seq in (("贾宝明", 40), ("贾宝", 41), ("贾宝亮", 42), ("贾宝辉", 43)))))
    # 贾宝亮 and 贾宝辉 have the same mask of name (贾**) — their ID digits tell them apart.
    text = ("2026年公示原样测试补贴公示名单\n序号,村,姓名,身份证号,补贴项目,期间,金额\n"
            f"1,钱王社区,贾*明,{masked(40)},{policy},2026-05,500\n"
            f"2,钱王社区,贾*,{masked(41)},{policy},2026-05,500\n"
            f"3,钱王社区,贾**,{masked(42)},{policy},2026-05,500\n"
            f"4,钱王社区,贾*丁,{masked(44)},{policy},2026-05,500\n"   # matches nobody (yet)
            f"5,钱王社区,贾**,{masked(43)},{policy},2026-05,-200\n"          # an impossible amount
            f"6,钱王社区,贾*明,{masked(40, (3, 2))},{policy},2026-06,500\n")  # other digits shown, another month
    result = accepted(run(app, world, "notices", text))
    assert (result["inserted"], result["updated"]) == (6, 0)
    notes = {n["code"]: n for n in result["notes"]}
    assert notes["notice_unmatched"]["rows"] == [6] and notes["notice_negative_amount"]["rows"] == [7]
    assert "原样" in notes["notice_unmatched"]["message"]["zh"]
    may = notice_lines(app, policy, "2026-05")
    assert may[("贾*明", masked(40))][:3] == (person_id(app, 40), 500, None)
    assert may[("贾*", masked(41))][:3] == (person_id(app, 41), 500, None)
    assert may[("贾**", masked(42))][:3] == (person_id(app, 42), 500, None)
    assert may[("贾*丁", masked(44))][:3] == (None, 500, "unmatched")
    assert may[("贾*丁", masked(44))][3] == world["regions"]["qianwang"]
    assert may[("贾**", masked(43))][:3] == (person_id(app, 43), -200, "negative_amount")
    assert notice_lines(app, policy, "2026-06")[("贾*明", masked(40, (3, 2)))][0] == person_id(app, 40)
    again = accepted(run(app, world, "notices", text))  # the same notice again changes nothing
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 6)

    # The findings are warnings (no full ID number in them); the matched lines are not.
    run_scan(app, "subsidy_notice_mismatch")
    with app.app_context():
        ids = {n.finding: n.id for n in db.session.execute(select(NoticeEntry).where(NoticeEntry.finding.is_not(None),
               NoticeEntry.posted_name.like("贾%"))).scalars()}
    unmatched = warning_for(app, "subsidy_notice_mismatch", f"notice:{ids['unmatched']}")
    assert unmatched["status"] == "open" and unmatched["evidence"]["person"] == "贾*丁"
    assert unmatched["evidence"]["id_number"] == masked(44) and unmatched["evidence"]["finding"]
    negative = warning_for(app, "subsidy_notice_mismatch", f"notice:{ids['negative_amount']}")
    assert negative["status"] == "open" and negative["evidence"]["published"] == "-200.00"
    assert ident(43) not in str(negative["evidence"])

    # The register gains the person the notice named: the same notice again matches the line, and the
    # finding's warning is resolved.
    accepted(run(app, world, "beneficiaries", f"村,姓名,身份证号\n钱王社区,贾丙丁,{ident(44)}\n"))
    later = accepted(run(app, world, "notices", text))
    assert (later["inserted"], later["updated"], later["unchanged"]) == (0, 1, 5)
    assert notice_lines(app, policy, "2026-05")[("贾*丁", masked(44))][:3] == (person_id(app, 44), 500, None)
    run_scan(app, "subsidy_notice_mismatch")
    assert warning_for(app, "subsidy_notice_mismatch", f"notice:{ids['unmatched']}")["status"] == "resolved"


def test_a_notice_line_that_fits_two_people_or_shows_too_little_is_kept_not_guessed(app, world, villages):
    policy = "公示原样测试补贴"
    accepted(run(app, world, "beneficiaries", "村,姓名,身份证号\n" + "".join(
        f"钱王社区,{name},{ident(seq)}\n" for name, seq in (("贾国一", 45), ("贾国二", 46)))))
    both = ident(45)[:6] + "*" * 12  # the first six digits only: both people fit
    text = ("村,姓名,身份证号,补贴项目,期间,金额\n"
            f"钱王社区,贾**,{ident(45)[:6]}********{ident(45)[-4:]},{policy},2026-07,500\n"
            f"钱王社区,贾**,{both},{policy},2026-07,300\n"
            f"钱王社区,贾**,{ident(46)[:-1]}{'1' if ident(46)[-1] != '1' else '2'},{policy},2026-07,300\n")  # a wrong check digit
    result = accepted(run(app, world, "notices", text))
    july = notice_lines(app, policy, "2026-07")
    assert july[("贾**", f"{ident(45)[:6]}********{ident(45)[-4:]}")][0] == person_id(app, 45)
    assert july[("贾**", both)][2] == "ambiguous"  # both 贾国一 and 贾国二 fit: nobody is guessed
    invalid = [v for (name, shown), v in july.items() if v[2] == "id_invalid"]
    assert len(invalid) == 1 and ident(46)[:-1] not in str(july)
    assert {n["code"] for n in result["notes"]} == {"notice_ambiguous", "notice_id_invalid"}


# ---------------------------------------------------------------- 5. one cause, one warning

def test_a_notice_that_differs_only_by_a_duplicate_payment_points_to_the_duplicates_warning(app, world, villages):
    from conftest import run_scan, warning_for
    policy = "一因一警测试补贴"
    accepted(run(app, world, "policies", f"政策名称,类别,补贴标准,单位,年度\n{policy},社会救助,500,元/人·次,2026\n",
                 region="linan", user="county"))
    accepted(run(app, world, "beneficiaries", "村,姓名,身份证号\n" + "".join(
        f"钱王社区,{name},{ident(seq)}\n" for name, seq in (("卫东一", 50), ("卫东二", 51)))))
    accepted(run(app, world, "disbursements", "姓名,身份证号,补贴项目,期间,金额,状态,发放日期,凭证号\n" + "".join(
        f"{name},{ident(seq)},{policy},2026-04,450,已发放,2026-04-{day},V{seq}{day}\n"
        for name, seq in (("卫东一", 50), ("卫东二", 51)) for day in (10, 20))))
    accepted(run(app, world, "notices", "姓名,身份证号,补贴项目,期间,金额\n"
                 f"卫东一,{ident(50)},{policy},2026-04,450\n"     # the notice is right; the second payment is the cause
                 f"卫东二,{ident(51)},{policy},2026-04,500\n"))   # the notice matches neither payment: its own cause
    run_scan(app, "subsidy_duplicate", "subsidy_notice_mismatch")
    with app.app_context():
        lines = {n.beneficiary_id: n.id for n in db.session.execute(select(NoticeEntry).where(
            NoticeEntry.beneficiary_id.in_([person_id(app, 50), person_id(app, 51)]))).scalars()}
        pid = db.session.execute(select(SubsidyPolicy.id).where(SubsidyPolicy.name == policy)).scalar_one()
    first, second = person_id(app, 50), person_id(app, 51)
    duplicate = warning_for(app, "subsidy_duplicate", f"dup:{first}:{pid}:2026-04")
    assert duplicate["status"] == "open" and duplicate["evidence"]["published"] == "450.00"
    assert warning_for(app, "subsidy_notice_mismatch", f"notice:{lines[first]}") is None
    assert warning_for(app, "subsidy_notice_mismatch", f"notice:{lines[second]}")["status"] == "open"
    assert warning_for(app, "subsidy_duplicate", f"dup:{second}:{pid}:2026-04")["status"] == "open"


# ---------------------------------------------------------------- 4. exclusive policies set on the screen

def policy_ids(app, *names):
    with app.app_context():
        return [db.session.execute(select(SubsidyPolicy.id).where(SubsidyPolicy.name == n, SubsidyPolicy.year == 2026)
                                   ).scalar_one() for n in names]


def exclusive_of(app, pid):
    with app.app_context():
        return db.session.get(SubsidyPolicy, pid).exclusive_with


def test_exclusive_policies_are_set_on_the_policy_screen_audited_and_warned_about(app, world, villages, login_as):
    from backend.core.models import AuditLog
    from conftest import new_uuid, run_scan, warning_for
    accepted(run(app, world, "policies", "政策名称,类别,补贴标准,单位,年度\n"
                 "互斥设置测试低保,社会救助,600,元/人·月,2026\n互斥设置测试特困,社会救助,900,元/人·月,2026\n"))
    a, b = policy_ids(app, "互斥设置测试低保", "互斥设置测试特困")
    accepted(run(app, world, "beneficiaries", f"村,姓名,身份证号\n钱王社区,滕互斥,{ident(60)}\n"))
    accepted(run(app, world, "disbursements", "姓名,身份证号,补贴项目,期间,金额,状态,发放日期\n"
                 f"滕互斥,{ident(60)},互斥设置测试低保,2026-03,600,已发放,2026-03-10\n"
                 f"滕互斥,{ident(60)},互斥设置测试特困,2026-03,900,已发放,2026-03-10\n"))
    lead, key = login_as("lead"), new_uuid()
    r = lead.post(f"/api/v1/subsidies/policies/{a}/exclusive", json={"client_uuid": key, "exclusive_with": [b]})
    assert r.status_code == 200 and r.json["exclusive_with"] == ["互斥设置测试特困"], r.json
    again = lead.post(f"/api/v1/subsidies/policies/{a}/exclusive", json={"client_uuid": key, "exclusive_with": [b]})
    assert again.status_code == 200 and again.json == r.json
    with app.app_context():
        logged = db.session.execute(select(AuditLog).where(AuditLog.action == "subsidy.policy_exclusive",
                                                           AuditLog.subject_id == a)).scalars().all()
        assert len(logged) == 1 and logged[0].details["after"] == ["互斥设置测试特困"]
        person = db.session.execute(select(Beneficiary.id).where(
            Beneficiary.id_hash == pii.blind(ident(60), "id_number"))).scalar_one()
    run_scan(app, "subsidy_exclusive")
    key_of = f"excl:{person}:{min(a, b)}:{max(a, b)}"
    assert warning_for(app, "subsidy_exclusive", key_of)["status"] == "open"
    # The same list again changes nothing and is not audited again; an empty list clears it.
    lead.post(f"/api/v1/subsidies/policies/{a}/exclusive", json={"client_uuid": new_uuid(), "exclusive_with": [b]})
    r = lead.post(f"/api/v1/subsidies/policies/{a}/exclusive", json={"client_uuid": new_uuid(), "exclusive_with": []})
    assert r.status_code == 200 and r.json["exclusive_with"] == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "subsidy.policy_exclusive", AuditLog.subject_id == a)) == 2
    run_scan(app, "subsidy_exclusive")
    assert warning_for(app, "subsidy_exclusive", key_of)["status"] == "resolved"


@pytest.mark.parametrize("body,status,code,path", [
    ({"exclusive_with": []}, 400, "validation_error", "json.client_uuid"),
    ({"client_uuid": "x", "exclusive_with": []}, 400, "validation_error", "json.client_uuid"),
    ({"client_uuid": "UUID"}, 400, "validation_error", "json.exclusive_with"),
    ({"client_uuid": "UUID", "exclusive_with": "互斥设置测试特困"}, 400, "validation_error", "json.exclusive_with"),
    ({"client_uuid": "UUID", "exclusive_with": ["SELF"]}, 422, "policy_not_exclusive", "json.exclusive_with.0"),
    ({"client_uuid": "UUID", "exclusive_with": [999999]}, 422, "policy_not_exclusive", "json.exclusive_with.0"),
    ({"client_uuid": "UUID", "exclusive_with": ["OLD"]}, 422, "policy_not_exclusive", "json.exclusive_with.0"),
])
def test_bad_exclusive_policies_change_nothing(app, world, villages, login_as, body, status, code, path):
    from conftest import new_uuid
    accepted(run(app, world, "policies", "政策名称,类别,补贴标准,单位,年度\n"
                 "互斥错误测试甲,社会救助,600,元/人·月,2026\n互斥错误测试甲,社会救助,600,元/人·月,2025\n"))
    pid = policy_ids(app, "互斥错误测试甲")[0]
    with app.app_context():
        old = db.session.execute(select(SubsidyPolicy.id).where(SubsidyPolicy.name == "互斥错误测试甲",
                                                                SubsidyPolicy.year == 2025)).scalar_one()
    swap = {"UUID": new_uuid(), "SELF": pid, "OLD": old}
    body = {k: swap.get(v, v) if isinstance(v, str) else [swap.get(x, x) for x in v] if isinstance(v, list) else v
            for k, v in body.items()}
    before = exclusive_of(app, pid)
    r = login_as("lead").post(f"/api/v1/subsidies/policies/{pid}/exclusive", json=body)
    assert (r.status_code, r.json["error"]["code"]) == (status, code), r.json
    assert path in [f["path"] for f in r.json["error"]["fields"]], r.json
    assert exclusive_of(app, pid) == before
    county = login_as("county").post(f"/api/v1/subsidies/policies/{pid}/exclusive",
                                    json={"client_uuid": new_uuid(), "exclusive_with": []})
    assert county.status_code == 200  # (the county covers 锦城街道's policies)
    with app.app_context():  # the county's policy: not the township lead's to change
        seeded = db.session.execute(select(SubsidyPolicy.id).where(
            SubsidyPolicy.name == "耕地地力保护补贴", SubsidyPolicy.year == 2026,
            SubsidyPolicy.region_id == world["regions"]["linan"])).scalar_one()
    r = login_as("lead").post(f"/api/v1/subsidies/policies/{seeded}/exclusive",
                             json={"client_uuid": new_uuid(), "exclusive_with": []})
    assert (r.status_code, r.json["error"]["code"]) == (403, "out_of_scope")
