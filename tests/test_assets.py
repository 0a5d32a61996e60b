"""三资: the asset, resource and contract registers over the API — writes, idempotency, scoping,
bad input that changes nothing, the QR scan's public and full views, label sheets — and the five
risk rules firing and clearing on the pinned clock."""
from datetime import timedelta
from decimal import Decimal

import pytest

from backend.assets.models import Asset
from conftest import assert_error, TODAY, count, new_uuid, run_scan, set_project, warning_for


def asset_body(world, **over):
    return {"client_uuid": new_uuid(), "region_id": world["regions"]["qianwang"], "name": f"村文化礼堂-{new_uuid()[:6]}",
            "category": "经营性", "original_value": "1200000.00", "net_value": "980000.50", "location": "钱王社区横街12号",
            "acquired_on": "2019-06-30", **over}


def resource_body(world, **over):
    return {"client_uuid": new_uuid(), "region_id": world["regions"]["qianwang"], "name": f"东山坞林地-{new_uuid()[:6]}",
            "kind": "林地", "area": "35.50", "location": "东山坞", **over}


def make_resource(client, world, **over):
    r = client.post("/api/v1/resources", json=resource_body(world, **over))
    assert r.status_code == 201, r.json
    return r.json


def make_contract(client, world, resource_id, **over):
    body = {"client_uuid": new_uuid(), "region_id": world["regions"]["qianwang"], "kind": "承包",
            "resource_id": resource_id, "counterparty": "杭州临安山核桃专业合作社",
            "starts_on": (TODAY - timedelta(days=800)).isoformat(), "ends_on": (TODAY + timedelta(days=1000)).isoformat(),
            "annual_amount": "12000.00", **over}
    r = client.post("/api/v1/resource-contracts", json=body)
    assert r.status_code == 201, r.json
    return r.json


# ---- registers ---------------------------------------------------------------------------------------

def test_asset_register_round_trip(app, world, login_as, make_project):
    lead = login_as("lead")
    project_id = make_project(stage="construction")
    body = asset_body(world, project_id=project_id, asset_no=f"ZC-{new_uuid()[:8]}")
    r = lead.post("/api/v1/assets", json=body)
    assert r.status_code == 201, r.json
    asset = r.json
    assert asset["view"] == "full" and asset["net_value"] == "980000.50" and asset["status"] == "在用"
    assert asset["project"]["id"] == project_id and asset["code"] and asset["can_edit"] is True
    assert asset["region_path"][-1] == "钱王社区"
    # The same client_uuid again: the first answer, nothing new.
    n = count(app, Asset)
    again = lead.post("/api/v1/assets", json=body)
    assert again.status_code == 201 and again.headers.get("Idempotent-Replay") == "true" and again.json["id"] == asset["id"]
    assert count(app, Asset) == n
    # Idle from a day in the past: the history keeps both.
    r = lead.request("PATCH", f"/api/v1/assets/{asset['id']}", json={
        "client_uuid": new_uuid(), "status": "闲置", "status_changed_on": (TODAY - timedelta(days=10)).isoformat()})
    assert r.status_code == 200, r.json
    assert r.json["status"] == "闲置" and [h["to_status"] for h in r.json["history"]] == ["闲置", "在用"]
    # Supervisors read; a township lead next door does not; search and filters.
    county = login_as("county")
    page = county.get("/api/v1/assets", query_string={"q": body["name"][-6:], "status": "闲置"}).json
    assert [a["id"] for a in page["items"]] == [asset["id"]] and page["total"] == 1
    assert county.get("/api/v1/assets", query_string={"q": body["name"][-6:], "status": "在用"}).json["total"] == 0
    assert_error(login_as("lead_sibling").get(f"/api/v1/assets/{asset['id']}"), 403, "out_of_scope")
    assert login_as("city").get(f"/api/v1/assets/{asset['id']}").json["can_edit"] is False


def test_resource_and_contract_with_generated_schedule(app, world, login_as):
    lead = login_as("lead")
    resource = make_resource(lead, world)
    assert resource["area"] == "35.50" and resource["kind"] == "林地"
    start = TODAY - timedelta(days=800)
    contract = make_contract(lead, world, resource["id"], ends_on=(start + timedelta(days=365 * 3 + 100)).isoformat(),
                             floor_amount="10000.00", contract_no=f"HT-{new_uuid()[:8]}")
    schedule = contract["schedule"]
    # One instalment a year on the term's anniversaries; the short last year owes its share by days.
    assert len(schedule) == 4 and schedule[0]["due_on"] == start.isoformat()
    assert [s["amount"] for s in schedule[:3]] == ["12000.00"] * 3
    assert Decimal(schedule[3]["amount"]) < Decimal("12000.00")
    # Three instalments are due by now (days 0, 365, 730); nothing received: all three overdue.
    assert contract["overdue_amount"] == "36000.00" and contract["days_overdue"] == 800
    r = lead.post(f"/api/v1/resource-contracts/{contract['id']}/receipts", json={
        "client_uuid": new_uuid(), "received_on": (TODAY - timedelta(days=5)).isoformat(), "amount": "15000.00",
        "voucher_no": "记-2026-118"})
    assert r.status_code == 201, r.json
    view = lead.get(f"/api/v1/resource-contracts/{contract['id']}").json
    assert view["received_total"] == "15000.00" and view["overdue_amount"] == "21000.00"
    assert [s["received"] for s in view["schedule"][:3]] == ["12000.00", "3000.00", "0.00"]
    assert view["oldest_overdue_on"] == (start + timedelta(days=365)).isoformat()
    listed = lead.get("/api/v1/resource-contracts", query_string={"overdue": "true", "q": contract["contract_no"]}).json
    assert [c["id"] for c in listed["items"]] == [contract["id"]] and listed["items"][0]["overdue_amount"] == "21000.00"
    res = lead.get(f"/api/v1/resources/{resource['id']}").json
    assert [c["id"] for c in res["contracts"]] == [contract["id"]]


# ---- bad input: a specific code, the field, nothing written -------------------------------------------

@pytest.mark.parametrize("over, status, code, path", [
    ({"region_id": "jincheng"}, 400, "region_not_village", "json.region_id"),
    ({"category": "固定资产"}, 400, "validation_error", "json.category"),
    ({"net_value": "-1"}, 400, "validation_error", "json.net_value"),
    ({"net_value": "12.345"}, 400, "validation_error", "json.net_value"),
    ({"net_value": "2000000.00"}, 400, "net_over_original", "json.net_value"),
    ({"acquired_on": (TODAY + timedelta(days=3)).isoformat()}, 400, "validation_error", "json.acquired_on"),
    ({"name": "   "}, 400, "validation_error", "json.name"),
    ({"project_id": 2**31 - 1}, 400, "project_not_found", "json.project_id"),
    ({"region_id": "baisha"}, 403, "out_of_scope", None),
])
def test_asset_bad_input(app, world, login_as, over, status, code, path):
    if over.get("region_id") in world["regions"]:
        over = {**over, "region_id": world["regions"][over["region_id"]]}
    before = count(app, Asset)
    r = login_as("lead").post("/api/v1/assets", json=asset_body(world, **over))
    assert_error(r, status, code)
    if path:
        assert path in [f["path"] for f in r.json["error"]["fields"]]
    assert count(app, Asset) == before


def test_asset_update_bad_input(app, world, login_as, make_project):
    lead = login_as("lead")
    asset = lead.post("/api/v1/assets", json=asset_body(world, asset_no="ZC-DUP-1")).json
    other = lead.post("/api/v1/assets", json=asset_body(world)).json
    url = f"/api/v1/assets/{other['id']}"
    assert_error(lead.request("PATCH", url, json={"client_uuid": new_uuid(), "asset_no": "ZC-DUP-1"}), 409, "asset_no_taken")
    assert_error(lead.request("PATCH", url, json={"client_uuid": new_uuid(), "status": "闲置",
                                                   "status_changed_on": (TODAY + timedelta(days=1)).isoformat()}),
                 400, "status_date_future")
    assert_error(lead.request("PATCH", url, json={"client_uuid": new_uuid(), "status": "闲置",
                                                   "status_changed_on": "2000-01-01"}), 400, "status_date_order")
    assert_error(lead.request("PATCH", url, json={"client_uuid": new_uuid(), "status": "报废"}), 400, "validation_error")
    sibling_project = make_project(region="baisha")
    r = lead.request("PATCH", url, json={"client_uuid": new_uuid(), "project_id": sibling_project})
    assert_error(r, 400, "project_elsewhere")
    assert lead.get(url).json["status"] == "在用" and lead.get(url).json["asset_no"] is None
    assert asset["asset_no"] == "ZC-DUP-1"


def test_resource_bad_input(app, world, login_as):
    from backend.assets.models import Resource
    lead = login_as("lead")
    before = count(app, Resource)
    for over, code, path in [({"kind": "矿山"}, "validation_error", "json.kind"),
                             ({"area": "0"}, "validation_error", "json.area"),
                             ({"area": "abc"}, "validation_error", "json.area"),
                             ({"region_id": world["regions"]["jincheng"]}, "region_not_village", "json.region_id")]:
        r = lead.post("/api/v1/resources", json=resource_body(world, **over))
        assert_error(r, 400, code)
        assert path in [f["path"] for f in r.json["error"]["fields"]]
    assert count(app, Resource) == before
    res = make_resource(lead, world, resource_no="ZY-001-X")
    other = make_resource(lead, world)
    assert_error(lead.request("PATCH", f"/api/v1/resources/{other['id']}",
                              json={"client_uuid": new_uuid(), "resource_no": "ZY-001-X"}), 409, "resource_no_taken")
    assert_error(lead.request("PATCH", f"/api/v1/resources/{res['id']}", json={"client_uuid": new_uuid(), "area": "-3"}),
                 400, "validation_error")


def test_contract_bad_input(app, world, login_as):
    from backend.assets.models import ContractReceipt, ResourceContract
    lead = login_as("lead")
    resource = make_resource(lead, world)
    asset = lead.post("/api/v1/assets", json=asset_body(world)).json
    elsewhere = make_resource(login_as("lead_sibling"), world, region_id=world["regions"]["baisha"])
    base = {"client_uuid": new_uuid(), "region_id": world["regions"]["qianwang"], "kind": "租赁",
            "counterparty": "王某某", "starts_on": "2025-01-01", "ends_on": "2027-12-31", "annual_amount": "5000.00"}
    before = count(app, ResourceContract)
    for over, code, path in [
            ({"resource_id": resource["id"], "asset_id": asset["id"]}, "contract_subject", "json.resource_id"),
            ({}, "contract_subject", "json.resource_id"),
            ({"resource_id": elsewhere["id"]}, "subject_elsewhere", "json.resource_id"),
            ({"resource_id": 2**31 - 1}, "subject_not_found", "json.resource_id"),
            ({"resource_id": resource["id"], "ends_on": "2024-12-31"}, "validation_error", "json.ends_on"),
            ({"resource_id": resource["id"], "kind": "转让"}, "validation_error", "json.kind"),
            ({"resource_id": resource["id"], "annual_amount": "0"}, "validation_error", "json.annual_amount"),
            ({"resource_id": resource["id"], "schedule": [{"due_on": "2030-01-01", "amount": "5000"}]},
             "schedule_outside_term", "json.schedule.0.due_on"),
            ({"resource_id": resource["id"], "schedule": [{"due_on": "2025-01-01", "amount": "5000"},
                                                          {"due_on": "2025-01-01", "amount": "5000"}]},
             "schedule_duplicate", "json.schedule.1.due_on")]:
        r = lead.post("/api/v1/resource-contracts", json={**base, "client_uuid": new_uuid(), **over})
        assert_error(r, 400, code)
        assert path in [f["path"] for f in r.json["error"]["fields"]], (over, r.json)
    assert count(app, ResourceContract) == before
    contract = make_contract(lead, world, resource["id"])
    url = f"/api/v1/resource-contracts/{contract['id']}"
    assert_error(lead.request("PATCH", url, json={"client_uuid": new_uuid(), "ends_on": "2000-01-01"}), 400, "term_order")
    receipts = count(app, ContractReceipt)
    receipt = {"client_uuid": new_uuid(), "received_on": TODAY.isoformat(), "amount": "100.00", "voucher_no": "记-9"}
    assert lead.post(f"{url}/receipts", json=receipt).status_code == 201
    assert_error(lead.post(f"{url}/receipts", json={**receipt, "client_uuid": new_uuid()}), 409, "voucher_taken")
    assert_error(lead.post(f"{url}/receipts", json={**receipt, "client_uuid": new_uuid(), "voucher_no": "记-10",
                                                    "received_on": (TODAY + timedelta(days=1)).isoformat()}),
                 400, "receipt_date_future")
    assert_error(lead.post(f"{url}/receipts", json={**receipt, "client_uuid": new_uuid(), "amount": "-5"}),
                 400, "validation_error")
    assert count(app, ContractReceipt) == receipts + 1


# ---- QR codes: scans and label sheets ------------------------------------------------------------------

def test_scan_shows_public_or_full_view(app, world, login_as):
    lead = login_as("lead")
    asset = lead.post("/api/v1/assets", json=asset_body(world, category="公益性")).json
    resource = make_resource(lead, world)
    contract = make_contract(lead, world, resource["id"], counterparty="李建华")
    anon = login_as(None)
    scan = anon.get(f"/api/v1/scan/{asset['code']}").json
    assert scan["subject_type"] == "asset"
    public = scan["asset"]
    assert public["view"] == "public" and public["name"] == asset["name"] and public["category"] == "公益性"
    assert public["status"] == "在用" and public["region"]["name"] == "钱王社区"
    assert "net_value" not in public and "location" not in public
    full = lead.get(f"/api/v1/scan/{asset['code']}").json["asset"]
    assert full["view"] == "full" and full["net_value"] == "980000.50"
    c = anon.get(f"/api/v1/scan/{contract['code']}").json
    assert c["subject_type"] == "contract" and c["contract"]["view"] == "public"
    assert c["contract"]["subject_name"] == resource["name"]
    assert "李建华" not in str(c) and "annual_amount" not in c["contract"]
    assert login_as("lead_sibling").get(f"/api/v1/scan/{contract['code']}").json["contract"]["view"] == "public"
    assert login_as("county").get(f"/api/v1/scan/{contract['code']}").json["contract"]["counterparty"] == "李建华"
    # The label sheet carries them: by kind, or with everything else.
    html = lead.get(f"/api/v1/regions/{world['regions']['qianwang']}/labels", query_string={"kind": "asset"}).data.decode()
    assert asset["code"] in html and contract["code"] not in html
    html = lead.get(f"/api/v1/regions/{world['regions']['qianwang']}/labels", query_string={"kind": "contract"}).data.decode()
    assert contract["code"] in html and resource["name"] in html
    assert asset["code"] in lead.get(f"/api/v1/regions/{world['regions']['jincheng']}/labels").data.decode()
    assert_error(lead.get(f"/api/v1/regions/{world['regions']['qianwang']}/labels", query_string={"kind": "land"}),
                 400, "validation_error")


# ---- risk rules: each fires, then clears when its cause is gone -----------------------------------------

def test_contract_receivable_overdue_fires_and_clears(app, world, login_as):
    lead = login_as("lead")
    resource = make_resource(lead, world)
    contract = make_contract(lead, world, resource["id"], starts_on=(TODAY - timedelta(days=40)).isoformat())
    run_scan(app, "contract_receivable_overdue")
    w = warning_for(app, "contract_receivable_overdue", f"contract:{contract['id']}")
    assert w["status"] == "open" and w["evidence"]["overdue_amount"] == "12000.00"
    assert w["evidence"]["days_overdue"] == 40 and w["evidence"]["counterparty"] == "杭州临安山核桃专业合作社"
    lead.post(f"/api/v1/resource-contracts/{contract['id']}/receipts", json={
        "client_uuid": new_uuid(), "received_on": TODAY.isoformat(), "amount": "12000.00", "voucher_no": "记-1"})
    run_scan(app, "contract_receivable_overdue")
    w = warning_for(app, "contract_receivable_overdue", f"contract:{contract['id']}")
    assert (w["status"], w["resolved_reason"]) == ("resolved", "cause_gone")


def test_contract_below_floor_fires_and_clears(app, world, login_as):
    lead = login_as("lead")
    resource = make_resource(lead, world)
    cheap = make_contract(lead, world, resource["id"], annual_amount="8000.00", floor_amount="10000.00")
    run_scan(app, "contract_below_floor")
    w = warning_for(app, "contract_below_floor", f"contract:{cheap['id']}")
    assert w["status"] == "open" and w["evidence"]["annual_amount"] == "8000.00"
    # Two contract years are over (800 days): 20,000 at least by the floor.
    lead.request("PATCH", f"/api/v1/resource-contracts/{cheap['id']}", json={"client_uuid": new_uuid(),
                                                                              "annual_amount": "10000.00"})
    for n, amount in enumerate(["10000.00", "9000.00"]):
        lead.post(f"/api/v1/resource-contracts/{cheap['id']}/receipts", json={
            "client_uuid": new_uuid(), "received_on": TODAY.isoformat(), "amount": amount, "voucher_no": f"F-{n}"})
    run_scan(app, "contract_below_floor")
    w = warning_for(app, "contract_below_floor", f"contract:{cheap['id']}")
    assert w["status"] == "open" and (w["evidence"]["completed_years"], w["evidence"]["received_total"]) == (2, "19000.00")
    lead.post(f"/api/v1/resource-contracts/{cheap['id']}/receipts", json={
        "client_uuid": new_uuid(), "received_on": TODAY.isoformat(), "amount": "1000.00", "voucher_no": "F-3"})
    run_scan(app, "contract_below_floor")
    assert warning_for(app, "contract_below_floor", f"contract:{cheap['id']}")["status"] == "resolved"


def test_contract_expired_active_fires_and_clears(app, world, login_as):
    lead = login_as("lead")
    resource = make_resource(lead, world)
    old = make_contract(lead, world, resource["id"], starts_on="2020-01-01", ends_on="2025-12-31")
    run_scan(app, "contract_expired_active")
    w = warning_for(app, "contract_expired_active", f"contract:{old['id']}")
    assert w["status"] == "open" and w["evidence"]["status"] == "active"
    url = f"/api/v1/resource-contracts/{old['id']}"
    lead.request("PATCH", url, json={"client_uuid": new_uuid(), "status": "terminated"})
    run_scan(app, "contract_expired_active")
    assert warning_for(app, "contract_expired_active", f"contract:{old['id']}")["status"] == "resolved"
    # Money still coming in after the end: the cause is back.
    lead.post(f"{url}/receipts", json={"client_uuid": new_uuid(), "received_on": "2026-03-01", "amount": "6000.00",
                                       "voucher_no": "记-2026-031"})
    run_scan(app, "contract_expired_active")
    w = warning_for(app, "contract_expired_active", f"contract:{old['id']}")
    assert w["status"] == "open" and w["evidence"]["receipts_after_end"] == 1
    # A renewal put on paper (the term now runs on): cleared.
    lead.request("PATCH", url, json={"client_uuid": new_uuid(), "status": "active", "ends_on": "2028-12-31"})
    run_scan(app, "contract_expired_active")
    assert warning_for(app, "contract_expired_active", f"contract:{old['id']}")["status"] == "resolved"


def test_asset_idle_spending_fires_and_clears(app, world, login_as, make_project):
    lead, county = login_as("lead"), login_as("county")
    formed, upkeep = make_project(stage="construction"), make_project(stage="construction")
    asset = lead.post("/api/v1/assets", json=asset_body(world, project_id=formed, maintenance_project_ids=[upkeep])).json
    lead.request("PATCH", f"/api/v1/assets/{asset['id']}", json={
        "client_uuid": new_uuid(), "status": "闲置", "status_changed_on": (TODAY - timedelta(days=30)).isoformat()})
    run_scan(app, "asset_idle_spending")
    # The fixtures' payments were made 275 days ago, before it went idle.
    assert warning_for(app, "asset_idle_spending", f"asset:{asset['id']}") is None
    r = county.post(f"/api/v1/projects/{upkeep}/payments", json={
        "client_uuid": new_uuid(), "amount": "8000.00", "paid_on": (TODAY - timedelta(days=3)).isoformat(),
        "payee": "临安绿化养护公司", "voucher_no": f"V-{new_uuid()[:6]}", "funding_source": "村级自有资金"})
    assert r.status_code == 201, r.json
    run_scan(app, "asset_idle_spending")
    w = warning_for(app, "asset_idle_spending", f"asset:{asset['id']}")
    assert w["status"] == "open" and w["evidence"]["amount"] == "8000.00" and w["evidence"]["payments"] == 1
    # In use again: nothing idle is being paid for.
    lead.request("PATCH", f"/api/v1/assets/{asset['id']}", json={"client_uuid": new_uuid(), "status": "在用"})
    run_scan(app, "asset_idle_spending")
    assert warning_for(app, "asset_idle_spending", f"asset:{asset['id']}")["status"] == "resolved"


def test_project_asset_unregistered_fires_and_clears(app, world, login_as, make_project):
    from backend.core import clock
    project_id = make_project(stage="acceptance")
    run_scan(app, "project_asset_unregistered")
    assert warning_for(app, "project_asset_unregistered", f"project:{project_id}") is None  # within the 30 days
    set_project(app, project_id, stage_changed_at=clock.now() - timedelta(days=45))
    run_scan(app, "project_asset_unregistered")
    w = warning_for(app, "project_asset_unregistered", f"project:{project_id}")
    assert w["status"] == "open" and w["evidence"]["days"] == 45 and w["evidence"]["stage"] == "acceptance"
    # Registering its asset clears it through the scan the write queued (jobs run inline in tests).
    r = login_as("lead").post("/api/v1/assets", json=asset_body(world, project_id=project_id))
    assert r.status_code == 201, r.json
    w = warning_for(app, "project_asset_unregistered", f"project:{project_id}")
    assert (w["status"], w["resolved_reason"]) == ("resolved", "cause_gone")


def test_warnings_read_in_the_risk_list(app, world, login_as):
    lead = login_as("lead")
    resource = make_resource(lead, world)
    contract = make_contract(lead, world, resource["id"], starts_on=(TODAY - timedelta(days=10)).isoformat())
    run_scan(app, "contract_receivable_overdue")
    items = lead.get("/api/v1/risks", query_string={"rule": "contract_receivable_overdue", "per_page": 100}).json["items"]
    mine = [w for w in items if w["evidence"]["contract_id"] == contract["id"]]
    assert mine and "逾期未收" in mine[0]["explanation_zh"] and mine[0]["evidence_labels"]["overdue_amount"]["zh"]
