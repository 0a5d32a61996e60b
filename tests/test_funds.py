"""Funds (资金): a budget line issued to 锦城街道 is registered as arrived with its receipt, allocated to
a project, a subsidy policy and the township's own use, and spent; the detail shows 下达 → 到账 →
分配 → 支出 with the days of each hop. Allocations never exceed the fund, expenditures never what was
allocated; every bad input gets its own code and changes nothing; writes are answered once. The four
fund rules fire and clear on the pinned clock."""
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from conftest import TODAY, new_uuid, run_scan, warning_for


def doc_no():
    return f"临财预〔2026〕{uuid.uuid4().hex[:12]}号"  # (a five-digit number could repeat within a session)


@pytest.fixture
def make_fund(app, world):
    """make_fund(amount=, issued=days ago, arrived=days ago or None, category=, region=) → fund id,
    made through the services as the county user."""
    from backend.core.models import User
    from backend.extensions import db
    from backend.funds import services

    def make(amount="100000.00", issued=40, arrived=None, category="general_transfer", region="jincheng",
             allocate=None, spend=None, name="农村公路养护补助资金"):
        with app.app_context(), app.test_request_context(method="POST"):
            county = db.session.get(User, world["users"]["county"])
            fund = services.create_fund(county, {
                "region_id": world["regions"][region], "doc_no": doc_no(), "name": name, "category": category,
                "source_level": "province", "amount": Decimal(amount), "issued_on": TODAY - timedelta(days=issued)})
            if arrived is not None:
                services.register_arrival(fund, county, TODAY - timedelta(days=arrived), "HZ-2026-0001")
            if allocate:
                services.allocate(fund, county, {"target": "own", "purpose": "办公经费", "amount": Decimal(allocate),
                                                 "allocated_on": TODAY - timedelta(days=arrived)})
            if spend:
                services.spend(fund, county, {"spent_on": TODAY - timedelta(days=arrived), "amount": Decimal(spend),
                                              "payee": "临安区某公司", "voucher_no": f"记-{uuid.uuid4().hex[:6]}"})
            db.session.commit()
            return fund.id
    return make


def counts(app):
    """Rows of the three fund tables and the fund entries of the audit log."""
    from backend.core.models import AuditLog
    from backend.extensions import db
    from backend.funds.models import Fund, FundAllocation, FundExpenditure
    with app.app_context():
        return (*(db.session.query(m).count() for m in (Fund, FundAllocation, FundExpenditure)),
                db.session.query(AuditLog).filter(AuditLog.action.startswith("fund.")).count())


def fund_body(world, **kw):
    return {"client_uuid": new_uuid(), "region_id": world["regions"]["jincheng"], "doc_no": doc_no(),
            "name": "美丽乡村建设专项资金", "category": "special_transfer", "source_level": "province",
            "amount": "500000.00", "issued_on": (TODAY - timedelta(days=20)).isoformat(), **kw}


def test_the_whole_chain_through_the_api(app, world, login_as, make_project):
    lead = login_as("lead")
    project = make_project(stage="construction")
    r = lead.post("/api/v1/funds", json=fund_body(world))
    assert r.status_code == 201, r.json
    fund = r.json
    assert fund["stage"] == "issued" and fund["category"]["zh"] == "专项转移支付" and fund["unspent"] == "0.00"
    assert fund["chain"][1]["waiting_days"] == 20 and fund["can_write"] is True
    fid = fund["id"]

    r = lead.post(f"/api/v1/funds/{fid}/arrival", json={"client_uuid": new_uuid(), "receipt_no": "回执-0012",
                                                       "arrived_on": (TODAY - timedelta(days=15)).isoformat()})
    assert r.status_code == 200 and r.json["stage"] == "arrived" and r.json["receipt_no"] == "回执-0012"
    assert r.json["chain"][1]["days"] == 5 and r.json["registered_by"] == "测试lead"

    r = lead.post(f"/api/v1/funds/{fid}/allocations", json={
        "client_uuid": new_uuid(), "target": "project", "project_id": project, "amount": "300000.00",
        "allocated_on": (TODAY - timedelta(days=12)).isoformat()})
    assert r.status_code == 201, r.json
    alloc = r.json["id"]
    assert r.json["target"]["code"] == "project" and r.json["project"]["id"] == project
    r = lead.post(f"/api/v1/funds/{fid}/allocations", json={
        "client_uuid": new_uuid(), "target": "own", "purpose": "街道办公用房维修", "amount": "200000.00",
        "allocated_on": (TODAY - timedelta(days=10)).isoformat()})
    assert r.status_code == 201

    r = lead.post(f"/api/v1/funds/{fid}/expenditures", json={
        "client_uuid": new_uuid(), "spent_on": (TODAY - timedelta(days=4)).isoformat(), "amount": "120000.50",
        "payee": "杭州临安城建工程有限公司", "voucher_no": "记-2026-11-031", "project_id": project})
    assert r.status_code == 201, r.json
    assert r.json["allocation_id"] == alloc and r.json["project"]["id"] == project

    detail = lead.get(f"/api/v1/funds/{fid}").json
    assert detail["stage"] == "allocated" and detail["allocated"] == "500000.00" and detail["spent"] == "120000.50"
    assert detail["unspent"] == "379999.50"
    steps = {s["step"]: s for s in detail["chain"]}
    assert steps["allocated"]["days"] == 3 and steps["allocated"]["done_on"] == (TODAY - timedelta(days=10)).isoformat()
    assert steps["spent"]["days"] == 8 and steps["spent"]["done_on"] is None and steps["spent"]["waiting_days"] == 15
    assert [a["spent"] for a in detail["allocations"]] == ["120000.50", "0.00"]

    # The register finds it, by 文号 and by stage; supervisors read it and may not write.
    listed = lead.get(f"/api/v1/funds?q={fund['doc_no'][:8]}&stage=allocated").json
    assert fid in [f["id"] for f in listed["items"]]
    assert fid not in [f["id"] for f in lead.get("/api/v1/funds?stage=issued&per_page=100").json["items"]]
    city = login_as("city")
    assert city.get(f"/api/v1/funds/{fid}").json["can_write"] is False
    assert city.post(f"/api/v1/funds/{fid}/arrival", json={"client_uuid": new_uuid(), "receipt_no": "x",
                                                          "arrived_on": TODAY.isoformat()}).json["error"]["code"] == "role_forbidden"
    assert login_as("lead_sibling").get(f"/api/v1/funds/{fid}").json["error"]["code"] == "out_of_scope"
    assert fid not in [f["id"] for f in login_as("county_sibling").get("/api/v1/funds?per_page=100").json["items"]]


def test_writes_are_answered_once(app, world, login_as, make_fund):
    lead = login_as("lead")
    body = fund_body(world)
    first = lead.post("/api/v1/funds", json=body)
    again = lead.post("/api/v1/funds", json=body)
    assert first.status_code == again.status_code == 201 and again.headers.get("Idempotent-Replay") == "true"
    assert first.json["id"] == again.json["id"]
    fid = make_fund(arrived=30, allocate="100000.00")
    spend = {"client_uuid": new_uuid(), "spent_on": TODAY.isoformat(), "amount": "100.00", "payee": "某某",
             "voucher_no": "记-1"}
    before = counts(app)
    assert lead.post(f"/api/v1/funds/{fid}/expenditures", json=spend).status_code == 201
    assert lead.post(f"/api/v1/funds/{fid}/expenditures", json=spend).status_code == 201
    assert counts(app)[2] == before[2] + 1


def test_allocations_never_exceed_the_fund(app, world, login_as, make_fund):
    lead = login_as("lead")
    fid = make_fund(amount="1000.00", arrived=10, allocate="600.00")
    before = counts(app)
    r = lead.post(f"/api/v1/funds/{fid}/allocations", json={
        "client_uuid": new_uuid(), "target": "own", "purpose": "办公", "amount": "400.01",
        "allocated_on": TODAY.isoformat()})
    assert r.status_code == 409 and r.json["error"]["code"] == "allocation_over_fund"
    assert r.json["error"]["fields"][0]["path"] == "json.amount" and "400.00" in r.json["error"]["message"]["en"]
    assert counts(app) == before
    assert lead.post(f"/api/v1/funds/{fid}/allocations", json={
        "client_uuid": new_uuid(), "target": "own", "purpose": "办公", "amount": "400.00",
        "allocated_on": TODAY.isoformat()}).status_code == 201


def test_expenditures_never_exceed_what_was_allocated(app, world, login_as, make_fund, make_project):
    lead = login_as("lead")
    project = make_project(stage="construction")
    fid = make_fund(amount="1000.00", arrived=10, allocate="500.00", spend="450.00")
    before = counts(app)
    r = lead.post(f"/api/v1/funds/{fid}/expenditures", json={
        "client_uuid": new_uuid(), "spent_on": TODAY.isoformat(), "amount": "50.01", "payee": "某公司",
        "voucher_no": "记-over"})
    assert r.status_code == 409 and r.json["error"]["code"] == "expenditure_over_allocated"
    assert r.json["error"]["fields"][0]["path"] == "json.amount"
    # Per allocation too: 300 to the project, of which 300.01 cannot be spent.
    alloc = lead.post(f"/api/v1/funds/{fid}/allocations", json={
        "client_uuid": new_uuid(), "target": "project", "project_id": project, "amount": "300.00",
        "allocated_on": TODAY.isoformat()}).json["id"]
    before = counts(app)
    r = lead.post(f"/api/v1/funds/{fid}/expenditures", json={
        "client_uuid": new_uuid(), "spent_on": TODAY.isoformat(), "amount": "300.01", "payee": "某公司",
        "voucher_no": "记-over2", "allocation_id": alloc})
    assert r.status_code == 409 and r.json["error"]["code"] == "expenditure_over_allocation"
    assert counts(app) == before


BAD_FUNDS = [
    ({"amount": "-1"}, 400, "validation_error", "json.amount"),
    ({"amount": "12.345"}, 400, "validation_error", "json.amount"),
    ({"category": "赠款"}, 400, "validation_error", "json.category"),
    ({"source_level": "村"}, 400, "validation_error", "json.source_level"),
    ({"issued_on": "2026-13-01"}, 400, "validation_error", "json.issued_on"),
    ({"doc_no": "   "}, 400, "validation_error", "json.doc_no"),
    ({"issued_on": (TODAY + timedelta(days=1)).isoformat()}, 400, "date_in_future", "json.issued_on"),
    # (a slip of the keyboard, 1026 or 0001 for 2026, was stored: a budget line on no cockpit year)
    ({"issued_on": "1026-03-05"}, 400, "date_out_of_range", "json.issued_on"),
    ({"issued_on": "0001-01-01"}, 400, "date_out_of_range", "json.issued_on"),
    ({"region": "qianwang"}, 400, "region_not_township", "json.region_id"),
    ({"region": "taihuyuan"}, 403, "out_of_scope", None),
    ({"arrived_on": (TODAY - timedelta(days=30)).isoformat()}, 400, "arrived_before_issued", "json.arrived_on"),
]


@pytest.mark.parametrize("change,status,code,path", BAD_FUNDS)
def test_bad_fund_input_changes_nothing(app, world, login_as, change, status, code, path):
    body = fund_body(world, **{k: v for k, v in change.items() if k != "region"})
    if "region" in change:
        body["region_id"] = world["regions"][change["region"]]
    before = counts(app)
    r = login_as("lead").post("/api/v1/funds", json=body)
    assert r.status_code == status and r.json["error"]["code"] == code, r.json
    if path:
        assert path in [f["path"] for f in r.json["error"]["fields"]]
    assert counts(app) == before


def test_the_same_budget_line_twice_is_refused(app, world, login_as):
    lead = login_as("lead")
    body = fund_body(world)
    assert lead.post("/api/v1/funds", json=body).status_code == 201
    r = lead.post("/api/v1/funds", json={**body, "client_uuid": new_uuid()})
    assert r.status_code == 409 and r.json["error"]["code"] == "fund_exists"


def test_bad_arrival_allocation_and_expenditure_input(app, world, login_as, make_fund, make_project):
    lead = login_as("lead")
    issued_only = make_fund(issued=10)
    arrived = make_fund(issued=20, arrived=10, allocate="1000.00", spend="10.00")
    other_project = make_project(stage="construction", region="taihuyuan")
    day = lambda n: (TODAY - timedelta(days=n)).isoformat()  # noqa: E731
    cases = [
        (f"/api/v1/funds/{issued_only}/arrival", {"arrived_on": day(11), "receipt_no": "R1"}, 400, "arrived_before_issued", "json.arrived_on"),
        (f"/api/v1/funds/{issued_only}/arrival", {"arrived_on": day(-1), "receipt_no": "R1"}, 400, "date_in_future", "json.arrived_on"),
        (f"/api/v1/funds/{issued_only}/arrival", {"arrived_on": day(1)}, 400, "validation_error", "json.receipt_no"),
        (f"/api/v1/funds/{arrived}/arrival", {"arrived_on": day(1), "receipt_no": "R2"}, 409, "fund_already_registered", None),
        (f"/api/v1/funds/{issued_only}/allocations", {"target": "own", "purpose": "办公", "amount": "1.00",
                                                      "allocated_on": day(1)}, 409, "fund_not_registered", None),
        (f"/api/v1/funds/{arrived}/allocations", {"target": "own", "amount": "1.00", "allocated_on": day(1)},
         400, "purpose_required", "json.purpose"),
        (f"/api/v1/funds/{arrived}/allocations", {"target": "project", "amount": "1.00", "allocated_on": day(1)},
         400, "validation_error", "json.project_id"),
        (f"/api/v1/funds/{arrived}/allocations", {"target": "project", "project_id": other_project, "amount": "1.00",
                                                  "allocated_on": day(1)}, 400, "project_not_in_township", "json.project_id"),
        (f"/api/v1/funds/{arrived}/allocations", {"target": "policy", "policy_id": 2**31 - 1, "amount": "1.00",
                                                  "allocated_on": day(1)}, 400, "policy_not_in_township", "json.policy_id"),
        (f"/api/v1/funds/{arrived}/allocations", {"target": "own", "purpose": "办公", "amount": "1.00",
                                                  "allocated_on": day(11)}, 400, "allocated_before_arrival", "json.allocated_on"),
        (f"/api/v1/funds/{arrived}/allocations", {"target": "自用", "amount": "1.00", "allocated_on": day(1)},
         400, "validation_error", "json.target"),
        (f"/api/v1/funds/{issued_only}/expenditures", {"spent_on": day(1), "amount": "1.00", "payee": "甲",
                                                       "voucher_no": "V"}, 409, "fund_not_registered", None),
        (f"/api/v1/funds/{arrived}/expenditures", {"spent_on": day(11), "amount": "1.00", "payee": "甲",
                                                   "voucher_no": "V"}, 400, "spent_before_arrival", "json.spent_on"),
        (f"/api/v1/funds/{arrived}/expenditures", {"spent_on": day(1), "amount": "0", "payee": "甲",
                                                   "voucher_no": "V"}, 400, "validation_error", "json.amount"),
        (f"/api/v1/funds/{arrived}/expenditures", {"spent_on": day(1), "amount": "1.00", "payee": "",
                                                   "voucher_no": "V"}, 400, "validation_error", "json.payee"),
        (f"/api/v1/funds/{arrived}/expenditures", {"spent_on": day(1), "amount": "1.00", "payee": "甲",
                                                   "voucher_no": "V", "allocation_id": 2**31 - 1}, 400,
         "allocation_not_in_fund", "json.allocation_id"),
        (f"/api/v1/funds/{arrived}/expenditures", {"spent_on": day(1), "amount": "1.00", "payee": "甲",
                                                   "voucher_no": "V", "project_id": other_project}, 400,
         "project_not_allocated", "json.project_id"),
        (f"/api/v1/funds/{arrived}/expenditures", {"spent_on": day(-3), "amount": "1.00", "payee": "甲",
                                                   "voucher_no": "V"}, 400, "date_in_future", "json.spent_on"),
        ("/api/v1/funds/999999/expenditures", {"spent_on": day(1), "amount": "1.00", "payee": "甲",
                                               "voucher_no": "V"}, 404, "not_found", None),
    ]
    with app.app_context():
        from backend.extensions import db
        from backend.funds.models import FundExpenditure
        taken = db.session.query(FundExpenditure.voucher_no).filter_by(fund_id=arrived).scalar()
    cases.append((f"/api/v1/funds/{arrived}/expenditures", {"spent_on": day(1), "amount": "1.00", "payee": "甲",
                                                          "voucher_no": taken}, 409, "voucher_taken", "json.voucher_no"))
    for url, body, status, code, path in cases:
        before = counts(app)
        r = lead.post(url, json={"client_uuid": new_uuid(), **body})
        assert (r.status_code, r.json["error"]["code"]) == (status, code), (url, body, r.json)
        if path:
            assert path in [f["path"] for f in r.json["error"]["fields"]], (body, r.json)
        assert counts(app) == before


def test_bad_list_queries(app, world, login_as):
    lead = login_as("lead")
    for query, path in [("stage=lost", "query.stage"), ("category=x", "query.category"), ("per_page=1000", "query.per_page"),
                        ("year=1899", "query.year"), ("q=" + "文" * 101, "query.q")]:
        r = lead.get(f"/api/v1/funds?{query}")
        assert r.status_code == 400 and r.json["error"]["code"] == "validation_error"
        assert path in [f["path"] for f in r.json["error"]["fields"]]
    r = lead.get(f"/api/v1/funds?region_id={world['regions']['taihuyuan']}")
    assert r.status_code == 403 and r.json["error"]["code"] == "out_of_scope"


# ---- the rules, on the pinned clock -------------------------------------------------------------

def test_not_registered_fires_after_the_deadline_and_clears_on_arrival(app, world, make_fund):
    from backend.core.models import User
    from backend.extensions import db
    from backend.funds import services
    from backend.funds.models import Fund
    late = make_fund(issued=31)      # general transfer: 30 days
    in_time = make_fund(issued=30)
    run_scan(app, "fund_not_registered")
    w = warning_for(app, "fund_not_registered", f"fund:{late}")
    assert w["status"] == "open" and w["evidence"]["days_overdue"] == 1
    assert w["evidence"]["deadline_on"] == (TODAY - timedelta(days=1)).isoformat()
    assert warning_for(app, "fund_not_registered", f"fund:{in_time}") is None
    with app.app_context(), app.test_request_context(method="POST"):
        services.register_arrival(db.session.get(Fund, late), db.session.get(User, world["users"]["lead"]),
                                  TODAY, "R-9")
        db.session.commit()
    run_scan(app, "fund_not_registered")
    assert warning_for(app, "fund_not_registered", f"fund:{late}")["status"] == "resolved"


def test_special_transfers_get_their_own_days(app, world, make_fund):
    special = make_fund(issued=59, category="special_transfer")
    run_scan(app, "fund_not_registered")
    assert warning_for(app, "fund_not_registered", f"fund:{special}") is None
    app.config["FUND_DEADLINE_DAYS"] = {**app.config["FUND_DEADLINE_DAYS"],
                                        "special_transfer": {"register": 45, "allocate": 60, "spend": 90}}
    try:
        run_scan(app, "fund_not_registered")
        assert warning_for(app, "fund_not_registered", f"fund:{special}")["evidence"]["days_overdue"] == 14
    finally:
        from backend.config import Config
        app.config["FUND_DEADLINE_DAYS"] = Config.FUND_DEADLINE_DAYS


def test_not_allocated_and_not_spent_fire_and_clear(app, world, login_as, make_fund):
    fid = make_fund(amount="1000.00", issued=100, arrived=95, allocate="600.00", spend="100.00")
    run_scan(app, "fund_not_allocated", "fund_not_spent")
    alloc = warning_for(app, "fund_not_allocated", f"fund:{fid}")
    assert alloc["status"] == "open" and alloc["evidence"]["unallocated"] == "400.00"
    assert alloc["evidence"]["days_overdue"] == 70
    spent = warning_for(app, "fund_not_spent", f"fund:{fid}")
    assert spent["status"] == "open" and spent["evidence"]["unspent"] == "900.00"
    assert spent["evidence"]["days_overdue"] == 10
    lead = login_as("lead")
    assert {w["rule"] for w in lead.get(f"/api/v1/funds/{fid}").json["warnings"]} == {"fund_not_allocated", "fund_not_spent"}
    r = lead.post(f"/api/v1/funds/{fid}/allocations", json={"client_uuid": new_uuid(), "target": "own", "purpose": "办公",
                                                           "amount": "400.00", "allocated_on": TODAY.isoformat()})
    assert r.status_code == 201
    r = lead.post(f"/api/v1/funds/{fid}/expenditures", json={"client_uuid": new_uuid(), "spent_on": TODAY.isoformat(),
                                                            "amount": "900.00", "payee": "某公司", "voucher_no": "记-all"})
    assert r.status_code == 201
    # The write queued a scan of the township (jobs run inline in the tests); a full scan agrees.
    assert warning_for(app, "fund_not_allocated", f"fund:{fid}")["status"] == "resolved"
    assert warning_for(app, "fund_not_spent", f"fund:{fid}")["status"] == "resolved"
    run_scan(app, "fund_not_allocated", "fund_not_spent")
    assert warning_for(app, "fund_not_spent", f"fund:{fid}")["status"] == "resolved"


def test_idle_money_fires_with_its_age_and_amount_and_clears_when_spent(app, world, make_fund):
    from backend.core.models import User
    from backend.extensions import db
    from backend.funds import services
    from backend.funds.models import Fund
    fid = make_fund(amount="80000.00", issued=200, arrived=181, allocate="80000.00", spend="30000.00")
    fresh = make_fund(amount="80000.00", issued=200, arrived=180)
    run_scan(app, "fund_idle")
    w = warning_for(app, "fund_idle", f"fund:{fid}")
    assert w["evidence"]["age_days"] == 181 and w["evidence"]["idle_amount"] == "50000.00"
    assert warning_for(app, "fund_idle", f"fund:{fresh}") is None
    from backend.risks.rules import RULES
    zh, en = RULES["fund_idle"].explain(w["evidence"])
    assert "50,000.00" in zh and "181" in en
    with app.app_context(), app.test_request_context(method="POST"):
        services.spend(db.session.get(Fund, fid), db.session.get(User, world["users"]["lead"]), {
            "spent_on": TODAY, "amount": Decimal("50000.00"), "payee": "某公司", "voucher_no": "记-idle"})
        db.session.commit()
    run_scan(app, "fund_idle")
    assert warning_for(app, "fund_idle", f"fund:{fid}")["status"] == "resolved"


def test_warnings_show_in_the_risk_list_with_explanations(app, world, login_as, make_fund):
    fid = make_fund(issued=45)
    run_scan(app, "fund_not_registered")
    w = warning_for(app, "fund_not_registered", f"fund:{fid}")
    r = login_as("lead").get(f"/api/v1/risks/{w['id']}")
    assert r.status_code == 200, r.json
    assert "应于" in r.json["explanation_zh"] and login_as("lead_sibling").get(f"/api/v1/risks/{w['id']}").status_code == 403


def test_allocations_and_expenditures_hold_under_a_burst(app, world, make_fund):
    """20 clerks allocate 100 yuan each of a 1,000-yuan fund at the same moment, then 21 spend 100
    each of the 1,000 allocated: exactly the money there is gets through, on SQLite
    and on PostgreSQL (the fund row is locked first)."""
    from backend.core.models import User
    from backend.extensions import db
    from backend.funds import services
    from backend.funds.models import Fund
    from test_limits_concurrent import burst
    fid = make_fund(amount="1000.00", arrived=5)
    lead = world["users"]["lead"]

    def allocate(i):
        services.allocate(db.session.get(Fund, fid), db.session.get(User, lead), {
            "target": "own", "purpose": f"办公 {i}", "amount": Decimal("100.00"), "allocated_on": TODAY})
    codes = burst(app, allocate, 20)
    assert codes.count(None) == 10 and set(codes) == {None, "allocation_over_fund"}

    def spend(i):
        services.spend(db.session.get(Fund, fid), db.session.get(User, lead), {
            "spent_on": TODAY, "amount": Decimal("100.00"), "payee": "某公司",
            "voucher_no": f"记-burst-{i}"})
    codes = burst(app, spend, 21)
    assert codes.count(None) == 10 and set(codes) == {None, "expenditure_over_allocated"}
    with app.app_context():
        assert services.allocated_total(fid) == services.spent_total(fid) == Decimal("1000.00")


def _new_messages(app, user_id, since_id):
    from backend.extensions import db
    from backend.notifications.models import Notification
    with app.app_context():
        return [(n.title_zh, n.link) for n in db.session.query(Notification).filter(
            Notification.user_id == user_id, Notification.id > since_id, Notification.kind == "risk_raised")
            .order_by(Notification.id)]


def _last_message_id(app):
    from sqlalchemy import func, select

    from backend.extensions import db
    from backend.notifications.models import Notification
    with app.app_context():
        return db.session.scalar(select(func.max(Notification.id))) or 0


def _funds_at_once(app, world, count):
    """``count`` funds issued 31+ days ago, written in one transaction as an import writes them
    (the scan after it meets them together); their ids."""
    from backend.core.models import User
    from backend.extensions import db
    from backend.funds import services
    with app.app_context(), app.test_request_context(method="POST"):
        county = db.session.get(User, world["users"]["county"])
        funds = [services.create_fund(county, {
            "region_id": world["regions"]["jincheng"], "doc_no": doc_no(), "name": "农村公路养护补助资金",
            "category": "general_transfer", "source_level": "province", "amount": Decimal("1000.00"),
            "issued_on": TODAY - timedelta(days=31 + i)}) for i in range(count)]
        db.session.commit()
        return [f.id for f in funds]


def test_many_new_warnings_in_a_township_are_one_message_to_its_lead(app, world):
    """A scan that opens four or more warnings of one rule in one township (after a county's first
    fund file) tells its lead once, with how many and a link to them; fewer are told one by one.
    Either way every warning is stored."""
    from backend.extensions import db
    from backend.risks.models import RiskWarning
    run_scan(app, "fund_not_registered")  # (what other tests left unscanned is opened now, not below)
    since = _last_message_id(app)
    few = _funds_at_once(app, world, 3)
    run_scan(app, "fund_not_registered")
    told = _new_messages(app, world["users"]["lead"], since)
    assert len(told) == 3 and {link for _, link in told} == {
        f"/risks/{warning_for(app, 'fund_not_registered', f'fund:{f}')['id']}" for f in few}
    since = _last_message_id(app)
    many = _funds_at_once(app, world, 6)
    run_scan(app, "fund_not_registered")
    told = _new_messages(app, world["users"]["lead"], since)
    together = f"/risks?rule=fund_not_registered&region={world['regions']['jincheng']}"
    assert told == [("新风险预警：资金下达后未按时登记到账 6 条：锦城街道", together)]
    # a red rule: the county hears of them too, once, and each warning is marked as told
    assert [link for _, link in _new_messages(app, world["users"]["county"], since)] == [together]
    with app.app_context():
        assert db.session.query(RiskWarning).filter(RiskWarning.subject_key.in_(
            [f"fund:{f}" for f in many]), RiskWarning.status == "open", RiskWarning.county_told_at.is_not(None)).count() == 6
