"""User accounts. Sign-in itself lives in the core (it guards every request)."""
from sqlalchemy import select

from ..core import audit
from ..core.auth import hash_password, normalize_username
from ..core.errors import ApiError, bad_field
from ..core.models import LEVEL_NAMES, ROLES, Region, User
from ..core.scoping import covers
from ..extensions import db

# The region level each role is scoped at.
ROLE_LEVEL = {"admin": "province", "province": "province", "city": "city", "county": "county",
              "township_lead": "township", "inspector": "township"}


def create_user(actor, username, display_name, password, role, region_id):
    """A new account. 409 ``username_taken``; 400 ``role_region_level`` when the region's level does
    not fit the role; 403 ``out_of_scope`` outside the admin's region."""
    username = normalize_username(username)
    region = db.session.get(Region, region_id)
    if region is None:
        raise bad_field("json.region_id", "region_not_found", "地区不存在", "No such region")
    if not covers(actor, region):
        raise ApiError(403, "out_of_scope", "该地区不在您的管辖范围内", "This region is outside your region")
    if ROLE_LEVEL[role] != region.level:
        raise bad_field("json.region_id", "role_region_level",
                        f"{ROLES[role][0]}须设在「{LEVEL_NAMES[ROLE_LEVEL[role]][0]}」级地区",
                        f"Role {role} belongs to a {ROLE_LEVEL[role]}-level region")
    if db.session.execute(select(User.id).where(User.username == username)).first():
        raise bad_field("json.username", "username_taken", "用户名已存在", "This user name is taken", 409)
    user = User(username=username, display_name=display_name, password_hash=hash_password(password),
                role=role, region_id=region.id)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", subject=user, region_id=region.id, username=username, role=role)
    return user

