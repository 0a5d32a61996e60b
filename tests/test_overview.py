"""一站监管: the cockpit's figures and the health index.

Every additive figure adds up at every level (辖区 = 本级 + Σ children's 辖区), each figure equals a
count made here straight from the rows, the summary kept current after writes equals a full rebuild,
the README's worked example of the health index comes out as printed, and the document is the same
from the API and from `flask overview --json`. Forbidden access and bad input are refused."""
import json
import uuid
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest

from conftest import TODAY, assert_error, new_uuid


def rebuild(app):
    from backend.extensions import db
    from backend.overview import summary
    with app.app_context():
        summary.rebuild()
        db.session.commit()


def table(app):
    from backend.extensions import db
    from backend.overview.models import RegionFigure
    with app.app_context():
        return {(f.region_id, f.year, f.month, f.name): (f.own, f.total)
                for f in db.session.query(RegionFigure)}


@pytest.fixture
def township(app, world):
    """A township of its own under 临安 with two villages, funds, projects and payments."""
    from backend.core.models import Region, User
    from backend.extensions import db
    from backend.projects import services as projects
    with app.app_context(), app.test_request_context(method="POST"):
        linan = db.session.get(Region, world["regions"]["linan"])
        taken = set(db.session.execute(db.select(Region.code).where(Region.code.like("330112%000"))).scalars())
        suffix = next(s for s in (f"{uuid.uuid4().int % 900 + 100}" for _ in iter(int, 1))
                      if f"330112{s}000" not in taken)  # a code no other test has taken (900 to choose from)
        town = Region(code=f"330112{suffix}000", name=f"测试镇{suffix}", level="township",
                      path=f"{linan.path}330112{suffix}000/", parent_id=linan.id)
        db.session.add(town)
        db.session.flush()
        villages = []
        for n in (1, 2):
            code = f"330112{suffix}{200 + n}"
            v = Region(code=code, name=f"测试村{suffix}-{n}", level="village", path=f"{town.path}{code}/",
                       parent_id=town.id)
            db.session.add(v)
            villages.append(v)
        db.session.flush()
        county = db.session.get(User, world["users"]["county"])
        unit = projects.create_unit(county, town.id, f"测试镇{suffix}财政所", "乡镇财政所")
        for i, (where, stage, budget) in enumerate([(villages[0], "approved", "300000.00"),
                                                    (villages[1], "approved", "500000.00"),
                                                    (town, "approved", "200000.00")]):
            projects.create_project(county, {
                "region_id": where.id, "unit_id": unit.id, "name": f"测试工程{suffix}-{i}", "category": "道路交通",
                "budget": Decimal(budget), "funding_sources": [], "planned_start_on": TODAY - timedelta(days=100),
                "planned_end_on": TODAY + timedelta(days=100)})
        fund = spent_fund(county, town.id, f"临财〔2026〕{suffix}号", "农村公路养护补助资金", "general_transfer",
                          "province", "100000.00", "60000.00", "25000.00", "R-1", "办公经费", f"记-{suffix}",
                          issued_days_ago=50)
        db.session.commit()
        return {"id": town.id, "code": town.code, "villages": [v.id for v in villages], "fund": fund.id}


def spent_fund(county, region_id, doc_no, name, category, level, amount, allocated, spent, receipt, purpose,
               voucher, issued_days_ago):
    """A fund issued ``issued_days_ago``, arrived 40 days ago, part or all of it allocated to the
    township's own use 35 days ago and part spent 30 days ago."""
    from backend.funds import services as funds
    fund = funds.create_fund(county, {
        "region_id": region_id, "doc_no": doc_no, "name": name, "category": category, "source_level": level,
        "amount": Decimal(amount), "issued_on": TODAY - timedelta(days=issued_days_ago)})
    funds.register_arrival(fund, county, TODAY - timedelta(days=40), receipt)
    funds.allocate(fund, county, {"target": "own", "purpose": purpose, "amount": Decimal(allocated),
                                  "allocated_on": TODAY - timedelta(days=35)})
    funds.spend(fund, county, {"spent_on": TODAY - timedelta(days=30), "amount": Decimal(spent),
                               "payee": "临安区某公司", "voucher_no": voucher})
    return fund


def overview(client, region_id, year=None):
    r = client.get(f"/api/v1/overview/{region_id}" + (f"?year={year}" if year else ""))
    assert r.status_code == 200, r.json
    return r.json


# ---- the numbers add up -----------------------------------------------------------------------------

def test_every_figure_adds_up_at_every_level(app, world, login_as, township, make_project):
    make_project(stage="construction")
    rebuild(app)
    client = login_as("province")
    todo = [world["regions"]["zj"]]
    seen = 0
    while todo:
        doc = overview(client, todo.pop())
        seen += 1
        for name in doc["figures"]:
            below = sum((Decimal(c["total"][name]) for c in doc["children"]), Decimal(0))
            assert Decimal(doc["total"][name]) == Decimal(doc["own"][name]) + below, (doc["region"], name)
        todo += [c["region"]["id"] for c in doc["children"] if c["region"]["level"] != "village"]
    assert seen >= 8
    doc = overview(client, township["id"])
    assert Decimal(doc["total"]["project_budget"]) == Decimal("1000000.00")
    assert Decimal(doc["own"]["project_budget"]) == Decimal("200000.00")  # the township's own project
    assert {c["region"]["id"] for c in doc["children"]} == set(township["villages"])


DIRECT = ("funds_issued", "funds_arrived", "funds_allocated", "funds_spent", "projects", "project_budget",
          "project_paid", "projects_approved", "projects_contracted", "projects_construction",
          "warnings_open_red", "warnings_open_orange", "warnings_open_yellow", "rect_open", "rect_submitted",
          "subsidy_paid", "subsidy_paid_count", "subsidy_failed", "subsidy_pending", "subsidy_failed_period")


def _direct(app, path, year):
    """The figures counted here from the rows themselves, for the subtree at ``path``."""
    from backend.core.models import Region
    from backend.extensions import db
    from backend.funds.models import Fund, FundAllocation, FundExpenditure
    from backend.projects.models import Project, ProjectPayment
    from backend.rectifications.models import Rectification
    from backend.risks.models import RiskWarning
    from backend.subsidies.models import Disbursement
    out = defaultdict(Decimal)
    with app.app_context():
        inside = {r.id for r in db.session.query(Region) if r.path.startswith(path)}
        for f in db.session.query(Fund):
            if f.region_id in inside:
                out["funds_issued"] += f.amount if f.issued_on.year == year else 0
                out["funds_arrived"] += f.amount if f.arrived_on and f.arrived_on.year == year else 0
        for a in db.session.query(FundAllocation):
            out["funds_allocated"] += a.amount if a.region_id in inside and a.allocated_on.year == year else 0
        for e in db.session.query(FundExpenditure):
            out["funds_spent"] += e.amount if e.region_id in inside and e.spent_on.year == year else 0
        region_of = {}
        for p in db.session.query(Project):
            region_of[p.id] = p.region_id
            if p.region_id in inside:
                out["projects"] += 1
                out[f"projects_{p.stage}"] += 1
                out["project_budget"] += p.budget
        for pay in db.session.query(ProjectPayment):
            if region_of[pay.project_id] in inside and pay.paid_on.year == year:
                out["project_paid"] += pay.amount
        for w in db.session.query(RiskWarning):
            if w.region_id in inside and w.status == "open":
                out[f"warnings_open_{w.level}"] += 1
        for r in db.session.query(Rectification):
            if r.region_id in inside and r.status in ("open", "submitted"):
                out[f"rect_{r.status}"] += 1
        for d in db.session.query(Disbursement):
            if d.region_id not in inside:
                continue
            if d.status == "paid" and d.paid_on and d.paid_on.year == year:
                out["subsidy_paid"] += d.amount
                out["subsidy_paid_count"] += 1
            elif d.status in ("failed", "pending"):
                out[f"subsidy_{d.status}"] += 1
            if d.status == "failed" and d.period[:4] == str(year):
                out["subsidy_failed_period"] += 1
    return out


@pytest.mark.parametrize("level", ["zj", "linan", "jincheng"])
def test_each_figure_equals_a_count_of_the_rows(app, world, login_as, township, make_project, level):
    make_project(stage="contracted")
    rebuild(app)
    from backend.core.models import Region
    from backend.extensions import db
    with app.app_context():
        path = db.session.get(Region, world["regions"][level]).path
    doc = overview(login_as("province"), world["regions"][level], TODAY.year)
    direct = _direct(app, path, TODAY.year)
    assert direct["projects"] and direct["project_paid"]  # there is something to count
    for name in DIRECT:
        assert Decimal(doc["total"][name]) == direct[name], name


def test_a_year_is_judged_on_its_own_hops_and_failures(app, world, login_as, township):
    """A failed payment counts against the first-time rate of the period it pays for (its last
    month), a fund's hops against the month it was issued in: last year's index knows nothing of this
    year's (formula 2026.1 counted both as of today in any year's), this year's has them; the
    failures still open are 发放失败笔数 in every year's cockpit."""
    from backend.core import pii
    from backend.extensions import db
    from backend.subsidies.models import Beneficiary, Disbursement, SubsidyPolicy
    year = TODAY.year
    with app.app_context():
        policy = SubsidyPolicy(region_id=township["id"], year=year, name=f"健康年度补贴{township['code'][-6:]}",
                               category="测试", standard_amount=Decimal("100"), unit="元/人")
        db.session.add(policy)
        db.session.flush()
        for status, period in (("paid", f"{year}-09"), ("failed", f"{year}-Q3"), ("paid", f"{year}-10")):
            tag = uuid.uuid4().hex
            number = f"330100{int(tag[:12], 16) % 10**12:012d}"
            person = Beneficiary(region_id=township["villages"][0], name=f"年度{tag[:4]}",
                                 id_enc=pii.encrypt(number, "id_number"), id_mask="3301**********0000",
                                 id_hash=pii.blind(number, "id_number"))
            db.session.add(person)
            db.session.flush()
            db.session.add(Disbursement(region_id=township["villages"][0], policy_id=policy.id, beneficiary_id=person.id,
                                        period=period, amount=Decimal("100.00"), status=status, row_key=tag,
                                        paid_on=TODAY - timedelta(days=40) if status == "paid" else None))
        db.session.commit()
    rebuild(app)
    county = login_as("county")
    indicator = lambda doc, code: next(i for i in doc["health"]["indicators"] if i["code"] == code)  # noqa: E731
    now, last = overview(county, township["id"], year), overview(county, township["id"], year - 1)
    assert Decimal(now["total"]["subsidy_failed_period"]) == 1 and now["trend"]["year"]["subsidy_failed_period"][8] == "1.00"
    assert indicator(now, "first_time_paid")["value"] == "66.7"  # 2 paid, 1 failed of this year's periods
    assert Decimal(now["total"]["fund_hops_due"]) > 0 and indicator(now, "hops_on_time")["value"] is not None
    assert Decimal(last["total"]["subsidy_failed_period"]) == 0 and Decimal(last["total"]["fund_hops_due"]) == 0
    assert indicator(last, "first_time_paid")["value"] is None and indicator(last, "hops_on_time")["value"] is None
    assert Decimal(last["total"]["subsidy_failed"]) == Decimal(now["total"]["subsidy_failed"]) == 1  # open now


def test_kept_current_after_writes_equals_a_full_rebuild(app, world, login_as, township, monkeypatch):
    monkeypatch.setitem(app.config, "FIGURES_AFTER_WRITES", True)
    rebuild(app)
    county = login_as("county")
    before = overview(county, township["id"])
    r = county.post("/api/v1/funds", json={
        "client_uuid": new_uuid(), "region_id": township["id"], "doc_no": f"临财〔2026〕{uuid.uuid4().hex[:5]}号",
        "name": "美丽乡村建设专项资金", "category": "special_transfer", "source_level": "province",
        "amount": "500000.00", "issued_on": (TODAY - timedelta(days=20)).isoformat()})
    assert r.status_code == 201, r.json
    r = county.post(f"/api/v1/funds/{r.json['id']}/arrival", json={
        "client_uuid": new_uuid(), "arrived_on": (TODAY - timedelta(days=3)).isoformat(), "receipt_no": "R-2"})
    assert r.status_code == 200, r.json
    after = overview(county, township["id"])
    assert Decimal(after["total"]["funds_issued"]) == Decimal(before["total"]["funds_issued"]) + 500000
    assert Decimal(after["total"]["funds_arrived"]) == Decimal(before["total"]["funds_arrived"]) + 500000
    county_doc = overview(county, world["regions"]["linan"])
    mine = next(c for c in county_doc["children"] if c["region"]["id"] == township["id"])
    assert mine["total"]["funds_issued"] == after["total"]["funds_issued"]
    live = table(app)
    rebuild(app)
    assert table(app) == live



def test_a_refresh_invalidates_the_cached_documents_of_what_it_touched(app, world, login_as, township, monkeypatch):
    """Documents are rendered once per version of the region's figures; a refresh below a region
    bumps the versions of its subtree and of everything above it, in the database (so every app
    server's cache misses), and leaves a sibling's cached document alone."""
    from backend.core.models import User
    from backend.extensions import db
    from backend.funds import services as funds
    from backend.overview import services, summary
    rebuild(app)
    province, county = login_as("province"), login_as("county")
    regions = {"zj": world["regions"]["zj"], "linan": world["regions"]["linan"], "town": township["id"],
               "sibling": world["regions"]["jincheng"]}
    before = {name: overview(province, rid) for name, rid in regions.items()}
    computed = []
    real = services.overview
    monkeypatch.setattr(services, "overview", lambda *a, **kw: computed.append(a[0].id) or real(*a, **kw))
    again = {name: overview(province, rid) for name, rid in regions.items()}
    assert computed == []  # every one served from the cache
    assert again["town"] == {**before["town"], "as_of": again["town"]["as_of"]}
    # A county reader's breadcrumbs stop at the county: a document of its own, cached too.
    assert [c["name"] for c in overview(county, regions["town"])["breadcrumbs"]] == ["临安区"]
    assert [c["name"] for c in overview(county, regions["town"])["breadcrumbs"]] == ["临安区"]
    assert computed == [regions["town"]]
    computed.clear()

    with app.app_context(), app.test_request_context(method="POST"):
        actor = db.session.get(User, world["users"]["county"])
        funds.create_fund(actor, {
            "region_id": township["id"], "doc_no": f"临财〔2026〕{uuid.uuid4().hex[:6]}号",
            "name": "村级组织运转经费", "category": "general_transfer", "source_level": "county",
            "amount": Decimal("70000.00"), "issued_on": TODAY - timedelta(days=5)})
        db.session.commit()
    assert overview(province, regions["town"])["total"] == before["town"]["total"]  # not refreshed yet
    assert computed == []
    with app.app_context():
        summary.refresh([township["id"]])
        db.session.commit()
    after = {name: overview(province, rid) for name, rid in regions.items()}
    assert sorted(computed) == sorted([regions["zj"], regions["linan"], regions["town"]])  # not the sibling
    for name in ("zj", "linan", "town"):
        assert (Decimal(after[name]["total"]["funds_issued"])
                == Decimal(before[name]["total"]["funds_issued"]) + 70000), name
    assert after["sibling"] == {**before["sibling"], "as_of": after["sibling"]["as_of"]}
    mine = next(c for c in after["linan"]["children"] if c["region"]["id"] == township["id"])
    assert mine["total"]["funds_issued"] == after["town"]["total"]["funds_issued"]
    live = table(app)
    rebuild(app)
    assert table(app) == live

# ---- the health index ---------------------------------------------------------------------------

# The README's worked example ("The health index"): a township's 辖区 figures on 2026-12-01.
EXAMPLE = {"funds_issued": "10000000", "funds_arrived": "9200000", "funds_spent": "7000000",
           "fund_hops_due": "40", "fund_hops_on_time": "34", "subsidy_paid_count": "1960", "subsidy_failed_period": "40",
           "cases_answered": "4", "case_answer_days": "10", "project_budget": "20000000",
           "warnings_open_red": "3", "warnings_open_orange": "12", "warnings_open_yellow": "15",
           "rect_closed": "20", "rect_closed_on_time": "17", "assets_value": "5000000", "assets_idle_value": "400000"}


def test_the_readme_worked_example(app):
    from backend.overview import health
    with app.app_context():
        result = health.index({k: Decimal(v) for k, v in EXAMPLE.items()})
    got = {i["code"]: (i["value"], i["score"].quantize(Decimal("0.1")), i["points_lost"])
           for i in result["indicators"]}
    assert got == {
        "arrival": (Decimal("92.0"), Decimal("80.0"), Decimal("3.0")),
        "spending_gap": (Decimal("15.7"), Decimal("50.8"), Decimal("9.9")),
        "hops_on_time": (Decimal("85.0"), Decimal("72.5"), Decimal("4.1")),
        "first_time_paid": (Decimal("98.0"), Decimal("85.0"), Decimal("1.8")),
        "case_answer_days": (Decimal("2.5"), Decimal("88.8"), Decimal("0.9")),
        "warnings_per_million": (Decimal("1.00"), Decimal("85.0"), Decimal("1.5")),
        "rect_on_time": (Decimal("85.0"), Decimal("80.0"), Decimal("2.0")),
        "idle_assets": (Decimal("8.0"), Decimal("77.5"), Decimal("2.3")),
    }
    assert result["score"] == Decimal("74.6") and result["band"]["code"] == "watch"
    assert result["version"] == "2026.2"


def test_an_indicator_without_data_is_left_out(app):
    from backend.overview import health
    with app.app_context():
        funds_only = {"funds_issued": Decimal(100), "funds_arrived": Decimal(100), "funds_spent": Decimal(100),
                      "fund_hops_due": Decimal(3), "fund_hops_on_time": Decimal(3)}
        result = health.index(funds_only)
        thin = health.index({"subsidy_paid_count": Decimal(100)})
    scored = [i["code"] for i in result["indicators"] if i["score"] is not None]
    assert scored == ["arrival", "spending_gap", "hops_on_time", "warnings_per_million"]
    assert result["score"] == Decimal("100.0") and result["band"]["code"] == "healthy"
    assert thin["score"] is None and thin["band"] is None  # 12 of 100 weight: too little for an index
    assert [i["score"] for i in thin["indicators"] if i["code"] == "first_time_paid"] == [Decimal("100.0")]
    with app.app_context():
        nothing = health.index({})
    assert nothing["score"] is None and nothing["band"] is None


def test_scores_follow_the_thresholds():
    from backend.overview.health import band, score
    points = [(50, 0), (80, 60), (95, 85), (100, 100)]
    assert score(40, points) == 0 and score(100, points) == 100 and score(65, points) == 30
    assert score(87.5, points) == Decimal("72.5")
    assert band(85)["code"] == "healthy" and band(84.9)["code"] == "watch" and band(60)["code"] == "warning"
    assert band(59.9)["code"] == "high_risk"


# ---- API, CLI, access --------------------------------------------------------------------------------

def test_the_cli_prints_the_same_document(app, world, login_as, township):
    rebuild(app)
    doc = overview(login_as("admin"), township["id"], TODAY.year)
    result = app.test_cli_runner().invoke(args=["overview", township["code"], "--year", str(TODAY.year), "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    for key in ("region", "own", "total", "children", "health", "trend", "year"):
        assert printed[key] == doc[key], key
    text = app.test_cli_runner().invoke(args=["overview", township["code"]])
    assert "健康指数" in text.output and "下达资金" in text.output
    assert app.test_cli_runner().invoke(args=["overview", "999999999999"]).exit_code != 0


def test_the_trend_is_by_month(app, world, login_as, township):
    rebuild(app)
    doc = overview(login_as("county"), township["id"], TODAY.year)
    issued = doc["trend"]["year"]["funds_issued"]
    assert len(issued) == 12 and sum(Decimal(x) for x in issued) == Decimal(doc["total"]["funds_issued"])
    assert Decimal(issued[(TODAY - timedelta(days=50)).month - 1]) >= Decimal("100000.00")
    assert len(doc["trend"]["last_year"]["funds_issued"]) == 12


@pytest.mark.parametrize("who,region,status", [
    (None, "linan", 401), ("inspector", "jincheng", 403), ("county_sibling", "linan", 403),
    ("lead", "taihuyuan", 403), ("city_sibling", "hz", 403)])
def test_forbidden(app, world, login_as, who, region, status):
    r = login_as(who).get(f"/api/v1/overview/{world['regions'][region]}")
    assert r.status_code == status


@pytest.mark.parametrize("query,path", [("year=1999", "query.year"), ("year=abc", "query.year"),
                                        ("year=2101", "query.year")])
def test_bad_input(app, world, login_as, query, path):
    r = login_as("county").get(f"/api/v1/overview/{world['regions']['linan']}?{query}")
    assert_error(r, 400, "validation_error", path)


def test_a_lead_sees_their_township_and_no_crumbs_above_their_region(app, world, login_as):
    rebuild(app)
    doc = overview(login_as("lead"), world["regions"]["jincheng"])
    assert doc["region"]["name"] == "锦城街道" and doc["breadcrumbs"] == []
    doc = overview(login_as("county"), world["regions"]["jincheng"])
    assert [c["name"] for c in doc["breadcrumbs"]] == ["临安区"]
    assert_error(login_as("county").get("/api/v1/overview/2147483647"), 404, "not_found")


def test_the_fund_indicators_lead_to_the_funds_behind_them(app, world, login_as, township):
    """执行 (spending trails time) lists every fund arrived and not all spent — one wholly allocated but
    part unspent as well as one not yet allocated — so its list adds up to 到账未支出; 通达 (hops on
    time) opens 资金到达情况, where the late hops are, for the cockpit's year."""
    from backend.core.models import User
    from backend.extensions import db
    with app.app_context(), app.test_request_context(method="POST"):
        county = db.session.get(User, world["users"]["county"])
        spent_fund(county, township["id"], f"临财〔2026〕{township['code'][6:9]}-2号", "美丽乡村建设专项资金",
                   "special_transfer", "city", "80000.00", "80000.00", "30000.00", "R-2", "村庄整治",
                   f"记-{township['code'][6:9]}-2", issued_days_ago=45)
        db.session.commit()
    rebuild(app)
    client = login_as("county")
    doc = overview(client, township["id"])
    links = {i["code"]: i["records"] for i in doc["health"]["indicators"]}
    r = client.get("/api/v1" + links["spending_gap"] + "&per_page=100")
    assert r.status_code == 200, r.json
    assert sorted(Decimal(f["unspent"]) for f in r.json["items"]) == [Decimal("50000.00"), Decimal("75000.00")]
    assert sum(Decimal(f["unspent"]) for f in r.json["items"]) == Decimal(doc["total"]["funds_unspent"])
    assert links["hops_on_time"] == f"/overview/{township['id']}/fund-flow?year={doc['year']}"
    assert_error(client.get("/api/v1/funds?stage=partly"), 400, "validation_error", "query.stage")


def test_a_past_years_fund_links_list_that_years_funds(app, world, login_as, township):
    """For 2025 (not the clock's year) 到账率's records are the funds issued in 2025 not yet arrived, and
    the fund list for 2025 adds up to 下达资金 for 2025 — the list's year is the year of issue, as the
    figure counts (it listed every year's funds)."""
    from datetime import date
    from backend.core.models import User
    from backend.extensions import db
    from backend.funds import services as funds
    year = TODAY.year - 1
    suffix = township["code"][6:9]
    with app.app_context(), app.test_request_context(method="POST"):
        county = db.session.get(User, world["users"]["county"])
        for n, (issued, amount, arrived) in enumerate([(date(year, 1, 1), "30000.00", None),
                                                       (date(year, 12, 31), "45000.00", date(year + 1, 1, 5)),
                                                       (date(year - 1, 12, 31), "7000.00", None)]):
            fund = funds.create_fund(county, {
                "region_id": township["id"], "doc_no": f"临财〔{issued.year}〕{suffix}-{n}号",
                "name": "以往年度资金", "category": "general_transfer", "source_level": "county",
                "amount": Decimal(amount), "issued_on": issued})
            if arrived:
                funds.register_arrival(fund, county, arrived, f"R-{n}")
        db.session.commit()
    rebuild(app)
    client = login_as("county")
    doc = overview(client, township["id"], year)
    assert Decimal(doc["total"]["funds_issued"]) == Decimal("75000.00")
    links = {i["code"]: i["records"] for i in doc["health"]["indicators"]}
    assert links["arrival"] == f"/funds?stage=issued&year={year}&region_id={township['id']}"
    listed = client.get("/api/v1" + links["arrival"] + "&per_page=100").json["items"]
    assert [(f["issued_on"], f["amount"]) for f in listed] == [(f"{year}-01-01", "30000.00")]
    listed = client.get(f"/api/v1/funds?year={year}&region_id={township['id']}&per_page=100").json["items"]
    assert sum(Decimal(f["amount"]) for f in listed) == Decimal(doc["total"]["funds_issued"])
    this_year = overview(client, township["id"])
    listed = client.get(f"/api/v1/funds?year={TODAY.year}&region_id={township['id']}&per_page=100").json["items"]
    assert sum(Decimal(f["amount"]) for f in listed) == Decimal(this_year["total"]["funds_issued"]) == Decimal("100000.00")


def test_spending_is_judged_against_its_own_years_time(app, world, login_as, township):
    """执行 compares spending with how far through the cockpit's year the day is: today for this year,
    the whole year (100 %) for a year gone by — not today's progress through this year — and none for
    a year to come; the index of a past year scores the gap against its end."""
    from backend.overview import figures, health
    client = login_as("county")
    elapsed = (TODAY - TODAY.replace(month=1, day=1)).days + 1
    share = (Decimal(elapsed) / 365 * 100).quantize(Decimal("0.1"))  # 2026 has 365 days
    for year, expected in ((None, share), (TODAY.year - 1, Decimal("100.0")), (TODAY.year + 1, Decimal("0.0"))):
        doc = overview(client, township["id"], year)
        assert Decimal(doc["derived"]["time_progress_pct"]) == expected, year
        assert {Decimal(c["derived"]["time_progress_pct"]) for c in doc["children"]} <= {expected}
    with app.app_context():
        spent = figures.derived({k: Decimal(v) for k, v in EXAMPLE.items()})["spending_pct"]
        gaps = {year: next(i["value"] for i in health.index({k: Decimal(v) for k, v in EXAMPLE.items()},
                                                            year=year)["indicators"] if i["code"] == "spending_gap")
                for year in (TODAY.year, TODAY.year - 1)}
    assert gaps == {TODAY.year: share - spent, TODAY.year - 1: Decimal("100.0") - spent}
    assert figures.time_progress(2024, as_of=TODAY.replace(year=2024, month=12, day=31)) == Decimal("100.0")
    assert figures.time_progress(2024, as_of=TODAY.replace(year=2024, month=1, day=1)) == Decimal("0.3")  # 1 of 366
