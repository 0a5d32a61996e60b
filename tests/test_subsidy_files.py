"""Files as clerks really have them (issue 11): a county's file with a township column, a village
written with its township, a policy list dated only in its title, a public notice as it was posted
(masked names and ID numbers, a line nobody can match), a payment list whose village column
disagrees with the register, and a policy name the clerk nearly got right.

Everyone here is born on 9 September 1966 (ID numbers 330112 19660909 …) and two villages of one
name, 同名村, are added under 锦城街道 and 太湖源镇: nothing here meets another test file's people.
"""
import pytest
from sqlalchemy import select

from backend.core import pii
from backend.core.models import Region, User
from backend.extensions import db
from backend.subsidies import importer
from backend.subsidies.models import Beneficiary, NoticeEntry, SubsidyImport, SubsidyPolicy
from subsidy_seed import POLICIES


def ident(seq):
    first = f"33011219660909{seq:03d}"
    return first + pii.id_check_char(first)


def run(app, world, kind, text, region="jincheng", user="lead"):
    with app.app_context(), app.test_request_context(method="POST"):
        result = importer.run(kind, db.session.get(Region, world["regions"][region]),
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
