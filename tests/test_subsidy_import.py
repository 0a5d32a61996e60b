"""Importing clerks' files: the messy spreadsheets they really have (GBK, full-width digits, title and
merged header rows, Excel date serials, totals rows, IDs Excel turned into numbers), all or nothing
with a per-row report, and the same file twice changing nothing."""
import csv
import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from backend.core import pii
from backend.extensions import db
from backend.imports import engine
from backend.subsidies import importer
from backend.imports.models import ImportRun
from backend.subsidies.models import Beneficiary, Disbursement, SubsidyPolicy
from conftest import finished_import, new_uuid, upload_import
from subsidy_seed import POLICIES


def ident(seq, year="1971"):
    first = f"330112{year}0612{seq:03d}"
    return first + pii.id_check_char(first)


def wide(text):
    """Digits typed with a Chinese input method in full-width mode."""
    return text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})


def run(app, world, kind, data, filename="f.csv", region="jincheng", user="lead"):
    from backend.core.models import Region, User
    with app.app_context(), app.test_request_context(method="POST"):
        result = engine.run(kind, db.session.get(Region, world["regions"][region]),
                              db.session.get(User, world["users"][user]), filename, data)
        db.session.commit()
        return {c: getattr(result, c) for c in ("id", "status", "rows", "inserted", "updated", "unchanged",
                                                 "error_count", "errors", "encoding")}


def counts(app):
    with app.app_context():
        return {m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
                for m in (Beneficiary, Disbursement, SubsidyPolicy)}


def problems(result):
    return [(e["row"], e["field"], e["code"]) for e in result["errors"]]


@pytest.fixture(scope="module")
def policies(app, world):
    result = run(app, world, "policies", POLICIES.encode(), region="linan", user="county")
    assert result["status"] == "accepted", result["errors"]


def people_csv(rows, encoding="utf-8"):
    lines = ["2026年锦城街道惠民补贴对象花名册", "序号,姓名,身份证号码,所属村,银行卡号,联系电话,户号"]
    lines += [",".join(str(c) for c in row) for row in rows]
    return "\n".join(lines).encode(encoding)


def test_a_gbk_file_with_a_title_row_full_width_digits_and_spaces_is_understood(app, world, policies):
    rows = [(1, " 陈 国 强 ", wide(ident(1)), "钱王社区", wide("6217 0011 2233 4455 667"), "138-0013-0001", "H01"),
            (2, "陈小红", ident(2).lower().replace("x", "x") + " ", " 钱王社区 ", "6217001122334455668", "", "H01"),
            ("合计", "2人", "", "", "", "", "")]
    result = run(app, world, "beneficiaries", people_csv(rows, "gbk"))
    assert result["status"] == "accepted", result["errors"]
    assert (result["encoding"], result["rows"], result["inserted"]) == ("gbk", 2, 2)  # the totals line is not a person
    with app.app_context():
        person = db.session.execute(select(Beneficiary).where(
            Beneficiary.id_hash == pii.blind(ident(1), "id_number"))).scalar_one()
        assert person.name == "陈国强"
        assert pii.decrypt(person.id_enc, "id_number") == ident(1)
        assert pii.decrypt(person.card_enc, "bank_card") == "6217001122334455667"
        assert person.card_mask == "6217***********5667" and person.phone_mask == "138****0001"
        assert ident(1) not in person.id_enc and "6217001122334455667" not in (person.card_enc or "")


def test_the_same_file_twice_changes_nothing(app, world, policies):
    data = people_csv([(1, "周大勇", ident(11), "钱王社区", "6217001122330000111", "13800130011", "H11")])
    first = run(app, world, "beneficiaries", data)
    before = counts(app)
    again = run(app, world, "beneficiaries", data)
    assert (first["inserted"], again["inserted"], again["updated"], again["unchanged"]) == (1, 0, 0, 1)
    assert counts(app) == before


def test_a_file_with_bad_rows_is_rejected_whole_with_a_report_naming_each_problem(app, world, policies):
    good = (1, "吴文斌", ident(21), "钱王社区", "6217001122330000211", "13800130021", "")
    bad_checksum = ident(22)[:-1] + ("1" if ident(22)[-1] != "1" else "2")
    rows = [good,
            (2, "吴文华", bad_checksum, "钱王社区", "", "", ""),
            (3, "吴文亮", ident(23), "不存在村", "", "", ""),
            (4, "吴文明", ident(24), "钱王社区", "6217-abc", "", ""),
            (5, "吴文斌", ident(21), "钱王社区", "", "", ""),
            (6, "", ident(25), "钱王社区", "", "", ""),
            (7, "吴文凯", "3.30112E+17", "钱王社区", "", "", "")]
    before = counts(app)
    result = run(app, world, "beneficiaries", people_csv(rows))
    assert result["status"] == "rejected"
    assert counts(app) == before  # nothing written, not even the good row
    found = problems(result)
    # Row numbers are the spreadsheet's: a title row and a header row come first.
    assert (4, "id_number", "id_checksum") in found
    assert (5, "village", "unknown_village") in found
    assert (6, "bank_card", "card_malformed") in found
    assert (8, "name", "required") in found
    assert (9, "id_number", "digits_lost") in found
    assert result["error_count"] == len(found)
    assert (7, None, "duplicate_row") in found  # checks across rows run in the same report
    assert all(e["column"] for e in result["errors"] if e["field"])  # the column as written in the file
    checksum = next(e for e in result["errors"] if e["code"] == "id_checksum")
    assert checksum["column"] == "身份证号码" and "校验位" in checksum["message"]["zh"]
    assert bad_checksum not in str(result["errors"])  # the report is stored: numbers in it are masked
    # Alone, the duplicate of row 3:
    result = run(app, world, "beneficiaries", people_csv([good, rows[4]]))
    assert problems(result) == [(4, None, "duplicate_row")]
    assert "第 3 行" in result["errors"][0]["message"]["zh"]


def xlsx(rows, merged_title=None, group_row=None):
    book = Workbook()
    sheet = book.active
    if merged_title:
        sheet.append([merged_title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(rows[0]))
    if group_row:
        sheet.append(group_row)
        r = sheet.max_row
        sheet.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
        sheet.merge_cells(start_row=r, start_column=3, end_row=r, end_column=len(rows[0]))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_excel_file_with_merged_headers_and_real_dates(app, world, policies):
    people = people_csv([(1, "郑海峰", ident(31), "钱王社区", "6217001122330000311", "", ""),
                         (2, "郑海燕", ident(32), "钱王社区", "6217001122330000322", "", "")])
    assert run(app, world, "beneficiaries", people)["status"] == "accepted"
    data = xlsx([("姓名", "身份证号", "补贴项目", "期间", "面积（亩）", "发放金额（元）", "发放状态", "发放日期"),
                 ("郑海峰", ident(31), "耕地地力保护补贴", datetime(2026, 5, 1), 10.5, 1260, "已发放", datetime(2026, 5, 20)),
                 ("郑海燕", ident(32), "耕地地力保护补贴", "2026年5月", "３", "３６０.００", "成功", 46162)],
                merged_title="2026年5月耕地地力保护补贴发放明细表", group_row=["对象信息", None, "发放信息"])
    result = run(app, world, "disbursements", data, filename="发放明细.xlsx")
    assert result["status"] == "accepted", result["errors"]
    assert (result["encoding"], result["inserted"]) == ("xlsx", 2)
    with app.app_context():
        paid = {d.amount: d for d in db.session.execute(select(Disbursement).join(Beneficiary).where(
            Beneficiary.id_hash.in_([pii.blind(ident(31), "id_number"), pii.blind(ident(32), "id_number")]))).scalars()}
        assert {d.quantity for d in paid.values()} == {Decimal("10.5"), Decimal(3)}
        assert paid[Decimal("1260.00")].paid_on == date(2026, 5, 20)
        assert paid[Decimal("360.00")].paid_on == date(2026, 5, 20)  # Excel serial 46162
        assert paid[Decimal("360.00")].status == "paid"


def test_an_id_number_that_excel_stored_as_a_number_is_reported(app, world, policies):
    data = xlsx([("姓名", "身份证号", "村"), ("钱多多", float(ident(41)[:17] + "0"), "钱王社区")])
    result = run(app, world, "beneficiaries", data, filename="b.xlsx")
    assert problems(result) == [(2, "id_number", "digits_lost")]
    assert "文本" in result["errors"][0]["message"]["zh"]


def test_a_pending_payment_later_reported_paid_is_updated_not_added(app, world, policies):
    assert run(app, world, "beneficiaries", people_csv([(1, "孙立新", ident(51), "钱王社区", "6217001122330000511", "", "")]))[
        "status"] == "accepted"
    header = "姓名,身份证号,补贴项目,期间,面积,金额,状态,发放日期,失败原因\n"
    pending = header + f"孙立新,{ident(51)},耕地地力保护补贴,2026-06,2,240,待发放,,\n"
    paid = header + f"孙立新,{ident(51)},耕地地力保护补贴,2026-06,2,240,已发放,2026/6/18,\n"
    first = run(app, world, "disbursements", pending.encode())
    second = run(app, world, "disbursements", paid.encode())
    third = run(app, world, "disbursements", paid.encode())
    assert (first["inserted"], second["inserted"], second["updated"]) == (1, 0, 1)
    assert (third["inserted"], third["updated"], third["unchanged"]) == (0, 0, 1)
    with app.app_context():
        rows = db.session.execute(select(Disbursement).join(Beneficiary).where(
            Beneficiary.id_hash == pii.blind(ident(51), "id_number"))).scalars().all()
        assert [(r.status, r.paid_on) for r in rows] == [("paid", date(2026, 6, 18))]


def test_payment_rows_are_checked_against_people_and_policies(app, world, policies):
    assert run(app, world, "beneficiaries", people_csv([(1, "冯志远", ident(61), "钱王社区", "6217001122330000611", "", "")]))[
        "status"] == "accepted"
    header = "姓名,身份证号,补贴项目,期间,金额,状态,发放日期\n"
    body = (f"冯志远,{ident(61)},耕地地力保护补贴,2026-07,abc,已发放,2026-07-01\n"
            f"冯志远,{ident(61)},不存在的补贴,2026-07,100,已发放,2026-07-01\n"
            f"冯志远,{ident(61)},耕地地力保护补贴,2026-13,100,已发放,2026-07-01\n"
            f"冯志远,{ident(61)},耕地地力保护补贴,2026-07,100,已发放,\n"
            f"冯志远,{ident(61)},耕地地力保护补贴,2026-07,100,已发放,2026-02-30\n"
            f"冯志远,{ident(61)},耕地地力保护补贴,2026-07,-5,已发放,2026-07-01\n"
            f"冯志远,{ident(61)},耕地地力保护补贴,2025-07,100,已发放,2025-07-01\n"
            f"冯志远,{ident(61)},耕地地力保护补贴,2026-07,100,到了吗,2026-07-01\n")
    result = run(app, world, "disbursements", (header + body).encode())
    assert problems(result) == [(2, "amount", "not_a_number"), (3, "policy", "unknown_policy"),
                                (4, "period", "bad_period"), (5, "paid_on", "paid_without_date"),
                                (6, "paid_on", "bad_date"), (7, "amount", "negative"),
                                (8, "policy", "policy_year_missing"), (9, "status", "bad_status")]
    # Rows that parse are then checked against the register: unknown person, wrong name.
    stranger = ident(62)
    body = (f"冯志远,{stranger},耕地地力保护补贴,2026-07,100,已发放,2026-07-01\n"
            f"冯志强,{ident(61)},耕地地力保护补贴,2026-07,100,已发放,2026-07-01\n")
    result = run(app, world, "disbursements", (header + body).encode())
    assert problems(result) == [(2, "id_number", "unknown_beneficiary"), (3, "name", "name_mismatch")]


def test_another_townships_people_cannot_be_paid_from_here(app, world, policies):
    villagers = people_csv([(1, "白永福", ident(71), "白沙村", "6217001122330000711", "", "")])
    assert run(app, world, "beneficiaries", villagers, region="taihuyuan", user="lead_sibling")["status"] == "accepted"
    # 锦城's clerk cannot register them in 锦城 nor pay them
    moved = people_csv([(1, "白永福", ident(71), "钱王社区", "", "", "")])
    result = run(app, world, "beneficiaries", moved)
    assert problems(result) == [(3, "id_number", "registered_elsewhere")]
    masked = ident(71)[:4] + "*" * 10 + ident(71)[-4:]  # (the report is stored: the number masked)
    assert f"身份证号“{masked}”" in result["errors"][0]["message"]["zh"]
    assert f"ID number '{masked}'" in result["errors"][0]["message"]["en"]
    pay = f"姓名,身份证号,补贴项目,期间,金额\n白永福,{ident(71)},耕地地力保护补贴,2026-07,100\n"
    assert problems(run(app, world, "disbursements", pay.encode())) == [(2, "id_number", "out_of_scope")]


@pytest.mark.parametrize("data,filename,code", [
    (b"", "empty.csv", "file_empty"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "broken.xls", "file_unreadable"),
    ("甲,乙,丙\n1,2,3\n".encode(), "nohead.csv", "header_missing"),
    (b"PK\x03\x04 not really a zip", "broken.xlsx", "file_unreadable"),
    ("姓名,身份证号码,村\n".encode(), "only-header.csv", "no_rows"),
])
def test_files_that_cannot_be_read_say_why(app, world, policies, data, filename, code):
    before = counts(app)
    result = run(app, world, "beneficiaries", data, filename=filename)
    assert result["status"] == "rejected" and [e["code"] for e in result["errors"]] == [code]
    assert counts(app) == before


def test_tab_and_semicolon_separated_files_with_a_bom(app, world, policies):
    for sep, seq in (("\t", 81), (";", 82)):
        text = sep.join(["姓名", "身份证号", "村"]) + "\n" + sep.join(["何平", ident(seq), "钱王社区"]) + "\n"
        result = run(app, world, "beneficiaries", b"\xef\xbb\xbf" + text.encode())
        assert (result["status"], result["inserted"], result["encoding"]) == ("accepted", 1, "utf-8-sig"), result["errors"]


# ---------------------------------------------------------------- over HTTP

upload, finished = upload_import, finished_import


def test_a_rejected_upload_gives_the_report_and_a_csv_to_download(app, world, login_as, policies):
    lead = login_as("lead")
    bad = people_csv([(1, "林一", ident(91)[:-1] + ("1" if ident(91)[-1] != "1" else "2"), "钱王社区", "", "", "")])
    before = counts(app)
    report = finished(lead, upload(lead, world, bad, "花名册.csv"))
    assert report["status"] == "rejected" and report["errors"][0]["code"] == "id_checksum"
    assert (report["errors"][0]["row"], report["errors"][0]["field"]) == (3, "id_number")
    assert counts(app) == before
    csv_response = lead.get(report["report_url"])
    assert csv_response.status_code == 200 and csv_response.mimetype == "text/csv"
    text = csv_response.data.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel opens UTF-8 with a BOM as Chinese, not mojibake
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert lines[1][:3] == ["3", "身份证号码", "id_checksum"]
    # The rejected run is listed, and a sibling township cannot read it.
    assert any(i["id"] == report["id"] for i in lead.get("/api/v1/imports?status=rejected").json["items"])
    assert login_as("lead_sibling").get(report["report_url"]).status_code == 403
    assert login_as("lead_sibling").get(report["status_url"]).status_code == 403


def test_an_accepted_upload_and_its_replay(app, world, login_as, policies):
    lead = login_as("lead")
    key = new_uuid()
    data = people_csv([(1, "林二", ident(92), "钱王社区", "", "", "")])
    kept = Path(app.config["STORAGE_DIR"]) / "imports"
    before = set(kept.glob("*"))
    r = upload(lead, world, data, "b.csv", key=key)
    run_ = finished(lead, r)
    assert run_["status"] == "accepted" and run_["inserted"] == 1
    again = upload(lead, world, data, "b.csv", key=key)  # the same request again: the same run, as it is now
    assert again.status_code == 202 and again.json["id"] == r.json["id"] and again.json["status"] == "accepted"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ImportRun).where(
            ImportRun.client_uuid == key)) == 1
        stored = db.session.get(ImportRun, r.json["id"])
        assert stored.file_key is None  # the upload is not kept once imported
    assert set(kept.glob("*")) <= before  # nor is the file


def test_uploads_outside_scope_or_by_the_wrong_role_are_refused(app, world, login_as, policies):
    data = people_csv([(1, "林三", ident(93), "白沙村", "", "", "")])
    assert upload(login_as("lead"), world, data, "b.csv", region="taihuyuan").status_code == 403
    assert upload(login_as("inspector"), world, data, "b.csv").status_code == 403
    r = upload(login_as("lead"), world, data, "b.csv", region="qianwang")
    assert r.status_code == 400 and r.json["error"]["code"] == "import_region_level"


def test_an_oversized_upload_is_refused_before_it_is_read(app, world, login_as, policies, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 1000)
    r = upload(login_as("lead"), world, b"x" * 200_000, "big.csv")
    assert r.status_code == 413 and r.json["error"]["code"] == "import_too_large"


def test_an_excel_file_imports_from_the_browser_with_only_the_upload_limit(app, world, login_as, policies):
    # Imports are jobs now: no Excel-only limit sends clerks to the CLI; one bound for any upload.
    from backend.config import Config
    assert Config.IMPORT_MAX_BYTES >= 25 * 1024 * 1024 and "IMPORT_MAX_XLSX_BYTES" not in app.config
    data = xlsx([("姓名", "身份证号", "村")] + [(f"某{i}", ident(500 + i), "钱王社区") for i in range(400)])
    lead = login_as("lead")
    result = finished(lead, upload(lead, world, data, "big.xlsx"))
    assert (result["status"], result["rows"], result["inserted"]) == ("accepted", 400, 400), result["errors"][:3]


def test_a_workbook_whose_first_sheet_is_instructions(app, world, policies):
    book = Workbook()
    book.active.title = "填表说明"
    book.active.append(["请按模板填写，身份证号列设为文本格式"])
    data_sheet = book.create_sheet("花名册")
    data_sheet.append(["姓名", "身份证号码", "村"])
    data_sheet.append(["许文", ident(101), "钱王社区"])
    out = io.BytesIO()
    book.save(out)
    result = run(app, world, "beneficiaries", out.getvalue(), filename="b.xlsx")
    assert (result["status"], result["inserted"]) == ("accepted", 1), result["errors"]


def test_a_workbook_with_a_sheet_per_village_is_not_half_imported(app, world, policies):
    book = Workbook()
    for n, title in enumerate(("一组", "二组")):
        sheet = book.active if n == 0 else book.create_sheet()
        sheet.title = title
        sheet.append(["姓名", "身份证号码", "村"])
        sheet.append([f"许{title}", ident(102 + n), "钱王社区"])
    out = io.BytesIO()
    book.save(out)
    before = counts(app)
    result = run(app, world, "beneficiaries", out.getvalue(), filename="b.xlsx")
    assert [e["code"] for e in result["errors"]] == ["several_sheets"]
    assert "一组、二组" in result["errors"][0]["message"]["zh"]
    assert counts(app) == before


def test_excel_unicode_text_export(app, world, policies):
    text = "姓名\t身份证号码\t村\r\n许三多\t" + ident(104) + "\t钱王社区\r\n"
    result = run(app, world, "beneficiaries", text.encode("utf-16"), filename="b.txt")
    assert (result["status"], result["encoding"]) == ("accepted", "utf-16"), result["errors"]


def test_village_written_with_its_township_or_its_group(app, world, policies):
    rows = [(1, "韩梅", ident(111), "锦城街道钱王社区", "", "", ""), (2, "韩雪", ident(112), "钱王社区3组", "", "", "")]
    result = run(app, world, "beneficiaries", people_csv(rows))
    assert (result["status"], result["inserted"]) == ("accepted", 2), result["errors"]


def test_a_one_policy_file_named_in_its_title_with_a_year_column(app, world, policies):
    """The farmland subsidy's list: the policy only in the title, an annual 年度 column, a 15-digit
    first-generation ID and the household head's ID column."""
    old = "330112710612121"  # 15 digits: born 1971-06-12
    first17 = old[:6] + "19" + old[6:]
    assert run(app, world, "beneficiaries", people_csv([(1, "孔德明", first17 + pii.id_check_char(first17), "钱王社区",
                                                         "6217001122330001211", "", "")]))["status"] == "accepted"
    text = ("临安区锦城街道2026年耕地地力保护补贴发放清册\n"
            "序号,户主姓名,户主身份证号,计补面积（亩）,补贴金额（元）,年度,发放日期\n"
            f"1,孔德明,{old},6.5,780,2026,2026-04-15\n")
    result = run(app, world, "disbursements", text.encode("gbk"))
    assert (result["status"], result["inserted"]) == ("accepted", 1), result["errors"]
    with app.app_context():
        paid = db.session.execute(select(Disbursement).join(Beneficiary).where(
            Beneficiary.id_hash == pii.blind(first17 + pii.id_check_char(first17), "id_number"))).scalar_one()
        policy = db.session.get(SubsidyPolicy, paid.policy_id)
        assert (policy.name, paid.period, paid.amount, paid.status) == ("耕地地力保护补贴", "2026", Decimal("780.00"), "paid")


def test_a_month_in_the_title_is_the_period(app, world, policies):
    assert run(app, world, "beneficiaries", people_csv([(1, "孔德华", ident(122), "钱王社区", "", "", "")]))[
        "status"] == "accepted"
    text = f"2026年7月城乡居民基础养老金发放表\n姓名,身份证号,金额\n孔德华,{ident(122)},230\n"
    result = run(app, world, "disbursements", text.encode())
    assert result["status"] == "accepted", result["errors"]
    with app.app_context():
        assert db.session.execute(select(Disbursement.period).join(Beneficiary).where(
            Beneficiary.id_hash == pii.blind(ident(122), "id_number"))).scalar_one() == "2026-07"


def test_no_policy_anywhere_says_so(app, world, policies):
    text = f"发放表\n姓名,身份证号,期间,金额\n孔德华,{ident(122)},2026-08,230\n"
    result = run(app, world, "disbursements", text.encode())
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("policy", "header_missing")]


def test_every_problem_of_a_row_and_the_register_checks_come_in_one_report(app, world, policies):
    """A clerk fixes the file once: a row's every bad cell, and the rows that parse checked against
    the register (unknown person, wrong name), all in the first report."""
    header = "姓名,身份证号,补贴项目,期间,金额,状态,发放日期\n"
    body = (f"冯一,{ident(131)},不存在的补贴,2026年13月,abc,已发放,2026-07-01\n"
            f"冯二,{ident(132)},耕地地力保护补贴,2026-07,100,已发放,2099-12-10\n"
            f"冯三,{ident(133)},耕地地力保护补贴,2026-07,100,已发放,2026-07-01\n")
    result = run(app, world, "disbursements", (header + body).encode())
    assert problems(result) == [(2, "period", "bad_period"), (2, "amount", "not_a_number"),
                                (3, "paid_on", "date_in_future"), (4, "id_number", "unknown_beneficiary")]


# ---------------------------------------------------------------- from trying it with clerks' real files

def stored_person(app, seq):
    with app.app_context():
        return db.session.execute(select(Beneficiary).where(
            Beneficiary.id_hash == pii.blind(ident(seq), "id_number"))).scalar_one()


def test_a_roster_without_cards_keeps_the_stored_cards_and_says_which_columns_it_did_not_use(app, world, policies):
    first = people_csv([(1, "石永康", ident(201), "钱王社区", "6217001122330002011", "13800002011", "H201"),
                        (2, "石永丽", ident(202), "钱王社区", "6217001122330002022", "", "H201")])
    assert run(app, world, "beneficiaries", first)["status"] == "accepted"
    # A later roster of names and villages only, with a column the app does not know.
    later = "序号,姓名,身份证号,村,开户行\n" + f"1,石永康,{ident(201)},钱王社区,临安农商银行\n2,石永丽,{ident(202)},钱王社区,\n"
    result = run(app, world, "beneficiaries", later.encode())
    assert result["status"] == "accepted", result["errors"]
    person = stored_person(app, 201)
    assert (person.card_mask, person.phone_mask) == (pii.mask_card("6217001122330002011"), pii.mask_phone("13800002011"))
    with app.app_context():
        notes = [(n["code"], n["message"]["zh"]) for n in db.session.get(ImportRun, result["id"]).notes]
    assert [c for c, _ in notes] == ["columns_not_used", "values_kept", "values_kept", "values_kept"]
    assert "开户行" in notes[0][1] and "序号" not in notes[0][1]  # the running number is known, not "unknown"
    assert "2 人的银行卡号文件中没有给出（没有该列），保留了系统中已有的银行卡号" in notes[1][1]
    assert "1 人的电话" in notes[2][1] and "2 人的户号" in notes[3][1]
    assert stored_person(app, 201).household == "H201"


def test_an_xlsx_whose_dimension_is_wrong_loses_no_row(app, world, policies):
    import re
    import zipfile
    rows = [("姓名", "身份证号", "村")] + [(f"谷{i}", ident(300 + i), "钱王社区") for i in range(30)]
    good = xlsx(rows)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:C5"/>', data)
            dst.writestr(item, data)
    result = run(app, world, "beneficiaries", out.getvalue(), filename="名册.xlsx")
    assert (result["status"], result["rows"]) == ("accepted", 30), result["errors"]


@pytest.mark.parametrize("padding", [0, 200_000])
def test_a_quote_never_closed_stops_the_import_instead_of_swallowing_rows(app, world, policies, padding):
    before = counts(app)
    lines = ["姓名,身份证号,村,户号"] + [f"柏{i},{ident(340 + i)},钱王社区,H{i}" for i in range(5)]
    lines[3] = lines[3] + ',"老党员' + "很" * padding  # an opening quote, nothing closes it
    result = run(app, world, "beneficiaries", "\n".join(lines).encode())
    assert [(e["code"]) for e in result["errors"]] == ["csv_unclosed_quote"], result["errors"]
    assert "第 4 行" in result["errors"][0]["message"]["zh"]
    assert counts(app) == before


def test_a_group_header_over_several_amounts_reads_the_amount_paid(app, world, policies):
    assert run(app, world, "beneficiaries", people_csv([(1, "樊建设", ident(351), "钱王社区", "6217001122330003511", "", "")]))[
        "status"] == "accepted"
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "身份证号", "补贴项目", "期间", "发放金额", None, None, "银行卡", None])
    sheet.append([None, None, None, None, "应发", "代扣医保", "实发金额", "开户行", "卡号"])
    for start, end in (("A1", "A2"), ("B1", "B2"), ("C1", "C2"), ("D1", "D2"), ("E1", "G1"), ("H1", "I1")):
        sheet.merge_cells(f"{start}:{end}")
    sheet.append(["樊建设", ident(351), "城乡居民基础养老金", "2026-04", 230, 30, 200, "临安农商银行", "6217001122330003511"])
    data = io.BytesIO()
    book.save(data)
    result = run(app, world, "disbursements", data.getvalue(), filename="发放.xlsx")
    assert result["status"] == "accepted", result["errors"]
    with app.app_context():
        paid = db.session.execute(select(Disbursement).join(Beneficiary).where(
            Beneficiary.id_hash == pii.blind(ident(351), "id_number"))).scalar_one()
        assert (paid.amount, paid.card_mask) == (Decimal("200.00"), pii.mask_card("6217001122330003511"))


def test_months_in_the_title_make_a_quarter_and_a_monthly_policy_counts_its_months(app, world, policies):
    assert run(app, world, "beneficiaries", people_csv([(1, "樊建国", ident(352), "钱王社区", "", "", "")]))[
        "status"] == "accepted"
    text = f"锦城街道2026年1-3月城乡居民基础养老金发放表\n姓名,身份证号,金额,发放状态,发放日期\n樊建国,{ident(352)},690,已发放,2026-04-02\n"
    result = run(app, world, "disbursements", text.encode())
    assert result["status"] == "accepted", result["errors"]
    with app.app_context():
        paid = db.session.execute(select(Disbursement).join(Beneficiary).where(
            Beneficiary.id_hash == pii.blind(ident(352), "id_number"))).scalar_one()
        assert (paid.period, paid.quantity, paid.amount) == ("2026-Q1", Decimal(3), Decimal("690.00"))
    odd = f"2026年1-2月城乡居民基础养老金发放表\n姓名,身份证号,金额\n樊建国,{ident(352)},460\n"
    assert problems(run(app, world, "disbursements", odd.encode())) == [(3, "period", "bad_period")]


def test_a_period_excel_kept_as_a_number_that_may_be_october_is_refused(app, world, policies):
    data = xlsx([("姓名", "身份证号", "补贴项目", "期间", "金额"),
                 ("樊建国", ident(352), "城乡居民基础养老金", 2026.1, 230),
                 ("樊建国", ident(352), "城乡居民基础养老金", 2026.11, 230)])
    assert problems(run(app, world, "disbursements", data, filename="f.xlsx")) == [(2, "period", "period_ambiguous")]


def test_a_village_written_once_subtotals_a_signature_line_and_a_long_instructions_block(app, world, policies):
    book = Workbook()
    sheet = book.active
    for line in range(15):
        sheet.append([f"填表说明{line + 1}：请按身份证号逐人填写，不得漏填。"])
    sheet.append(["序号", "村", "姓名", "身份证号", "银行卡号", "备注"])
    sheet.append([1, "钱王社区", "祁大山", ident(361), "6217001122330003611", None])
    sheet.append([2, None, "祁二山", ident(362), "6217001122330003622", None])
    sheet.append([3, None, "祁三山", ident(363), "6217001122330003633", None])
    sheet.merge_cells("B17:B19")  # the village written once for its people
    sheet.append([None, "钱王社区小计", None, None, None, None])
    sheet.append([4, "钱王社区", "祁四山", ident(364), None, "补发上月合计"])  # a note, not a subtotal: a person
    sheet.append(["制表人：王芳", None, "审核人：李明", None, "分管领导：", None])
    data = io.BytesIO()
    book.save(data)
    result = run(app, world, "beneficiaries", data.getvalue(), filename="花名册.xlsx")
    assert (result["status"], result["inserted"]) == ("accepted", 4), result["errors"]
    assert stored_person(app, 363).region_id == world["regions"]["qianwang"]
    assert stored_person(app, 364).name == "祁四山"


def test_formulas_saved_without_their_results_are_named(app, world, policies):
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "身份证号", "补贴项目", "期间", "面积", "标准", "金额"])
    sheet.append(["樊建设", ident(351), "耕地地力保护补贴", "2026", 5, 120, "=E2*F2"])  # openpyxl writes no result
    data = io.BytesIO()
    book.save(data)
    result = run(app, world, "disbursements", data.getvalue(), filename="f.xlsx")
    assert [e["code"] for e in result["errors"]] == ["formula_without_value", "required"]
    assert "WPS" in result["errors"][0]["message"]["zh"]


def test_invisible_characters_masked_ids_and_the_spellings_of_a_middle_dot(app, world, policies):
    roster = people_csv([(1, "阿卜杜·热合曼", ident(371), "钱王社区", "", "", "")])
    assert run(app, world, "beneficiaries", roster)["status"] == "accepted"
    lines = [f"{name},{ident(371)[:6]}\u200b{ident(371)[6:]},临时救助,2026-0{i + 1},100"
             for i, name in enumerate(["阿卜杜•热合曼", "阿卜杜.热合曼", "阿卜杜・热合曼", "阿卜杜热合曼"])]
    text = "姓名,身份证号,补贴项目,期间,金额\n" + "\n".join(lines).replace("临时救助", "困难群众临时救助") + "\n"
    result = run(app, world, "disbursements", text.encode())
    assert (result["status"], result["inserted"]) == ("accepted", 4), result["errors"]
    masked = f"姓名,身份证号,补贴项目,期间,金额\n某某,330112********4998,困难群众临时救助,2026-05,100\n"
    assert problems(run(app, world, "disbursements", masked.encode())) == [(2, "id_number", "id_masked")]


def test_the_banks_status_words_a_reason_in_brackets_and_a_paid_zero(app, world, policies):
    assert run(app, world, "beneficiaries", people_csv([(1, "樊小军", ident(381), "钱王社区", "", "", "")]))[
        "status"] == "accepted"
    rows = [("到账成功", "2026-06"), ("交易成功", "2026-07"), ("已入账", "2026-08"), ("银行退回", "2026-09"),
            ("失败（账户冻结）", "2026-10")]
    text = "姓名,身份证号,补贴项目,期间,金额,状态,发放日期\n" + "".join(
        f"樊小军,{ident(381)},城乡居民基础养老金,{period},230,{word},2026-11-01\n" for word, period in rows)
    result = run(app, world, "disbursements", text.encode())
    assert result["status"] == "accepted", result["errors"]
    with app.app_context():
        got = {d.period: (d.status, d.reason) for d in db.session.execute(select(Disbursement).join(Beneficiary).where(
            Beneficiary.id_hash == pii.blind(ident(381), "id_number"))).scalars()}
    assert got["2026-06"] == ("paid", None) and got["2026-09"][0] == "returned"
    assert got["2026-10"] == ("failed", "账户冻结")
    zero = f"姓名,身份证号,补贴项目,期间,金额,状态,发放日期\n樊小军,{ident(381)},城乡居民基础养老金,2026-11,0,已发放,2026-11-05\n"
    assert problems(run(app, world, "disbursements", zero.encode())) == [(2, "amount", "paid_zero")]


def test_hidden_rows_are_not_imported_silently(app, world, policies):
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "身份证号", "村"])
    sheet.append(["韦一", ident(391), "钱王社区"])
    sheet.append(["韦二", ident(392), "钱王社区"])
    sheet.row_dimensions[3].hidden = True  # 已死亡，不再享受 — hidden by the clerk
    data = io.BytesIO()
    book.save(data)
    before = counts(app)
    result = run(app, world, "beneficiaries", data.getvalue(), filename="f.xlsx")
    assert [e["code"] for e in result["errors"]] == ["hidden_rows"] and "第 3 行" in result["errors"][0]["message"]["zh"]
    assert counts(app) == before


def test_a_policy_with_its_year_before_it_and_a_near_miss_and_a_village_without_its_suffix(app, world, policies):
    assert run(app, world, "beneficiaries", people_csv([(1, "车大勇", ident(395), "钱王村", "", "", "")]))[
        "status"] == "accepted"
    assert stored_person(app, 395).region_id == world["regions"]["qianwang"]
    text = (f"姓名,身份证号,补贴项目,期间,面积,金额\n车大勇,{ident(395)},2026年耕地地力保护补贴,2026,1,120\n"
            f"车大勇,{ident(395)},耕地地力补贴,2026,1,120\n")
    result = run(app, world, "disbursements", text.encode())
    assert problems(result) == [(3, "policy", "unknown_policy")]
    assert "是不是“耕地地力保护补贴”" in result["errors"][0]["message"]["zh"]
    unknown = run(app, world, "beneficiaries", people_csv([(1, "车小勇", ident(396), "不存在村", "", "", "")]))
    assert "钱王社区" in unknown["errors"][0]["message"]["zh"]


@pytest.mark.parametrize("written,expected", [
    ("2026年3月5号", date(2026, 3, 5)), ("2026. 3. 5", date(2026, 3, 5)), ("2026-03-05T00:00:00", date(2026, 3, 5)),
    ("2026.03.05.", date(2026, 3, 5)), ("2026年 3月 5日", date(2026, 3, 5))])
def test_the_ways_clerks_write_a_date(written, expected):
    from backend.imports import tables
    assert tables.day(written) == expected


def test_a_policy_standard_written_in_words(app, world, policies):
    text = ("政策名称,类别,补贴标准,年度\n"
            "高龄津贴（测试）,社会保障,每人每月150元,2026\n"
            "农机购置补贴（测试）,农机补贴,按机具目录定额,2026\n")
    result = run(app, world, "policies", text.encode())
    assert problems(result) == [(3, "standard_amount", "standard_not_an_amount")]
    assert "最高档" in result["errors"][0]["message"]["zh"]
    result = run(app, world, "policies", text.encode().split(b"\n\xe5\x86\x9c")[0] + b"\n")
    assert result["status"] == "accepted", result["errors"]
    with app.app_context():
        policy = db.session.execute(select(SubsidyPolicy).where(SubsidyPolicy.name.like("高龄津贴%"))).scalar_one()
        assert (policy.standard_amount, policy.unit) == (Decimal("150.00"), "元/人·月")


# ---------------------------------------------------------------- withdrawing a run

def payments_of_person(app, seq):
    with app.app_context():
        return [(d.status, d.paid_on) for d in db.session.execute(select(Disbursement).join(Beneficiary).where(
            Beneficiary.id_hash == pii.blind(ident(seq), "id_number"))).scalars()]


def withdraw(client, run_id, key=None, reason="导错了文件"):
    return client.post(f"/api/v1/imports/{run_id}/withdraw", json={"client_uuid": key or new_uuid(), "reason": reason})


def test_a_wrong_file_is_withdrawn_whole_and_the_right_one_imported(app, world, login_as, policies):
    """The clerk read 应发 as the amount: withdraw that run, import the right file; replaying the
    withdrawal changes nothing; the withdrawn run stays in the list with who, when and why."""
    assert run(app, world, "beneficiaries", people_csv([(1, "毛小平", ident(401), "钱王社区", "", "", "")]))[
        "status"] == "accepted"
    wrong = f"姓名,身份证号,补贴项目,期间,金额\n毛小平,{ident(401)},城乡居民基础养老金,2026-08,260\n"
    first = run(app, world, "disbursements", wrong.encode())
    assert first["inserted"] == 1
    before = counts(app)
    lead = login_as("lead")
    key = new_uuid()
    r = withdraw(lead, first["id"], key)
    assert r.status_code == 200, r.json
    assert (r.json["status"], r.json["withdrawn_reason"]) == ("withdrawn", "导错了文件") and r.json["withdrawn_by"]
    assert counts(app)["disbursements"] == before["disbursements"] - 1
    assert withdraw(lead, first["id"], key).status_code == 200  # the same request again
    assert counts(app)["disbursements"] == before["disbursements"] - 1
    again = withdraw(lead, first["id"])
    assert (again.status_code, again.json["error"]["code"]) == (409, "import_withdrawn")
    right = run(app, world, "disbursements", wrong.replace("260", "230").encode())
    assert right["inserted"] == 1
    listed = lead.get("/api/v1/imports?status=withdrawn").json["items"]
    assert first["id"] in [i["id"] for i in listed]


def test_a_run_that_changed_stored_rows_is_withdrawn_with_their_old_values_back(app, world, login_as, policies):
    """Payments wrongly reported paid: withdrawing that run puts them back to pending; a run whose
    rows a later run changed waits until the later one is withdrawn."""
    lead = login_as("lead")
    roster = people_csv([(1, "毛大平", ident(402), "钱王社区", "6217001122330004022", "", "")])
    added = run(app, world, "beneficiaries", roster)
    moved = run(app, world, "beneficiaries", roster.replace(b"6217001122330004022", b"6217001122330004033"))
    assert (added["inserted"], moved["updated"]) == (1, 1)
    r = withdraw(lead, added["id"])  # its row was changed by the later run
    assert (r.status_code, r.json["error"]["code"]) == (409, "import_changed_since")
    assert withdraw(lead, moved["id"]).status_code == 200
    assert stored_person(app, 402).card_mask == pii.mask_card("6217001122330004022")
    assert withdraw(lead, added["id"]).status_code == 200  # now it is the first run's row again
    with app.app_context():
        assert db.session.execute(select(Beneficiary).where(
            Beneficiary.id_hash == pii.blind(ident(402), "id_number"))).scalar_one_or_none() is None

    assert run(app, world, "beneficiaries", people_csv([(1, "毛小平", ident(406), "钱王社区", "", "", "")]))["inserted"] == 1
    pending = f"姓名,身份证号,补贴项目,期间,金额,状态\n毛小平,{ident(406)},城乡居民基础养老金,2026-11,230,待发放\n"
    assert run(app, world, "disbursements", pending.encode())["inserted"] == 1
    wrong = run(app, world, "disbursements", pending.replace("待发放", "已发放,2026-11-20").replace("状态", "状态,发放日期").encode())
    assert wrong["updated"] == 1
    assert payments_of_person(app, 406) == [("paid", date(2026, 11, 20))]
    assert withdraw(lead, wrong["id"]).status_code == 200
    assert payments_of_person(app, 406) == [("pending", None)]


def test_a_run_in_use_or_rejected_is_not_withdrawn(app, world, login_as, policies):
    lead = login_as("lead")
    before = counts(app)
    person = run(app, world, "beneficiaries", people_csv([(1, "毛三平", ident(403), "钱王社区", "", "", "")]))
    run(app, world, "disbursements", f"姓名,身份证号,补贴项目,期间,金额\n毛三平,{ident(403)},城乡居民基础养老金,2026-08,230\n".encode())
    r = withdraw(lead, person["id"])  # payments point at the person now
    assert (r.status_code, r.json["error"]["code"]) == (409, "import_in_use")
    bad = run(app, world, "beneficiaries", b"\xe5\xa7\x93\xe5\x90\x8d\n")
    r = withdraw(lead, bad["id"])
    assert (r.status_code, r.json["error"]["code"]) == (409, "import_not_withdrawable")
    assert counts(app) == {**before, "beneficiaries": before["beneficiaries"] + 1, "disbursements": before["disbursements"] + 1}


def test_withdrawing_needs_a_reason_a_uuid_and_scope(app, world, login_as, policies):
    mine = run(app, world, "beneficiaries", people_csv([(1, "毛四平", ident(404), "钱王社区", "", "", "")]))
    lead = login_as("lead")
    for body, path in (({"reason": "x"}, "json.client_uuid"), ({"client_uuid": new_uuid()}, "json.reason"),
                       ({"client_uuid": "not-a-uuid", "reason": "x"}, "json.client_uuid"),
                       ({"client_uuid": new_uuid(), "reason": "   "}, "json.reason")):
        r = lead.post(f"/api/v1/imports/{mine['id']}/withdraw", json=body)
        assert r.status_code == 400 and path in [f["path"] for f in r.json["error"]["fields"]], (body, r.json)
    assert withdraw(login_as("lead_sibling"), mine["id"]).status_code == 403
    assert withdraw(login_as("inspector"), mine["id"]).status_code == 403
    assert withdraw(lead, 99_999_999).status_code == 404
    # A request id that already withdrew another run (another user's): 409 with its field, no 500.
    other = run(app, world, "beneficiaries", people_csv([(1, "毛五平", ident(405), "钱王社区", "", "", "")]))
    key = new_uuid()
    assert withdraw(lead, other["id"], key).status_code == 200
    r = withdraw(login_as("county"), mine["id"], key)
    assert (r.status_code, r.json["error"]["code"]) == (409, "client_uuid_reused")
    assert r.json["error"]["fields"][0]["path"] == "json.client_uuid"
    assert stored_person(app, 404) is not None  # nothing withdrawn by any of these
    assert withdraw(lead, mine["id"]).status_code == 200



# ---------------------------------------------------------------- a second round of clerks' files

def test_a_banks_return_file_reads_its_own_column_names_and_summary_line(app, world, policies):
    assert run(app, world, "beneficiaries", people_csv([(1, "闵大军", ident(411), "钱王社区", "6230178472671470411", "", ""),
                                                        (2, "闵小军", ident(412), "钱王社区", "6230178472671470412", "", "")]))[
        "status"] == "accepted"
    text = ("锦城街道2026年2月城乡居民基础养老金代发回盘\r\n序号,账号,户名,证件号码,金额,交易状态,失败原因,交易日期\r\n"
            f"1,6230178472671470411,闵大军,{ident(411)},230.00,成功,,20260212\r\n"
            f"2,6230178472671470412,闵小军,{ident(412)},230.00,失败,账户已销户,20260212\r\n"
            "总笔数：2,总金额：460.00,成功笔数：1,失败笔数：1\r\n\x1a")
    result = run(app, world, "disbursements", text.encode("gbk"))
    assert result["status"] == "accepted", result["errors"]
    with app.app_context():
        got = {d.beneficiary_id: (d.period, d.status, d.reason, d.paid_on) for d in db.session.execute(
            select(Disbursement).join(Beneficiary).where(Beneficiary.id_hash.in_(
                [pii.blind(ident(411), "id_number"), pii.blind(ident(412), "id_number")]))).scalars()}
    assert sorted(v[:3] for v in got.values()) == [("2026-02", "failed", "账户已销户"), ("2026-02", "paid", None)]


def test_an_id_whose_birth_date_is_not_a_day_and_a_garbled_name_are_refused(app, world, policies):
    first = "33011219581332123"  # month 13, day 32
    born_later = "33011220300101222"
    rows = [(1, "甲", first + pii.id_check_char(first), "钱王社区", "", "", ""),
            (2, "乙", born_later + pii.id_check_char(born_later), "钱王社区", "", "", ""),
            (3, "ÑîÔÂÏÉ", ident(413), "钱王社区", "", "", ""), (4, "鏋楃\ufffd鐝", ident(414), "钱王社区", "", "", "")]
    assert problems(run(app, world, "beneficiaries", people_csv(rows))) == [
        (3, "id_number", "id_birth_date"), (4, "id_number", "id_birth_date"), (5, "name", "name_garbled"), (6, "name", "name_garbled")]


def test_dates_with_a_time_a_month_alone_under_a_dated_title_and_amounts_as_clerks_write_them(app, world, policies):
    assert run(app, world, "beneficiaries", people_csv([(1, "闵三军", ident(415), "钱王社区", "", "", "")]))["status"] == "accepted"
    text = (f"锦城街道2026年城乡居民基础养老金发放表\n姓名,身份证号,发放月份,金额,发放日期\n"
            f"闵三军,{ident(415)},5月,230元整,2026/5/5 0:00:00\n"
            f"闵三军,{ident(415)},6月,230,2026-06-05 10:32:11\n")
    result = run(app, world, "disbursements", text.encode())
    assert (result["status"], result["inserted"]) == ("accepted", 2), result["errors"]
    capital = f"姓名,身份证号,补贴项目,期间,金额\n闵三军,{ident(415)},城乡居民基础养老金,2026-07,贰佰叁拾元整\n"
    assert problems(run(app, world, "disbursements", capital.encode())) == [(2, "amount", "capital_numerals")]
    data = xlsx([("姓名", "身份证号", "补贴项目", "期间", "金额"), ("闵三军", ident(415), "城乡居民基础养老金", "2026-08", 269.675)])
    assert run(app, world, "disbursements", data, filename="f.xlsx")["status"] == "accepted"  # shown as 269.68 in Excel
    with app.app_context():
        assert db.session.execute(select(Disbursement.amount).join(Beneficiary).where(
            Beneficiary.id_hash == pii.blind(ident(415), "id_number"), Disbursement.period == "2026-08")).scalar_one() \
            == Decimal("269.68")


def test_a_title_over_a_two_row_header_a_village_merged_too_far_and_a_copied_template_sheet(app, world, policies):
    assert run(app, world, "beneficiaries", people_csv([(1, "闵四军", ident(416), "钱王社区", "6217001122330004166", "", "")]))[
        "status"] == "accepted"
    book = Workbook()
    sheet = book.active
    sheet.append(["2026年9月城乡居民基础养老金发放表"])
    sheet.append(["姓名", "身份证号", "补贴项目", "期间", "补贴金额（元）", None, None, "银行卡", None])
    sheet.append([None, None, None, None, "应发", "代扣医保", "实发", "开户行", "卡号"])
    sheet.append(["闵四军", ident(416), "城乡居民基础养老金", "2026-09", 230, 30, 200, "农商银行", "6217001122330004166"])
    for rng in ("A1:I1", "A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:G2", "H2:I2"):
        sheet.merge_cells(rng)
    book.create_sheet("Sheet2").append(["姓名", "身份证号", "补贴项目", "期间", "金额"])  # a copied template, empty
    data = io.BytesIO()
    book.save(data)
    result = run(app, world, "disbursements", data.getvalue(), filename="f.xlsx")
    assert (result["status"], result["inserted"]) == ("accepted", 1), result["errors"]
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "身份证号", "村"])
    sheet.append(["闵五军", ident(417), "钱王社区"])
    for _ in range(3):
        sheet.append([None, None, None])
    sheet.merge_cells("C2:C5")  # the village's cell drawn down past the last person
    data = io.BytesIO()
    book.save(data)
    assert run(app, world, "beneficiaries", data.getvalue(), filename="f.xlsx")["inserted"] == 1


def test_a_payment_to_another_card_is_recorded_and_noted_and_户主_is_not_a_household(app, world, policies):
    text = "姓名,身份证号,村,户主\n" + f"闵六军,{ident(418)},钱王社区,是\n"
    assert run(app, world, "beneficiaries", text.encode())["status"] == "accepted"
    assert stored_person(app, 418).household is None
    pay = f"姓名,身份证号,补贴项目,期间,金额,银行卡号\n闵六军,{ident(418)},城乡居民基础养老金,2026-04,230,6217009999888877776\n"
    result = run(app, world, "disbursements", pay.encode())
    assert result["status"] == "accepted"
    with app.app_context():
        notes = db.session.get(ImportRun, result["id"]).notes
    assert [n["code"] for n in notes] == ["other_cards"]


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_a_utf8_file_with_one_line_in_gbk_names_the_line(app, world, policies, bom):
    lines = ["姓名,身份证号,村"] + [f"钟{'一二三四五六七八九十'[i]},{ident(420 + i)},钱王社区" for i in range(10)]
    data = bom + "\n".join(lines[:6]).encode() + "\n".encode() + lines[6].encode("gbk") + "\n".join([""] + lines[7:]).encode()
    before = counts(app)
    result = run(app, world, "beneficiaries", data)
    assert [e["code"] for e in result["errors"]] == ["file_encoding_mixed"]
    assert "第 7 行" in result["errors"][0]["message"]["zh"]
    assert counts(app) == before
    assert run(app, world, "beneficiaries", "\n".join(lines).encode("gbk"))["status"] == "accepted"  # all GBK: fine
