"""Fund files on the import engine, as a township's finance office or a county has them: a budget-line
file (CSV in GBK, and .xlsx) and an expenditure file. Natural keys make the same file twice change
nothing; rejected files write nothing and name each row, column and problem: an unknown category, a
bad date, an arrival before the issue, an unknown fund, spending over the fund or over what was
allocated, a project the fund was not allocated to."""
import csv
import io
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from conftest import TODAY

pytest.importorskip("backend.imports.engine")


def d(days):
    return (TODAY - timedelta(days=days)).isoformat()


def run(app, world, kind, filename, data, region="jincheng", user="lead"):
    """Import a file here and now; returns (status, errors, counts, run id)."""
    from backend.core.models import Region, User
    from backend.extensions import db
    from backend.imports import engine
    with app.app_context(), app.test_request_context(method="POST"):
        record = engine.run(kind, db.session.get(Region, world["regions"][region]),
                            db.session.get(User, world["users"][user]), filename, data)
        db.session.commit()
        return record.status, [(e["row"], e["field"], e["code"]) for e in record.errors], \
            (record.inserted, record.updated, record.unchanged), record.id


def csv_bytes(rows, encoding="gbk"):
    """A CSV as Excel saves it (quoted where needed, CRLF), in GBK unless told."""
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, title="2026年资金指标"):
    from openpyxl import Workbook
    book = Workbook()
    sheet = book.active
    sheet.append([title])  # a title line above the header, as clerks' files have
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def funds(app, **where):
    from backend.extensions import db
    from backend.funds.models import Fund
    with app.app_context():
        return {(f.doc_no, f.name): f for f in db.session.query(Fund).filter_by(**where)}


@pytest.fixture
def tag():
    return uuid.uuid4().hex[:5]


def budget_file(tag):
    return [["序号", "文号", "资金名称", "类别", "来源级次", "金额（元）", "下达日期", "到账日期", "回执号"],
            [1, f"浙财农〔2026〕{tag}号", "农村公路养护省级补助资金", "一般性转移支付", "省级", "860,000.00", d(60), d(55), f"HZ-{tag}-1"],
            [2, f"浙财农〔2026〕{tag}号", "农村饮用水达标提标补助", "专项转移支付", "省", "120000", d(60), "", ""],
            [3, f"临财预〔2026〕{tag}号", "街道办公经费", "乡镇自有资金", "乡", "35000.5", d(20), d(20), ""]]


def test_a_budget_line_file_imports_once_and_updates_what_changed(app, world, tag):
    data = csv_bytes(budget_file(tag))
    status, errors, counts, _ = run(app, world, "funds", "资金指标.csv", data)
    assert (status, errors, counts) == ("accepted", [], (3, 0, 0))
    stored = funds(app, region_id=world["regions"]["jincheng"])
    road = stored[(f"浙财农〔2026〕{tag}号", "农村公路养护省级补助资金")]
    assert road.category == "general_transfer" and road.source_level == "province"
    assert road.amount == Decimal("860000.00") and road.arrived_on.isoformat() == d(55) and road.receipt_no == f"HZ-{tag}-1"
    water = stored[(f"浙财农〔2026〕{tag}号", "农村饮用水达标提标补助")]
    assert water.arrived_on is None and water.category == "special_transfer"
    # The same file again changes nothing; as .xlsx too.
    assert run(app, world, "funds", "资金指标.csv", data)[2] == (0, 0, 3)
    assert run(app, world, "funds", "资金指标.xlsx", xlsx_bytes(budget_file(tag)))[2] == (0, 0, 3)
    # A later file registers the water fund's arrival: one row updated.
    later = budget_file(tag)
    later[2][7], later[2][8] = d(50), f"HZ-{tag}-2"
    assert run(app, world, "funds", "资金指标.xlsx", xlsx_bytes(later))[2] == (0, 1, 2)
    assert funds(app, region_id=world["regions"]["jincheng"])[(f"浙财农〔2026〕{tag}号", "农村饮用水达标提标补助")].arrived_on.isoformat() == d(50)


def test_a_county_imports_for_its_townships_by_name(app, world, tag):
    rows = [["乡镇", "文号", "资金名称", "资金类别", "资金来源", "指标金额", "下达时间"],
            ["锦城街道", f"临财农〔2026〕{tag}号", "高标准农田建设补助", "专项", "县级", "500000", d(10)],
            ["太湖源镇", f"临财农〔2026〕{tag}号", "高标准农田建设补助", "专项", "县级", "300000", d(10)]]
    status, errors, counts, _ = run(app, world, "funds", "全区指标.xlsx", xlsx_bytes(rows), region="linan", user="county")
    assert (status, errors, counts) == ("accepted", [], (2, 0, 0))
    assert len(funds(app, doc_no=f"临财农〔2026〕{tag}号")) == 1 == len(
        funds(app, doc_no=f"临财农〔2026〕{tag}号", region_id=world["regions"]["taihuyuan"]))


def test_a_mistyped_township_is_named_with_the_one_meant(app, world, tag):
    """锦成街道 for 锦城街道 (one character off): the problem names the township meant first, rather than
    leaving the clerk to find it in the county's list; a name like none of them gets only the list."""
    rows = [["乡镇", "文号", "资金名称", "类别", "来源级次", "金额", "下达日期"],
            ["锦成街道", f"临财农〔2026〕{tag}号", "小型水利补助", "专项", "县级", "1000", d(10)],
            ["火星镇", f"临财农〔2026〕{tag}号", "小型水利补助", "专项", "县级", "1000", d(10)]]
    status, errors, _, run_id = run(app, world, "funds", "全区指标.csv", csv_bytes(rows), region="linan", user="county")
    assert (status, errors) == ("rejected", [(2, "township", "unknown_township"), (3, "township", "unknown_township")])
    from backend.extensions import db
    from backend.imports.models import ImportRun
    with app.app_context():
        first, second = [e["message"] for e in db.session.get(ImportRun, run_id).errors]
    assert first["zh"].startswith("本辖区没有“锦成街道”这个乡镇（街道），是不是“锦城街道”？（本辖区：")
    assert "did you mean '锦城街道'?" in first["en"]
    assert "是不是" not in second["zh"] and "（本辖区：" in second["zh"]


def test_a_bad_budget_line_file_writes_nothing(app, world, tag):
    rows = budget_file(tag) + [
        [4, f"浙财〔2026〕{tag}号", "赠款", "捐赠资金", "省级", "100", d(5), "", ""],           # unknown category
        [5, f"浙财〔2026〕{tag}号", "补助A", "一般性转移支付", "村", "100", d(5), "", ""],       # unknown level
        [6, f"浙财〔2026〕{tag}号", "补助B", "一般性转移支付", "省级", "0", d(5), "", ""],       # zero
        [7, f"浙财〔2026〕{tag}号", "补助C", "一般性转移支付", "省级", "100", "2026-02-30", "", ""],  # no such day
        [8, f"浙财〔2026〕{tag}号", "补助D", "一般性转移支付", "省级", "100", d(5), d(6), ""],   # arrived before issue
        [9, f"浙财〔2026〕{tag}号", "补助E", "一般性转移支付", "省级", "100", d(-3), "", ""],    # in the future
        [10, f"浙财农〔2026〕{tag}号", "农村公路养护省级补助资金", "一般性转移支付", "省级", "1", d(60), "", ""],  # twice
        [11, "", "补助F", "一般性转移支付", "省级", "100", d(5), "", ""]]                      # no 文号
    before = len(funds(app))
    status, errors, _, _ = run(app, world, "funds", "资金指标.csv", csv_bytes(rows))
    assert status == "rejected" and len(funds(app)) == before
    got = {(row, field, code) for row, field, code in errors}
    for expected in [(5, "category", "unknown_category"), (6, "source_level", "unknown_source_level"),
                     (7, "amount", "amount_not_positive"), (8, "issued_on", "bad_date"),
                     (9, "arrived_on", "arrived_before_issued"), (10, "issued_on", "date_in_future"),
                     (11, None, "duplicate_row"), (12, "doc_no", "required")]:
        assert expected in got, (expected, sorted(got, key=str))


def test_funds_for_a_province_are_refused_with_the_levels_they_are_imported_for(world, login_as):
    """The refusal said "import for a township or above": the province is above, and still refused."""
    from conftest import new_uuid
    r = login_as("admin").post("/api/v1/imports", form={
        "client_uuid": new_uuid(), "kind": "funds", "region_id": str(world["regions"]["zj"]),
        "file": (io.BytesIO(csv_bytes(budget_file("p"))), "f.csv")})
    assert r.status_code == 400 and r.json["error"]["code"] == "import_region_level", r.json
    assert r.json["error"]["message"] == {"zh": "资金指标请在县/区或乡镇/街道导入",
                                          "en": "Import budget lines for a county or a township"}


def test_a_date_in_a_year_no_ledger_has_is_refused_not_imported(app, world, tag):
    """1026 for 2026, 0206-03-05, year 1: a typed year, as text or as an Excel date cell, was imported
    as it stood — a budget line issued a thousand years ago, on no cockpit year."""
    from datetime import date, datetime
    rows = [budget_file(tag)[0],
            [1, f"浙财〔2026〕{tag}号", "补助G", "一般性转移支付", "省级", "100", "1026.3.5", "", ""],
            [2, f"浙财〔2026〕{tag}号", "补助H", "一般性转移支付", "省级", "100", "0206-03-05", "0206-03-06", ""],
            [3, f"浙财〔2026〕{tag}号", "补助I", "一般性转移支付", "省级", "100", "0001年1月1日", "", ""]]
    before = len(funds(app))
    status, errors, _, _ = run(app, world, "funds", "资金指标.csv", csv_bytes(rows))
    assert status == "rejected" and len(funds(app)) == before
    assert {(2, "issued_on", "bad_date"), (3, "issued_on", "bad_date"), (3, "arrived_on", "bad_date"),
            (4, "issued_on", "bad_date")} <= set(errors), errors
    cells = [budget_file(tag)[0], [1, f"浙财〔2026〕{tag}号", "补助J", "一般性转移支付", "省级", 100,
                                   datetime(1026, 3, 5), date(1899, 12, 31), ""]]
    status, errors, _, _ = run(app, world, "funds", "资金指标.xlsx", xlsx_bytes(cells))
    assert status == "rejected" and {(3, "issued_on", "bad_date"), (3, "arrived_on", "bad_date")} <= set(errors), errors


def test_a_township_file_cannot_carry_another_township(app, world, tag):
    rows = [["乡镇", "文号", "资金名称", "类别", "来源级次", "金额", "下达日期"],
            ["太湖源镇", f"临财〔2026〕{tag}号", "补助", "一般性转移支付", "县级", "100", d(3)]]
    status, errors, _, _ = run(app, world, "funds", "x.csv", csv_bytes(rows))
    assert status == "rejected" and (2, "township", "other_township") in errors


def _arrived_and_allocated(app, world, tag, project=None):
    """A budget line of 100,000 arrived 30 days ago, 60,000 allocated (to ``project`` if given)."""
    from backend.core.models import User
    from backend.extensions import db
    from backend.funds import services
    with app.app_context(), app.test_request_context(method="POST"):
        lead = db.session.get(User, world["users"]["lead"])
        fund = services.create_fund(lead, {
            "region_id": world["regions"]["jincheng"], "doc_no": f"浙财建〔2026〕{tag}号", "name": "美丽乡村精品线建设资金",
            "category": "special_transfer", "source_level": "province", "amount": Decimal("100000.00"),
            "issued_on": TODAY - timedelta(days=40), "arrived_on": TODAY - timedelta(days=30), "receipt_no": "R"})
        target = {"target": "project", "project_id": project} if project else {"target": "own", "purpose": "村道维修"}
        services.allocate(fund, lead, {**target, "amount": Decimal("60000.00"), "allocated_on": TODAY - timedelta(days=25)})
        db.session.commit()
        return fund.id


def spending_file(tag, ref=""):
    return [["文号", "支出日期", "支出金额", "收款单位", "凭证号", "项目编号", "摘要"],
            [f"浙财建〔2026〕{tag}号", d(20), "25,000.00", "杭州临安城建工程有限公司", "记-11-001", ref, "进度款"],
            [f"浙财建〔2026〕{tag}号", d(10), "15000", "临安区锦城街道钱王社区股份经济合作社", "记-11-002", ref, ""]]


def test_an_expenditure_file_imports_once(app, world, tag, make_project):
    project = make_project(stage="construction")
    with app.app_context():
        from backend.extensions import db
        from backend.projects.models import Project
        ref = db.session.get(Project, project).ref_no
    fid = _arrived_and_allocated(app, world, tag, project)
    data = xlsx_bytes(spending_file(tag, ref), title="2026年11月支出明细")
    status, errors, counts, _ = run(app, world, "fund_expenditures", "支出.xlsx", data)
    assert (status, errors, counts) == ("accepted", [], (2, 0, 0))
    assert run(app, world, "fund_expenditures", "支出.xlsx", data)[2] == (0, 0, 2)
    from backend.extensions import db
    from backend.funds import services
    from backend.funds.models import Fund
    with app.app_context():
        fund = db.session.get(Fund, fid)
        assert services.spent_total(fid) == Decimal("40000.00")
        assert all(e.project_id == project and e.allocation_id for e in services.expenditures(fund))
    # A corrected amount updates its row; the rest stay.
    rows = spending_file(tag, ref)
    rows[2][2] = "15000.10"
    assert run(app, world, "fund_expenditures", "支出.csv", csv_bytes(rows, "utf-8-sig"))[2] == (0, 1, 1)


def test_a_fund_typed_on_the_screen_is_the_one_the_county_file_names(app, world, tag):
    """The screen keeps a 文号 and a name as typed (临财预（2026）5号, full-width brackets); the county's
    file writes the same document with 〔〕 or [] and is read half-width. The file's row is the fund
    already registered (unchanged, not a second one doubling the money), and spending finds it."""
    from backend.core.models import User
    from backend.extensions import db
    from backend.funds import services
    with app.app_context(), app.test_request_context(method="POST"):
        fund = services.create_fund(db.session.get(User, world["users"]["lead"]), {
            "region_id": world["regions"]["jincheng"], "doc_no": f"临财预（2026）{tag}号", "name": "耕地地力保护补贴（中央）",
            "category": "special_transfer", "source_level": "central", "amount": Decimal("420000.00"),
            "issued_on": TODAY - timedelta(days=40), "arrived_on": TODAY - timedelta(days=30), "receipt_no": "R"})
        services.allocate(fund, db.session.get(User, world["users"]["lead"]),
                          {"target": "own", "purpose": "地力保护", "amount": Decimal("1000.00"),
                           "allocated_on": TODAY - timedelta(days=25)})
        db.session.commit()
        fid = fund.id
    rows = [["文号", "资金名称", "类别", "来源级次", "金额", "下达日期", "到账日期"],
            [f"临财预〔2026〕{tag}号", "耕地地力保护补贴(中央)", "专项转移支付", "中央", "420000", d(40), d(30)]]
    status, errors, counts, _ = run(app, world, "funds", "资金指标.csv", csv_bytes(rows))
    assert (status, errors, counts) == ("accepted", [], (0, 0, 1))
    assert [f.id for (doc_no, _), f in funds(app, region_id=world["regions"]["jincheng"]).items()
            if f"{tag}号" in doc_no] == [fid]  # (this test's document only: others name funds alike)
    spending = [["文号", "支出日期", "金额", "收款人", "凭证号"], [f"临财预[2026] {tag}号", d(20), "800", "甲合作社", "V1"]]
    status, errors, counts, _ = run(app, world, "fund_expenditures", "支出.csv", csv_bytes(spending))
    assert (status, errors, counts) == ("accepted", [], (1, 0, 0))
    with app.app_context():
        assert services.spent_total(fid) == Decimal("800.00")


def test_a_bad_expenditure_file_writes_nothing(app, world, tag, make_project):
    from backend.extensions import db
    from backend.funds.models import FundExpenditure
    other = make_project(stage="construction")
    with app.app_context():
        from backend.projects.models import Project
        other_ref = db.session.get(Project, other).ref_no
    _arrived_and_allocated(app, world, tag)
    doc = f"浙财建〔2026〕{tag}号"
    rows = [["文号", "支出日期", "金额", "收款人", "凭证号", "项目编号"],
            [doc, d(20), "50000", "甲公司", "V1", ""],
            [doc, d(20), "10000.01", "乙公司", "V2", ""],                 # 60,000.01 > 60,000 allocated
            [doc, d(20), "50000", "丙公司", "V3", ""],                    # 110,000.01 > the fund's 100,000
            [f"无此文号〔2026〕{tag}号", d(5), "10", "丁", "V4", ""],         # unknown fund
            [doc, d(31), "10", "戊", "V5", ""],                           # before the arrival
            [doc, "2026/13/01", "10", "己", "V6", ""],                    # not a date
            [doc, d(5), "10", "庚", "V7", other_ref],                     # not allocated to that project
            [doc, d(5), "10", "辛", "V8", "XM-NONE"],                     # no such project
            [doc, d(5), "10", "壬", "V1", ""]]                            # V1 twice
    with app.app_context():
        before = db.session.query(FundExpenditure).count()
    status, errors, _, _ = run(app, world, "fund_expenditures", "支出.csv", csv_bytes(rows))
    assert status == "rejected"
    with app.app_context():
        assert db.session.query(FundExpenditure).count() == before
    got = set(errors)
    for expected in [(3, "amount", "over_allocated"), (4, "amount", "over_fund"), (5, "doc_no", "unknown_fund"),
                     (6, "spent_on", "spent_before_arrival"), (7, "spent_on", "bad_date"),
                     (8, "project_ref", "project_not_allocated"), (9, "project_ref", "unknown_project"),
                     (10, None, "duplicate_row")]:
        assert expected in got, (expected, sorted(got, key=str))


def test_an_expenditure_on_a_fund_not_arrived_is_refused(app, world, tag):
    rows = budget_file(tag)
    assert run(app, world, "funds", "资金指标.csv", csv_bytes(rows))[0] == "accepted"
    spend = [["文号", "资金名称", "支出日期", "金额", "收款人", "凭证号"],
             [f"浙财农〔2026〕{tag}号", "农村饮用水达标提标补助", d(1), "10", "甲", "V1"],
             [f"浙财农〔2026〕{tag}号", "", d(1), "10", "甲", "V2"]]
    status, errors, _, _ = run(app, world, "fund_expenditures", "支出.csv", csv_bytes(spend))
    assert status == "rejected"
    assert (2, "doc_no", "fund_not_registered") in errors and (3, "fund_name", "fund_ambiguous") in errors


def test_a_budget_line_import_is_withdrawn_unless_in_use(app, world, tag):
    from backend.core.models import User
    from backend.extensions import db
    from backend.funds import services
    from backend.funds.models import Fund
    from backend.imports import engine
    from backend.imports.models import ImportRun
    status, _, _, run_id = run(app, world, "funds", "资金指标.csv", csv_bytes(budget_file(tag)))
    with app.app_context(), app.test_request_context(method="POST"):
        lead = db.session.get(User, world["users"]["lead"])
        fund = db.session.query(Fund).filter_by(batch_id=run_id, name="农村公路养护省级补助资金").one()
        services.allocate(fund, lead, {"target": "own", "purpose": "养护", "amount": Decimal("1.00"), "allocated_on": TODAY})
        db.session.commit()
        with pytest.raises(Exception) as refused:
            engine.withdraw(db.session.get(ImportRun, run_id), lead, "导错了", uuid.uuid4())
        assert getattr(refused.value, "code", None) == "import_in_use"


def test_funds_through_the_upload_and_the_template(app, world, login_as, tag):
    """The same kinds on the engine's HTTP side: an upload is queued and imported, the same file again
    changes nothing, and each kind's template names its columns in Chinese."""
    from openpyxl import load_workbook
    from conftest import new_uuid
    lead = login_as("lead")

    def upload(data):
        r = lead.post("/api/v1/imports", form={"client_uuid": new_uuid(), "kind": "funds",
                                               "region_id": str(world["regions"]["jincheng"]),
                                               "file": (io.BytesIO(data), "资金指标.xlsx")})
        assert r.status_code == 202, r.json
        return lead.get(r.json["status_url"]).json
    data = xlsx_bytes(budget_file(tag))
    first, again = upload(data), upload(data)
    assert (first["status"], first["inserted"]) == ("accepted", 3)
    assert (again["status"], again["inserted"], again["unchanged"]) == ("accepted", 0, 3)
    kinds = [k["kind"] for k in lead.get("/api/v1/imports/kinds").json["items"]]
    assert {"funds", "fund_expenditures"} <= set(kinds)
    for kind, header in (("funds", "文号"), ("fund_expenditures", "凭证号")):
        r = lead.get(f"/api/v1/imports/kinds/{kind}/template.xlsx")
        assert r.status_code == 200
        cells = [c.value for row in load_workbook(io.BytesIO(r.data)).active.iter_rows() for c in row]
        assert header in cells


def test_a_county_s_import_for_a_township_is_not_the_township_s_to_withdraw(app, world, login_as, tag):
    """The county imported its budget lines for 锦城; 锦城's lead sees the run (its region's) and could
    withdraw it — deleting what the county recorded it issued (a late arrival's warning with it)."""
    status, _, _, run_id = run(app, world, "funds", "资金指标.csv", csv_bytes(budget_file(tag)), user="county")
    assert status == "accepted"
    body = {"client_uuid": str(uuid.uuid4()), "reason": "不是我们导入的"}
    r = login_as("lead").post(f"/api/v1/imports/{run_id}/withdraw", json=body)
    assert r.status_code == 403 and r.json["error"]["code"] == "import_from_above", r.json
    assert r.json["error"]["message"]["zh"] and r.json["error"]["message"]["en"]
    assert len(funds(app, batch_id=run_id)) == 3
    r = login_as("county").post(f"/api/v1/imports/{run_id}/withdraw", json={**body, "client_uuid": str(uuid.uuid4())})
    assert r.status_code == 200 and r.json["status"] == "withdrawn", r.json
    assert funds(app, batch_id=run_id) == {}
