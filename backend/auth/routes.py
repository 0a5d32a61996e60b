"""Sign in and out (session for the PWA, bearer token for API clients), and user accounts."""
from flask import g, session
from flask_login import login_user, logout_user
from sqlalchemy import func, or_, select

from ..core import audit, limits, passwords
from ..core.auth import (PERMISSIONS, actor, authenticate, end_session, issue_token, new_csrf_token, require,
                         revoke_token, start_session)
from ..core.errors import ApiError
from ..core.models import User
from ..core.pagination import paginate
from ..core.scoping import scoped
from . import bp, services
from .schemas import (DeactivateIn, HelloOut, LoginIn, PasswordChangeIn, PasswordResetOut, SessionOut, TokenOut,
                      UserCreatedOut, UserIn, UserOut, UserPage, UserQuery, UserUpdateIn)

ERRORS = [400, 401, 403, 404, 409, 413, 415, 429]


@bp.get("/hello")
@bp.output(HelloOut)
def hello():
    """A bare JSON answer: the baseline the benchmarks compare against."""
    return {"hello": "基财智控"}


@bp.post("/auth/login")
@bp.input(LoginIn, arg_name="data")
@bp.output(SessionOut)
@bp.doc(responses=ERRORS)
def login(data):
    """Sign in with a session cookie; returns the user and the CSRF token for later writes.
    401 ``bad_credentials``; 429 ``too_many_attempts``."""
    user = authenticate(data["username"], data["password"], limits.visitor())
    end_session()  # signing in again on this browser ends the session it had
    session.clear()
    login_user(user)
    start_session(user)
    session.permanent = True
    return {"user": user, "csrf_token": new_csrf_token()}


@bp.post("/auth/logout")
@require()
@bp.output({}, status_code=204)
@bp.doc(responses=ERRORS)
def logout():
    """End the session on the server — the cookie, even a copy of it, signs no one in afterwards —
    (or revoke the bearer token used)."""
    user = actor()
    if getattr(g, "token_claims", None):
        revoke_token(g.token_claims)
    else:
        end_session()
    audit.record(user, "auth.logout", subject=user, region_id=user.region_id)
    logout_user()
    session.clear()
    return ""


@bp.get("/auth/me")
@require()
@bp.output(SessionOut)
@bp.doc(responses=ERRORS)
def me():
    """Who is signed in; 401 when no one."""
    return {"user": actor(), "csrf_token": session.get("csrf") or new_csrf_token()}


@bp.post("/auth/token")
@bp.input(LoginIn, arg_name="data")
@bp.output(TokenOut, status_code=201)
@bp.doc(responses=ERRORS)
def token(data):
    """Exchange a user name and password for a bearer token (HS256, expiring)."""
    user = authenticate(data["username"], data["password"], limits.visitor())
    value, expires = issue_token(user)
    return {"access_token": value, "token_type": "Bearer", "expires_at": expires}


@bp.post("/auth/token/revoke")
@require()
@bp.output({}, status_code=204)
@bp.doc(responses=ERRORS)
def token_revoke():
    """Revoke the bearer token this request carries; 400 ``no_token`` on a session request."""
    claims = getattr(g, "token_claims", None)
    if not claims:
        raise ApiError(400, "no_token", "此请求未使用令牌", "This request carries no bearer token")
    revoke_token(claims)
    audit.record(actor(), "auth.token_revoke", jti=claims["jti"])
    return ""


@bp.post("/auth/password")
@require()
@bp.input(PasswordChangeIn, arg_name="data")
@bp.output(SessionOut)
@bp.doc(responses=ERRORS)
def change_password(data):
    """Change one's own password. Every other session of the user ends and their bearer tokens are
    revoked (this browser stays signed in). 400 ``wrong_password`` / ``password_unchanged`` /
    ``password_too_short`` / ``password_weak``; 429 ``too_many_attempts``."""
    user = services.change_password(actor(), data["current_password"], data["new_password"],
                                    limits.visitor())
    return {"user": user, "csrf_token": session.get("csrf") or new_csrf_token()}


@bp.get("/users")
@require(*PERMISSIONS["users.list"])
@bp.input(UserQuery, location="query", arg_name="query")
@bp.output(UserPage)
@bp.doc(responses=ERRORS)
def list_users(query):
    """Accounts in the caller's region (a lead picks inspectors to assign from here; the user
    management screen lists ``status=all``); ``q`` matches the user name or display name."""
    stmt = scoped(select(User), User, actor()).order_by(User.id)
    if query["status"] != "all":
        stmt = stmt.where(User.active.is_(query["status"] == "active"))
    if "role" in query:
        stmt = stmt.where(User.role == query["role"])
    if query.get("q", "").strip():
        text = query["q"].strip().lower()
        stmt = stmt.where(or_(User.username.contains(text, autoescape=True),
                              func.lower(User.display_name).contains(text, autoescape=True)))
    return paginate(stmt, query)


@bp.post("/users")
@require(*PERMISSIONS["users.create"])
@bp.input(UserIn, arg_name="data")
@bp.output(UserCreatedOut, status_code=201)
@bp.doc(responses=ERRORS)
def create_user(data):
    """Create an account (administrators anywhere, county supervisors in their county up to their own
    role); the person changes the password at first sign-in. Without ``password`` a one-time password
    is made and returned in this answer only (never stored in clear, not kept for replays).
    400 ``password_weak`` / ``password_too_short`` / ``role_region_level`` / ``phone_malformed``;
    403 ``out_of_scope`` / ``role_above_own``; 409 ``username_taken``."""
    secret = None
    if data.get("password") is None:
        secret = data["password"] = passwords.one_time()
    else:
        services.check_new_password(data["password"], data["username"], "json.password")
    user = services.create_user(actor(), **data, must_change=True)
    return {**{k: getattr(user, k) for k in ("id", "username", "display_name", "role", "region", "active",
                                             "must_change_password", "phone_mask", "department_id")},
            "one_time_password": secret}, 201, {"Cache-Control": "no-store"}


@bp.patch("/users/<int:user_id>")
@require(*PERMISSIONS["users.manage"])
@bp.input(UserUpdateIn, arg_name="data")
@bp.output(UserOut)
@bp.doc(responses=ERRORS)
def update_user(user_id, data):
    """Change an account's role, region or display name (audited). 403 ``out_of_scope`` /
    ``role_above_own``; 400 ``role_region_level``; 409 ``own_account``."""
    user = actor()
    return services.update_user(user, services.get_manageable(user, user_id), **data)


@bp.post("/users/<int:user_id>/reset-password")
@require(*PERMISSIONS["users.manage"])
@bp.output(PasswordResetOut)
@bp.doc(responses=ERRORS)
def reset_password(user_id):
    """A one-time password for the account, shown in this answer only; the person's sessions end
    and they must choose their own password at the next sign-in (audited)."""
    user = actor()
    target = services.get_manageable(user, user_id)
    secret = services.reset_password(user, target)
    return {"user": target, "one_time_password": secret}, 200, {"Cache-Control": "no-store"}


@bp.post("/users/<int:user_id>/deactivate")
@require(*PERMISSIONS["users.manage"])
@bp.input(DeactivateIn, arg_name="data")
@bp.output(UserOut)
@bp.doc(responses=ERRORS)
def deactivate_user(user_id, data):
    """Deactivate an account: sign-in is refused and every session and token ends (audited)."""
    user = actor()
    return services.set_active(user, services.get_manageable(user, user_id), False, data.get("reason"))


@bp.post("/users/<int:user_id>/reactivate")
@require(*PERMISSIONS["users.manage"])
@bp.output(UserOut)
@bp.doc(responses=ERRORS)
def reactivate_user(user_id):
    """Let a deactivated account sign in again (audited)."""
    user = actor()
    return services.set_active(user, services.get_manageable(user, user_id), True)
