"""Authentication: session cookies for the PWA, bearer JWTs for API clients, CSRF on cookie writes,
rate-limited password checks, and the role guard every route uses."""
import hmac
import unicodedata
import secrets
import uuid
from functools import wraps

import jwt
from flask import current_app, g, request, session
from flask_login import current_user
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db, login_manager
from . import audit, clock, limits
from .errors import ApiError
from .models import LoginAttempt, RevokedToken, User

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSRF_EXEMPT = {"auth.login", "auth.token"}


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
    audit.record(user, action, username=username)
    db.session.commit()


def authenticate(username, password, ip):
    """Check a password. Raises 429 ``too_many_attempts`` after repeated failures and 401
    ``bad_credentials`` on a wrong name or password; every attempt is recorded."""
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
    db.session.add(LoginAttempt(username=username, ip=ip, success=True))
    audit.record(user, "auth.login", subject=user, region_id=user.region_id)
    return user


def new_csrf_token():
    token = secrets.token_urlsafe(24)
    session["csrf"] = token
    return token


def issue_token(user):
    """A signed bearer token for ``user``; returns (token, expires_at)."""
    now = clock.now()
    expires = now + current_app.config["JWT_LIFETIME"]
    claims = {"iss": "jicai", "sub": str(user.id), "role": user.role, "iat": now,
              "exp": expires, "jti": uuid.uuid4().hex}
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
    claims = jwt.decode(token, key, algorithms=[algorithm], issuer=issuer,
                        options={"require": require, "verify_exp": False, "verify_iat": False, "verify_nbf": False})
    exp = claims["exp"]
    if isinstance(exp, bool) or not isinstance(exp, (int, float)):
        raise jwt.InvalidTokenError("exp must be a number")
    if clock.now().timestamp() >= exp:
        raise jwt.ExpiredSignatureError("expired")
    return claims


def user_for_token(claims):
    """The token's user, checked against revocation in the same query (every API call pays for it).
    401 ``token_revoked`` / ``token_invalid``."""
    row = db.session.execute(
        select(User, RevokedToken.jti).outerjoin(RevokedToken, RevokedToken.jti == claims["jti"])
        .where(User.id == int(claims["sub"]))).first()
    if row is not None and row.jti is not None:
        raise ApiError(401, "token_revoked", "登录凭证已注销", "The token has been revoked")
    if row is None or not row.User.active:
        raise ApiError(401, "token_invalid", "登录凭证无效", "The token is invalid")
    return row.User


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
            if roles and user.role not in roles:
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
        user = db.session.get(User, int(user_id))
        return user if user and user.active else None

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
