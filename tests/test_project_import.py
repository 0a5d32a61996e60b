"""A county moves in: its unit list, project register and contract payments through the import
engine (CSV and .xlsx), each all or nothing with a per-row report, idempotent on its natural key.
A project imported at a later stage shows its earlier stages on the timeline at their real dates,
marked imported, and its hash chain verifies."""
import io
import uuid
from datetime import timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from backend.extensions import db
from conftest import TODAY, run_scan, warning_for

from backend.imports import engine

USCC = "91110000600037341L"


def tag():
    return uuid.uuid4().hex[:6]


def run(app, world, kind, data, filename="f.csv", region="jincheng", user="lead"):
    from backend.core.models import Region, User
    with app.app_context(), app.test_request_context(method="POST"):
        result = engine.run(kind, db.session.get(Region, world["regions"][region]),
                            db.session.get(User, world["users"][user]), filename, data)
        db.session.commit()
        return {c: getattr(result, c) for c in ("id", "status", "rows", "inserted", "updated", "unchanged",
                                                 "error_count", "errors")}


def problems(result):
    return [(e["row"], e["field"], e["code"]) for e in result["errors"]]


def csv(rows):
    return ("\n".join(",".join(str(c) for c in row) for row in rows) + "\n").encode("utf-8")


def xlsx(rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def count(app, model, **where):
    with app.app_context():
        return db.session.query(model).filter_by(**where).count()


REGISTER = ["项目编号", "项目名称", "管理单位", "村", "项目类别", "省级资金", "县级资金", "总预算", "承建单位",
            "统一社会信用代码", "合同金额", "计划开工日期", "计划完工日期", "当前阶段", "立项日期", "招投标日期",
            "合同日期", "开工日期"]


def register_row(ref, name, stage="施工", village="钱王社区", unit="锦城街道财政所", province="600000",
                 county="400000", budget="1000000", contractor="杭州临安城建工程有限公司", uscc=USCC,
                 dates=("2025-01-10", "2025-02-01", "2025-02-20", "2025-03-05")):
    d = list(dates) + [""] * (4 - len(dates))
    return [ref, name, unit, village, "道路交通", province, county, budget, contractor, uscc, "950000",
            "2025-03-01", "2025-12-31", stage, *d]


# ---- units ------------------------------------------------------------------------------------------

def test_units_import_and_again_changes_nothing(app, world):
    from backend.projects.models import Unit
    t = tag()
    data = csv([["单位名称", "单位类型", "村", "负责人"],
                [f"钱王社区居民委员会{t}", "村民委员会", "钱王社区", "王芳"],
                [f"锦城街道中心小学{t}", "学校", "", ""]])
    first = run(app, world, "units", data)
    assert (first["status"], first["inserted"]) == ("accepted", 2), first["errors"]
    again = run(app, world, "units", data)
    assert (again["status"], again["inserted"], again["updated"], again["unchanged"]) == ("accepted", 0, 0, 2)
    with app.app_context():
        unit = db.session.query(Unit).filter_by(name=f"钱王社区居民委员会{t}").one()
        assert unit.region_id == world["regions"]["qianwang"] and unit.head_name == "王芳"
        from backend.qrcodes.services import active_code
        assert active_code("unit", unit.id) is not None


def test_units_refusals(app, world):
    from backend.projects.models import Unit
    before = count(app, Unit)
    data = csv([["单位名称", "单位类型", "村"],
                ["某单位", "外星机构", ""],
                ["另一单位", "学校", "白沙村"],  # a village of 太湖源镇, not 锦城街道
                ["=cmd", "学校", ""]])
    result = run(app, world, "units", data)
    assert result["status"] == "rejected"
    assert set(problems(result)) >= {(2, "unit_kind", "unit_kind_unknown"), (3, "village", "village_not_in_township"),
                                     (4, "name", "name_formula")}
    assert count(app, Unit) == before


# ---- the project register ---------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_register_imports_projects_with_their_history(app, world, login_as, fmt):
    from backend.projects.models import Project
    t = tag()
    rows = [REGISTER, register_row(f"R-{t}-1", f"钱王社区道路{t}"),
            register_row(f"R-{t}-2", f"锦城街道立项项目{t}", stage="立项", village="", contractor="", uscc="",
                         dates=("2026-10-01",))]
    data, name = (csv(rows), "register.csv") if fmt == "csv" else (xlsx(rows), "register.xlsx")
    result = run(app, world, "projects", data, name)
    assert (result["status"], result["inserted"]) == ("accepted", 2), result["errors"]
    with app.app_context():
        p = db.session.query(Project).filter_by(ref_no=f"R-{t}-1").one()
        assert (p.stage, p.region_id, p.contractor_uscc, str(p.budget)) == ("construction", world["regions"]["qianwang"], USCC, "1000000.00")
        assert [(f["level"], f["amount"]) for f in p.funding_sources] == [("province", "600000.00"), ("county", "400000.00")]
        pid = p.id
    lead = login_as("lead")
    assert lead.get(f"/api/v1/projects/{pid}/chain").json["intact"] is True
    timeline = list(reversed(lead.get(f"/api/v1/projects/{pid}/timeline").json["items"]))
    stages = [(e["kind"], e["payload"].get("to"), e["occurred_at"][:10], e["payload"].get("imported")) for e in timeline]
    assert stages[:4] == [("created", None, "2025-01-10", True), ("stage_changed", "tendering", "2025-02-01", True),
                          ("stage_changed", "contracted", "2025-02-20", True), ("stage_changed", "construction", "2025-03-05", True)]
    assert timeline[4]["kind"] == "code_issued" and lead.get(f"/api/v1/projects/{pid}").json["code"]
    # The same file again changes nothing.
    again = run(app, world, "projects", data, name)
    assert (again["status"], again["inserted"], again["updated"], again["unchanged"]) == ("accepted", 0, 0, 2)
    # A later register moves the project on and corrects its contractor: both on the timeline.
    later = csv([REGISTER + ["验收日期"],
                 register_row(f"R-{t}-1", f"钱王社区道路{t}", stage="验收", contractor="杭州临安城建工程集团有限公司")
                 + ["2025-11-30"]])
    moved = run(app, world, "projects", later)
    assert (moved["status"], moved["updated"]) == ("accepted", 1), moved["errors"]
    kinds = [e["kind"] for e in lead.get(f"/api/v1/projects/{pid}/timeline").json["items"]
             if e["kind"] in ("stage_changed", "contractor_corrected")][:2]
    assert kinds == ["stage_changed", "contractor_corrected"]  # newest first: the correction, then the move
    assert lead.get(f"/api/v1/projects/{pid}/chain").json["intact"] is True


def test_a_stage_passed_without_a_date_is_put_at_the_next_date_known(app, world, login_as):
    """A county's ledger has 立项 and 开工 but no 招标 or 合同 dates: the project goes in at 施工,
    the blank stages at the 开工 date, marked as not dated in the register."""
    from backend.projects.models import Project
    t = tag()
    result = run(app, world, "projects", csv([REGISTER, register_row(f"U-{t}-1", f"无招标日期项目{t}",
                                                                     dates=("2025-01-10", "", "", "2025-03-05"))]))
    assert (result["status"], result["inserted"]) == ("accepted", 1), result["errors"]
    with app.app_context():
        pid = db.session.query(Project).filter_by(ref_no=f"U-{t}-1").one().id
    timeline = list(reversed(login_as("lead").get(f"/api/v1/projects/{pid}/timeline").json["items"]))
    stages = [(e["payload"].get("to"), e["occurred_at"][:10], e["payload"].get("date_unknown"))
              for e in timeline if e["kind"] == "stage_changed"]
    assert stages == [("tendering", "2025-03-05", True), ("contracted", "2025-03-05", True),
                      ("construction", "2025-03-05", None)]
    assert login_as("lead").get(f"/api/v1/projects/{pid}/chain").json["intact"] is True


def test_register_refusals_write_nothing(app, world):
    from backend.projects.models import Project
    t = tag()
    before = count(app, Project)
    rows = [REGISTER,
            register_row(f"B-{t}-1", "未知单位项目", unit="不存在的财政所"),
            register_row(f"B-{t}-2", "错村项目", village="白沙村"),
            register_row(f"B-{t}-3", "坏代码项目", uscc="91110000600037341X"),
            register_row(f"B-{t}-4", "金额不符项目", budget="999999"),
            register_row(f"B-{t}-5", "日期颠倒项目", dates=("2025-01-10", "2025-03-01", "2025-02-20", "2025-03-05")),
            register_row(f"B-{t}-6", "缺日期项目", dates=("2025-01-10", "2025-02-01", "2025-02-20", "")),
            register_row(f"B-{t}-7", "无承建单位项目", contractor="", uscc=""),
            register_row(f"B-{t}-8", "怪阶段项目", stage="半完工"),
            register_row(f"B-{t}-9", "立项有开工日期", stage="立项")]
    result = run(app, world, "projects", csv(rows))
    assert result["status"] == "rejected"
    found = set(problems(result))
    assert found >= {(2, "unit", "unit_not_found"), (3, "village", "village_not_in_township"),
                     (4, "contractor_uscc", "uscc_checksum"), (5, "budget", "funding_mismatch"),
                     (6, "contracted_on", "stage_dates_order"), (7, "construction_on", "stage_date_missing"),
                     (8, "contractor", "contractor_required"), (9, "stage", "stage_unknown"),
                     (10, "tendering_on", "stage_date_beyond")}, found
    assert count(app, Project) == before


def test_register_refuses_a_stage_behind_the_stored_one(app, world, make_project):
    from backend.projects.models import Project
    pid = make_project(stage="acceptance")
    with app.app_context():
        ref = db.session.get(Project, pid).ref_no
    result = run(app, world, "projects", csv([REGISTER, register_row(ref, "某项目")]))
    assert ("stage_behind" in [e["code"] for e in result["errors"]]) and result["status"] == "rejected"


def test_a_project_number_used_in_another_township_is_refused_by_its_value(app, world, make_project):
    from backend.projects.models import Project
    other = make_project(region="taihuyuan")
    with app.app_context():
        ref = db.session.get(Project, other).ref_no
    result = run(app, world, "projects", csv([REGISTER, register_row(ref, f"撞号项目{tag()}")]))
    assert problems(result) == [(2, "ref_no", "ref_no_elsewhere")]
    assert result["errors"][0]["message"] == {
        "zh": f"项目编号“{ref}”已被其他地区的项目使用",
        "en": f"The project number '{ref}' belongs to a project outside this region"}


def test_a_county_imports_for_its_townships(app, world):
    t = tag()
    rows = [["乡镇"] + REGISTER, ["太湖源镇"] + register_row(f"C-{t}", f"白沙村水渠{t}", village="白沙村",
                                                           unit="太湖源镇财政所")]
    ok = run(app, world, "projects", csv(rows), region="linan", user="county")
    assert ok["status"] == "accepted", ok["errors"]
    no_town = run(app, world, "projects", csv([REGISTER, register_row(f"D-{t}", "无乡镇")]), region="linan", user="county")
    assert (2, "township", "required") in problems(no_town)


# ---- payments ---------------------------------------------------------------------------------------

PAYMENTS = ["项目编号", "项目名称", "支付日期", "支付金额", "收款单位", "凭证号", "资金来源"]


@pytest.fixture
def imported(app, world):
    t = tag()
    result = run(app, world, "projects", csv([REGISTER, register_row(f"P-{t}", f"钱王社区排水{t}")]))
    assert result["status"] == "accepted", result["errors"]
    return f"P-{t}", f"钱王社区排水{t}"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_payments_import_idempotent_and_on_the_timeline(app, world, login_as, imported, fmt):
    from backend.projects.models import Project, ProjectPayment
    ref, name = imported
    rows = [PAYMENTS, [ref, "", "2025-04-01", "300000", "杭州临安城建工程有限公司", "记-0401", "省级资金"],
            ["", name, "2025-06-01", "200000.50", "杭州临安城建工程有限责任公司", "记-0601", "县级资金"]]
    data, fname = (csv(rows), "p.csv") if fmt == "csv" else (xlsx(rows), "p.xlsx")
    result = run(app, world, "project_payments", data, fname)
    assert (result["status"], result["inserted"]) == ("accepted", 2), result["errors"]
    again = run(app, world, "project_payments", data, fname)
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 2)
    with app.app_context():
        pid = db.session.query(Project.id).filter_by(ref_no=ref).scalar()
        assert db.session.query(ProjectPayment).filter_by(project_id=pid).count() == 2
    lead = login_as("lead")
    assert lead.get(f"/api/v1/projects/{pid}/payments").json["paid_total"] == "500000.50"
    top = lead.get(f"/api/v1/projects/{pid}/timeline").json["items"][0]
    assert top["kind"] == "payments_imported" and top["payload"]["count"] == 2 and top["payload"]["total"] == "500000.50"
    assert lead.get(f"/api/v1/projects/{pid}/chain").json["intact"] is True
    # Neither spelling of the contractor is a finding.
    run_scan(app, "payee_not_contractor")
    from backend.risks.models import RiskWarning
    with app.app_context():
        assert db.session.query(RiskWarning).filter_by(rule_code="payee_not_contractor", project_id=pid).count() == 0


def test_payments_find_a_project_by_its_name_written_with_spaces(app, world):
    """The register drops the spaces between Chinese words of a name (2025年 钱王社区 排水 → 2025年钱王社区排水);
    a payment list that names the project the same way, spaces and all, finds it."""
    t = tag()
    spaced = f"2025年 钱王社区 雨污分流{t}"
    assert run(app, world, "projects", csv([REGISTER, register_row(f"S-{t}", spaced)]))["status"] == "accepted"
    result = run(app, world, "project_payments", csv([PAYMENTS, ["", spaced, "2025-04-01", "1000", "杭州临安城建工程有限公司",
                                                                 f"记-{t}", "省级资金"]]))
    assert (result["status"], result["inserted"]) == ("accepted", 1), result["errors"]


def test_payment_to_another_company_fires_and_a_corrected_list_clears_it(app, world, imported):
    from backend.projects.companies import company_key
    from backend.projects.models import Project
    ref, _ = imported
    wrong = csv([PAYMENTS, [ref, "", "2025-05-01", "80000", "临安某劳务有限公司", "记-0501", "省级资金"]])
    assert run(app, world, "project_payments", wrong)["status"] == "accepted"
    run_scan(app, "payee_not_contractor")
    with app.app_context():
        pid = db.session.query(Project.id).filter_by(ref_no=ref).scalar()
    key = f"project:{pid}:payee:{company_key('临安某劳务有限公司')}"
    w = warning_for(app, "payee_not_contractor", key)
    assert w["status"] == "open" and w["evidence"]["vouchers"] == "记-0501"
    fixed = csv([PAYMENTS, [ref, "", "2025-05-01", "80000", "杭州临安城建工程有限公司", "记-0501", "省级资金"]])
    corrected = run(app, world, "project_payments", fixed)
    assert (corrected["status"], corrected["updated"]) == ("accepted", 1)
    run_scan(app, "payee_not_contractor")
    assert warning_for(app, "payee_not_contractor", key)["status"] != "open"


def test_payment_refusals(app, world, make_project, imported):
    from backend.projects.models import Project, ProjectPayment
    ref, _ = imported
    early = make_project(stage="approved")
    with app.app_context():
        early_ref = db.session.get(Project, early).ref_no
    before = count(app, ProjectPayment)
    future = (TODAY + timedelta(days=3)).isoformat()
    rows = [PAYMENTS,
            ["NOPE-1", "", "2025-04-01", "100", "某公司", "V1", "省级资金"],
            ["", "没有这个项目", "2025-04-01", "100", "某公司", "V2", "省级资金"],
            [early_ref, "", "2025-04-01", "100", "某公司", "V3", "省级资金"],
            [ref, "", future, "100", "某公司", "V4", "省级资金"],
            [ref, "", "2025-04-01", "-5", "某公司", "V5", "省级资金"],
            [ref, "", "2025-04-01", "100", "某公司", "V6", "省级资金"],
            [ref, "", "2025-04-02", "100", "某公司", "V6", "省级资金"]]
    result = run(app, world, "project_payments", csv(rows))
    assert result["status"] == "rejected"
    found = set(problems(result))
    assert found >= {(2, "ref_no", "project_not_found"), (3, "project", "project_not_found"),
                     (4, "project", "payment_stage"), (5, "paid_on", "date_in_future"),
                     (6, "amount", "negative"), (8, None, "duplicate_row")}, found
    assert count(app, ProjectPayment) == before


def test_a_project_of_another_township_is_unknown_to_the_lead(app, world, make_project):
    from backend.projects.models import Project
    other = make_project(region="taihuyuan", stage="construction")
    with app.app_context():
        ref = db.session.get(Project, other).ref_no
    result = run(app, world, "project_payments", csv([PAYMENTS, [ref, "", "2025-04-01", "100", "某公司", "V1", "省级资金"]]))
    assert problems(result) == [(2, "ref_no", "project_not_found")]


def test_written_rows_carry_their_batch(app, world, imported):
    from backend.projects.models import Project
    ref, _ = imported
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Project).where(
            Project.ref_no == ref, Project.batch_id.is_not(None))) == 1


def test_withdrawing_a_payment_run_and_not_a_register_that_added_projects(app, world, imported):
    from backend.core.errors import ApiError
    from backend.core.models import User
    from backend.imports.models import ImportRun
    from backend.projects.models import Project, ProjectPayment
    ref, _ = imported
    paid = run(app, world, "project_payments", csv([PAYMENTS, [ref, "", "2025-04-01", "1000", "某公司", "W-1", "省级资金"]]))
    assert paid["status"] == "accepted"
    with app.app_context(), app.test_request_context(method="POST"):
        lead = db.session.get(User, world["users"]["lead"])
        engine.withdraw(db.session.get(ImportRun, paid["id"]), lead, "导错了文件", str(uuid.uuid4()))
        db.session.commit()
        pid = db.session.query(Project.id).filter_by(ref_no=ref).scalar()
        assert db.session.query(ProjectPayment).filter_by(project_id=pid, voucher_no="W-1").count() == 0
        register = db.session.query(Project.batch_id).filter_by(ref_no=ref).scalar()
        with pytest.raises(ApiError) as refused:
            engine.withdraw(db.session.get(ImportRun, register), lead, "x", str(uuid.uuid4()))
        assert refused.value.code == "import_in_use"  # the project has its timeline and code already
        db.session.rollback()


def test_each_kinds_template_is_read_back(app, world, login_as):
    """The template a clerk downloads, filled in below its example row (which is left out): units,
    then the register, then the payments naming the register's project — each accepted."""
    from openpyxl import load_workbook
    lead = login_as("lead")
    t = tag()
    tweak = {"单位名称": f"-{t}", "项目名称": f"-{t}", "项目编号": f"-{t}", "凭证号": f"-{t}"}
    for kind in ("units", "projects", "project_payments"):
        template = lead.get(f"/api/v1/imports/kinds/{kind}/template.xlsx")
        assert template.status_code == 200
        book = load_workbook(io.BytesIO(template.data))
        sheet = book.worksheets[0]
        header = [c.value for c in sheet[1]]
        sheet.append([(f"{v}{tweak[h]}" if h in tweak and v else v) for h, v in zip(header, [c.value for c in sheet[2]])])
        out = io.BytesIO()
        book.save(out)
        result = run(app, world, kind, out.getvalue(), f"{kind}.xlsx")
        assert (result["status"], result["inserted"]) == ("accepted", 1), (kind, result["errors"])
