"""Sessions that end on the server, password changes and resets, user management (who may do what,
audited), the bearer-token and inbox fixes, and the security headers."""
import time
from datetime import timedelta

import jwt
import pytest

from backend.core import clock
from backend.core.models import AuditLog, User, UserSession
from backend.extensions import db
from conftest import assert_error, PASSWORD, Client, new_uuid

NEW_PASSWORD = "another-long-secret-42"


@pytest.fixture
def make_user(app, world):
    """make_user("inspector", "jincheng") → (id, user name): a fresh account of its own, so a test
    may reset, deactivate or re-role it without touching the shared world users."""
    from backend.core.auth import hash_password

    def make(role="inspector", region="jincheng", **fields):
        with app.app_context():
            user = User(username=f"acct_{new_uuid()[:8]}", display_name="账号测试", role=role,
                        password_hash=hash_password(fields.pop("password", PASSWORD)),
                        region_id=world["regions"][region], **fields)
            db.session.add(user)
            db.session.commit()
            return user.id, user.username
    return make


def sign_in(app, username, password=PASSWORD):
    flask_client = app.test_client()
    r = flask_client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.json
    return Client(flask_client, r.json["csrf_token"]), r.json


def copy_of(app, client):
    """A second browser holding a copy of ``client``'s session cookie (and its CSRF token)."""
    thief = app.test_client()
    cookie = client.c.get_cookie("session")
    thief.set_cookie("session", cookie.value)
    return Client(thief, client.csrf)


def token_for(app, username, password=PASSWORD):
    r = app.test_client().post("/api/v1/auth/token", json={"username": username, "password": password})
    assert r.status_code == 201, r.json
    return {"Authorization": f"Bearer {r.json['access_token']}"}


def audit_actions(app, user_id):
    with app.app_context():
        return [a for (a,) in db.session.query(AuditLog.action).filter_by(subject_type="users", subject_id=user_id)]


# ---- sessions end on the server ------------------------------------------------------------------

def test_a_cookie_copied_before_logout_is_refused_after_it(app, make_user, make_project):
    _, name = make_user("township_lead")
    me, _ = sign_in(app, name)
    copy = copy_of(app, me)
    assert copy.get("/api/v1/auth/me").status_code == 200  # the copy works while the session lives
    assert me.post("/api/v1/auth/logout").status_code == 204
    assert_error(copy.get("/api/v1/auth/me"), 401, "unauthenticated")
    assert_error(copy.get("/api/v1/projects"), 401, "unauthenticated")
    project = make_project(stage="approved")
    r = copy.post(f"/api/v1/projects/{project}/stage", json={"client_uuid": new_uuid(), "to_stage": "tendering"})
    assert_error(r, 401, "unauthenticated")


def test_signing_out_ends_only_that_browser(app, make_user):
    _, name = make_user()
    phone, _ = sign_in(app, name)
    desk, _ = sign_in(app, name)
    assert phone.post("/api/v1/auth/logout").status_code == 204
    assert desk.get("/api/v1/auth/me").status_code == 200


def test_signing_in_again_ends_the_browsers_previous_session(app, make_user):
    _, name = make_user()
    me, _ = sign_in(app, name)
    copy = copy_of(app, me)
    r = me.c.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
    assert r.status_code == 200 and me.c.get("/api/v1/auth/me").status_code == 200
    assert_error(copy.get("/api/v1/auth/me"), 401, "unauthenticated")


def test_the_cookie_is_sent_at_sign_in_and_not_again_on_every_answer(app, make_user):
    """The session ends on the server SESSION_HOURS after sign-in, so the sign-in's cookie says so
    and the answers after it carry no new one (bytes a phone on a weak signal need not receive)."""
    _, name = make_user()
    flask_client = app.test_client()
    r = flask_client.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
    cookies = r.headers.getlist("Set-Cookie")
    assert r.status_code == 200 and any(c.startswith("session=") for c in cookies)
    with app.app_context():
        row = db.session.query(UserSession).join(User, User.id == UserSession.user_id).filter(User.username == name).one()
        assert row.expires_at == clock.now() + app.config["PERMANENT_SESSION_LIFETIME"]
    # The cookie ends when the row does (Flask dates it by the machine's clock, the row by the pinned one).
    expires = flask_client.get_cookie("session").expires
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    assert abs(expires.timestamp() - time.time() - lifetime) < 60
    for path in ("/api/v1/auth/me", "/api/v1/projects", "/api/v1/notifications"):
        answer = flask_client.get(path)
        assert answer.status_code == 200 and not answer.headers.getlist("Set-Cookie"), path


def test_an_expired_session_row_signs_no_one_in(app, make_user):
    user_id, name = make_user()
    me, _ = sign_in(app, name)
    with app.app_context():
        db.session.query(UserSession).filter_by(user_id=user_id).update(
            {"expires_at": clock.now() - timedelta(seconds=1)})
        db.session.commit()
    assert_error(me.get("/api/v1/auth/me"), 401, "unauthenticated")


def test_changing_the_password_ends_other_sessions_and_tokens(app, make_user):
    user_id, name = make_user()
    me, _ = sign_in(app, name)
    other, _ = sign_in(app, name)
    token = token_for(app, name)
    r = me.post("/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert r.status_code == 200 and r.json["user"]["must_change_password"] is False
    assert me.get("/api/v1/auth/me").status_code == 200  # this browser stays signed in
    assert_error(other.get("/api/v1/auth/me"), 401, "unauthenticated")
    assert_error(app.test_client().get("/api/v1/auth/me", headers=token), 401, "token_revoked")
    sign_in(app, name, NEW_PASSWORD)
    bad = app.test_client().post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
    assert_error(bad, 401, "bad_credentials")
    assert "user.password_change" in audit_actions(app, user_id)


@pytest.mark.parametrize("body, status, code, path", [
    ({"current_password": "wrong-password-here", "new_password": NEW_PASSWORD}, 400, "wrong_password",
     "json.current_password"),
    ({"current_password": PASSWORD, "new_password": PASSWORD}, 400, "password_unchanged", "json.new_password"),
    ({"current_password": PASSWORD, "new_password": "short1"}, 400, "password_too_short", "json.new_password"),
    ({"current_password": PASSWORD, "new_password": "Jicai@2026"}, 400, "password_weak", "json.new_password"),
    ({"current_password": PASSWORD, "new_password": "1234567890"}, 400, "password_weak", "json.new_password"),
    ({"current_password": PASSWORD, "new_password": "aaaaaaaaaaaa"}, 400, "password_weak", "json.new_password"),
    ({"current_password": PASSWORD}, 400, "validation_error", "json.new_password"),
    ({"current_password": PASSWORD, "new_password": ["x"]}, 400, "validation_error", "json.new_password"),
])
def test_password_change_bad_input_changes_nothing(app, make_user, body, status, code, path):
    user_id, name = make_user()
    me, _ = sign_in(app, name)
    other, _ = sign_in(app, name)
    r = me.post("/api/v1/auth/password", json=body)
    assert_error(r, status, code)
    assert path in [f["path"] for f in r.json["error"]["fields"]]
    assert other.get("/api/v1/auth/me").status_code == 200  # nothing ended
    sign_in(app, name)  # the old password still works


def test_a_password_containing_the_user_name_is_weak(app, make_user):
    _, name = make_user()
    me, _ = sign_in(app, name)
    r = me.post("/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": f"{name}-2026x"})
    assert_error(r, 400, "password_weak")


def test_guessing_the_current_password_is_limited_like_signing_in(app, make_user):
    _, name = make_user()
    me, _ = sign_in(app, name)
    answers = [me.post("/api/v1/auth/password", json={"current_password": f"guess-{i}", "new_password": NEW_PASSWORD})
               for i in range(app.config["LOGIN_MAX_FAILURES"] + 1)]
    assert [r.status_code for r in answers] == [400] * app.config["LOGIN_MAX_FAILURES"] + [429]


def test_password_change_needs_a_user(app, world):
    r = app.test_client().post("/api/v1/auth/password", json={"current_password": PASSWORD,
                                                              "new_password": NEW_PASSWORD})
    assert_error(r, 401, "unauthenticated")


# ---- bearer tokens and the inbox -----------------------------------------------------------------

@pytest.mark.parametrize("sub", ["abc", "0", "-3", "99999999999999999999", "１２", "1.5", ""])
def test_a_signed_token_about_no_valid_user_id_is_401(app, world, sub):
    now = clock.now()
    token = jwt.encode({"iss": "jicai", "sub": sub, "iat": now, "jti": new_uuid(), "ep": 0,
                        "exp": now + timedelta(minutes=5)}, app.config["SECRET_KEY"], algorithm="HS256")
    r = app.test_client().get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert_error(r, 401, "token_invalid")


def test_a_token_from_before_the_epoch_moved_is_revoked(app, make_user):
    user_id, name = make_user()
    headers = token_for(app, name)
    assert app.test_client().get("/api/v1/auth/me", headers=headers).status_code == 200
    with app.app_context():
        db.session.get(User, user_id).auth_epoch += 1
        db.session.commit()
    assert_error(app.test_client().get("/api/v1/auth/me", headers=headers), 401, "token_revoked")


def test_marking_someone_elses_notification_read_is_404(app, world, make_user, login_as):
    from backend.notifications.models import Notification
    from backend.notifications.services import notify
    owner_id, owner_name = make_user()
    with app.app_context():
        notify([db.session.get(User, owner_id)], "test", "测试消息", "Test message", "/")
        db.session.commit()
        mine = db.session.query(Notification.id).filter_by(user_id=owner_id).scalar()
    r = login_as("lead").post(f"/api/v1/notifications/{mine}/read")
    assert_error(r, 404, "not_found")
    with app.app_context():
        assert db.session.get(Notification, mine).read_at is None
    owner, _ = sign_in(app, owner_name)
    assert owner.post(f"/api/v1/notifications/{mine}/read").status_code == 204
    assert owner.post(f"/api/v1/notifications/{mine}/read").status_code == 204  # already read: still fine
    assert_error(owner.post("/api/v1/notifications/2147483647/read"), 404, "not_found")


# ---- user management -----------------------------------------------------------------------------

def test_admin_resets_a_password_and_it_must_be_changed_at_first_sign_in(app, make_user, login_as):
    user_id, name = make_user()
    before, _ = sign_in(app, name)
    token = token_for(app, name)
    r = login_as("admin").post(f"/api/v1/users/{user_id}/reset-password")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    secret = r.json["one_time_password"]
    assert len(secret) == 14 and r.json["user"]["must_change_password"] is True
    assert_error(before.get("/api/v1/auth/me"), 401, "unauthenticated")
    assert_error(app.test_client().get("/api/v1/auth/me", headers=token), 401, "token_revoked")
    me, session = sign_in(app, name, secret)
    assert session["user"]["must_change_password"] is True
    assert_error(me.get("/api/v1/projects"), 403, "password_change_required")
    assert_error(me.post("/api/v1/notifications/read-all"), 403, "password_change_required")
    assert me.get("/api/v1/auth/me").status_code == 200
    r = me.post("/api/v1/auth/password", json={"current_password": secret, "new_password": NEW_PASSWORD})
    assert r.status_code == 200 and r.json["user"]["must_change_password"] is False
    assert me.get("/api/v1/projects").status_code == 200
    assert {"user.password_reset", "user.password_change"} <= set(audit_actions(app, user_id))


def test_a_token_of_someone_who_must_change_the_password_is_refused_too(app, make_user, login_as):
    user_id, name = make_user()
    secret = login_as("admin").post(f"/api/v1/users/{user_id}/reset-password").json["one_time_password"]
    headers = token_for(app, name, secret)
    assert_error(app.test_client().get("/api/v1/tasks", headers=headers), 403, "password_change_required")


def test_county_manages_the_accounts_of_its_county(app, world, make_user, login_as):
    user_id, name = make_user("inspector", "jincheng")
    county = login_as("county")
    r = county.post(f"/api/v1/users/{user_id}/reset-password")
    assert r.status_code == 200
    r = county.request("PATCH", f"/api/v1/users/{user_id}", json={"role": "township_lead",
                                                                  "region_id": world["regions"]["taihuyuan"]})
    assert r.status_code == 200 and (r.json["role"], r.json["region"]["code"]) == ("township_lead", "330112103000")
    r = county.post(f"/api/v1/users/{user_id}/deactivate", json={"reason": "调离"})
    assert r.status_code == 200 and r.json["active"] is False
    listed = county.get("/api/v1/users?status=inactive&per_page=100").json["items"]
    assert user_id in [u["id"] for u in listed]
    assert user_id not in [u["id"] for u in county.get("/api/v1/users?per_page=100").json["items"]]
    r = county.post(f"/api/v1/users/{user_id}/reactivate")
    assert r.status_code == 200 and r.json["active"] is True
    assert {"user.password_reset", "user.update", "user.deactivate", "user.activate"} <= set(audit_actions(app, user_id))
    with app.app_context():
        row = db.session.query(AuditLog).filter_by(action="user.update", subject_id=user_id).one()
        assert row.actor_id == world["users"]["county"] and row.details["before"]["role"] == "inspector"


def test_deactivating_ends_sessions_and_sign_in(app, make_user, login_as):
    user_id, name = make_user()
    me, _ = sign_in(app, name)
    token = token_for(app, name)
    assert login_as("admin").post(f"/api/v1/users/{user_id}/deactivate", json={}).status_code == 200
    assert_error(me.get("/api/v1/auth/me"), 401, "unauthenticated")
    assert_error(app.test_client().get("/api/v1/auth/me", headers=token), 401, "token_revoked")
    r = app.test_client().post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
    assert_error(r, 401, "bad_credentials")
    assert login_as("admin").post(f"/api/v1/users/{user_id}/reactivate").status_code == 200
    sign_in(app, name)


@pytest.mark.parametrize("who, target, action, status, code", [
    ("county_sibling", ("inspector", "jincheng"), "reset", 403, "out_of_scope"),
    ("county", ("inspector", "fenshui"), "deactivate", 403, "out_of_scope"),
    ("county", ("city", "hz"), "reset", 403, "out_of_scope"),
    ("county", ("inspector", "jincheng"), "promote", 403, "role_above_own"),
    ("county", ("inspector", "jincheng"), "move_out", 403, "out_of_scope"),
    ("lead", ("inspector", "jincheng"), "reset", 403, "role_forbidden"),
    ("city", ("inspector", "jincheng"), "deactivate", 403, "role_forbidden"),
    ("inspector", ("inspector", "jincheng"), "promote", 403, "role_forbidden"),
])
def test_user_management_is_forbidden_beyond_the_rule(app, world, make_user, login_as, who, target, action,
                                                      status, code):
    user_id, _ = make_user(*target)
    client = login_as(who)
    r = {"reset": lambda: client.post(f"/api/v1/users/{user_id}/reset-password"),
         "deactivate": lambda: client.post(f"/api/v1/users/{user_id}/deactivate", json={}),
         "promote": lambda: client.request("PATCH", f"/api/v1/users/{user_id}",
                                           json={"role": "city"}),
         "move_out": lambda: client.request("PATCH", f"/api/v1/users/{user_id}",
                                            json={"region_id": world["regions"]["fenshui"]})}[action]()
    assert_error(r, status, code)
    with app.app_context():
        user = db.session.get(User, user_id)
        assert (user.role, user.active, user.must_change_password) == (target[0], True, False)
    assert audit_actions(app, user_id) == []


@pytest.mark.parametrize("body, code, path", [
    ({"role": "county"}, "role_region_level", "json.region_id"),  # a township region for a county role
    ({"region_id": 2147483647}, "region_not_found", "json.region_id"),
    ({"role": "boss"}, "validation_error", "json.role"),
    ({"region_id": 0}, "validation_error", "json.region_id"),
    ({"display_name": ""}, "validation_error", "json.display_name"),
    ({"display_name": "x" * 65}, "validation_error", "json.display_name"),
])
def test_user_update_bad_input_changes_nothing(app, make_user, login_as, body, code, path):
    user_id, _ = make_user()
    r = login_as("admin").request("PATCH", f"/api/v1/users/{user_id}", json=body)
    assert_error(r, 400, code)
    assert path in [f["path"] for f in r.json["error"]["fields"]]
    with app.app_context():
        assert db.session.get(User, user_id).role == "inspector"
    assert audit_actions(app, user_id) == []


def test_user_management_bad_targets(app, world, login_as):
    admin = login_as("admin")
    assert_error(admin.post("/api/v1/users/2147483647/reset-password"), 404, "not_found")
    assert_error(admin.post("/api/v1/users/2147483647/reactivate"), 404, "not_found")
    assert_error(admin.request("PATCH", "/api/v1/users/99999999999", json={"role": "inspector"}), 404, "not_found")
    assert_error(admin.post(f"/api/v1/users/{world['users']['admin']}/deactivate", json={}), 409, "own_account")
    assert_error(admin.post("/api/v1/users/1/deactivate", json={"reason": "x" * 201}), 400, "validation_error")
    assert_error(admin.get("/api/v1/users?status=gone"), 400, "validation_error")


def test_user_list_finds_by_name(app, make_user, login_as):
    user_id, name = make_user()
    found = login_as("county").get(f"/api/v1/users?q={name.upper()}").json["items"]
    assert [u["id"] for u in found] == [user_id]
    assert login_as("county").get("/api/v1/users?q=%25_nothing").json["items"] == []


def test_created_accounts_change_their_password_first_and_weak_ones_are_refused(app, world, login_as):
    admin = login_as("admin")
    body = {"username": "u" + new_uuid()[:8], "display_name": "新巡查员", "password": "Jicai@26",
            "role": "inspector", "region_id": world["regions"]["jincheng"]}
    assert_error(admin.post("/api/v1/users", json=body), 400, "validation_error")
    body["password"] = "password123"
    assert_error(admin.post("/api/v1/users", json=body), 400, "password_weak")
    body["password"] = NEW_PASSWORD
    r = admin.post("/api/v1/users", json=body)
    assert r.status_code == 201 and r.json["must_change_password"] is True


# ---- security headers ----------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/api/v1/hello", "/", "/q/ABCD", "/nowhere", "/api/v1/nowhere", "/js/app.js"])
def test_security_headers_on_every_response(app, url):
    r = app.test_client().get(url, headers={"Accept": "text/html"})
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in r.headers


def test_hsts_behind_https(app):
    from backend import create_app
    secure = create_app({**{k: app.config[k] for k in app.config if k.isupper()}, "SESSION_COOKIE_SECURE": True})
    r = secure.test_client().get("/api/v1/hello")
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")


def test_the_label_sheet_has_no_inline_script_and_its_style_is_allowed_by_hash(app, world, login_as):
    from backend.core.headers import style_hash
    r = login_as("lead").get(f"/api/v1/regions/{world['regions']['jincheng']}/labels")
    html = r.get_data(as_text=True)
    assert "onclick" not in html and "<script>" not in html and 'src="/js/labels.js"' in html
    css = html.split("<style>", 1)[1].split("</style>", 1)[0]
    assert f"'sha256-{style_hash(css)}'" in r.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
