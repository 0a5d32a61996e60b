"""Authentication: session cookies for the PWA, bearer JWTs for API clients, CSRF on cookie writes,
rate-limited password checks, and the role guard every route uses.

Sessions and tokens can be ended on the server although app servers keep no state: a session cookie
carries a random key whose hash is a row of ``user_sessions`` (signing out deletes it), and a bearer
token carries the user's ``auth_epoch`` (a password change or a deactivation bumps it). Both are
checked in the one query that loads the user, on each request that is not answered from what the
process remembers (``remembered``: forgotten when any of those rows change, on any server).
"""
import hashlib
import hmac
import unicodedata
import secrets
import uuid
from functools import lru_cache, wraps

import jwt
from flask import current_app, g, request, session
from flask_login import current_user
from sqlalchemy import bindparam, delete, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import READING_METHODS, db, login_manager
from . import audit, clock, limits, remembered
from .errors import ApiError
from .models import LoginAttempt, RevokedToken, User, UserSession

SAFE_METHODS = READING_METHODS  # (no CSRF check: they change nothing)
CSRF_EXEMPT = {"auth.login", "auth.token"}
# Who may do what with accounts (the roles; scope rules in backend/auth/services.py): listing is for
# everyone who assigns work; administrators (anywhere) and county supervisors (in their county,
# never above their own role) create accounts (one by one or a roster), reset passwords, deactivate
# and reactivate accounts and change roles and regions.
PERMISSIONS = {
    "users.list": ("admin", "province", "city", "county", "township_lead"),
    "users.create": ("admin", "county"),
    "users.manage": ("admin", "county"),
    # Administrators add a division by hand or rename one (the official table is the usual way).
    "regions.manage": ("admin",),
}
# Roles that may use only some features (blueprints), even where a route admits any signed-in user:
# a department official works with their policies' people, their tasks and their inbox — not with
# projects, inspections or the cockpit.
ROLE_AREAS = {"department": ("auth", "regions", "subsidies", "notifications", "departments")}
# What a user whose password was reset may still do before changing it.
PASSWORD_CHANGE_ALLOWED = {"auth.me", "auth.logout", "auth.change_password", "auth.token_revoke", "auth.hello"}
MAX_ID = 2**31 - 1


def hash_password(password):
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def _dummy_hash():
    """A hash to check against when the user does not exist, so timing does not tell."""
    cache = current_app.extensions.setdefault("jicai_dummy_hash", {})
    if "hash" not in cache:
        cache["hash"] = hash_password("not-a-real-password")
    return cache["hash"]



def normalize_username(text):
    return unicodedata.normalize("NFKC", text or "").strip().lower()


def _remember_failure(user, username, ip, action):
    # The failing request is rolled back, but the failure must stay counted and logged, so it is
    # committed on its own here (nothing else has been written in a sign-in request).
    db.session.add(LoginAttempt(username=username, ip=ip, success=False,
                                note="rate_limited" if "rate" in action else None))
    audit.record(user, action, region_id=getattr(user, "region_id", None), username=username)
    db.session.commit()


def authenticate(username, password, ip, signing_in=True):
    """Check a password. Raises 429 ``too_many_attempts`` after repeated failures and 401
    ``bad_credentials`` on a wrong name or password; every attempt is recorded (a success only when
    ``signing_in``: re-checking the current password before changing it is not a sign-in)."""
    cfg = current_app.config
    # Phones capitalise the first letter and input methods type full-width letters: user names are
    # compared in their plain lower-case form.
    username = normalize_username(username)
    failed = LoginAttempt.success.is_(False)
    mine = [LoginAttempt.username == username, failed]
    wait = limits.wait_seconds(LoginAttempt.at, mine, cfg["LOGIN_MAX_FAILURES"], cfg["LOGIN_WINDOW"],
                               key=f"login-name:{username}")
    if wait:
        _remember_failure(None, username, ip, "auth.login_rate_limited")
        raise limits.too_many("too_many_attempts", "该用户名登录失败次数过多，请 {minutes} 分钟后再试",
                              "Too many failed sign-ins for this user name; try again in {minutes} minutes", wait)
    wait = limits.wait_seconds(LoginAttempt.at, [LoginAttempt.ip == ip, failed], 10 * cfg["LOGIN_MAX_FAILURES"],
                               cfg["LOGIN_WINDOW"], key=f"login-ip:{ip}")
    if wait:  # many people behind one address: say it is the network, not them
        _remember_failure(None, username, ip, "auth.login_rate_limited")
        raise limits.too_many("too_many_attempts", "本网络（同一网络地址）登录失败次数过多，请 {minutes} 分钟后再试，或换用手机流量",
                              "Too many failed sign-ins from this network; try again in {minutes} minutes, or use "
                              "mobile data", wait)
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    ok = check_password_hash(user.password_hash if user else _dummy_hash(), password or "")
    if not ok or user is None or not user.active:
        _remember_failure(user, username, ip, "auth.login_failed")
        left = cfg["LOGIN_MAX_FAILURES"] - limits.counted(LoginAttempt.at, mine, cfg["LOGIN_WINDOW"])
        minutes = int(cfg["LOGIN_WINDOW"].total_seconds() // 60)
        if 0 < left <= 2:  # a warning before the pause, not after it
            raise ApiError(401, "bad_credentials", f"用户名或密码错误（再错 {left} 次将暂停登录 {minutes} 分钟）",
                           f"Wrong user name or password ({left} more and signing in pauses for {minutes} minutes)")
        if left <= 0:
            raise ApiError(401, "bad_credentials", f"用户名或密码错误；该用户名的登录已暂停 {minutes} 分钟",
                           f"Wrong user name or password; signing in with this name is paused for {minutes} minutes")
        raise ApiError(401, "bad_credentials", "用户名或密码错误", "Wrong user name or password")
    if signing_in:
        db.session.add(LoginAttempt(username=username, ip=ip, success=True))
        audit.record(user, "auth.login", subject=user, region_id=user.region_id)
    return user


def new_csrf_token():
    token = secrets.token_urlsafe(24)
    session["csrf"] = token
    return token


def _key_hash(key):
    return hashlib.sha256(key.encode()).hexdigest()


def start_session(user):
    """Sign ``user`` in on this browser: a new server-side session row whose key goes in the (signed)
    cookie. The user's expired rows are swept on the way."""
    now = clock.now()
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id, UserSession.expires_at <= now))
    key = secrets.token_urlsafe(32)
    db.session.add(UserSession(key_hash=_key_hash(key), user_id=user.id, created_at=now,
                               expires_at=now + current_app.config["PERMANENT_SESSION_LIFETIME"]))
    session["sid"] = key


def end_session():
    """End this browser's session on the server: its cookie, even copied, no longer signs anyone in."""
    key = session.get("sid")
    if key:
        db.session.execute(delete(UserSession).where(UserSession.key_hash == _key_hash(key)))


def end_other_sessions(user, keep_current=False):
    """End every session of ``user`` (but this browser's when ``keep_current``) and revoke all their
    bearer tokens (the epoch the tokens carry moves on)."""
    stmt = delete(UserSession).where(UserSession.user_id == user.id)
    key = session.get("sid") if keep_current else None
    if key:
        stmt = stmt.where(UserSession.key_hash != _key_hash(key))
    db.session.execute(stmt)
    user.auth_epoch = (user.auth_epoch or 0) + 1


def issue_token(user):
    """A signed bearer token for ``user``; returns (token, expires_at)."""
    now = clock.now()
    expires = now + current_app.config["JWT_LIFETIME"]
    claims = {"iss": "jicai", "sub": str(user.id), "role": user.role, "iat": now,
              "exp": expires, "jti": uuid.uuid4().hex, "ep": user.auth_epoch or 0}
    token = jwt.encode(claims, current_app.config["SECRET_KEY"],
                       algorithm=current_app.config["JWT_ALGORITHM"])
    return token, expires


def decode_token(token):
    """Verify a bearer token's signature and claims; raises 401 ``token_expired`` / ``token_invalid``."""
    try:
        claims = jwt_claims(token, current_app.config["SECRET_KEY"], current_app.config["JWT_ALGORITHM"], "jicai",
                            ["exp", "iat", "jti", "sub", "iss"])
    except jwt.ExpiredSignatureError:
        raise ApiError(401, "token_expired", "登录凭证已过期", "The token has expired")
    except jwt.PyJWTError:
        raise ApiError(401, "token_invalid", "登录凭证无效", "The token is invalid")
    return claims


def jwt_claims(token, key, algorithm, issuer, require):
    """A JWT's verified claims, its ``exp`` judged by the app's clock (PyJWT's own check reads the
    machine's time.time(), which tests and a clock-pinned server do not share). Raises PyJWT's
    ``ExpiredSignatureError`` / ``PyJWTError``."""
    claims = dict(_signed(token, key, algorithm, issuer, tuple(require)))
    exp = claims["exp"]
    if isinstance(exp, bool) or not isinstance(exp, (int, float)):
        raise jwt.InvalidTokenError("exp must be a number")
    if clock.now().timestamp() >= exp:
        raise jwt.ExpiredSignatureError("expired")
    return claims


@lru_cache(maxsize=4096)
def _signed(token, key, algorithm, issuer, require):
    """A JWT's claims once its signature, issuer and required claims are checked. The same text
    signed with the same key checks the same every time, so a phone's token is checked once per
    process, not on each of its requests (a tenth of a millisecond each); its expiry is judged on
    every call (``jwt_claims``) and its revocation on every request (``user_for_token``). A token
    that fails is not kept: it fails again."""
    return jwt.decode(token, key, algorithms=[algorithm], issuer=issuer,
                      options={"require": list(require), "verify_exp": False, "verify_iat": False,
                               "verify_nbf": False})


def _user_id(value):
    """A user id from a token or a cookie: a plain positive 32-bit number, else None."""
    text = str(value)
    if not text.isascii() or not text.isdigit() or not 0 < int(text) <= MAX_ID:
        return None
    return int(text)


# Every signed-in request asks one of these. Built once: putting a SELECT of an entity together
# costs more than running it (0.4 ms of a request here), and only the values change.
TOKEN_USER = (select(User, RevokedToken.jti)
              .outerjoin(RevokedToken, RevokedToken.jti == bindparam("jti")).where(User.id == bindparam("uid")))
SESSION_USER = (select(User, UserSession.expires_at).join(UserSession, UserSession.user_id == User.id)
                .where(User.id == bindparam("uid"), User.active.is_(True),
                       UserSession.key_hash == bindparam("key_hash"), UserSession.expires_at > bindparam("now")))


def user_for_token(claims):
    """The token's user, checked against revocation in the same query (or remembered from an
    earlier request while nothing about it changed: ``remembered``): the token's id revoked, or
    the user's credential epoch moved on since it was issued (password changed, account
    deactivated). 401 ``token_revoked`` / ``token_invalid``."""
    user_id = _user_id(claims["sub"])
    if user_id is None:  # correctly signed but not about a user: still just an invalid token
        raise ApiError(401, "token_invalid", "登录凭证无效", "The token is invalid")
    jti = str(claims["jti"])

    def read():
        row = db.session.execute(TOKEN_USER, {"uid": user_id, "jti": jti}).first()
        if row is not None and (row.jti is not None or claims.get("ep") != (row.User.auth_epoch or 0)):
            raise ApiError(401, "token_revoked", "登录凭证已注销", "The token has been revoked")
        if row is None or not row.User.active:
            raise ApiError(401, "token_invalid", "登录凭证无效", "The token is invalid")
        return remembered.snapshot(row.User, "region")
    user = remembered.attached(remembered.recall("credentials", ("token", user_id, jti), read))
    if claims.get("ep") != (user.auth_epoch or 0):  # (and of what was remembered)
        raise ApiError(401, "token_revoked", "登录凭证已注销", "The token has been revoked")
    return user


def revoke_token(claims):
    """Revoke a token by its id until it would have expired anyway."""
    if db.session.get(RevokedToken, claims["jti"]) is None:
        db.session.add(RevokedToken(jti=claims["jti"],
                                    expires_at=clock.from_timestamp(claims["exp"])))


def bearer():
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return None


def actor():
    """The signed-in user, or None for an anonymous visitor."""
    user = current_user
    return user if user and user.is_authenticated else None


def require(*roles):
    """Route guard: 401 when anonymous, 403 when the role is not one of ``roles`` (empty = any)."""
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = actor()
            if user is None:
                raise ApiError(401, "unauthenticated", "请先登录", "Sign in first")
            areas = ROLE_AREAS.get(user.role)
            if (roles and user.role not in roles) or (areas is not None and request.blueprint not in areas):
                raise ApiError(403, "role_forbidden", "您的角色无权执行此操作",
                               "Your role may not do this")
            return view(*args, **kwargs)
        return wrapper
    return decorate


def init_app(app):
    login_manager.init_app(app)

    @login_manager.user_loader
    def load_user(user_id):
        if bearer():  # a bearer token, when present, is the only credential considered
            return None
        key, ident = session.get("sid"), _user_id(user_id)
        if not key or ident is None:
            return None
        # The user and their live session row in one query (or remembered: core/remembered.py): a
        # signed-out (deleted) or expired session is anonymous, whatever the cookie says.
        now, key_hash = clock.now(), _key_hash(key)

        def read():
            row = db.session.execute(SESSION_USER, {"uid": ident, "key_hash": key_hash, "now": now}).first()
            return None if row is None else (remembered.snapshot(row.User, "region"), row.expires_at)
        found = remembered.recall("credentials", ("session", ident, key_hash), read)
        return remembered.attached(found[0]) if found is not None and found[1] > now else None

    @login_manager.request_loader
    def load_from_token(req):
        token = bearer()
        if not token:
            return None
        claims = decode_token(token)
        g.token_claims = claims
        return user_for_token(claims)

    @login_manager.unauthorized_handler
    def unauthorized():
        raise ApiError(401, "unauthenticated", "请先登录", "Sign in first")

    @app.before_request
    def guard():
        audit.set_origin(request.remote_addr, request.headers.get("User-Agent"))
        if (request.method in SAFE_METHODS or bearer() or request.endpoint in CSRF_EXEMPT
                or request.routing_exception is not None):
            return
        if "_user_id" in session:
            sent = request.headers.get("X-CSRF-Token", "")
            if not hmac.compare_digest(sent, session.get("csrf", "")):
                raise ApiError(403, "csrf_failed", "页面已过期，请刷新后重试",
                               "Missing or wrong CSRF token; reload the page")

    @app.before_request
    def password_change_first():
        """Someone whose password was chosen by someone else (a reset) changes it before anything
        else: every other API call is refused with 403 ``password_change_required``."""
        if (not request.path.startswith("/api/") or request.endpoint in PASSWORD_CHANGE_ALLOWED
                or request.routing_exception is not None or not (bearer() or "_user_id" in session)):
            return
        user = actor()
        if user is not None and user.must_change_password:
            raise ApiError(403, "password_change_required", "请先修改密码（管理员重置的密码只能用于登录一次）",
                           "Change your password first (a reset password is for signing in once)")
