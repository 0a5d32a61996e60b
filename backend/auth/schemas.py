from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Integer, List, Nested, String
from apiflask.validators import Length, OneOf

from ..core.fields import CleanString, Id, Prose, Text
from ..core.models import ROLES
from ..core.pagination import PageQuery, page_fields


class LoginIn(Schema):
    username = Text(64)
    password = CleanString(secret=True, required=True, validate=Length(min=1, max=256))


class RegionRef(Schema):
    id = Integer(required=True)
    code = String(required=True)
    name = String(required=True)
    level = String(required=True)


class UserOut(Schema):
    id = Integer(required=True)
    username = String(required=True)
    display_name = String(required=True)
    role = String(required=True)
    region = Nested(RegionRef, required=True)
    active = Boolean(required=True)
    must_change_password = Boolean(required=True)
    phone_mask = String(required=True, allow_none=True, metadata={"description": "138****5678"})
    department_id = Integer(allow_none=True, metadata={"description": "a department user's department"})


class SessionOut(Schema):
    user = Nested(UserOut, required=True)
    csrf_token = String(required=True)


class TokenOut(Schema):
    access_token = String(required=True)
    token_type = String(required=True)
    expires_at = DateTime(required=True)


class HelloOut(Schema):
    hello = String(required=True)


class UserIn(Schema):
    username = CleanString(required=True, validate=[Length(min=3, max=64)])
    display_name = Text(64)
    password = CleanString(secret=True, validate=Length(min=10, max=256), metadata={
        "description": "omitted: a one-time password is made and returned once"})
    role = String(required=True, validate=OneOf(list(ROLES)))
    region_id = Id(required=True)
    phone = CleanString(validate=Length(max=20))
    department_id = Id(allow_none=True, metadata={"description": "required for the department role"})


class UserCreatedOut(UserOut):
    one_time_password = String(required=True, allow_none=True,
                               metadata={"description": "shown in this answer only (null when a password was given)"})


class UserQuery(PageQuery):
    role = String(validate=OneOf(list(ROLES)))
    status = String(load_default="active", validate=OneOf(["active", "inactive", "all"]))
    q = CleanString(validate=Length(max=64))


class PasswordChangeIn(Schema):
    current_password = CleanString(secret=True, required=True, validate=Length(min=1, max=256))
    new_password = CleanString(secret=True, required=True, validate=Length(min=1, max=256))


class UserUpdateIn(Schema):
    role = String(validate=OneOf(list(ROLES)))
    region_id = Id()
    display_name = Text(64, required=False)
    department_id = Id(allow_none=True)


class DeactivateIn(Schema):
    reason = Prose(200, required=False)


class PasswordResetOut(Schema):
    user = Nested(UserOut, required=True)
    one_time_password = String(required=True)


UserPage = Schema.from_dict({"items": List(Nested(UserOut), required=True), **page_fields()},
                            name="UserPage")
