"""A county's departments from a file (the import engine's kind ``departments``): 部门名称, 部门代码,
所属地区, the policies each owns (主管政策, matched to the stored subsidy policies), 状态. All or nothing
with a per-row report; the same file again changes nothing; a changed row updates; the run is
withdrawn whole, policy ownership included; the CLI and the template; department users through the
roster kind's 部门 column."""
import uuid

import pytest
from sqlalchemy import select

from test_funds_import import csv_bytes, run, xlsx_bytes


@pytest.fixture
def tag():
    return uuid.uuid4().hex[:6]


@pytest.fixture
def policies(app, world, tag):
    """Two policies of 临安区 of their own (2026; the first also in 2025), by name."""
    from backend.extensions import db
    from backend.subsidies.models import SubsidyPolicy
    names = {"farm": f"耕地补贴{tag}", "care": f"残疾人两项补贴{tag}"}
    with app.app_context():
        ids = {}
        for key, name in names.items():
            for year in ((2025, 2026) if key == "farm" else (2026,)):
                policy = SubsidyPolicy(region_id=world["regions"]["linan"], year=year, name=name, category="农业",
                                       standard_amount="100.00", unit="元/亩", department="区农业农村局")
                db.session.add(policy)
                db.session.flush()
                ids[(key, year)] = policy.id
        db.session.commit()
    return {"names": names, "ids": ids}


def rows(tag, policies, farm_extra=""):
    farm, care = policies["names"]["farm"], policies["names"]["care"]
    return [["部门名称", "部门代码", "所属地区", "主管政策", "联系电话"],
            [f"农业局{tag}", f"NY-{tag}", "330112000000", f"{farm}{farm_extra}", "0571-63700000"],
            [f"残联{tag}", f"CL-{tag}", "临安区", f"{care}", ""]]


def owners(app, policy_ids):
    from backend.departments.models import DepartmentPolicy
    from backend.extensions import db
    with app.app_context():
        return {pid: dep for pid, dep in db.session.execute(select(DepartmentPolicy.policy_id, DepartmentPolicy.department_id)
                                                            .where(DepartmentPolicy.policy_id.in_(policy_ids)))}


def departments(app, tag):
    from backend.departments.models import Department
    from backend.extensions import db
    with app.app_context():
        return {d.code: (d.name, d.active, d.region_id) for d in
                db.session.execute(select(Department).where(Department.code.endswith(tag))).scalars()}


def test_a_county_loads_its_departments_and_the_same_file_changes_nothing(app, world, tag, policies):
    data = csv_bytes(rows(tag, policies))
    status, errors, counts, run_id = run(app, world, "departments", "部门名录.csv", data, region="linan", user="county")
    assert (status, errors, counts) == ("accepted", [], (2, 0, 0))
    made = departments(app, tag)
    assert made == {f"NY-{tag}": (f"农业局{tag}", True, world["regions"]["linan"]),
                    f"CL-{tag}": (f"残联{tag}", True, world["regions"]["linan"])}
    ids = policies["ids"]
    got = owners(app, list(ids.values()))
    from backend.departments.models import Department
    from backend.extensions import db
    with app.app_context():
        by_code = {d.code: d.id for d in db.session.execute(select(Department).where(Department.code.endswith(tag))).scalars()}
    # a name without a year is every year's policy of that name
    assert got == {ids[("farm", 2025)]: by_code[f"NY-{tag}"], ids[("farm", 2026)]: by_code[f"NY-{tag}"],
                   ids[("care", 2026)]: by_code[f"CL-{tag}"]}
    # the same file again (as .xlsx this time, with a title row) changes nothing
    again = xlsx_bytes(rows(tag, policies), title="临安区部门名录")
    status, errors, counts, _ = run(app, world, "departments", "部门名录.xlsx", again, region="linan", user="county")
    assert (status, errors, counts) == ("accepted", [], (0, 0, 2))
    # a changed row updates: renamed by its code, deactivated, one year's policy only
    changed = rows(tag, policies, farm_extra="（2026）")
    changed[0].append("状态")
    changed[1][0] = f"农业农村局{tag}"
    changed[1].append("启用")
    changed[2].append("停用")
    status, errors, counts, second = run(app, world, "departments", "部门名录.csv", csv_bytes(changed),
                                         region="linan", user="county")
    assert (status, errors, counts) == ("accepted", [], (0, 2, 0))
    assert departments(app, tag)[f"NY-{tag}"][0] == f"农业农村局{tag}"
    assert departments(app, tag)[f"CL-{tag}"][1] is False
    assert owners(app, list(ids.values())) == {ids[("farm", 2026)]: by_code[f"NY-{tag}"],
                                                ids[("care", 2026)]: by_code[f"CL-{tag}"]}
    # withdrawn, the second run puts back the name, the status and who owned the 2025 policy
    from backend.core.models import User
    from backend.imports import engine
    from backend.imports.models import ImportRun
    with app.app_context(), app.test_request_context(method="POST"):
        engine.withdraw(db.session.get(ImportRun, second), db.session.get(User, world["users"]["county"]), "导错了",
                        uuid.uuid4())
        db.session.commit()
    assert departments(app, tag) == made
    assert owners(app, list(ids.values())) == got
    # and the first, whose departments nobody uses yet, takes them away again with their policies
    with app.app_context(), app.test_request_context(method="POST"):
        engine.withdraw(db.session.get(ImportRun, run_id), db.session.get(User, world["users"]["county"]), "导错了",
                        uuid.uuid4())
        db.session.commit()
    assert departments(app, tag) == {} and owners(app, list(ids.values())) == {}


def test_any_bad_row_imports_nothing_and_says_each_problem(app, world, tag, policies):
    from backend.departments.models import Department
    bad = rows(tag, policies)
    bad[1][3] = f"{policies['names']['farm']}、不存在的补贴{tag}"   # an unknown policy
    bad.append([f"民政局{tag}", "bad code!", "330122000000", "", ""])   # a bad code, a county outside 临安
    bad.append([f"残联{tag}", f"CL2-{tag}", "临安区", "", ""])         # the same name twice in the county
    status, errors, counts, _ = run(app, world, "departments", "部门名录.csv", csv_bytes(bad), region="linan", user="county")
    assert status == "rejected"
    assert (2, "policies", "policy_unknown") in errors
    assert (4, "code", "code_malformed") in errors and (4, "region", "region_not_county") in errors
    assert (5, None, "duplicate_row") in errors
    assert departments(app, tag) == {}
    assert owners(app, list(policies["ids"].values())) == {}
    # the same policy given to two departments, and a code another county uses
    from backend.extensions import db
    with app.app_context():
        db.session.add(Department(region_id=world["regions"]["tonglu"], name=f"桐庐局{tag}", code=f"TL-{tag}"))
        db.session.commit()
    twice = rows(tag, policies)
    twice[2][3] = policies["names"]["farm"]
    twice.append([f"水利局{tag}", f"TL-{tag}", "", "", ""])
    status, errors, _, _ = run(app, world, "departments", "部门名录.csv", csv_bytes(twice), region="linan", user="county")
    assert status == "rejected"
    assert (3, "policies", "policy_twice") in errors and (4, "code", "code_taken") in errors
    assert set(departments(app, tag)) == {f"TL-{tag}"}


def test_who_may_import_departments_and_the_template(app, world, login_as, tag, policies):
    from openpyxl import load_workbook
    import io
    from conftest import assert_error, new_uuid
    lead = login_as("lead")
    assert "departments" not in [k["kind"] for k in lead.get("/api/v1/imports/kinds").json["items"]]
    assert_error(lead.get("/api/v1/imports/kinds/departments/template.xlsx"), 403, "role_forbidden")
    county = login_as("county")
    kinds = {k["kind"]: k for k in county.get("/api/v1/imports/kinds").json["items"]}
    assert kinds["departments"]["title"] == {"zh": "部门名录", "en": "Departments"}
    r = county.get("/api/v1/imports/kinds/departments/template.xlsx")
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.data))
    header = [c.value for c in book.worksheets[0][1]]
    assert header[:2] == ["部门名称", "部门代码"] and "主管政策" in header
    # a township is not where departments are imported
    r = county.post("/api/v1/imports", form={"client_uuid": new_uuid(), "kind": "departments",
                                             "region_id": str(world["regions"]["jincheng"]),
                                             "file": (io.BytesIO(csv_bytes(rows(tag, policies))), "d.csv")})
    assert_error(r, 400, "import_region_level")
    # (it said "import for a township or above" — at a township: the levels of the kind are named)
    assert r.json["error"]["message"] == {"zh": "部门名录请在省、市或县/区导入",
                                          "en": "Import departments for a province, a city or a county"}
    assert r.json["error"]["fields"][0]["path"] == "form_and_files.region_id"
    # the template as filled in, example row left in: the example is skipped, the rows are imported
    filled = [header, [c.value for c in book.worksheets[0][2]],
              [f"司法局{tag}", f"SF-{tag}", None, None, None]]
    status, errors, counts, _ = run(app, world, "departments", "模板.xlsx", xlsx_bytes(filled), region="linan",
                                    user="county")
    assert (status, errors, counts) == ("accepted", [], (1, 0, 0))


def test_the_cli_imports_departments(app, world, tag, policies, tmp_path):
    path = tmp_path / "部门名录.csv"
    path.write_bytes(csv_bytes(rows(tag, policies)))
    ok = app.test_cli_runner().invoke(args=["import", "departments", "330112000000", str(path), "--user", "t_county"])
    assert ok.exit_code == 0 and "新增 2" in ok.output, ok.output
    again = app.test_cli_runner().invoke(args=["import", "departments", "330112000000", str(path), "--user", "t_county"])
    assert again.exit_code == 0 and "未变 2" in again.output, again.output
    refused = app.test_cli_runner().invoke(args=["import", "departments", "330112006000", str(path), "--user", "t_lead"])
    assert refused.exit_code != 0


def test_department_users_come_with_the_roster(app, world, tag, policies):
    """The roster kind's 部门 column places a department user in an imported department."""
    from backend.core.models import User
    from backend.extensions import db
    run(app, world, "departments", "部门名录.csv", csv_bytes(rows(tag, policies)), region="linan", user="county")
    roster = [["姓名", "账号", "角色", "所属地区", "部门"], ["农业局张三", f"ny{tag}", "部门用户", "临安区", f"NY-{tag}"]]
    status, errors, counts, _ = run(app, world, "users", "人员.csv", csv_bytes(roster), region="linan", user="county")
    assert (status, errors, counts) == ("accepted", [], (1, 0, 0))
    with app.app_context():
        from backend.departments.models import Department
        user = db.session.execute(select(User).where(User.username == f"ny{tag}")).scalar_one()
        assert (user.role, db.session.get(Department, user.department_id).code) == ("department", f"NY-{tag}")
