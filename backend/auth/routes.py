"""Sign in and out (session for the PWA, bearer token for API clients), and user accounts."""
from flask import g, request, session
from flask_login import login_user, logout_user
from sqlalchemy import select

from ..core import audit
from ..core.auth import actor, authenticate, issue_token, new_csrf_token, require, revoke_token
from ..core.errors import ApiError
from ..core.models import User
from ..core.pagination import paginate
from ..core.scoping import scoped
from . import bp, services
from .schemas import HelloOut, LoginIn, SessionOut, TokenOut, UserIn, UserOut, UserPage, UserQuery

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
    user = authenticate(data["username"], data["password"], request.remote_addr or "")
    session.clear()
    login_user(user)
    session.permanent = True
    return {"user": user, "csrf_token": new_csrf_token()}


@bp.post("/auth/logout")
@require()
@bp.output({}, status_code=204)
@bp.doc(responses=ERRORS)
def logout():
    """End the session (or revoke the bearer token used)."""
    user = actor()
    if getattr(g, "token_claims", None):
        revoke_token(g.token_claims)
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
    user = authenticate(data["username"], data["password"], request.remote_addr or "")
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


@bp.get("/users")
@require("admin", "province", "city", "county", "township_lead")
@bp.input(UserQuery, location="query", arg_name="query")
@bp.output(UserPage)
@bp.doc(responses=ERRORS)
def list_users(query):
    """Accounts in the caller's region (a lead picks inspectors to assign from here)."""
    stmt = scoped(select(User), User, actor()).where(User.active.is_(True)).order_by(User.id)
    if "role" in query:
        stmt = stmt.where(User.role == query["role"])
    return paginate(stmt, query["page"], query["per_page"])


@bp.post("/users")
@require("admin")
@bp.input(UserIn, arg_name="data")
@bp.output(UserOut, status_code=201)
@bp.doc(responses=ERRORS)
def create_user(data):
    """Create an account (administrators only)."""
    return services.create_user(actor(), **data)
