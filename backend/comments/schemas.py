from apiflask import Schema
from apiflask.fields import DateTime, Integer, List, Nested, String
from apiflask.validators import Length, OneOf
from marshmallow import ValidationError, validates

from ..core.fields import ClientUUID, CleanString, Prose
from ..core.pagination import PageQuery, page_fields


class CommentIn(Schema):
    client_uuid = ClientUUID()
    kind = String(load_default="comment", validate=OneOf(["comment", "complaint"]))
    body = Prose(500, min_len=5)
    nickname = CleanString(validate=Length(max=20), load_default=None)
    contact = CleanString(validate=Length(max=20), load_default=None,
                          metadata={"description": "an optional phone number for the township to call back (never shown)"})
    website = CleanString(load_default="", metadata={"description": "leave empty (a field only robots fill in)"})

    @validates("body")
    def _five_characters_once_stripped(self, value, **kwargs):
        # The body is stored stripped: "    0" would pass the length check and store "0".
        if len(value.strip()) < 5:
            raise ValidationError("at least 5 characters besides the spaces around them")


class CommentOut(Schema):
    id = Integer(required=True)
    kind = String(required=True)
    body = String(required=True)
    nickname = String(required=True, allow_none=True)
    created_at = DateTime(required=True)
    status = String(required=True)
    answer = String(required=True, allow_none=True)
    answered_at = DateTime(required=True, allow_none=True)


class StaffCommentOut(CommentOut):
    project_id = Integer(required=True)
    project_name = String(required=True, allow_none=True)
    contact = String(required=True, allow_none=True)
    hidden_reason = String(required=True, allow_none=True)


CommentList = Schema.from_dict({"items": List(Nested(CommentOut), required=True)}, name="CommentList")


class CommentQuery(PageQuery):
    status = String(load_default="open", validate=OneOf(["open", "answered", "hidden", "all"]))


StaffCommentPage = Schema.from_dict({"items": List(Nested(StaffCommentOut), required=True), **page_fields()},
                                    name="StaffCommentPage")


class RevealContactIn(Schema):
    reason = Prose(200)


class RevealContactOut(Schema):
    field = String(required=True)
    value = String(required=True)


class AnswerIn(Schema):
    client_uuid = ClientUUID()
    answer = Prose(1000)


class HideIn(Schema):
    client_uuid = ClientUUID()
    reason = Prose(200)


class PublicPhoto(Schema):
    id = Integer(required=True)
    taken_on = String(required=True, allow_none=True)
    width = Integer(required=True)
    height = Integer(required=True)
    url = String(required=True)
    thumb_url = String(required=True)


PhotoList = Schema.from_dict({"items": List(Nested(PublicPhoto), required=True)}, name="PublicPhotoList")
