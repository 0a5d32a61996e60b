"""A real county moves in: every file its clerks keep (tests/county_files.py: GBK and UTF-8 CSV, .xlsx and
old .xls, title rows, merged headers, full-width digits, Excel dates, 合计 and signature lines) imported
through the CLI in the order a county brings them — the division table, the roster, units, the project
register and its payments, budget lines (then allocated) and their spending, the 三资 registers, the
subsidy policies, beneficiaries and payments. Then the county's supervisor, signed in with the one-time
password the roster gave, sees it all through the API; the same files again change nothing; and a file
with one bad row, of any kind, is refused whole with the row and column named."""
import re
import unicodedata
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from backend.core.models import Region, User
from backend.extensions import db
from backend.imports.models import ImportRun
from conftest import PASSWORD, Client, jpeg_bytes
from county_files import ORDER, STAGE_CODES, county, id_number

CODE = "330188"  # a county of 杭州 that neither the demo (330112) nor the world uses
NEW_PASSWORD = "county-moves-in-2026"


def cli(app, *args):
    """Run ``flask ARGS`` as an operator would; (exit code, output, the import run id or None)."""
    result = app.test_cli_runner().invoke(args=[str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    found = re.search(r"\(import (\d+)\)", result.output)
    return result.exit_code, result.output, int(found[1]) if found else None


def imported(app, kind, region, path, user):
    code, output, run_id = cli(app, "import", kind, region, path, "--user", user)
    assert code == 0 and "\naccepted:" in output, (kind, output[:3000])
    return output, run_id


def counts_of(output):
    """(rows, new, updated, unchanged) from the CLI's line."""
    m = re.search(r"^accepted: (\d+) rows, (\d+) new, (\d+) updated, (\d+) unchanged", output, re.M)
    return tuple(int(x) for x in m.groups())


def signed_in(app, username, password):
    client = app.test_client()
    r = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.json
    return Client(client, r.json["csrf_token"]), r.json


class Moved:
    """The county as it was imported: its files, the paths written, and the ids the API gives."""

    def __init__(self, files, paths):
        self.files, self.paths = files, paths
        self.outputs = {}


@pytest.fixture(scope="module")
def moved(app, world, tmp_path_factory):
    c = county(CODE, seed=2026)
    paths = c.write(tmp_path_factory.mktemp("county"))
    state = Moved(c, paths)
    # 1. The division table, by the operator at the shell (the county is not there yet).
    code, output, _ = cli(app, "regions-import", paths["regions"])
    assert code == 0 and output.startswith("新增区划 16 个") and "\n16 regions added" in output, output  # (浙江省 and 杭州市 were there)
    # 2. The roster, by the province's administrator; the one-time passwords are taken once.
    output, run_id = imported(app, "users", c.code, paths["users"], "t_admin")
    assert counts_of(output) == (7, 7, 0, 0)
    code, secrets, _ = cli(app, "import-secret", run_id, "--user", "t_admin")
    assert code == 0
    passwords = {line.split("\t")[1]: line.split("\t")[-1] for line in secrets.splitlines()}
    assert set(passwords) == {u["username"] for u in c.users}
    assert cli(app, "import-secret", run_id, "--user", "t_admin")[0] != 0  # only once
    # 3. The county's supervisor signs in with theirs and must choose their own first.
    supervisor = c.user("county")["username"]
    client, me = signed_in(app, supervisor, passwords[supervisor])
    assert me["user"]["must_change_password"] is True
    r = client.post("/api/v1/auth/password", json={"current_password": passwords[supervisor], "new_password": NEW_PASSWORD})
    assert r.status_code == 200, r.json
    state.client = signed_in(app, supervisor, NEW_PASSWORD)[0]
    state.supervisor = supervisor
    # 4. Everything else, by the county's supervisor, for the county.
    for kind in ORDER[2:]:
        if kind == "fund_expenditures":
            _allocate(state)
        state.outputs[kind] = imported(app, kind, c.code, paths[kind], supervisor)[0]
    return state


def _allocate(state):
    """What the county decided for each arrived fund before the spending file: part to a project,
    the rest to the township's own use (there is no file of allocations: they are decisions)."""
    client, c = state.client, state.files
    for a in c.allocations:
        funds = client.get(f"/api/v1/funds?q={a['doc_no']}&per_page=100").json["items"]
        fund = next(f for f in funds if f["name"] == a["name"] and f["region"]["name"] == a["township"])
        body = {"client_uuid": _uuid(), "target": a["target"], "amount": str(a["amount"]),
                "allocated_on": a["allocated_on"].isoformat()}
        if a["target"] == "project":
            body["project_id"] = _project(client, a["project_ref"])["id"]
        else:
            body["purpose"] = a["purpose"]
        r = client.post(f"/api/v1/funds/{fund['id']}/allocations", json=body)
        assert r.status_code == 201, r.json


def _uuid():
    import uuid
    return str(uuid.uuid4())


def _project(client, ref):
    items = client.get(f"/api/v1/projects?q={ref}").json["items"]
    return next(p for p in items if p["ref_no"] == ref)


def every(client, url):
    items, page = [], 1
    while True:
        r = client.get(f"{url}{'&' if '?' in url else '?'}page={page}&per_page=100")
        assert r.status_code == 200, r.json
        items += r.json["items"]
        if page * 100 >= r.json["total"]:
            return items
        page += 1


def region_id(app, code):
    with app.app_context():
        return db.session.execute(select(Region.id).where(Region.code == code)).scalar_one()


# ---------------------------------------------------------------- what the supervisor sees

def test_the_supervisor_sees_the_county_s_tree(app, moved):
    client, c = moved.client, moved.files
    me = client.get("/api/v1/auth/me").json
    assert (me["user"]["role"], me["user"]["region"]["code"]) == ("county", c.code)
    county_id = region_id(app, c.code)
    towns = every(client, f"/api/v1/regions?parent_id={county_id}")
    assert [(t["code"], t["name"], t["level"]) for t in towns] == [(t["code"], t["name"], "township") for t in c.townships]
    for town, written in zip(towns, c.townships):
        villages = every(client, f"/api/v1/regions?parent_id={town['id']}")
        assert [(v["code"], v["name"]) for v in villages] == [(v["code"], v["name"]) for v in written["villages"]]
    # Two villages called 新华村, one in each of two townships, as the table said.
    assert [v["code"] for v in every(client, "/api/v1/regions?q=新华村")] == [
        v["code"] for v in c.villages if v["name"] == "新华村"]
    # The roster's people are where it put them.
    users = {u["username"]: u for u in every(client, "/api/v1/users")}
    for u in c.users:
        assert (users[u["username"]]["role"], users[u["username"]]["region"]["code"]) == (u["role"], u["region_code"])


def test_projects_come_with_their_imported_lifecycle(app, moved):
    client, c = moved.client, moved.files
    listed = {p["ref_no"]: p for p in every(client, f"/api/v1/projects?region_id={region_id(app, c.code)}")}
    assert set(listed) == {p["ref_no"] for p in c.projects}
    by_stage = {}
    for p in c.projects:
        shown = listed[p["ref_no"]]
        # (names are kept as NFKC: the full-width （二期） of a name is stored as (二期))
        assert (shown["name"], shown["stage"], Decimal(shown["budget"]), shown["contractor"]) == (
            unicodedata.normalize("NFKC", p["name"]), p["stage"], p["budget"], p["contractor"])
        assert shown["region"]["name"] == (p["village"] or p["township"]) and shown["code"]
        by_stage.setdefault(p["stage"], []).append(p)
    assert set(by_stage) == set(STAGE_CODES)  # every stage is there, 施工 included
    for stage, projects in by_stage.items():
        p = projects[0]
        full = client.get(f"/api/v1/projects/{listed[p['ref_no']]['id']}").json
        assert full["chain_intact"] is True and full["contractor_uscc"] == p["uscc"]
        assert {f["level"]: Decimal(f["amount"]) for f in full["funding_sources"]} == {
            _level(k): v for k, v in p["shares"].items()}
        events = list(reversed(client.get(f"/api/v1/projects/{full['id']}/timeline").json["items"]))
        history = [(e["payload"].get("to", "approved"), e["occurred_at"][:10]) for e in events
                   if e["kind"] in ("created", "stage_changed") and e["payload"].get("imported")]
        assert history == [(s, d.isoformat()) for s, d in p["dates"].items()], (stage, history)


def _level(word):
    return {"中央": "central", "省级": "province", "市级": "city", "县级": "county", "乡级": "township", "自筹": "self"}[word]


def test_payments_are_on_their_projects(moved):
    client, c = moved.client, moved.files
    paid = [p for p in c.projects if p.get("payments")]
    assert {p["stage"] for p in paid} == set(STAGE_CODES[2:])
    for p in paid[:8]:
        listed = client.get(f"/api/v1/projects/{_project(client, p['ref_no'])['id']}/payments").json
        assert sorted((x["voucher_no"], Decimal(x["amount"]), x["paid_on"]) for x in listed["items"]) == sorted(
            (x["voucher"], x["amount"], x["paid_on"].isoformat()) for x in p["payments"])
        assert Decimal(listed["paid_total"]) == sum(x["amount"] for x in p["payments"])


def test_funds_show_their_chain_from_issue_to_spending(app, moved):
    client, c = moved.client, moved.files
    funds = every(client, f"/api/v1/funds?region_id={region_id(app, c.code)}")
    shown = {(f["region"]["name"], f["doc_no"], f["name"]): f for f in funds}
    assert set(shown) == {(f["township"], f["doc_no"], f["name"]) for f in c.funds}
    for f in c.funds:
        fund = shown[f["township"], f["doc_no"], f["name"]]
        assert Decimal(fund["amount"]) == f["amount"] and fund["issued_on"] == f["issued_on"].isoformat()
        spent = sum((amount for a in c.allocations if (a["township"], a["doc_no"], a["name"]) ==
                     (f["township"], f["doc_no"], f["name"]) for _, amount, _ in a["spent"]), Decimal(0))
        if f["arrived_on"] is None:
            assert (fund["stage"], fund["arrived_on"], fund["allocated"]) == ("issued", None, "0.00")
            continue
        detail = client.get(f"/api/v1/funds/{fund['id']}").json
        assert detail["arrived_on"] == f["arrived_on"].isoformat() and detail["stage"] == "allocated"
        assert Decimal(detail["allocated"]) == f["amount"] and Decimal(detail["spent"]) == spent
        steps = {s["step"]: s for s in detail["chain"]}
        assert steps["arrived"]["days"] == (f["arrived_on"] - f["issued_on"]).days
        assert steps["spent"]["on"] is not None
        project_spending = [e for e in detail["expenditures"] if e.get("project")]
        assert project_spending, detail["expenditures"]


def test_the_collectives_registers(app, moved):
    client, c = moved.client, moved.files
    county_id = region_id(app, c.code)
    assets = every(client, f"/api/v1/assets?region_id={county_id}")
    resources = every(client, f"/api/v1/resources?region_id={county_id}")
    contracts = every(client, f"/api/v1/resource-contracts?region_id={county_id}")
    assert len(assets) == len(c.sheets["assets"].rows) == 24
    assert len(resources) == len(c.sheets["resources"].rows) == 24
    assert {x["contract_no"] for x in contracts} == {r[1] for r in c.sheets["resource_contracts"].rows}
    # Each 新华村's assets went to the 新华村 of the township written before it.
    villages = {v["code"]: v for v in c.villages}
    for a in assets:
        number = a["asset_no"]
        assert a["region"]["code"] == next(code for code in villages if number[3:9] == code[-6:])


def test_the_subsidy_rolls(app, moved):
    client, c = moved.client, moved.files
    county_id = region_id(app, c.code)
    people = every(client, f"/api/v1/subsidies/beneficiaries?region_id={county_id}")
    # Masked in every list: the surname and the ID number's first six and last four digits show.
    assert sorted((p["name"][0], p["id_number"][:6], p["id_number"][-4:]) for p in people) == sorted(
        (p["name"][0], p["id_number"][:6], p["id_number"][-4:]) for p in c.people)
    assert all("*" in p["id_number"] and "*" in p["name"] for p in people)
    paid = every(client, f"/api/v1/subsidies/disbursements?region_id={county_id}")
    assert len(paid) == len(c.sheets["disbursements"].rows)
    failed = [d for d in paid if d["status"] == "failed"]
    assert len(failed) == 1 and failed[0]["reason"] == "账户冻结"
    policies = {p["name"] for p in client.get("/api/v1/subsidies/policies?year=2026").json["items"]}
    assert {"耕地地力保护补贴", "城乡居民基础养老金", "困难群众临时救助"} <= policies


def test_the_same_files_again_change_nothing(app, moved):
    c, paths = moved.files, moved.paths
    code, output, _ = cli(app, "regions-import", paths["regions"])
    assert code == 0 and "\n0 regions added, 0 changed" in output, output
    output, _ = imported(app, "regions", "330100000000", paths["regions"], "t_admin")  # the engine's kind: the same
    assert counts_of(output) == (18, 0, 0, 18)
    output, _ = imported(app, "users", c.code, paths["users"], "t_admin")
    assert counts_of(output)[1:] == (0, 0, 7)
    for kind in ORDER[2:]:
        output, _ = imported(app, kind, c.code, paths[kind], moved.supervisor)
        rows, new, updated, unchanged = counts_of(output)
        assert (new, updated, unchanged) == (0, 0, rows) == (0, 0, len(c.sheets[kind].rows)), (kind, output)


def test_the_county_grows_its_own_roster(app, moved, tmp_path):
    """The county's supervisor adds an inspector to the roster the administrator imported and imports
    it whole — their own row on it, unchanged, is no reason to refuse it."""
    c = moved.files
    roster = c.sheets["users"].copy()
    roster.rows.append([len(roster.rows) + 1, "新巡查", f"x{CODE}insp9", "巡查员", c.townships[2]["name"], ""])
    path = tmp_path / roster.filename
    path.write_bytes(roster.data())
    output, _ = imported(app, "users", c.code, path, moved.supervisor)
    assert counts_of(output) == (8, 1, 0, 7)


# ---------------------------------------------------------------- refusals: one bad row, nothing written

def _models():
    from backend.assets.models import Asset, Resource, ResourceContract
    from backend.funds.models import Fund, FundExpenditure
    from backend.projects.models import Project, ProjectPayment, Unit
    from backend.subsidies.models import Beneficiary, Disbursement, SubsidyPolicy
    return {"regions": Region, "users": User, "units": Unit, "projects": Project, "project_payments": ProjectPayment,
            "funds": Fund, "fund_expenditures": FundExpenditure, "assets": Asset, "resources": Resource,
            "resource_contracts": ResourceContract, "policies": SubsidyPolicy, "beneficiaries": Beneficiary,
            "disbursements": Disbursement}


def _count(app, kind):
    with app.app_context():
        model = _models()[kind]
        return db.session.scalar(select(func.count()).select_from(model))


def _fresh(sheet, c):
    """The file with one row that would be new (so a file that is not refused whole writes something)."""
    kind = sheet.kind
    if kind == "regions":
        sheet.rows.append([f"{CODE}103299", "220", "新设村"])
    elif kind == "users":
        sheet.rows.append([99, "新来的", f"x{CODE}new", "巡查员", c.townships[0]["name"], ""])
    else:
        column, change = {
            "units": ("单位名称", lambda v: v + "（新）"), "projects": ("项目编号", lambda v: v + "-N"),
            "project_payments": ("凭证号", lambda v: v + "-N"), "funds": ("资金名称", lambda v: "新增" + v),
            "fund_expenditures": ("凭证号", lambda v: v + "-N"), "assets": ("资产编码", lambda v: v + "-N"),
            "resources": ("资源编号", lambda v: v + "-N"), "resource_contracts": ("合同编号", lambda v: v + "-N"),
            "policies": ("补贴名称", lambda v: "新增" + v),
            "beneficiaries": ("身份证号码", lambda v: id_number(CODE, date(1966, 6, 6), 990)),
            "disbursements": ("实发金额", lambda v: "1.23")}[kind]
        sheet.set(0, column, change(sheet.get(0, column)))
    return sheet


def _other_township_village(c, township):
    """A village of another township (one whose name this township does not have)."""
    own = {v["name"] for v in township["villages"]}
    return next(v["name"] for t in c.townships if t is not township for v in t["villages"] if v["name"] not in own)


# (kind, what is wrong, the column written wrong, a bad value (or a function of the county and the row), the code)
BAD_ROWS = [
    ("regions", "a code of 11 digits", "统计用区划代码", f"{CODE}10320", "code_malformed"),
    ("users", "an unknown role", "角色", "村会计", "role_unknown"),
    ("users", "a region nobody has", "所属地区", "不存在街道", "region_not_found"),
    ("units", "an unknown village", "村（社区）", "无此村", "village_not_in_township"),
    ("units", "a village of another township", "村（社区）",
     lambda c, s, i: _other_township_village(c, next(t for t in c.townships if t["name"] == s.get(i, "乡镇街道"))),
     "village_not_in_township"),
    ("projects", "a USCC with a wrong check character", "统一社会信用代码",
     lambda c, s, i: s.get(i, "统一社会信用代码")[:-1] + ("0" if s.get(i, "统一社会信用代码")[-1] != "0" else "1"), "uscc_checksum"),
    ("projects", "a village of another township", "村",
     lambda c, s, i: _other_township_village(c, next(t for t in c.townships if t["name"] == s.get(i, "乡镇"))),
     "village_not_in_township"),
    ("projects", "a date that does not exist", "立项日期", "2025-02-30", "bad_date"),
    ("project_payments", "a negative amount", "支付金额（元）", "-1,000.00", "negative"),
    ("funds", "a date that does not exist", "下达日期", "2026-02-30", "bad_date"),
    ("fund_expenditures", "an unknown township", "乡镇", "不存在镇", "unknown_township"),
    ("fund_expenditures", "a negative amount", "支出金额", "-5", "negative"),
    ("assets", "an unknown village", "村（社区）", "无此村", "unknown_village"),
    ("assets", "a township written before a village of another township", "村（社区）",
     lambda c, s, i: c.townships[0]["name"] + _other_township_village(c, c.townships[0]), "village_not_in_township"),
    ("resources", "a negative area", "面积（亩）", "-3", "negative"),
    ("resource_contracts", "a term that ends before it starts", "截止日期", date(2020, 1, 1), "term_order"),
    ("policies", "a standard that is not an amount", "补贴标准", "按实际发生", "standard_not_an_amount"),
    ("beneficiaries", "an ID number with a wrong check digit", "身份证号码",
     lambda c, s, i: s.get(i, "身份证号码")[:-1] + ("1" if s.get(i, "身份证号码")[-1] != "1" else "2"), "id_checksum"),
    ("beneficiaries", "a village of another township", "村",
     lambda c, s, i: _other_township_village(c, next(t for t in c.townships if t["name"] == s.get(i, "乡镇"))),
     "village_not_in_township"),
    ("disbursements", "an amount in capital numerals", "实发金额", "贰佰叁拾元整", "capital_numerals"),
    ("disbursements", "a paid date that does not exist", "发放日期", "2026-13-01", "bad_date"),
]


@pytest.mark.parametrize("kind,what,column,bad,code", BAD_ROWS, ids=[f"{k}-{w}" for k, w, *_ in BAD_ROWS])
def test_a_file_with_one_bad_row_is_refused_whole(app, moved, tmp_path, kind, what, column, bad, code):
    c = moved.files
    sheet = _fresh(moved.files.sheets[kind].copy(), c)
    i = 2
    sheet.set(i, column, bad(c, sheet, i) if callable(bad) else bad)
    path = tmp_path / sheet.filename
    path.write_bytes(sheet.data())
    before = _count(app, kind)
    if kind == "regions":
        exit_code, output, run_id = cli(app, "import", "regions", "330000000000", path, "--user", "t_admin")
    else:
        user = "t_admin" if kind == "users" else moved.supervisor
        exit_code, output, run_id = cli(app, "import", kind, c.code, path, "--user", user)
    assert exit_code == 1 and output.startswith("未导入") and "\nrejected:" in output, output
    row = sheet.row_number(i)
    assert f"row {row} {column}:" in output, output  # the report names the row and the column as written
    with app.app_context():
        errors = db.session.get(ImportRun, run_id).errors
    assert [(e["row"], e["column"], e["code"]) for e in errors] == [(row, column, code)], errors
    assert _count(app, kind) == before  # all or nothing: the good new row was not written either


@pytest.mark.parametrize("kind,column,field_zh", [("projects", "项目状态", "当前阶段"),
                                                  ("beneficiaries", "身份证号码", "身份证号"), ("funds", "指标文号", "文号")])
def test_a_file_without_a_required_column_names_it(app, moved, tmp_path, kind, column, field_zh):
    sheet = moved.files.sheets[kind].without(column)
    path = tmp_path / sheet.filename
    path.write_bytes(sheet.data())
    before = _count(app, kind)
    exit_code, output, run_id = cli(app, "import", kind, moved.files.code, path, "--user", moved.supervisor)
    assert exit_code == 1 and output.startswith("未导入") and "\nrejected:" in output, output
    with app.app_context():
        run = db.session.get(ImportRun, run_id)
        assert [e["code"] for e in run.errors] == ["header_missing"]
        assert f"缺少必需的列：{field_zh}" in run.errors[0]["message"]["zh"], run.errors
        # The file's own columns are offered for the column-mapping step.
        assert [h["text"] for h in run.headers] == [h for h in sheet.header if h != "序号"]
    assert _count(app, kind) == before


@pytest.mark.parametrize("name,data,code", [
    ("项目登记表.pdf", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "file_not_a_table"),
    ("项目登记表.jpg", None, "file_not_a_table"),
    ("项目登记表.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "file_not_a_table"),
    ("项目登记表.csv", b"", "file_empty"),
    ("项目登记表.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "file_unreadable"),
])
def test_what_is_not_a_table_is_named_and_writes_nothing(app, moved, tmp_path, name, data, code):
    path = tmp_path / name
    path.write_bytes(jpeg_bytes(3) if data is None else data)
    before = _count(app, "projects")
    exit_code, output, run_id = cli(app, "import", "projects", moved.files.code, path, "--user", moved.supervisor)
    assert exit_code == 1, output
    with app.app_context():
        assert [e["code"] for e in db.session.get(ImportRun, run_id).errors] == [code]
    assert _count(app, "projects") == before


def test_a_township_lead_of_the_county_sees_only_their_township(app, moved):
    """The roster's township lead (after their own first sign-in) sees their township's projects only."""
    c = moved.files
    lead = next(u for u in c.users if u["role"] == "township_lead")
    with app.app_context():
        from backend.core.auth import hash_password
        user = db.session.execute(select(User).where(User.username == lead["username"])).scalar_one()
        user.password_hash, user.must_change_password = hash_password(PASSWORD), False
        db.session.commit()
    client, _ = signed_in(app, lead["username"], PASSWORD)
    seen = {p["ref_no"] for p in every(client, "/api/v1/projects?q=" + CODE)}
    assert seen == {p["ref_no"] for p in c.projects if p["township"] == lead["township"]}
