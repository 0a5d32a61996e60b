"""Bad input gets a specific JSON error with a field path and changes nothing."""
import json

import pytest

from backend.core.models import AuditLog
from backend.projects.models import LifecycleEvent, Project, ProjectPayment, Unit
from conftest import assert_error, count, new_uuid

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
    ({"budget": 1e20}, "json.budget", "scientific_notation"),  # (sent as 1e+20)
    ({"budget": "100000000000"}, "json.budget", "validation_error"),
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


# ---- text that shows other than it is stored ----------------------------------------------------

@pytest.mark.parametrize("name,bad", [
    ("张三\u202e程工灯路", "U+202E"),   # right-to-left override: lists, reports and files show it reversed
    ("张三\u2066路灯\u2069", "U+2066"),  # an isolate
    ("钱王\u200f社区路灯", "U+200F"),     # right-to-left mark
    ("钱王\x85社区路灯", "U+0085"),       # C1
    ("钱王\x00社区路灯", "U+0000"),
    ("钱王\x07社区路灯", "U+0007"),
    ("钱王社区\t路灯", "U+0009"),         # a name is one line
    ("钱王社区\n路灯", "U+000A"),
])
def test_a_name_with_a_control_or_direction_character_is_refused(world, login_as, unchanged, name, bad):
    r = login_as("lead").post("/api/v1/projects", json=_project_body(world, name=name))
    assert_error(r, 400, "control_character", "json.name")
    field = next(f for f in r.json["error"]["fields"] if f["path"] == "json.name")
    assert bad in field["message"] and bad in field["zh"] and bad in r.json["error"]["message"]["zh"], field


def test_a_box_of_several_lines_keeps_its_line_breaks_not_direction_controls(world, login_as):
    lead = login_as("lead")
    described = "第一段：路灯 12 盏。\n第二段：\t线缆 300 米。\r\n完"
    r = lead.post("/api/v1/projects", json=_project_body(world, name=f"多行说明{new_uuid()[:6]}", description=described))
    assert r.status_code == 201, r.json
    assert lead.get(f"/api/v1/projects/{r.json['id']}").json["description"] == described
    r = lead.post("/api/v1/projects", json=_project_body(world, description="路灯\u202e盏 21"))
    assert_error(r, 400, "control_character", "json.description")


def test_a_problem_of_another_kind_beside_it_is_a_validation_error(world, login_as, unchanged):
    r = login_as("lead").post("/api/v1/projects", json=_project_body(world, name="张三\u202e", category="火箭"))
    assert_error(r, 400, "validation_error", "json.name")
    assert "json.category" in [f["path"] for f in r.json["error"]["fields"]]


def test_every_text_field_of_a_request_body_goes_through_the_one_rule(app):
    """A body's string field is a CleanString (core.fields), or one that only takes listed words or a
    pattern: a new field that forgets it fails here."""
    from marshmallow import fields as mf
    from marshmallow.validate import OneOf, Regexp
    from backend.core.fields import CleanString
    loose = set()

    def walk(schema, where):
        for name, field in schema.fields.items():
            inner = field.inner if isinstance(field, mf.List) else field
            if isinstance(inner, mf.Nested):
                walk(inner.schema, f"{where}.{name}")
            elif isinstance(inner, mf.String) and not isinstance(inner, CleanString) and not any(
                    isinstance(v, (OneOf, Regexp)) for v in inner.validators):
                loose.add(f"{where}.{name}")
    bodies = 0
    for rule in app.url_map.iter_rules():
        body = getattr(app.view_functions[rule.endpoint], "_spec", {}).get("body")  # (apiflask: the one body)
        if body is not None:
            bodies += 1
            walk(body() if isinstance(body, type) else body, rule.rule)
    assert bodies > 50 and not loose, sorted(loose)


# ---- amounts: plain decimal digits only -----------------------------------------------------------

@pytest.mark.parametrize("written,code", [
    ('"1e5"', "scientific_notation"), ('"1E5"', "scientific_notation"), ('"1e-2"', "scientific_notation"),
    ('"1.2E+5"', "scientific_notation"),
    ("1e5", "scientific_notation"), ("1E5", "scientific_notation"), ("1.5e2", "scientific_notation"),  # JSON numbers
    # …and what is no plain number is no number (1_000 and other scripts' digits were read as numbers)
    ('"Infinity"', "validation_error"), ('"NaN"', "validation_error"), ("NaN", "validation_error"),
    ("Infinity", "validation_error"), ('"0x10"', "validation_error"), ('"1_000"', "validation_error"),
    ('"\u0661\u0662"', "validation_error"),
])
def test_an_amount_not_written_in_plain_digits_is_refused(world, login_as, unchanged, written, code):
    """1e5 was read as 100,000 yuan."""
    lead = login_as("lead")
    body = json.dumps(_project_body(world, budget="<budget>")).replace('"<budget>"', written)
    r = lead.c.post("/api/v1/projects", data=body, content_type="application/json",
                    headers={"X-CSRF-Token": lead.csrf})
    assert_error(r, 400, code, "json.budget")
    assert r.json["error"]["message"]["zh"] and r.json["error"]["message"]["en"]


@pytest.mark.parametrize("written,stored", [('"120000.5"', "120000.50"), ("120000.50", "120000.50"),
                                            ("120000", "120000.00"), ('"１２００００"', "120000.00"),
                                            ('" 8.00 "', "8.00")])
def test_an_amount_in_plain_digits_is_taken(world, login_as, written, stored):
    lead = login_as("lead")
    body = json.dumps(_project_body(world, name=f"金额{new_uuid()[:6]}", budget="<budget>")).replace('"<budget>"', written)
    r = lead.c.post("/api/v1/projects", data=body, content_type="application/json",
                    headers={"X-CSRF-Token": lead.csrf})
    assert r.status_code == 201 and r.json["budget"] == stored, r.json


def test_a_contract_payment_in_scientific_notation_changes_nothing(app, login_as, make_project):
    project_id = make_project(stage="construction")
    before = snapshot(app)
    r = login_as("lead").post(f"/api/v1/projects/{project_id}/payments", json={
        "client_uuid": new_uuid(), "amount": "5e2", "paid_on": "2026-06-01", "payee": "某公司", "voucher_no": "V-1e",
        "funding_source": "区级配套资金"})
    assert_error(r, 400, "scientific_notation", "json.amount")
    assert snapshot(app) == before
