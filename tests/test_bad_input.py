"""Bad input gets a specific JSON error with a field path and changes nothing."""
import pytest

from backend.core.models import AuditLog
from backend.projects.models import LifecycleEvent, Project, ProjectPayment, Unit
from conftest import count, new_uuid

TABLES = (Project, ProjectPayment, LifecycleEvent, Unit)


def snapshot(app):
    """Row counts of the business tables and of the audit log's non-sign-in entries."""
    from backend.extensions import db
    with app.app_context():
        writes = db.session.query(AuditLog).filter(~AuditLog.action.startswith("auth.")).count()
    return {**{m: count(app, m) for m in TABLES}, "audit": writes}


@pytest.fixture
def unchanged(app):
    """Asserts after the test body that nothing was written."""
    before = snapshot(app)
    yield
    assert snapshot(app) == before


def _project_body(world, **changes):
    body = {"client_uuid": new_uuid(), "region_id": world["regions"]["qianwang"],
            "unit_id": world["units"]["jincheng"], "name": "钱王社区路灯工程", "category": "公共服务",
            "budget": "120000.00"}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


@pytest.mark.parametrize("changes,path,code", [
    ({"budget": "abc"}, "json.budget", "validation_error"),
    ({"budget": "-5"}, "json.budget", "validation_error"),
    ({"budget": 1e20}, "json.budget", "validation_error"),
    ({"name": "   "}, "json.name", "validation_error"),
    ({"name": ...}, "json.name", "validation_error"),
    ({"name": 42}, "json.name", "validation_error"),
    ({"category": "火箭"}, "json.category", "validation_error"),
    ({"client_uuid": "not-a-uuid"}, "json.client_uuid", "validation_error"),
    ({"region_id": "seven"}, "json.region_id", "validation_error"),
    ({"lat": 123.0}, "json.lat", "validation_error"),
    ({"planned_start_on": "2026-05-01", "planned_end_on": "2026-04-01"}, "json.planned_end_on", "validation_error"),
    ({"planned_start_on": "2026-02-30"}, "json.planned_start_on", "validation_error"),
    ({"funding_sources": [{"source": "省级", "amount": "1.00"}]}, "json.funding_sources", "validation_error"),
    ({"region_id": 999999}, "json.region_id", "region_not_found"),
    ({"unit_id": 999999}, "json.unit_id", "unit_not_found"),
])
def test_bad_project(world, login_as, unchanged, changes, path, code):
    r = login_as("lead").post("/api/v1/projects", json=_project_body(world, **changes))
    assert r.status_code == 400, r.json
    assert r.json["error"]["code"] == code
    assert path in [f["path"] for f in r.json["error"]["fields"]]
    assert r.json["error"]["message"]["zh"] and r.json["error"]["message"]["en"]


def test_project_in_another_township_is_forbidden(world, login_as, unchanged):
    body = _project_body(world, region_id=world["regions"]["baisha"], unit_id=world["units"]["taihuyuan"])
    r = login_as("lead").post("/api/v1/projects", json=body)
    assert (r.status_code, r.json["error"]["code"]) == (403, "out_of_scope")


def test_unit_must_manage_the_region(world, login_as, unchanged):
    body = _project_body(world, region_id=world["regions"]["baisha"], unit_id=world["units"]["jincheng"])
    r = login_as("county").post("/api/v1/projects", json=body)
    assert (r.status_code, r.json["error"]["code"]) == (400, "unit_region_mismatch")


def test_oversized_body(app, world, login_as, unchanged):
    body = _project_body(world, description="长" * (app.config["MAX_CONTENT_LENGTH"]))
    r = login_as("lead").post("/api/v1/projects", json=body)
    assert (r.status_code, r.json["error"]["code"]) == (413, "payload_too_large")


def test_not_json(world, login_as, unchanged):
    lead = login_as("lead")
    r = lead.c.post("/api/v1/projects", data="{not json", content_type="application/json",
                    headers={"X-CSRF-Token": lead.csrf})
    assert r.status_code == 400 and r.json["error"]["code"] in {"bad_request", "validation_error"}


def test_unknown_stage_name(app, login_as, make_project):
    project_id = make_project()
    before = count(app, LifecycleEvent)
    r = login_as("lead").post(f"/api/v1/projects/{project_id}/stage",
                              json={"client_uuid": new_uuid(), "to_stage": "demolished"})
    assert r.status_code == 400 and r.json["error"]["fields"][0]["path"] == "json.to_stage"
    assert count(app, LifecycleEvent) == before


@pytest.mark.parametrize("stage,changes,status,code", [
    ("tendering", {}, 409, "payment_stage"),
    ("construction", {"amount": "0"}, 400, "validation_error"),
    ("construction", {"paid_on": "yesterday"}, 400, "validation_error"),
    ("construction", {"voucher_no": ""}, 400, "validation_error"),
])
def test_bad_payment(app, login_as, make_project, stage, changes, status, code):
    project_id = make_project(stage=stage)
    before = snapshot(app)
    body = {"client_uuid": new_uuid(), "amount": "500.00", "paid_on": "2026-06-01", "payee": "某公司",
            "voucher_no": "V-1", "funding_source": "区级配套资金", **changes}
    r = login_as("lead").post(f"/api/v1/projects/{project_id}/payments", json=body)
    assert (r.status_code, r.json["error"]["code"]) == (status, code)
    assert snapshot(app) == before


def test_duplicate_voucher(app, login_as, make_project):
    project_id = make_project(stage="construction")
    lead = login_as("lead")
    body = {"amount": "500.00", "paid_on": "2026-06-01", "payee": "某公司", "voucher_no": "记-0099",
            "funding_source": "区级配套资金"}
    assert lead.post(f"/api/v1/projects/{project_id}/payments", json={**body, "client_uuid": new_uuid()}).status_code == 201
    r = lead.post(f"/api/v1/projects/{project_id}/payments", json={**body, "client_uuid": new_uuid()})
    assert (r.status_code, r.json["error"]["code"]) == (409, "voucher_taken")


@pytest.mark.parametrize("url", ["/api/v1/projects?page=0", "/api/v1/projects?per_page=1000",
                                 "/api/v1/projects?stage=flying", "/api/v1/regions?level=planet",
                                 "/api/v1/regions/999999", "/api/v1/projects/999999", "/api/v1/nowhere"])
def test_bad_reads(login_as, url):
    r = login_as("county").get(url)
    assert r.status_code in (400, 404) and r.json["error"]["code"] in {"validation_error", "not_found"}


def test_wrong_method_is_json(login_as):
    r = login_as(None).request("DELETE", "/api/v1/hello")
    assert (r.status_code, r.json["error"]["code"]) == (405, "method_not_allowed")


def test_an_overlong_address_is_refused_with_the_envelope_and_documented(app, login_as):
    client = login_as("county")
    r = client.get("/api/v1/projects?q=" + "长" * 2000)  # 6,000 characters once percent-encoded
    assert (r.status_code, r.json["error"]["code"]) == (414, "uri_too_long")
    assert "4096" in r.json["error"]["message"]["zh"]
    assert client.get("/api/v1/projects?q=" + "长" * 20).status_code == 200
    spec = app.test_client().get("/api/v1/openapi.json").json
    operations = [op for path in spec["paths"].values() for op in path.values() if isinstance(op, dict)]
    assert operations and all("414" in op["responses"] for op in operations)
