"""A county clerk's trial (issue 11): the words and columns a county finance office's own files used
that the import refused or dropped — short unit kinds (财政所, 镇政府, 村集体), 开工时间/竣工时间
headers, 到帐日期, 终止日期, an old asset acquired in a year alone, a county's fund file without a
乡镇 column (the 文号 says whose fund it is) — and, on the import screen, the cities and counties
in the region picker and a roster's one-time passwords shown once after the import."""
import uuid
from datetime import date, timedelta

from sqlalchemy import select

from backend.extensions import db
from conftest import TODAY, sign_in
from test_county_trial import csv_bytes, problems, run, xlsx_bytes


def tag():
    return uuid.uuid4().hex[:6]


def d(days):
    return (TODAY - timedelta(days=days)).isoformat()


def test_a_unit_list_in_short_words_is_read_as_the_kinds(app, world):
    from backend.projects.models import Unit
    t = tag()
    rows = [["序号", "单位名称", "单位类型", "所属乡镇"],
            [1, f"锦城财政所{t}", "财政所", "锦城街道"], [2, f"锦城政府{t}", "镇政府", "锦城街道"],
            [3, f"太湖源合作社{t}", "村集体", "太湖源镇"], [4, f"太湖源村委{t}", "村委会", "太湖源镇"],
            [5, f"太湖源其他{t}", "粮站", "太湖源镇"]]
    result = run(app, world, "units", xlsx_bytes(rows), "管理单位名录.xlsx", region="linan", user="county")
    assert result["status"] == "rejected" and problems(result) == [(6, "unit_kind", "unit_kind_unknown")]
    result = run(app, world, "units", xlsx_bytes(rows[:5]), "管理单位名录.xlsx", region="linan", user="county")
    assert result["status"] == "accepted" and result["inserted"] == 4
    with app.app_context():
        kinds = {u.name: u.kind for u in db.session.execute(select(Unit).where(Unit.name.like(f"%{t}"))).scalars()}
    assert kinds == {f"锦城财政所{t}": "乡镇财政所", f"锦城政府{t}": "乡镇人民政府",
                     f"太湖源合作社{t}": "村股份经济合作社", f"太湖源村委{t}": "村民委员会"}


def test_a_register_dated_in_shijian_columns_is_read(app, world):
    from backend.projects.models import Project
    t = tag()
    rows = [["项目编号", "工程名称", "管理单位", "项目进度", "立项时间", "招投标时间", "合同签订时间", "开工时间", "竣工时间",
             "施工单位", "合同价", "总投资"],
            [f"CL{t}-1", f"村道硬化{t}", "锦城街道财政所", "在建", d(200), d(150), d(140), d(120), "", "临安城建有限公司", 500000, 520000],
            [f"CL{t}-2", f"礼堂改造{t}", "锦城街道财政所", "已完工", d(200), d(150), d(140), d(120), d(30), "临安城建有限公司", 300000, 310000]]
    result = run(app, world, "projects", csv_bytes(rows, "gbk"), "项目台账.csv")
    assert result["status"] == "accepted", result["errors"]
    with app.app_context():
        stages = {p.ref_no: p.stage for p in db.session.execute(select(Project).where(Project.ref_no.like(f"CL{t}-%"))).scalars()}
    assert stages == {f"CL{t}-1": "construction", f"CL{t}-2": "acceptance"}


def _funds(app, world, doc, township="锦城街道"):
    rows = [["文号", "资金名称", "资金类别", "来源级次", "金额（万元）", "下达日期", "乡镇", "到帐日期"],
            [doc, "美丽乡村建设资金", "专项转移支付", "县级", 50, d(60), township, d(50)]]
    return run(app, world, "funds", xlsx_bytes(rows), "资金指标下达表.xlsx", region="linan", user="county")


def test_daozhang_written_with_zhang_the_old_way_is_the_arrival(app, world):
    from backend.funds.models import Fund
    doc = f"临财建〔2026〕{tag()}号"
    assert _funds(app, world, doc)["status"] == "accepted"
    with app.app_context():
        fund = db.session.execute(select(Fund).where(Fund.doc_no == doc)).scalar_one()
        assert fund.arrived_on == date.fromisoformat(d(50))


def test_a_county_fund_file_without_a_township_column_takes_it_from_the_document(app, world):
    from backend.funds.models import Fund, FundAllocation, FundExpenditure
    doc, twice = f"临财建〔2026〕{tag()}号", f"临财预〔2026〕{tag()}号"
    assert _funds(app, world, doc)["status"] == "accepted"
    assert _funds(app, world, twice)["status"] == "accepted"
    assert _funds(app, world, twice, "太湖源镇")["status"] == "accepted"  # the same 文号 in two townships
    rows = [["文号", "资金名称", "分配去向", "用途", "分配金额（万元）", "分配日期"],
            [doc, "美丽乡村建设资金", "本级", "村级组织运转", 10, d(40)],
            [twice, "美丽乡村建设资金", "本级", "村级组织运转", 10, d(40)]]
    result = run(app, world, "allocations", csv_bytes(rows), "资金分配表.csv", region="linan", user="county")
    assert result["status"] == "rejected" and problems(result) == [(3, "township", "required")]
    result = run(app, world, "allocations", csv_bytes(rows[:2]), "资金分配表.csv", region="linan", user="county")
    assert result["status"] == "accepted" and result["inserted"] == 1
    rows = [["文号", "支出日期", "金额", "收款单位", "凭证号", "摘要"],
            [doc, d(30), "60000", "钱王社区股份经济合作社", f"记-{tag()}", "村级组织运转经费"]]
    result = run(app, world, "fund_expenditures", csv_bytes(rows, "gbk"), "资金支出明细账.csv", region="linan", user="county")
    assert result["status"] == "accepted" and result["inserted"] == 1
    with app.app_context():
        spent = db.session.execute(select(FundExpenditure).where(FundExpenditure.voucher_no == rows[1][4])).scalar_one()
        assert db.session.get(Fund, spent.fund_id).region_id == world["regions"]["jincheng"]
        assert db.session.execute(select(FundAllocation).where(FundAllocation.fund_id == spent.fund_id)).scalar_one()


def test_an_old_asset_acquired_in_a_year_and_a_contract_with_zhongzhi_riqi(app, world):
    from backend.assets.models import Asset, ResourceContract
    t = tag()
    rows = [["村（社区）", "资产名称", "资产类别", "原值", "净值", "取得日期"],
            ["钱王社区", f"旧仓库{t}", "经营性", 300000, 120000, "2010年"],
            ["钱王社区", f"老礼堂{t}", "公益性", 200000, 50000, 2008]]
    result = run(app, world, "assets", xlsx_bytes(rows), "村集体资产台账.xlsx")
    assert result["status"] == "accepted", result["errors"]
    rows = [["村（社区）", "方式", "标的名称", "承租方", "起始日期", "终止日期", "年租金（元）"],
            ["钱王社区", "租赁", f"旧仓库{t}", f"鑫源商贸{t}", "2024年1月", "2028年12月", 36000]]
    result = run(app, world, "resource_contracts", xlsx_bytes(rows), "承包租赁合同.xlsx")
    assert result["status"] == "accepted", result["errors"]
    with app.app_context():
        acquired = {a.name: a.acquired_on for a in db.session.execute(select(Asset).where(Asset.name.like(f"%{t}"))).scalars()}
        contract = db.session.execute(select(ResourceContract).where(ResourceContract.counterparty == f"鑫源商贸{t}")).scalar_one()
    assert acquired == {f"旧仓库{t}": date(2010, 1, 1), f"老礼堂{t}": date(2008, 1, 1)}
    assert contract.ends_on == date(2028, 12, 31)


def test_an_acquisition_that_is_no_date_is_still_refused(app, world):
    rows = [["村（社区）", "资产名称", "资产类别", "原值", "净值", "取得日期"],
            ["钱王社区", f"旧仓库{tag()}", "经营性", 300000, 120000, "很久以前"]]
    result = run(app, world, "assets", xlsx_bytes(rows), "村集体资产台账.xlsx")
    assert result["status"] == "rejected" and problems(result) == [(2, "acquired_on", "bad_date")]


def test_the_cli_says_which_column_is_which_with_map_and_it_is_saved(app, world, tmp_path):
    from backend.funds.models import Fund
    doc = f"临财建〔2026〕{tag()}号"
    path = tmp_path / "资金指标.csv"
    path.write_bytes(csv_bytes([["指标文件编号", "资金名称", "资金类别", "来源级次", "金额", "下达日期", "乡镇"],
                                [doc, "美丽乡村建设资金", "专项转移支付", "县级", 500000, d(60), "锦城街道"]], "gbk"))
    cli = app.test_cli_runner()
    args = ["import", "funds", "330112000000", str(path), "--user", "t_county"]
    result = cli.invoke(args=args)
    assert result.exit_code == 1 and "--map" in result.output and "文号" in result.output
    result = cli.invoke(args=[*args, "--map", "指标文件编号=籍贯"])
    assert result.exit_code == 1 and "没有“籍贯”这一项" in result.output
    result = cli.invoke(args=[*args, "--map", "指标文件编号"])
    assert result.exit_code == 1 and "COLUMN=FIELD" in result.output
    result = cli.invoke(args=[*args, "--map", "指标文件编号=文号"])
    assert result.exit_code == 0 and result.output.startswith("已导入：共 1 行，新增 1") and "\naccepted: 1 rows, 1 new" in result.output
    with app.app_context():
        assert db.session.execute(select(Fund).where(Fund.doc_no == doc)).scalar_one()
    # Next month's file: the mapping was saved for the county (by the code name, too).
    path.write_bytes(csv_bytes([["指标文件编号", "资金名称", "资金类别", "来源级次", "金额", "下达日期", "乡镇"],
                                [doc, "美丽乡村建设资金", "专项转移支付", "县级", 500000, d(60), "锦城街道"]], "gbk"))
    assert "\naccepted: 1 rows, 0 new, 0 updated, 1 unchanged" in cli.invoke(args=args).output
    assert cli.invoke(args=[*args, "--map", "指标文件编号=doc_no"]).exit_code == 0


def test_a_village_renamed_by_the_next_table_is_still_found_by_its_old_name(app, world):
    from backend.core.models import Region, User
    from backend.projects.models import Unit
    from backend.regions import services as regions
    t = tag()
    with app.app_context():
        town = db.session.get(Region, world["regions"]["taihuyuan"])
        taken = set(db.session.scalars(select(Region.code).where(Region.code.startswith("330112103"))))
        code = next(c for n in range(100, 1000) if (c := f"330112103{n}") not in taken)  # (other tests made some)
        village = Region(code=code, name=f"青溪{t}村", level="village", path=f"{town.path}{code}/", parent_id=town.id)
        db.session.add(village)
        db.session.flush()
        regions.rename_region(db.session.get(User, world["users"]["admin"]), village, f"青溪{t}社区")
        db.session.commit()
        village_id = village.id
    rows = [["单位名称", "单位类型", "乡镇", "村"], [f"青溪合作社{t}", "村集体", "太湖源镇", f"青溪{t}村"]]
    result = run(app, world, "units", csv_bytes(rows), "管理单位名录.csv", region="linan", user="county")
    assert result["status"] == "accepted", result["errors"]
    with app.app_context():
        assert db.session.execute(select(Unit).where(Unit.name == f"青溪合作社{t}")).scalar_one().region_id == village_id
