"""User accounts: creating them, changing one's own password, and what administrators and county
supervisors do with others' (reset, deactivate, reactivate, change role or region). Sign-in itself
lives in the core (it guards every request)."""
from sqlalchemy import select

from ..core import audit, clock, passwords, pii
from ..core.auth import authenticate, end_other_sessions, hash_password, normalize_username
from ..core.errors import ApiError, bad_field
from ..core.models import LEVEL_NAMES, ROLES, Region, User
from ..core.scoping import covers
from ..extensions import db

# The region level each role is scoped at.
ROLE_LEVEL = {"admin": "province", "province": "province", "city": "city", "county": "county",
              "township_lead": "township", "inspector": "township", "department": "county",
              "clerk": "township"}
# A manager never grants a role above their own.
ROLE_RANK = {role: rank for rank, role in enumerate(reversed(list(ROLES)))}


def check_new_password(password, username, path):
    """400 ``password_too_short`` / ``password_weak`` (at ``path``) unless the password will do."""
    problem = passwords.problem(password, username)
    if problem:
        raise bad_field(path, *problem)


def _region(region_id, path="json.region_id"):
    region = db.session.get(Region, region_id)
    if region is None:
        raise bad_field(path, "region_not_found", "地区不存在", "No such region")
    return region


def _fits(role, region):
    if ROLE_LEVEL[role] != region.level:
        raise bad_field("json.region_id", "role_region_level",
                        f"{ROLES[role][0]}须设在「{LEVEL_NAMES[ROLE_LEVEL[role]][0]}」级地区",
                        f"Role {role} belongs to a {ROLE_LEVEL[role]}-level region")


def _department(role, department_id, region, path="json.department_id"):
    """A department user belongs to a department of the county they are set in; others to none.
    400 ``department_required`` / ``department_invalid``."""
    if role != "department":
        return None
    from ..departments.models import Department
    if department_id is None:
        raise bad_field(path, "department_required", "部门用户须指定所属部门", "A department user needs a department")
    dept = db.session.get(Department, department_id)
    if dept is None or dept.region_id != region.id or not dept.active:
        raise bad_field(path, "department_invalid", "所属部门不存在、已停用或不在该地区",
                        "No such active department in this region")
    return dept.id


def create_user(actor, username, display_name, password, role, region_id, must_change=False, phone=None,
                department_id=None):
    """A new account. 409 ``username_taken``; 400 ``role_region_level`` when the region's level does
    not fit the role, ``region_abolished``, ``phone_malformed``; 403 ``out_of_scope`` outside the
    actor's region, ``role_above_own`` (a county supervisor grants at most their own role).
    ``must_change``: the person chooses their own password at first sign-in (someone else chose this one)."""
    username = normalize_username(username)
    region = _region(region_id)
    if not covers(actor, region):
        raise ApiError(403, "out_of_scope", "该地区不在您的管辖范围内", "This region is outside your region")
    if actor.role != "admin" and ROLE_RANK[role] > ROLE_RANK[actor.role]:
        raise ApiError(403, "role_above_own", "不能授予高于自己的角色", "You cannot grant a role above your own")
    if region.status != "active":
        raise bad_field("json.region_id", "region_abolished", "该地区已撤销或并入其他地区",
                        "This region is abolished or merged")
    _fits(role, region)
    department_id = _department(role, department_id, region)
    if phone:
        normal = pii.normalize_phone(phone)
        if normal is None:
            raise bad_field("json.phone", "phone_malformed", "电话号码格式不正确（11位手机号或带区号的固话）",
                            "The phone number is malformed (11-digit mobile or a landline with area code)")
        phone = normal
    if db.session.execute(select(User.id).where(User.username == username)).first():
        raise bad_field("json.username", "username_taken", "用户名已存在", "This user name is taken", 409)
    user = User(username=username, display_name=display_name, password_hash=hash_password(password),
                role=role, region_id=region.id, must_change_password=must_change, department_id=department_id,
                phone_enc=pii.encrypt(phone, "phone") if phone else None,
                phone_mask=pii.mask_phone(phone) if phone else None)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", subject=user, region_id=region.id, username=username, role=role)
    return user


def change_password(user, current, new, ip):
    """The user's own password change: the current password is checked (and limited like a
    sign-in), every other session of the user ends and their bearer tokens are revoked.
    400 ``wrong_password`` / ``password_unchanged`` / ``password_too_short`` / ``password_weak``;
    429 ``too_many_attempts``."""
    try:
        authenticate(user.username, current, ip, signing_in=False)
    except ApiError as error:
        if error.code != "bad_credentials":
            raise
        raise bad_field("json.current_password", "wrong_password", "当前密码不正确",
                        "The current password is wrong") from None
    if new == current:
        raise bad_field("json.new_password", "password_unchanged", "新密码不能与当前密码相同",
                        "The new password must differ from the current one")
    check_new_password(new, user.username, "json.new_password")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.password_changed_at = clock.now()
    end_other_sessions(user, keep_current=True)
    audit.record(user, "user.password_change", subject=user, region_id=user.region_id)
    return user


def ensure_manageable(actor, target):
    """Administrators manage any account; county supervisors the accounts in their county whose
    role is not above their own; no one manages their own this way (409 ``own_account``).
    403 ``out_of_scope`` / ``role_above_own``."""
    if target.id == actor.id:
        raise ApiError(409, "own_account", "不能在这里修改自己的账号（修改密码请用「修改密码」）",
                       "You cannot change your own account here (use Change password)")
    if actor.role == "admin":
        return target
    if not covers(actor, target.region):
        raise ApiError(403, "out_of_scope", "该用户不在您的管辖范围内", "This user is outside your region")
    if ROLE_RANK[target.role] > ROLE_RANK[actor.role]:
        raise ApiError(403, "role_above_own", "不能管理角色高于自己的用户",
                       "You cannot manage a user whose role is above your own")
    return target


def get_manageable(actor, user_id):
    """The account ``actor`` may manage: 404 when there is none, else ``ensure_manageable``."""
    target = db.session.get(User, user_id)
    if target is None:
        raise ApiError(404, "not_found", "未找到该用户", "No such user")
    return ensure_manageable(actor, target)


def reset_password(actor, target):
    """A new one-time password for ``target`` (returned once, never stored in clear): their
    sessions end, their tokens are revoked, and they must choose their own at the next sign-in."""
    ensure_manageable(actor, target)
    secret = passwords.one_time()
    target.password_hash = hash_password(secret)
    target.must_change_password = True
    target.password_changed_at = clock.now()
    end_other_sessions(target)
    audit.record(actor, "user.password_reset", subject=target, region_id=target.region_id,
                 username=target.username)
    return secret


def set_active(actor, target, active, reason=None):
    """Deactivate (every session and token ends; sign-in is refused) or reactivate an account."""
    ensure_manageable(actor, target)
    if target.active == active:
        return target
    target.active = active
    if not active:
        end_other_sessions(target)
    audit.record(actor, "user.activate" if active else "user.deactivate", subject=target,
                 region_id=target.region_id, username=target.username, reason=reason)
    return target


def update_user(actor, target, role=None, region_id=None, display_name=None, department_id=None):
    """Change an account's role, region or display name. The role must fit the region's level;
    a county supervisor keeps both within their county and at most their own role.
    400 ``role_region_level`` / ``region_not_found``; 403 ``out_of_scope`` / ``role_above_own``."""
    ensure_manageable(actor, target)
    before = {"role": target.role, "region_id": target.region_id, "display_name": target.display_name}
    role = role or target.role
    region = _region(region_id) if region_id is not None else target.region
    if actor.role != "admin":
        if not covers(actor, region):
            raise ApiError(403, "out_of_scope", "该地区不在您的管辖范围内", "This region is outside your region")
        if ROLE_RANK[role] > ROLE_RANK[actor.role]:
            raise ApiError(403, "role_above_own", "不能授予高于自己的角色",
                           "You cannot grant a role above your own")
    _fits(role, region)
    department_id = _department(role, department_id if department_id is not None else target.department_id, region)
    before["department_id"] = target.department_id
    target.role, target.region_id, target.region, target.department_id = role, region.id, region, department_id
    if display_name:
        target.display_name = display_name
    after = {"role": target.role, "region_id": target.region_id, "display_name": target.display_name,
             "department_id": target.department_id}
    if after != before:
        audit.record(actor, "user.update", subject=target, region_id=region.id, username=target.username,
                     before=before, after=after)
    return target
