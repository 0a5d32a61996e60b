"""A roster of accounts from a spreadsheet: one-time passwords shown once to the importer, a change
at the first sign-in, existing accounts updated without a new password, and the refusals."""
import io

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from backend.auth import roster
from backend.core.models import User
from backend.extensions import db
from conftest import PASSWORD


def _csv(lines, encoding="utf-8"):
    return ("\n".join(",".join(cells) for cells in lines) + "\n").encode(encoding)


HEADER = ("序号", "姓名", "账号", "角色", "所属地区", "手机号码")


def user(key_or_name, world=None):
    if world is not None:
        return db.session.get(User, world["users"][key_or_name])
    return db.session.execute(select(User).where(User.username == key_or_name)).scalar_one_or_none()


def run(data, importer, batch_id, filename="roster.csv", passwords=None):
    report, counts, secrets = roster.load_roster(filename, data, importer.region, importer, batch_id)
    if passwords is not None:
        passwords.extend(secrets)
    return report, counts


def test_a_county_imports_its_roster_and_reads_the_passwords_once(app, world, login_as):
    lines = [HEADER, ("1", "王芳", "wangfang", "乡镇负责人", "锦城街道", "138 0571 2345"),
             ("2", "李明", "LiMing", "巡查员", "330112103000", ""),
             ("3", "赵强", "zhaoqiang", "inspector", "太湖源镇", "13905712346")]
    with app.app_context(), app.test_request_context(method="POST"):
        county = user("county", world)
        shown = []
        report, counts = run(_csv(lines, "gbk"), county, 9001, passwords=shown)
        assert report.errors == [] and counts == [3, 0, 0]
        wang = user("wangfang")
        assert wang.role == "township_lead" and wang.region.name == "锦城街道" and wang.must_change_password
        assert wang.phone_mask == "138****2345" and "13805712345" not in (wang.phone_enc or "")
        assert user("liming").region.name == "太湖源镇"
        assert [s["username"] for s in shown] == ["wangfang", "liming", "zhaoqiang"]
        db.session.commit()
        secret = next(s["one_time_password"] for s in shown if s["username"] == "wangfang")
    # The one-time password signs in, and nothing but changing it is allowed.
    client = app.test_client()
    r = client.post("/api/v1/auth/login", json={"username": "wangfang", "password": secret})
    assert r.status_code == 200 and r.json["user"]["must_change_password"] is True
    headers = {"X-CSRF-Token": r.json["csrf_token"]}
    assert client.get("/api/v1/projects").status_code == 403
    r = client.post("/api/v1/auth/password", json={"current_password": secret, "new_password": "wang-fang-own-2026"},
                    headers=headers)
    assert r.status_code == 200 and r.json["user"]["must_change_password"] is False


def test_an_existing_user_name_is_updated_without_a_new_password(app, world):
    with app.app_context(), app.test_request_context(method="POST"):
        admin = user("admin", world)
        lines = [HEADER, ("1", "钱多多", "qianduoduo", "巡查员", "锦城街道", "")]
        assert run(_csv(lines), admin, 9002)[1] == [1, 0, 0]
        hash_before = user("qianduoduo").password_hash
        moved = [HEADER, ("1", "钱多多", "qianduoduo", "乡镇负责人", "太湖源镇", "13905710000")]
        again = []
        assert run(_csv(moved), admin, 9003, passwords=again)[1] == [0, 1, 0]
        qian = user("qianduoduo")
        assert qian.role == "township_lead" and qian.region.name == "太湖源镇" and qian.phone_mask == "139****0000"
        assert qian.password_hash == hash_before and again == []
        assert run(_csv(moved), admin, 9004)[1] == [0, 0, 1]  # the same roster again: nothing changes
        db.session.rollback()


@pytest.mark.parametrize("row,field,code", [
    (("1", "甲", "jia01", "村长", "锦城街道", ""), "role", "role_unknown"),
    (("1", "甲", "jia01", "巡查员", "分水镇", ""), "region", "region_not_found"),  # a name outside 临安
    (("1", "甲", "jia01", "巡查员", "330122103000", ""), "region", "out_of_scope"),  # 分水镇 by code
    (("1", "甲", "jia01", "市级财政", "330100000000", ""), "region", "out_of_scope"),
    (("1", "甲", "jia01", "县级财政", "锦城街道", ""), "region", "role_region_level"),
    (("1", "甲", "jia01", "系统管理员", "330112000000", ""), "role", "role_above_own"),
    (("1", "甲", "t_city", "巡查员", "锦城街道", ""), "username", "username_taken"),  # someone above/outside
    (("1", "甲", "t_county", "巡查员", "锦城街道", ""), "username", "own_account"),
    (("1", "甲", "j", "巡查员", "锦城街道", ""), "username", "username_malformed"),
    (("1", "甲", "jia01", "巡查员", "锦城街道", "12345"), "phone", "phone_malformed"),
    (("1", "=cmd", "jia01", "巡查员", "锦城街道", ""), "display_name", "name_formula"),
    (("1", "甲", "", "巡查员", "锦城街道", ""), "username", "required"),
])
def test_a_bad_row_refuses_the_roster_and_names_it(app, world, row, field, code):
    with app.app_context(), app.test_request_context(method="POST"):
        county = user("county", world)
        before = db.session.scalar(select(db.func.count()).select_from(User))
        good = ("2", "乙", "yi02", "巡查员", "锦城街道", "")
        report, counts = run(_csv([HEADER, good, row]), county, 9010)
        assert counts is None
        assert [(e["row"], e["field"], e["code"]) for e in report.errors] == [(3, field, code)]
        assert db.session.scalar(select(db.func.count()).select_from(User)) == before
        db.session.rollback()


def test_the_importer_s_own_unchanged_row_goes_through(app, world):
    """A county imports its whole roster again with people added: its own row, as stored, is not a
    change of its own account; the same row with another role still is."""
    with app.app_context(), app.test_request_context(method="POST"):
        county = user("county", world)
        me = (county.display_name, "t_county", "县级财政", "330112000000", "")
        report, counts = run(_csv([HEADER, ("1", *me), ("2", "新人", "xinren01", "巡查员", "锦城街道", "")]), county, 9013)
        assert report.errors == [] and counts == [1, 0, 1]
        changed = (county.display_name, "t_county", "县级财政", "330112000000", "13905710001")
        report, counts = run(_csv([HEADER, ("1", *changed)]), county, 9014)
        assert counts is None and [(e["row"], e["code"]) for e in report.errors] == [(2, "own_account")]
        db.session.rollback()


def test_a_user_name_twice_in_the_file_is_refused(app, world):
    with app.app_context(), app.test_request_context(method="POST"):
        lines = [HEADER, ("1", "甲", "same01", "巡查员", "锦城街道", ""), ("2", "乙", "SAME01", "巡查员", "太湖源镇", "")]
        report, counts = run(_csv(lines), user("county", world), 9011)
        assert counts is None and [(e["row"], e["code"]) for e in report.errors] == [(3, "duplicate_username")]
        assert report.errors[0]["message"] == {"zh": "用户名“same01”与第 2 行重复",
                                               "en": "The user name 'same01' repeats row 2"}
        db.session.rollback()


def test_an_excel_roster_with_region_codes(app, world):
    book = Workbook()
    book.active.append(["2026年锦城街道人员名单"])
    book.active.append(["姓名", "用户名", "角色", "区划代码", "电话"])
    book.active.append(["孙悦", "sunyue", "巡查员", 330112006000, 13805719999])
    out = io.BytesIO()
    book.save(out)
    with app.app_context(), app.test_request_context(method="POST"):
        report, counts = run(out.getvalue(), user("admin", world), 9012, "名单.xlsx")
        assert report.errors == [] and counts == [1, 0, 0]
        assert user("sunyue").region.code == "330112006000" and user("sunyue").phone_mask == "138****9999"
        db.session.rollback()
