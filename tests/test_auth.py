"""Sign-in, sessions with CSRF, bearer tokens (expiry, algorithm allow-list, revocation), the
failed-login limit, and the production secret check."""
from datetime import timedelta

import jwt
import pytest
from sqlalchemy import func, select

from backend.core import pii

from backend import create_app
from backend.config import ConfigError
from backend.core import clock
from backend.core.models import AuditLog, LoginAttempt
from backend.extensions import db
from conftest import PASSWORD, PINNED, new_uuid


def _token(app, username="t_county"):
    r = app.test_client().post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert r.status_code == 201, r.json
    return r.json["access_token"]


def test_login_sets_an_httponly_samesite_cookie(app, world):
    r = app.test_client().post("/api/v1/auth/login", json={"username": "t_lead", "password": PASSWORD})
    assert r.status_code == 200 and r.json["user"]["role"] == "township_lead" and r.json["csrf_token"]
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_wrong_password_and_unknown_user_look_the_same(app, world):
    client = app.test_client()
    a = client.post("/api/v1/auth/login", json={"username": "t_lead", "password": "wrong"})
    b = client.post("/api/v1/auth/login", json={"username": "nobody-here", "password": "wrong"})
    assert a.status_code == b.status_code == 401
    assert a.json["error"] == b.json["error"] and a.json["error"]["code"] == "bad_credentials"


def test_failed_logins_are_limited_and_logged(app, world):
    from backend.core.auth import hash_password
    from backend.core.models import User
    client = app.test_client()
    username = "t_locked_out_" + new_uuid()[:6]
    with app.app_context():
        db.session.add(User(username=username, display_name="锁定测试", role="inspector",
                            password_hash=hash_password(PASSWORD), region_id=world["regions"]["jincheng"]))
        db.session.commit()
    with app.app_context():
        before = db.session.query(AuditLog).filter_by(action="auth.login_failed").count()
    answers = [client.post("/api/v1/auth/login", json={"username": username, "password": f"guess{i}"})
               for i in range(app.config["LOGIN_MAX_FAILURES"] + 1)]
    assert [r.status_code for r in answers] == [401] * app.config["LOGIN_MAX_FAILURES"] + [429]
    # A warning before the pause: the last two failures say how many are left.
    said = [r.json["error"]["message"]["zh"] for r in answers]
    assert "再错" not in said[-5] and "再错 2 次" in said[-4] and "再错 1 次" in said[-3] and "已暂停" in said[-2]
    right = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert right.status_code == 429 and right.json["error"]["code"] == "too_many_attempts"
    assert "该用户名" in right.json["error"]["message"]["zh"] and "15 分钟" in right.json["error"]["message"]["zh"]
    assert "Retry-After" in right.headers
    with app.app_context():
        assert db.session.query(AuditLog).filter_by(action="auth.login_failed").count() == \
            before + app.config["LOGIN_MAX_FAILURES"]
        assert db.session.query(LoginAttempt).filter_by(username=username, success=False).count() >= 6
    # The window passes: the right password works again.
    clock.freeze(clock.now() + app.config["LOGIN_WINDOW"] + timedelta(seconds=1))
    try:
        assert client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD}).status_code == 200
    finally:
        clock.freeze(PINNED)  # back to the suite's moment, never the machine's


def test_cookie_writes_need_the_csrf_token(app, login_as, make_project):
    project_id = make_project()
    lead = login_as("lead")
    body = {"client_uuid": new_uuid(), "to_stage": "tendering"}
    r = lead.post(f"/api/v1/projects/{project_id}/stage", json=body, headers={"X-CSRF-Token": "forged"})
    assert (r.status_code, r.json["error"]["code"]) == (403, "csrf_failed")
    assert lead.post(f"/api/v1/projects/{project_id}/stage", json=body).status_code == 200


def test_bearer_token_works_without_csrf(app, make_project):
    project_id = make_project()
    r = app.test_client().post(f"/api/v1/projects/{project_id}/stage",
                               json={"client_uuid": new_uuid(), "to_stage": "tendering"},
                               headers={"Authorization": f"Bearer {_token(app)}"})
    assert r.status_code == 200


@pytest.mark.parametrize("forge", ["none_alg", "other_key", "hs512", "no_exp", "garbage", "expired"])
def test_bad_tokens_are_refused(app, world, forge):
    now = clock.now()
    claims = {"iss": "jicai", "sub": str(world["users"]["county"]), "iat": now, "jti": new_uuid(),
              "exp": now + timedelta(minutes=5)}
    key = app.config["SECRET_KEY"]
    token = {
        "none_alg": lambda: jwt.encode(claims, None, algorithm="none"),
        "other_key": lambda: jwt.encode(claims, "another-secret-key-of-the-same-length-xxxx", algorithm="HS256"),
        "hs512": lambda: jwt.encode(claims, key, algorithm="HS512"),
        "no_exp": lambda: jwt.encode({k: v for k, v in claims.items() if k != "exp"}, key, algorithm="HS256"),
        "garbage": lambda: "not.a.token",
        "expired": lambda: jwt.encode({**claims, "exp": now - timedelta(seconds=1)}, key, algorithm="HS256"),
    }[forge]()
    r = app.test_client().get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
    assert r.json["error"]["code"] == ("token_expired" if forge == "expired" else "token_invalid")


def test_a_token_checked_once_still_expires_and_a_copy_altered_is_refused(app, world):
    """A token's signature is checked once per process (``auth._signed``); its expiry is judged on
    every request, and any other text is checked anew."""
    token = _token(app)
    expires = jwt.decode(token, options={"verify_signature": False})["exp"]
    client = app.test_client()
    me = lambda t: client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {t}"})  # noqa: E731
    assert me(token).status_code == 200
    assert me(token).status_code == 200
    head, body, signature = token.split(".")
    altered = f"{head}.{body}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    assert me(altered).json["error"]["code"] == "token_invalid"
    clock.freeze(clock.from_timestamp(expires))
    assert me(token).json["error"]["code"] == "token_expired"


def test_revoked_token_is_refused(app, world):
    token = _token(app)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    assert client.post("/api/v1/auth/token/revoke", headers=headers).status_code == 204
    r = client.get("/api/v1/auth/me", headers=headers)
    assert (r.status_code, r.json["error"]["code"]) == (401, "token_revoked")


def test_token_revoke_needs_a_token(login_as):
    r = login_as("lead").post("/api/v1/auth/token/revoke")
    assert (r.status_code, r.json["error"]["code"]) == (400, "no_token")
    assert login_as(None).post("/api/v1/auth/token/revoke").status_code == 401


def test_logout_ends_the_session(login_as):
    lead = login_as("lead")
    assert lead.post("/api/v1/auth/logout").status_code == 204
    assert lead.get("/api/v1/auth/me").status_code == 401


@pytest.mark.parametrize("body", [{}, {"username": "t_lead"}, {"username": 5, "password": []},
                                  {"username": "", "password": "x"}])
def test_login_bad_input(app, world, body):
    r = app.test_client().post("/api/v1/auth/login", json=body)
    assert r.status_code == 400 and r.json["error"]["code"] == "validation_error"
    assert all(f["path"].startswith("json.") for f in r.json["error"]["fields"])


def test_production_needs_a_secret_key():
    with pytest.raises(ConfigError):
        create_app({"ENV": "production", "SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with pytest.raises(ConfigError):
        create_app({"ENV": "production", "SECRET_KEY": "short", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with pytest.raises(ConfigError, match="PII_KEYS"):
        create_app({"ENV": "production", "SECRET_KEY": "s" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    app = create_app({"ENV": "production", "SECRET_KEY": "s" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "PII_KEYS": pii.new_key_line("k1"), "PII_INDEX_KEY": pii.new_key_line("ix")})
    assert app.config["SECRET_KEY"] == "s" * 40


def test_behind_a_proxy_the_phone_address_is_seen(world):
    """With PROXY_COUNT set, the sign-in limit and the audit log see the client, not nginx."""
    proxied = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "PROXY_COUNT": 1, "TESTING": True})
    seen = {}

    @proxied.get("/_addr")
    def addr():
        from flask import request
        seen["ip"] = request.remote_addr
        return {"ok": True}

    proxied.test_client().get("/_addr", environ_base={"REMOTE_ADDR": "10.0.0.1"},
                              headers={"X-Forwarded-For": "203.0.113.7"})
    assert seen["ip"] == "203.0.113.7"


def test_user_names_forgive_capitals_and_full_width(app, world):
    for typed in ("T_Lead", " t_lead ", "Ｔ＿ｌｅａｄ"):
        r = app.test_client().post("/api/v1/auth/login", json={"username": typed, "password": PASSWORD})
        assert r.status_code == 200, (typed, r.json)


def test_one_ipv6_network_is_one_address_for_the_sign_in_limit(app, world):
    """A phone or a home has a whole IPv6 /64: wrong passwords from any address in it count against
    the network's limit (10 × LOGIN_MAX_FAILURES), and other networks are not held back."""
    import ipaddress
    import uuid
    net = "0" + uuid.uuid4().hex  # a group with a leading zero, as every eighth random one has
    prefix = f"2001:db8:{net[:4]}:{net[4:8]}"
    client = app.test_client()
    saved = app.config["LOGIN_MAX_FAILURES"]
    app.config["LOGIN_MAX_FAILURES"] = 1
    try:
        codes = [client.post("/api/v1/auth/login", json={"username": f"v6_{net[:6]}_{n}", "password": "wrong"},
                             environ_base={"REMOTE_ADDR": f"{prefix}::{n + 1:x}"}).json["error"]["code"]
                 for n in range(11)]
        elsewhere = client.post("/api/v1/auth/login", json={"username": f"v6_{net[:6]}_x", "password": "wrong"},
                                environ_base={"REMOTE_ADDR": f"2001:db8:{net[8:12]}:{net[12:16]}::1"})
    finally:
        app.config["LOGIN_MAX_FAILURES"] = saved
    assert codes == ["bad_credentials"] * 10 + ["too_many_attempts"]
    assert elsewhere.json["error"]["code"] == "bad_credentials"
    with app.app_context():
        network = str(ipaddress.ip_network(f"{prefix}::/64"))  # (as Python writes it: 0abc → abc)
        assert db.session.scalar(select(func.count()).where(LoginAttempt.ip == network)) == 11
