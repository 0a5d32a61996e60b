"""The admin endpoints (regions by hand, a user with a one-time password): bad input gets a
specific JSON error with its field path and changes nothing."""
import pytest
from sqlalchemy import select

from backend.core.models import AuditLog, Region, User
from backend.extensions import db
from backend.core.models import RegionChange
from conftest import new_uuid


def snapshot(app):
    with app.app_context():
        return tuple(db.session.scalar(select(db.func.count()).select_from(m)) for m in (Region, RegionChange, User)) + (
            db.session.scalar(select(db.func.count()).select_from(AuditLog).where(~AuditLog.action.startswith("auth."))),)


def error(r):
    return r.status_code, r.json["error"]["code"], sorted({f["path"] for f in r.json["error"]["fields"]})


@pytest.mark.parametrize("changes,status,code,path", [
    ({"code": "33011200600"}, 400, "validation_error", "json.code"),
    ({"code": "abcdefghijkl"}, 400, "validation_error", "json.code"),
    ({"name": "  "}, 400, "validation_error", "json.name"),
    ({"name": "村" * 65}, 400, "validation_error", "json.name"),
    ({"parent_id": 0}, 400, "validation_error", "json.parent_id"),
    ({"parent_id": 999999}, 400, "region_not_found", "json.parent_id"),
    ({"client_uuid": "nope"}, 400, "validation_error", "json.client_uuid"),
    ({"code": "330112103299"}, 400, "code_parent_mismatch", "json.code"),  # under 太湖源, not 锦城
    ({"code": "330112006000"}, 400, "code_parent_mismatch", "json.code"),  # 锦城's own code
    ({"code": "330112006001"}, 409, "code_taken", "json.code"),  # 钱王社区
])
def test_adding_a_region_refuses_bad_input(app, world, login_as, changes, status, code, path):
    body = {"client_uuid": new_uuid(), "code": "330112006777", "name": "新村", "parent_id": world["regions"]["jincheng"],
            **changes}
    before = snapshot(app)
    r = login_as("admin").post("/api/v1/regions", json=body)
    assert error(r) == (status, code, [path])
    assert snapshot(app) == before


def test_adding_under_a_village_is_refused(app, world, login_as):
    before = snapshot(app)
    r = login_as("admin").post("/api/v1/regions", json={"client_uuid": new_uuid(), "code": "330112006001",
                                                        "name": "组", "parent_id": world["regions"]["qianwang"]})
    assert error(r) == (400, "parent_is_village", ["json.parent_id"])
    assert snapshot(app) == before


@pytest.mark.parametrize("body,path", [({"name": ""}, "json.name"), ({"name": "x" * 65}, "json.name"),
                                       ({"name": "新名", "note": "n" * 201}, "json.note"),
                                       ({"name": "新名", "client_uuid": 5}, "json.client_uuid")])
def test_renaming_a_region_refuses_bad_input(app, world, login_as, body, path):
    before = snapshot(app)
    r = login_as("admin").request("PATCH", f"/api/v1/regions/{world['regions']['baisha']}",
                                  json={"client_uuid": new_uuid(), **body})
    assert error(r) == (400, "validation_error", [path])
    assert snapshot(app) == before


def test_a_region_added_and_renamed_by_hand_keeps_its_history(app, world, login_as):
    admin = login_as("admin")
    key = new_uuid()
    body = {"client_uuid": key, "code": "330112103250", "name": "手工村", "parent_id": world["regions"]["taihuyuan"]}
    r = admin.post("/api/v1/regions", json=body)
    assert r.status_code == 201 and r.json["level"] == "village" and r.json["status"] == "active"
    again = admin.post("/api/v1/regions", json=body)
    assert again.status_code == 201 and again.json["id"] == r.json["id"]  # a replay, not a second village
    r2 = admin.request("PATCH", f"/api/v1/regions/{r.json['id']}",
                       json={"client_uuid": new_uuid(), "name": "手工新村", "note": "村民代表会议决定"})
    assert r2.status_code == 200 and r2.json["name"] == "手工新村"
    detail = admin.get(f"/api/v1/regions/{r.json['id']}").json
    assert [(c["kind"], c["old_name"], c["new_name"]) for c in detail["changes"]] == [
        ("rename", "手工村", "手工新村"), ("add", None, "手工村")]
    with app.app_context():
        actions = set(db.session.execute(select(AuditLog.action).where(AuditLog.subject_type == "regions",
                                                                         AuditLog.subject_id == r.json["id"])).scalars())
    assert actions == {"region.create", "region.rename"}


@pytest.mark.parametrize("changes,status,code,path", [
    ({"phone": "12345"}, 400, "phone_malformed", "json.phone"),
    ({"password": "short"}, 400, "validation_error", "json.password"),
    ({"role": "boss"}, 400, "validation_error", "json.role"),
    ({"region_id": "linan"}, 400, "role_region_level", "json.region_id"),
    ({"username": "t_lead"}, 409, "username_taken", "json.username"),
])
def test_creating_a_user_refuses_bad_input(app, world, login_as, changes, status, code, path):
    body = {"username": "u" + new_uuid()[:8], "display_name": "新人", "role": "inspector",
            "region_id": world["regions"]["jincheng"], **changes}
    if changes.get("region_id") == "linan":
        body["region_id"] = world["regions"]["linan"]
    before = snapshot(app)
    r = login_as("county").post("/api/v1/users", json=body)
    assert error(r) == (status, code, [path])
    assert snapshot(app) == before


def test_a_county_cannot_create_a_role_above_its_own(app, world, login_as):
    before = snapshot(app)
    r = login_as("county").post("/api/v1/users", json={"username": "u" + new_uuid()[:8], "display_name": "市人",
                                                       "role": "city", "region_id": world["regions"]["hz"]})
    assert r.status_code == 403 and r.json["error"]["code"] == "out_of_scope"
    r = login_as("county").post("/api/v1/users", json={"username": "u" + new_uuid()[:8], "display_name": "管",
                                                       "role": "admin", "region_id": world["regions"]["linan"]})
    assert r.status_code == 403 and r.json["error"]["code"] == "role_above_own"
    assert snapshot(app) == before


def test_a_user_made_without_a_password_gets_a_one_time_one_shown_once(app, world, login_as):
    name = "u" + new_uuid()[:8]
    r = login_as("county").post("/api/v1/users", json={"username": name, "display_name": "周全", "role": "inspector",
                                                       "region_id": world["regions"]["jincheng"],
                                                       "phone": "13905718888"})
    assert r.status_code == 201 and r.headers["Cache-Control"] == "no-store"
    secret = r.json["one_time_password"]
    assert len(secret) == 14 and r.json["must_change_password"] and r.json["phone_mask"] == "139****8888"
    listed = login_as("county").get(f"/api/v1/users?q={name}").json["items"][0]
    assert "one_time_password" not in listed and listed["phone_mask"] == "139****8888"
    with app.app_context():
        user = db.session.execute(select(User).where(User.username == name)).scalar_one()
        assert secret not in user.password_hash and "13905718888" not in user.phone_enc
        logged = db.session.execute(select(AuditLog.details).where(AuditLog.action == "user.create",
                                                                   AuditLog.subject_id == user.id)).scalar_one()
        assert secret not in str(logged)
    client = app.test_client()
    r = client.post("/api/v1/auth/login", json={"username": name, "password": secret})
    assert r.status_code == 200 and r.json["user"]["must_change_password"]
