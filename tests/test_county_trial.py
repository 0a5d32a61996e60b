"""A county's real files, after the trial: what the synthetic county (tests/county_files.py) did not
have. Money in 万元 (a header 金额（万元）, a group 金额 over 万元, 资金来源（万元） over the sources, or
单位：万元 above the table) is read as yuan × 10,000, exactly; the header and value words real clerks
use (工程名称, 实施单位, 中标单位, 合同价, 中央资金, 已完工, 2026.3.5, 2026年3月 for a planned month); what
the user sees of a validation is Chinese first with English beside, and a column the system does not
know is named with the closest header it does; and the fund allocations (issued → arrived → allocated
→ spent) load from a file too: checked against what is left of the fund, all or nothing, idempotent,
withdrawable."""
import csv
import io
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from backend.extensions import db
from backend.imports import engine, tables
from conftest import TODAY


def tag():
    return uuid.uuid4().hex[:6]


def d(days):
    return (TODAY - timedelta(days=days)).isoformat()


def run(app, world, kind, data, filename="f.csv", region="jincheng", user="lead"):
    """Import a file here and now, as the engine does for the CLI."""
    from backend.core.models import Region, User
    with app.app_context(), app.test_request_context(method="POST"):
        result = engine.run(kind, db.session.get(Region, world["regions"][region]),
                            db.session.get(User, world["users"][user]), filename, data)
        db.session.commit()
        return {c: getattr(result, c) for c in ("id", "status", "rows", "inserted", "updated", "unchanged",
                                                 "error_count", "errors", "notes", "headers")}


def problems(result):
    return [(e["row"], e["field"], e["code"]) for e in result["errors"]]


def csv_bytes(rows, encoding="utf-8"):
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, merges=()):
    """An .xlsx of ``rows`` with merged ranges ("A1:A2")."""
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for rng in merges:
        sheet.merge_cells(rng)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def stored_funds(app, doc_no):
    from backend.funds.models import Fund
    with app.app_context():
        return {f.name: f for f in db.session.execute(select(Fund).where(Fund.doc_no == doc_no)).scalars()}


# ---------------------------------------------------------------- 1. money in 万元

def test_a_header_in_wan_is_multiplied_by_ten_thousand_exactly(app, world):
    doc = f"浙财农〔2026〕{tag()}号"
    rows = [["文号", "资金名称", "类别", "来源级次", "金额（万元）", "下达日期"],
            [doc, "农村公路养护补助", "一般性转移支付", "省级资金", "86.5", d(30)],
            [doc, "饮用水提标补助", "专项转移支付", "中央资金", 0.01, d(30)],
            [doc, "乡村振兴衔接资金", "专项转移支付", "市级", "１２.３４５６７８", d(30)]]
    result = run(app, world, "funds", csv_bytes(rows, "gbk"))
    assert (result["status"], problems(result)) == ("accepted", [])
    assert [n["code"] for n in result["notes"]] == ["amounts_in_wan"]
    assert "金额（万元）" in result["notes"][0]["message"]["zh"]
    got = {name: f.amount for name, f in stored_funds(app, doc).items()}
    assert got == {"农村公路养护补助": Decimal("865000.00"), "饮用水提标补助": Decimal("100.00"),
                   "乡村振兴衔接资金": Decimal("123456.78")}
    # The same file again changes nothing; more than 6 decimals of 万元 is finer than a fen: refused.
    assert run(app, world, "funds", csv_bytes(rows, "gbk"))["unchanged"] == 3
    rows[1][4] = "1.2345678"
    result = run(app, world, "funds", csv_bytes(rows, "gbk"))
    assert problems(result) == [(2, "amount", "too_many_decimals")]
    assert result["errors"][0]["column"] == "金额（万元）"


@pytest.mark.parametrize("header", ["预算(万元)", "预算万元", "总投资（万元）"])
def test_the_unit_may_be_written_in_any_bracket_or_none(header):
    aliases = {"budget": {"预算", "总投资"}, "name": {"项目名称"}}
    table = tables.read("x.csv", csv_bytes([["项目名称", header], ["路", "12"]]), aliases, ["name"])
    assert table.columns["budget"] == header and table.units == {"budget": "万元"}


def test_a_group_header_over_wan_names_the_column(app, world):
    """金额 merged over 万元 (the other columns merged down over both rows), as an .xlsx."""
    doc = f"临财预〔2026〕{tag()}号"
    rows = [["2026年资金指标下达表"],
            ["文号", "资金名称", "类别", "来源级次", "金额", "下达日期"],
            [None, None, None, None, "万元", None],
            [doc, "美丽乡村奖补", "专项转移支付", "县级", 30, d(20)],
            ["合计", None, None, None, 30, None]]
    merges = ["A1:F1"] + [f"{c}2:{c}3" for c in "ABCDF"]
    result = run(app, world, "funds", xlsx_bytes(rows, merges), filename="指标.xlsx")
    assert (result["status"], problems(result)) == ("accepted", [])
    assert stored_funds(app, doc)["美丽乡村奖补"].amount == Decimal("300000.00")
    assert "金额（万元）" in result["notes"][0]["message"]["zh"]  # (as the report names the column)


@pytest.mark.parametrize("fmt", ["xls", "xlsx", "csv-gbk"])
def test_a_group_over_wan_in_every_format_a_clerk_saves(app, world, fmt):
    """The same budget-line file with 金额 over 万元 (the other headers merged down), as old .xls, .xlsx and
    GBK CSV (where a merged cell is written once)."""
    from county_files import Sheet
    doc = f"浙财农〔2026〕{tag()}号"
    sheet = Sheet("funds", f"指标.{fmt.split('-')[0]}", fmt, ["文号", "资金名称", "类别", "来源级次", "万元", "下达日期"],
                  [[doc, "山塘整治补助", "专项转移支付", "省级", 12.3456, date(2026, 9, 1)]],
                  title="资金指标下达表", group={"金额": ["万元"]})
    result = run(app, world, "funds", sheet.data(), filename=sheet.filename)
    assert (result["status"], problems(result)) == ("accepted", [])
    assert stored_funds(app, doc)["山塘整治补助"].amount == Decimal("123456.00")


def test_a_group_in_wan_over_the_funding_sources_and_a_column_in_yuan_beside_it(app, world):
    """资金来源（万元） over 省级资金 | 县级资金 (written once, in its first column, as a CSV keeps a merged
    cell), 总投资（万元）, and 合同价（元） which stays yuan."""
    from backend.projects.models import Project
    t = tag()
    upper = ["项目编号", "工程名称", "实施单位", "总投资（万元）", "资金来源（万元）", None, "中标单位", "合同价（元）",
             "项目状态", "立项日期", "招标日期", "合同签订日期", "开工日期"]
    lower = [None, None, None, None, "省级资金", "县级资金", None, None, None, None, None, None, None]
    row = [f"T-{t}", f"{t}村道提升工程", "锦城街道财政所", "150.5", "100", "50.5", "杭州临安城建工程有限公司",
           "1,480,000.00", "在建", "2026.3.5", "2026年4月1日", "2026/5/6", "20260601"]
    result = run(app, world, "projects", csv_bytes([upper, lower, row]))
    assert (result["status"], problems(result)) == ("accepted", [])
    with app.app_context():
        p = db.session.execute(select(Project).where(Project.ref_no == f"T-{t}")).scalar_one()
        assert p.budget == Decimal("1505000.00") and p.contract_amount == Decimal("1480000.00")
        assert {x["level"]: x["amount"] for x in p.funding_sources} == {"province": "1000000.00", "county": "505000.00"}
        assert p.stage == "construction"


def test_a_sheet_that_says_its_unit_above_the_table(app, world):
    """单位：万元 on a line above the header: columns that name no unit of their own are in 万元."""
    doc = f"浙财建〔2026〕{tag()}号"
    rows = [["2026年上级补助资金下达情况表", None, None, None, None, None],
            [None, None, None, None, "单位：万元", None],
            ["文号", "资金名称", "类别", "来源级次", "下达金额", "下达日期"],
            [doc, "文化礼堂补助", "一般性转移支付", "省级", "8.2", d(10)]]
    result = run(app, world, "funds", csv_bytes(rows))
    assert (result["status"], problems(result)) == ("accepted", [])
    assert stored_funds(app, doc)["文化礼堂补助"].amount == Decimal("82000.00")
    # A column headed in yuan stays yuan whatever the sheet says.
    doc2 = doc.replace("号", "-2号")
    rows[2][4], rows[3][0] = "金额（元）", doc2
    assert run(app, world, "funds", csv_bytes(rows))["status"] == "accepted"
    assert stored_funds(app, doc2)["文化礼堂补助"].amount == Decimal("8.20")


def test_a_cell_that_says_wan_itself_is_read_as_it_says():
    assert tables.decimal("86万元") == Decimal("860000.00")
    assert tables.decimal("12.5万") == Decimal("125000.00")
    assert tables.scaled("3万", "万元") == "3万"  # (then read as 30000 by the money parser)
    assert tables.scaled(1.5, "元") == 1.5


# ---------------------------------------------------------------- 2. the words real files use

def test_a_register_in_a_county_s_own_words(app, world):
    """工程名称 / 实施单位 / 中标单位 / 合同价 / 建设状态 with 未开工, 在建 and 已完工; stage dates as 2026.3.5 and
    2026年3月5日; planned dates as a month alone (the first and the last day of it)."""
    from backend.projects.models import Project, ProjectPayment
    t = tag()
    header = ["工程编号", "工程名称", "实施单位", "计划总投资", "中标单位", "合同价", "计划开工时间", "计划完工时间",
              "建设状态", "立项日期", "招标日期", "合同签订日期", "开工日期", "竣工验收日期"]
    contractor = "杭州临安城建工程有限公司"
    rows = [header,
            [f"A-{t}", f"{t}号山塘加固", "锦城街道财政所", "500000", None, None, "2026年3月", "2026-12", "未开工",
             "2026.1.5", "2026年2月10日", None, None, None],
            [f"B-{t}", f"{t}号村道", "锦城街道财政所", "800000", contractor, "780,000", "2026/3", "2026.12", "在建",
             "2026.1.5", "2026.2.1", "2026.2.20", "2026年3月5日", None],
            [f"C-{t}", f"{t}号文化礼堂", "锦城街道财政所", "300000", contractor, "290000", None, None, "已完工",
             "2025.1.5", "2025.2.1", "2025.2.20", "2025.3.5", "2025年11月30日"]]
    result = run(app, world, "projects", csv_bytes(rows, "gbk"))
    assert (result["status"], problems(result)) == ("accepted", [])
    with app.app_context():
        got = {p.ref_no: p for p in db.session.execute(select(Project).where(Project.ref_no.like(f"%-{t}"))).scalars()}
        assert {k[0]: p.stage for k, p in got.items()} == {"A": "tendering", "B": "construction", "C": "acceptance"}
        a = got[f"A-{t}"]
        assert (a.planned_start_on, a.planned_end_on) == (date(2026, 3, 1), date(2026, 12, 31))
        assert got[f"B-{t}"].contract_amount == Decimal("780000.00")
    # Payments named by 工程名称, the source in a bare word: stored as the register names it.
    pays = [["工程名称", "付款时间", "本次支付（万元）", "收款单位名称", "会计凭证号", "资金来源渠道"],
            [f"{t}号村道", "2026.4.1", "23.4", contractor, f"记-{t}-1", "省级"],
            [f"{t}号村道", "2026年5月6日", "10", contractor, f"记-{t}-2", "乡镇自筹"]]
    result = run(app, world, "project_payments", csv_bytes(pays))
    assert (result["status"], problems(result)) == ("accepted", [])
    with app.app_context():
        stored = db.session.execute(select(ProjectPayment).where(ProjectPayment.voucher_no.like(f"记-{t}-%"))
                                    .order_by(ProjectPayment.voucher_no)).scalars().all()
        assert [(p.amount, p.funding_source) for p in stored] == [(Decimal("234000.00"), "省级资金"),
                                                                 (Decimal("100000.00"), "自筹资金")]


def test_a_day_column_given_only_a_month_says_so(app, world):
    doc = f"浙财农〔2026〕{tag()}号"
    rows = [["发文字号", "资金名称", "资金性质", "资金来源", "下达指标", "发文日期"],
            [doc, "某补助", "专项资金", "乡镇自筹", "1000", "2026年3月"]]
    result = run(app, world, "funds", csv_bytes(rows))
    assert problems(result) == [(2, "issued_on", "date_month_only")]
    assert "只有年月" in result["errors"][0]["message"]["zh"]
    rows[1][5] = "2026.3.5"
    assert run(app, world, "funds", csv_bytes(rows))["status"] == "accepted"
    fund = stored_funds(app, doc)["某补助"]
    assert (fund.category, fund.source_level, fund.issued_on) == ("special_transfer", "township", date(2026, 3, 5))


def test_the_registers_of_assets_and_leases_in_their_own_words(app, world):
    from backend.assets.models import Asset, ResourceContract
    t = tag()
    assets = [["村(社区)", "资产卡片号", "资产名称", "资产性质", "原价", "账面净值", "资产状态", "购置日期"],
              ["钱王社区", f"ZC-{t}", f"{t}号仓库", "经营类", "200000", "150000", "出租中", "2019年6月"],
              ["钱王社区", f"ZC-{t}-2", f"{t}号凉亭", "公益类", "30000", "20000", "空置", "2020.5.1"]]
    result = run(app, world, "assets", csv_bytes(assets))
    assert (result["status"], problems(result)) == ("accepted", [])
    leases = [["村(社区)", "协议编号", "经营方式", "标的物", "承租单位", "起租日期", "合同到期日", "年租金额（万元）"],
              ["钱王社区", f"HT-{t}", "出租", f"{t}号仓库", "临安山核桃专业合作社", "2024年1月", "2028年12月", "1.2"]]
    result = run(app, world, "resource_contracts", csv_bytes(leases))
    assert (result["status"], problems(result)) == ("accepted", [])
    with app.app_context():
        a = db.session.execute(select(Asset).where(Asset.asset_no == f"ZC-{t}")).scalar_one()
        assert (a.category, a.status, a.acquired_on) == ("经营性", "出租", date(2019, 6, 1))
        c = db.session.execute(select(ResourceContract).where(ResourceContract.contract_no == f"HT-{t}")).scalar_one()
        assert (c.kind, c.starts_on, c.ends_on, c.annual_amount) == ("租赁", date(2024, 1, 1), date(2028, 12, 31),
                                                                      Decimal("12000.00"))


# ---------------------------------------------------------------- 4. fund allocations from a file

CODE = "330187"  # not the demo's 330112, the world's, test_county_moves_in's 330188, the browser's 330189 nor the region picker's 330186


def cli(app, *args):
    result = app.test_cli_runner().invoke(args=[str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def county_in(app, world, tmp_path_factory):
    """A county moved in from its files up to its budget lines, by the CLI, as the README says."""
    from county_files import county
    c = county(CODE, seed=2031)
    paths = c.write(tmp_path_factory.mktemp("trial"))
    assert cli(app, "regions-import", paths["regions"])[0] == 0
    assert cli(app, "import", "users", c.code, paths["users"], "--user", "t_admin")[1].startswith("已导入")
    supervisor = c.user("county")["username"]
    for kind in ("units", "projects", "funds"):
        code, output = cli(app, "import", kind, c.code, paths[kind], "--user", supervisor)
        assert code == 0 and "\naccepted:" in output, (kind, output)
    folder = tmp_path_factory.mktemp("trial-allocations")
    return c, supervisor, folder


def test_the_chain_issued_arrived_allocated_spent_loads_from_files(app, county_in):
    from backend.funds import services
    from backend.core.models import Region
    from backend.funds.models import Fund, FundAllocation
    c, supervisor, folder = county_in
    sheet = c.sheets["allocations"]
    path = folder / sheet.filename
    path.write_bytes(sheet.data())
    code, output = cli(app, "import", "allocations", c.code, path, "--user", supervisor)
    assert code == 0 and f"\naccepted: {len(c.allocations)} rows, {len(c.allocations)} new" in output, output
    spending = folder / c.sheets["fund_expenditures"].filename
    spending.write_bytes(c.sheets["fund_expenditures"].data())
    code, output = cli(app, "import", "fund_expenditures", c.code, spending, "--user", supervisor)
    assert code == 0 and "\naccepted:" in output, output
    with app.app_context():
        for f in c.funds:
            fund = db.session.execute(select(Fund).join(Fund.region).where(
                Fund.doc_no == f["doc_no"], Fund.name == f["name"], Region.name == f["township"],
                Region.path.startswith(f"/330000000000/330100000000/{c.code}/"))).scalars().one()
            allocs = services.allocations(fund)
            if f["arrived_on"] is None:
                assert allocs == []
                continue
            mine = [a for a in c.allocations if (a["township"], a["doc_no"], a["name"]) == (f["township"], f["doc_no"], f["name"])]
            assert sorted(a.amount for a in allocs) == sorted(a["amount"] for a in mine)  # 万元 read exactly
            assert {a.target for a in allocs} == {a["target"] for a in mine}
            steps = {s["step"]: s for s in services.chain(fund)}
            assert steps["allocated"]["done_on"] == mine[0]["allocated_on"]  # allocated whole, on that day
            assert steps["spent"]["on"] is not None
    # The same file again changes nothing.
    code, output = cli(app, "import", "allocations", c.code, path, "--user", supervisor)
    assert f"\naccepted: {len(c.allocations)} rows, 0 new, 0 updated, {len(c.allocations)} unchanged" in output, output
    # The run cannot be withdrawn now: its allocations have been spent.
    with app.app_context(), app.test_request_context(method="POST"):
        from backend.core.errors import ApiError
        from backend.core.models import User
        from backend.imports.models import ImportRun
        run_ = db.session.execute(select(ImportRun).where(ImportRun.kind == "allocations", ImportRun.status == "accepted",
                                                          ImportRun.inserted > 0).order_by(ImportRun.id.desc())).scalars().first()
        actor = db.session.execute(select(User).where(User.username == supervisor)).scalar_one()
        with pytest.raises(ApiError) as err:
            engine.withdraw(run_, actor, "试一下", str(uuid.uuid4()))
        assert err.value.code == "import_in_use"
        assert db.session.execute(select(FundAllocation).where(FundAllocation.batch_id == run_.id)).first() is not None


def test_an_allocation_file_over_what_is_left_is_refused_whole(app, county_in):
    from backend.funds.models import FundAllocation
    c, supervisor, folder = county_in
    sheet = c.sheets["allocations"].copy()
    unallocated = next(f for f in c.funds if f["arrived_on"] is None)  # (its receipt is not in: refused too)
    arrived = next(f for f in c.funds if f["arrived_on"] is not None)
    sheet.rows = [[arrived["township"], arrived["doc_no"], arrived["name"], "乡镇自用", "", "办公经费",
                   f"{arrived['amount'] / 10000 + 1:f}", "2026.11.20"],
                  [unallocated["township"], unallocated["doc_no"], unallocated["name"], "项目", "NO-SUCH", "", "1", "2026.11.20"],
                  [arrived["township"], arrived["doc_no"], arrived["name"], "补贴政策", "", "", "1", "2026.11.20"]]
    path = folder / "bad.csv"
    path.write_bytes(sheet.data())
    with app.app_context():
        before = db.session.query(FundAllocation).count()
    code, output = cli(app, "import", "allocations", c.code, path, "--user", supervisor)
    assert code != 0 and "rejected" in output, output
    with app.app_context():
        from backend.imports.models import ImportRun
        run_ = db.session.execute(select(ImportRun).where(ImportRun.kind == "allocations")
                                  .order_by(ImportRun.id.desc())).scalars().first()
        assert sorted((e["row"], e["field"], e["code"]) for e in run_.errors) == [
            (3, "amount", "allocation_over_fund"), (4, "doc_no", "fund_not_registered"),
            (4, "project_ref", "project_not_in_township"), (5, "policy", "policy_required")]
        over = next(e for e in run_.errors if e["code"] == "allocation_over_fund")
        assert over["column"] == "分配金额（万元）" and "尚可分配" in over["message"]["zh"]
        assert db.session.query(FundAllocation).count() == before


def test_an_allocation_file_is_withdrawn_whole_and_puts_back_what_it_changed(app, world):
    """In 锦城: a fund allocated on screen, then a file restates that allocation and adds one; withdrawing
    the file deletes the one it added and gives the restated one its amount back."""
    from backend.core.models import User
    from backend.funds import services
    from backend.funds.models import FundAllocation
    doc = f"临财预〔2026〕{tag()}号"
    rows = [["文号", "资金名称", "类别", "来源级次", "金额", "下达日期", "到账日期"],
            [doc, "村道养护资金", "专项转移支付", "县级", "100000", d(40), d(35)]]
    assert run(app, world, "funds", csv_bytes(rows))["status"] == "accepted"
    with app.app_context(), app.test_request_context(method="POST"):
        fund = stored_funds(app, doc)["村道养护资金"]
        services.allocate(db.session.merge(fund), db.session.get(User, world["users"]["lead"]),
                          {"target": "own", "purpose": "日常养护", "amount": Decimal("30000"),
                           "allocated_on": TODAY - timedelta(days=30)})
        db.session.commit()
    file = [["文号", "资金名称", "用途", "金额（元）", "日期"],
            [doc, "村道养护资金", "日常养护", "40000", d(30)],
            [doc, "村道养护资金", "应急抢修", "60000", d(20)]]
    result = run(app, world, "allocations", csv_bytes(file))
    assert (result["status"], problems(result), result["inserted"], result["updated"]) == ("accepted", [], 1, 1)
    assert run(app, world, "allocations", csv_bytes(file))["unchanged"] == 2
    file[2][3] = "60000.01"
    assert problems(run(app, world, "allocations", csv_bytes(file))) == [(3, "amount", "allocation_over_fund")]
    with app.app_context(), app.test_request_context(method="POST"):
        from backend.imports.models import ImportRun
        record = db.session.get(ImportRun, result["id"])
        engine.withdraw(record, db.session.get(User, world["users"]["lead"]), "文件有误", str(uuid.uuid4()))
        db.session.commit()
        fund = stored_funds(app, doc)["村道养护资金"]
        left = db.session.execute(select(FundAllocation.purpose, FundAllocation.amount)
                                  .where(FundAllocation.fund_id == fund.id)).all()
        assert left == [("日常养护", Decimal("30000.00"))]


def test_the_allocations_template_and_kind(app, world, login_as):
    client = login_as("lead")
    kinds = {k["kind"]: k for k in client.get("/api/v1/imports/kinds").json["items"]}
    assert kinds["allocations"]["title"]["zh"] == "资金分配"
    r = client.get("/api/v1/imports/kinds/allocations/template.xlsx")
    assert r.status_code == 200
    from openpyxl import load_workbook
    sheet = load_workbook(io.BytesIO(r.data)).active
    assert [c.value for c in sheet[1]][:4] == ["文号", "分配金额", "分配日期", "乡镇"]


# ---------------------------------------------------------------- 3. Chinese first, English beside

def test_what_marshmallow_says_comes_out_in_chinese_with_english_beside(app, world, login_as):
    from conftest import new_uuid
    client = login_as("lead")
    r = client.post("/api/v1/funds", json={"client_uuid": new_uuid(), "region_id": world["regions"]["jincheng"],
                                           "name": "某资金", "category": "general_transfer", "source_level": "province",
                                           "amount": "一百", "issued_on": "2026-13-01"})
    assert r.status_code in (400, 422) and r.json["error"]["code"] == "validation_error"
    fields = {f["path"]: f for f in r.json["error"]["fields"]}
    assert fields["json.doc_no"]["zh"] == "缺少必填项" and fields["json.doc_no"]["message"] == "Missing data for required field."
    assert fields["json.amount"]["zh"] == "不是有效的数字"
    assert fields["json.issued_on"]["zh"].startswith("不是有效的日期")
    message = r.json["error"]["message"]
    assert "doc_no：缺少必填项" in message["zh"] and "doc_no: Missing data for required field." in message["en"]
    from backend.core.errors import zh_of
    assert zh_of("Longer than maximum length 60.") == "长度不能超过 60"
    assert zh_of("Must be one of: project, policy, own.") == "应为以下之一：project, policy, own"
    assert zh_of("Something new.") == "输入不正确（Something new.）"


def test_an_unknown_column_is_named_with_the_closest_known_header(app, world):
    doc = f"浙财农〔2026〕{tag()}号"
    rows = [["文号", "资金名称", "类别", "来源级次", "金额", "下达日期", "到帐日", "经办人"],
            [doc, "某补助", "专项转移支付", "省级", "1000", d(10), d(5), "王五"]]
    result = run(app, world, "funds", csv_bytes(rows))
    assert result["status"] == "accepted"
    note = next(n for n in result["notes"] if n["code"] == "columns_not_used")
    assert "到帐日（最接近的已知列名：到账日期）" in note["message"]["zh"] and "经办人" in note["message"]["zh"]
    assert "closest known header: 到账日期 / arrived on" in note["message"]["en"]
    assert {h["text"]: h.get("suggested") for h in result["headers"] if h["field"] is None} == {"到帐日": "arrived_on",
                                                                                              "经办人": None}
    # A required column missing: the file's column that may be it is named.
    rows[0][1] = "资金名"
    result = run(app, world, "funds", csv_bytes(rows))
    assert problems(result) == [(None, None, "header_missing")]
    assert "文件中的“资金名”可能就是“资金名称”" in result["errors"][0]["message"]["zh"]
    assert "The file's '资金名' may be fund name" in result["errors"][0]["message"]["en"]


def test_a_fund_allocated_to_a_subsidy_policy_from_a_file(app, world):
    """A policy of the township's (or above it) is named by its name; of one name in several years, the
    one of the allocation's year."""
    from backend.funds.models import FundAllocation
    from backend.subsidies.models import SubsidyPolicy
    t = tag()
    policy = f"{t}耕地地力保护补贴"
    for year in (2025, 2026):
        rows = [[f"{year}年惠民惠农补贴政策清单"], ["补贴名称", "补贴类别", "补贴标准", "计量单位"],
                [policy, "种粮补贴", "120", "元/亩"]]
        assert run(app, world, "policies", csv_bytes(rows), region="linan", user="county")["status"] == "accepted"
    doc = f"浙财农〔2026〕{t}号"
    rows = [["文号", "资金名称", "类别", "来源级次", "金额", "下达日期", "到账日期"],
            [doc, "耕地地力保护补贴资金", "专项转移支付", "中央", "50000", d(40), d(35)]]
    assert run(app, world, "funds", csv_bytes(rows))["status"] == "accepted"
    file = [["指标文号", "分配对象", "补贴政策", "分配金额", "分配日期"],
            [doc, "补贴政策", policy, "20000", d(30)],
            [doc, "补贴政策", f"{t}没有这个政策", "1000", d(30)]]
    result = run(app, world, "allocations", csv_bytes(file))
    assert problems(result) == [(3, "policy", "policy_not_in_township")]
    del file[2]
    result = run(app, world, "allocations", csv_bytes(file))
    assert (result["status"], result["inserted"]) == ("accepted", 1)
    with app.app_context():
        a = db.session.execute(select(FundAllocation).where(FundAllocation.batch_id == result["id"])).scalar_one()
        assert (a.target, db.session.get(SubsidyPolicy, a.policy_id).year) == ("policy", 2026)
    # Another township's lead cannot allocate 锦城's fund: the fund is not in their region.
    result = run(app, world, "allocations", csv_bytes(file), region="taihuyuan", user="lead_sibling")
    assert problems(result) == [(2, "doc_no", "unknown_fund")]
