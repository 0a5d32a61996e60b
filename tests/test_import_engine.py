"""The import engine's own features, whatever the kind: old .xls files, the template of every kind
(filled in and imported as it is), the column-mapping step (saved per region, so the next file goes
straight through), files that are not tables named as what they are, the kinds a role may import,
the list of runs a page at a time, and a run's one-time values (a roster's passwords) handed back once."""
import io

import pytest
import xlwt
from openpyxl import load_workbook

from backend.extensions import db
from conftest import assert_error, finished_import, jpeg_bytes, new_uuid, upload_import


def _xls(rows, merged=(), hidden_rows=()):
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("名单", cell_overwrite_ok=True)
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, tuple):  # (date,) is written as an Excel date
                sheet.write(r, c, value[0], date_style)
            elif value is not None:
                sheet.write(r, c, value)
        if r in hidden_rows:
            sheet.row(r).hidden = True
    for r1, r2, c1, c2, value in merged:
        sheet.write_merge(r1, r2, c1, c2, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _ident(n):
    from backend.core import pii
    first = f"33011219800101{n:03d}"
    return first + pii.id_check_char(first)


def test_an_old_xls_file_is_read_with_its_title_merged_cells_and_dates(app, world, login_as):
    from backend.core.models import Region
    from backend.subsidies.models import DeathRecord
    data = _xls([[], ["姓名", "身份证号", "死亡日期"],
                 ["张三", _ident(201), (__import__("datetime").date(2026, 3, 1),)],
                 ["李四", _ident(202), "2026-04-02"]], merged=[(0, 0, 0, 2, "2026年死亡人员名单")])
    run = finished_import(login_as("lead"), upload_import(login_as("lead"), world, data, "死亡名单.xls", kind="deaths"))
    assert run["status"] == "accepted" and run["encoding"] == "xls" and run["inserted"] == 2, run["errors"]
    with app.app_context():
        assert sorted(str(d.died_on) for d in db.session.query(DeathRecord).filter(DeathRecord.batch_id == run["id"])
                      ) == ["2026-03-01", "2026-04-02"]
        assert db.session.get(Region, world["regions"]["jincheng"]) is not None


def test_hidden_rows_in_an_xls_refuse_it(world, login_as):
    data = _xls([["姓名", "身份证号", "死亡日期"], ["张三", _ident(1), "2026-03-01"], ["李四", _ident(2), "2026-03-02"]],
                hidden_rows=(2,))
    run = finished_import(login_as("lead"), upload_import(login_as("lead"), world, data, "d.xls", kind="deaths"))
    assert run["status"] == "rejected" and run["errors"][0]["code"] == "hidden_rows"


@pytest.mark.parametrize("data,name", [
    (b"%PDF-1.7\n1 0 obj\n", "名单.pdf"), (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "名单.png"),
    (None, "拍照.jpg"), (b"PK\x03\x04" + b"\x00" * 26 + b"word/document.xml", "名单.docx"),
])
def test_a_picture_or_a_pdf_is_named_as_such(world, login_as, data, name):
    data = data if data is not None else jpeg_bytes()
    run = finished_import(login_as("lead"), upload_import(login_as("lead"), world, data, name, kind="deaths"))
    assert run["status"] == "rejected" and [e["code"] for e in run["errors"]] == ["file_not_a_table"]
    assert "不是表格" in run["errors"][0]["message"]["zh"]


def test_every_kind_has_a_template_that_imports_as_it_is(app, world, login_as):
    """The template's first sheet is the header with an example row, its second the rules; the example
    row left in is recognised and not imported (a file of only the example has no data rows)."""
    lead = login_as("lead")
    kinds = lead.get("/api/v1/imports/kinds").json["items"]
    names = {k["kind"] for k in kinds}
    assert {"beneficiaries", "funds", "projects", "assets", "resource_contracts"} <= names
    assert "regions" not in names and "users" not in names  # the administrator's and the county's
    for kind in kinds:
        r = lead.get(kind["template_url"])
        assert r.status_code == 200 and "filename*=UTF-8''" in r.headers["Content-Disposition"]
        book = load_workbook(io.BytesIO(r.data))
        assert book.sheetnames == ["导入模板", "填写说明"]
        header = [c.value for c in book["导入模板"][1]]
        assert header == [f["zh"] for f in sorted(kind["fields"], key=lambda f: not f["required"])]
    template = lead.get("/api/v1/imports/kinds/deaths/template.xlsx").data
    run = finished_import(lead, upload_import(lead, world, template, "死亡人员名单导入模板.xlsx", kind="deaths"))
    assert run["status"] == "rejected" and [e["code"] for e in run["errors"]] == ["no_rows"]
    assert login_as("county").get("/api/v1/imports/kinds/users/template.xlsx").status_code == 200
    assert_error(lead.get("/api/v1/imports/kinds/users/template.xlsx"), 403, "role_forbidden")
    assert_error(lead.get("/api/v1/imports/kinds/nonsense/template.xlsx"), 400, "unknown_kind")


def test_a_file_with_other_column_names_goes_through_once_they_are_matched(app, world, login_as):
    """Rejected with the file's header offered for matching; the clerk says which column is which (saved
    for the township); the same file then imports, and so does next month's, with no step."""
    lead = login_as("lead")
    data = f"逝者,证件,殁日\n张三,{_ident(301)},2026-03-01\n".encode()
    run = finished_import(lead, upload_import(lead, world, data, "d.csv", kind="deaths"))
    assert run["status"] == "rejected" and run["errors"][0]["code"] == "header_missing"
    assert [h["text"] for h in run["headers"]] == ["逝者", "证件", "殁日"]
    region = world["regions"]["jincheng"]
    assert_error(lead.put("/api/v1/imports/kinds/deaths/mapping", json={
        "client_uuid": new_uuid(), "region_id": region, "columns": {"逝者": "name", "证件": "name"}}), 400, "field_twice")
    assert_error(lead.put("/api/v1/imports/kinds/deaths/mapping", json={
        "client_uuid": new_uuid(), "region_id": region, "columns": {"逝者": "salary"}}), 400, "unknown_field")
    saved = lead.put("/api/v1/imports/kinds/deaths/mapping", json={
        "client_uuid": new_uuid(), "region_id": region, "columns": {"逝者": "name", "证件": "id_number", "殁日": "died_on"}})
    assert saved.status_code == 200 and saved.json["columns"] == {"逝者": "name", "证件": "id_number", "殁日": "died_on"}
    again = finished_import(lead, upload_import(lead, world, data, "d.csv", kind="deaths"))
    assert again["status"] == "accepted" and again["inserted"] == 1, again["errors"]
    assert [h["field"] for h in again["headers"]] == ["name", "id_number", "died_on"]
    # The sibling township does not see 锦城's names; the county's names reach its townships.
    sibling = login_as("lead_sibling")
    assert_error(sibling.get(f"/api/v1/imports/kinds/deaths/mapping?region_id={region}"), 403, "out_of_scope")


def test_a_file_of_another_kind_says_which_kind_it_is(world, login_as):
    """The project register uploaded as 资金指标 (the kind picked wrongly) is refused as wrong_kind,
    with the kind it is named first and in ``looks_like`` — not only a list of 资金指标 columns to
    match its 工程名称 and 实施单位 to."""
    lead = login_as("lead")
    data = "工程名称,实施单位,项目阶段,立项时间\n钱王社区道路提升工程,锦城街道办事处,在建,2026.3.5\n".encode("gbk")
    run = finished_import(lead, upload_import(lead, world, data, "项目台账.csv", kind="funds"))
    assert run["status"] == "rejected" and [e["code"] for e in run["errors"]] == ["wrong_kind"]
    assert run["errors"][0]["looks_like"] == "projects"
    message = run["errors"][0]["message"]
    assert message["zh"].startswith("这个文件像是“项目登记表”，不是“资金指标”（没有资金指标必需的列：文号、资金名称")
    assert "Project register" in message["en"] and "对应列" not in message["zh"] and "Match columns" not in message["en"]
    # A file of its own kind missing a column is not sent elsewhere.
    run = finished_import(lead, upload_import(lead, world, "文号,金额\n临财〔2026〕1号,100\n".encode(), "f.csv", kind="funds"))
    assert "像是" not in run["errors"][0]["message"]["zh"]
    assert [e["code"] for e in run["errors"]] == ["header_missing"] and "looks_like" not in run["errors"][0]


def test_the_command_line_names_the_kind_a_file_is(app, world, tmp_path):
    """`flask import funds` given the project register says the command that imports it as what it
    is, not --map (matching 工程名称 to 资金名称 would import nonsense)."""
    path = tmp_path / "项目台账.csv"
    path.write_bytes("工程名称,实施单位,项目阶段,立项时间\n钱王社区道路提升工程,锦城街道办事处,在建,2026.3.5\n".encode("gbk"))
    result = app.test_cli_runner().invoke(args=["import", "funds", "330112006000", str(path), "--user", "t_lead"])
    assert result.exit_code == 1, result.output
    assert f"flask import projects 330112006000 {path} --user t_lead" in result.output and "--map" not in result.output


def test_the_county_saves_names_its_townships_use(world, login_as):
    county = login_as("county")
    r = county.put("/api/v1/imports/kinds/fund_expenditures/mapping", json={
        "client_uuid": new_uuid(), "region_id": world["regions"]["linan"], "columns": {"领款单位": "payee"}})
    assert r.status_code == 200
    seen = login_as("lead").get(
        f"/api/v1/imports/kinds/fund_expenditures/mapping?region_id={world['regions']['jincheng']}").json
    assert "领款单位" not in seen["columns"] and seen["inherited"]["领款单位"] == "payee"


def test_the_list_of_runs_pages(world, login_as):
    lead = login_as("lead")
    for n in range(3):
        upload_import(lead, world, f"姓名,身份证号,死亡日期\n张{n},{_ident(400 + n)},2026-03-01\n".encode(),
                      f"page-{n}.csv", kind="deaths")
    first = lead.get("/api/v1/imports?kind=deaths&per_page=2").json
    second = lead.get("/api/v1/imports?kind=deaths&per_page=2&page=2").json
    assert first["total"] >= 3 and len(first["items"]) == 2 and second["items"]
    assert not {r["id"] for r in first["items"]} & {r["id"] for r in second["items"]}
    assert [r["filename"] for r in first["items"]] == ["page-2.csv", "page-1.csv"]  # newest first
    assert_error(lead.get("/api/v1/imports?kind=people"), 400, "validation_error")


def test_a_file_name_is_kept_without_its_control_characters(world, login_as):
    """The name is the client's: a NUL (PostgreSQL keeps none: a 500) or a tab do not reach the run."""
    lead = login_as("lead")
    r = upload_import(lead, world, f"姓名,身份证号,死亡日期\n钱九,{_ident(409)},2026-03-01\n".encode(),
                      "死亡\x00\t名单.csv", kind="deaths")
    assert r.status_code in (200, 202), r.json
    runs = lead.get("/api/v1/imports?kind=deaths&per_page=1").json["items"]
    assert runs[0]["filename"] == "死亡名单.csv"
    # …nor a text-direction control, which made 名单\u202evsc.exe show as 名单exe.csv
    r = upload_import(lead, world, f"姓名,身份证号,死亡日期\n钱十,{_ident(410)},2026-03-01\n".encode(),
                      "名单\u202evsc.exe", kind="deaths")
    assert r.status_code in (200, 202), r.json
    assert lead.get("/api/v1/imports?kind=deaths&per_page=1").json["items"][0]["filename"] == "名单vsc.exe"


def test_a_roster_hands_its_passwords_back_once_to_who_imported(app, world, login_as):
    county = login_as("county")
    roster = "姓名,用户名,角色,地区,手机\n王巡查,engine_wang,巡查员,330112006000,13805710000\n李负责,engine_li,乡镇负责人,锦城街道,\n"
    r = county.post("/api/v1/imports", form={"client_uuid": new_uuid(), "kind": "users",
                                             "region_id": str(world["regions"]["linan"]),
                                             "file": (io.BytesIO(roster.encode()), "roster.csv")})
    run = finished_import(county, r)
    assert run["status"] == "accepted" and run["inserted"] == 2 and run["has_secret"], run["errors"]
    assert_error(login_as("admin").post(f"/api/v1/imports/{run['id']}/secret"), 403, "not_importer")
    items = county.post(f"/api/v1/imports/{run['id']}/secret").json["items"]
    assert {i["username"] for i in items} == {"engine_wang", "engine_li"} and all(len(i["one_time_password"]) >= 10 for i in items)
    assert_error(county.post(f"/api/v1/imports/{run['id']}/secret"), 404, "secret_gone")
    signed = app.test_client().post("/api/v1/auth/login", json={"username": "engine_wang",
                                                                "password": items[0]["one_time_password"]
                                                                if items[0]["username"] == "engine_wang"
                                                                else items[1]["one_time_password"]})
    assert signed.status_code == 200 and signed.json["user"]["must_change_password"]
    assert_error(login_as("lead").post("/api/v1/imports", form={
        "client_uuid": new_uuid(), "kind": "users", "region_id": str(world["regions"]["jincheng"]),
        "file": (io.BytesIO(roster.encode()), "roster.csv")}), 403, "role_forbidden")


def test_the_cli_imports_any_kind(app, world):
    import tempfile
    from pathlib import Path
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "死亡.csv"
        path.write_text(f"姓名,身份证号,死亡日期\n张三,{_ident(505)},2026-03-01\n", encoding="gbk")
        ok = app.test_cli_runner().invoke(args=["import", "deaths", "330112006000", str(path), "--user", "t_lead"])
        assert ok.exit_code == 0 and "\naccepted: 1 rows, 1 new" in ok.output, ok.output
        alias = app.test_cli_runner().invoke(args=["subsidies-import", "deaths", "330112006000", str(path),
                                                   "--user", "t_lead"])
        assert alias.exit_code == 0 and "0 new" in alias.output and "1 unchanged" in alias.output, alias.output
        refused = app.test_cli_runner().invoke(args=["import", "regions", "330112006000", str(path), "--user", "t_lead"])
        assert refused.exit_code != 0 and "cannot import regions" in refused.output


def test_a_village_asset_register_imports_and_again_changes_nothing(app, world, login_as):
    lead = login_as("lead")
    data = ("2026年锦城街道村集体资产登记表\n村（社区）,资产名称,资产类别,原值,净值,坐落,状态\n"
            "钱王社区,引擎测试综合楼,经营性,\"1,200,000.00\",950000,钱王街1号,出租\n"
            "锦城街道钱王社区,引擎测试文化礼堂,公益性,300000,280000,钱王街2号,在用\n").encode("gbk")
    run = finished_import(lead, upload_import(lead, world, data, "资产.csv", kind="assets"))
    assert run["status"] == "accepted" and run["inserted"] == 2, run["errors"]
    again = finished_import(lead, upload_import(lead, world, data, "资产.csv", kind="assets"))
    assert again["status"] == "accepted" and (again["inserted"], again["unchanged"]) == (0, 2), again
    bad = "村（社区）,资产名称,资产类别,原值,净值\n白沙村,引擎测试仓库,经营性,100,-5\n".encode()
    refused = finished_import(lead, upload_import(lead, world, bad, "资产.csv", kind="assets"))
    assert refused["status"] == "rejected" and {e["row"] for e in refused["errors"]} == {2}


def test_a_duplicate_row_names_the_key_its_cells_and_the_earlier_row(world, login_as):
    """'Duplicates row 2 (same ID number)' left a clerk searching a long list for which number: the
    message names the key's columns as the file heads them and this row's cells (a personal number
    masked, as everywhere in the stored report) beside the earlier row."""
    lead = login_as("lead")
    ident = _ident(611)
    wide = ident.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})  # the same number in full width
    data = f"姓名,身份证号码,死亡日期\n张三,{ident},2026-03-01\n张三,{wide},2026-03-02\n".encode()
    run = finished_import(lead, upload_import(lead, world, data, "死亡.csv", kind="deaths"))
    assert run["status"] == "rejected" and [(e["row"], e["code"]) for e in run["errors"]] == [(3, "duplicate_row")]
    masked = ident[:4] + "*" * 10 + ident[-4:]
    assert run["errors"][0]["message"] == {
        "zh": f"与第 2 行重复（同一身份证号）：身份证号码“{masked}”",
        "en": f"Duplicates row 2 (same ID number): ID number '{masked}'"}
    assert ident not in str(run["errors"])


def test_a_duplicate_of_a_key_of_several_columns_names_each(world, login_as):
    lead = login_as("lead")
    doc = f"浙财农〔2026〕{new_uuid()[:6]}号"
    data = ("文号,资金名称,类别,来源级次,金额,下达日期\n"
            f"{doc},农村公路养护省级补助资金,一般性转移支付,省级,100,2026-03-01\n"
            f"{doc},农村饮用水达标提标补助,一般性转移支付,省级,100,2026-03-01\n"
            f"{doc},农村公路养护 省级补助资金,一般性转移支付,省级,200,2026-03-02\n").encode()
    run = finished_import(lead, upload_import(lead, world, data, "资金.csv", kind="funds"))
    assert run["status"] == "rejected" and [(e["row"], e["code"]) for e in run["errors"]] == [(4, "duplicate_row")]
    assert run["errors"][0]["message"] == {
        "zh": f"与第 2 行重复（同一乡镇、文号和资金名称）：文号“{doc}”、资金名称“农村公路养护 省级补助资金”",
        "en": f"Duplicates row 2 (same township, document and fund name): document number '{doc}', "
              "fund name '农村公路养护 省级补助资金'"}


def test_a_cell_with_a_control_or_direction_character_is_refused_by_row_and_nothing_is_written(app, world, login_as):
    """A name stored with a right-to-left override (U+202E) reads reversed in every list and report: a
    cell is held to the rule of the API's fields (core.text), each row named, and the whole file is
    refused; the report quotes the cell with the character written as its code point. Zero-width
    spaces are still only dropped."""
    from backend.subsidies.models import DeathRecord
    lead = login_as("lead")
    rows = [("张三\u202e四五", _ident(621)), ("李\u2066四\u2069", _ident(622)), ("王\x85五", _ident(623)),
            ("赵\x07六", _ident(624)), ("钱\u200b七", _ident(625))]
    data = ("姓名,身份证号,死亡日期\n" + "".join(f"{n},{i},2026-03-01\n" for n, i in rows)).encode()
    with app.app_context():
        before = db.session.query(DeathRecord).count()
    run = finished_import(lead, upload_import(lead, world, data, "死亡.csv", kind="deaths"))
    assert run["status"] == "rejected"
    assert [(e["row"], e["field"], e["code"]) for e in run["errors"]] == [
        (2, "name", "control_character"), (3, "name", "control_character"), (4, "name", "control_character"),
        (5, "name", "control_character")]
    first = run["errors"][0]
    assert "第 3 个字符" in first["message"]["zh"] and "U+202E" in first["message"]["zh"]
    assert "character 3" in first["message"]["en"] and first["value"] == "张三⟦U+202E⟧四五"
    assert "\u202e" not in str(run["errors"]) and "\u2066" not in str(run["errors"])
    with app.app_context():
        assert db.session.query(DeathRecord).count() == before
    # A line break inside a cell (Alt+Enter) is a space, not a refusal
    data = f'姓名,身份证号,死亡日期\n"孙\n八",{_ident(626)},2026-03-01\n'.encode()
    assert finished_import(lead, upload_import(lead, world, data, "死亡.csv", kind="deaths"))["status"] == "accepted"


def test_an_amount_cell_in_scientific_notation_is_refused_and_a_number_cell_is_not(app, world, login_as):
    """'1e5' typed into a text cell was read as 100,000 yuan; a number cell (Excel's own float) is
    read as Excel shows it."""
    from openpyxl import Workbook
    lead = login_as("lead")
    doc = f"浙财农〔2026〕{new_uuid()[:6]}号"
    head = "文号,资金名称,类别,来源级次,金额,下达日期\n"
    data = (head + f"{doc},甲资金,一般性转移支付,省级,1e5,2026-03-01\n"
                   f"{doc},乙资金,一般性转移支付,省级,1.5E+3,2026-03-01\n"
                   f"{doc},丙资金,一般性转移支付,省级,\"1,000.00\",2026-03-01\n").encode()
    run = finished_import(lead, upload_import(lead, world, data, "资金.csv", kind="funds"))
    assert run["status"] == "rejected"
    assert [(e["row"], e["field"], e["code"]) for e in run["errors"]] == [
        (2, "amount", "scientific_notation"), (3, "amount", "scientific_notation")]
    assert "科学计数法" in run["errors"][0]["message"]["zh"] and "scientific" in run["errors"][0]["message"]["en"]
    book = Workbook()
    book.active.append(["文号", "资金名称", "类别", "来源级次", "金额", "下达日期"])
    book.active.append([doc, "丁资金", "一般性转移支付", "省级", "2E4", "2026-03-01"])  # text
    book.active.append([doc, "戊资金", "一般性转移支付", "省级", 2e4, "2026-03-01"])    # a number
    out = io.BytesIO()
    book.save(out)
    run = finished_import(lead, upload_import(lead, world, out.getvalue(), "资金.xlsx", kind="funds"))
    assert [(e["row"], e["field"], e["code"]) for e in run["errors"]] == [(2, "amount", "scientific_notation")]
