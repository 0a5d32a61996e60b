from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Dict, File, Float, Integer, List, Nested, String
from apiflask.validators import Length, OneOf
from marshmallow import ValidationError

from ..core.errors import MessageSchema
from ..core.fields import CleanString, ClientUUID, Id, Prose
from ..core.pagination import PageQuery, page_fields
from . import engine


def _known_kind(value):
    """A kind some feature registered (known only once the app has loaded its features)."""
    if value not in engine.KINDS:
        raise ValidationError(f"one of: {', '.join(engine.KINDS)}")


class ImportForm(Schema):
    client_uuid = ClientUUID()
    kind = CleanString(required=True, validate=_known_kind)
    region_id = Id(required=True)
    file = File(required=True)


class WithdrawIn(Schema):
    client_uuid = ClientUUID()
    reason = Prose(200)


class ImportHeader(Schema):
    text = String(required=True, metadata={"description": "the column's name as the file writes it"})
    field = String(required=True, allow_none=True, metadata={"description": "the field it was read as, or null"})
    suggested = String(allow_none=True, metadata={"description": "a column not read: the field its name is nearest to"})


class ImportProblem(Schema):
    row = Integer(required=True, allow_none=True)
    column = String(required=True, allow_none=True)
    field = String(required=True, allow_none=True)
    code = String(required=True)
    message = Nested(MessageSchema, required=True)
    value = String(required=True, allow_none=True)
    looks_like = String(metadata={"description": "code wrong_kind: the kind the file looks like"})


class ImportNote(Schema):
    code = String(required=True)
    message = Nested(MessageSchema, required=True)
    rows = List(Integer(), metadata={"description": "the spreadsheet rows it is about (a notice's findings)"})


class ImportProgress(Schema):
    phase = String(required=True, metadata={"description": "reading | checking | writing"})
    rows = Integer(required=True, allow_none=True, metadata={"description": "rows read (known once the file is read)"})
    checked = Integer(required=True)
    problems = Integer(required=True, metadata={"description": "problems found so far"})
    at = Float(required=True, metadata={"description": "when this was reported (Unix time)"})


class ImportOut(Schema):
    id = Integer(required=True)
    kind = String(required=True)
    region_id = Integer(required=True)
    filename = String(required=True)
    sha256 = String(required=True)
    status = String(required=True)
    encoding = String(required=True, allow_none=True)
    rows = Integer(required=True)
    inserted = Integer(required=True)
    updated = Integer(required=True)
    unchanged = Integer(required=True)
    error_count = Integer(required=True)
    errors = List(Nested(ImportProblem), required=True)
    notes = List(Nested(ImportNote), required=True,
                 metadata={"description": "for an accepted run: columns not used, stored values kept"})
    created_by = String(required=True)
    created_at = DateTime(required=True)
    report_url = String(required=True)
    withdrawn_at = DateTime(required=True, allow_none=True)
    withdrawn_by = String(required=True, allow_none=True)
    withdrawn_reason = String(required=True, allow_none=True)
    status_url = String(required=True, metadata={"description": "poll this while the run is queued"})
    headers = List(Nested(ImportHeader), required=True,
                   metadata={"description": "the file's header as read, for the column-mapping step"})
    has_secret = Boolean(required=True, metadata={"description": "something to fetch once (a roster's passwords)"})
    progress = Nested(ImportProgress, required=True, allow_none=True,
                      metadata={"description": "while queued and running: how far the job got"})


class ImportQuery(PageQuery):
    kind = CleanString(validate=_known_kind)
    status = String(validate=OneOf(["queued", "accepted", "rejected", "withdrawn", "failed"]))


ImportPage = Schema.from_dict({"items": List(Nested(ImportOut(exclude=("errors", "headers"))), required=True),
                               **page_fields()}, name="ImportPage")


class KindField(Schema):
    name = String(required=True)
    zh = String(required=True)
    en = String(required=True)
    required = Boolean(required=True)
    aliases = List(String(), required=True, metadata={"description": "other column names read as this field"})
    example = String(required=True, allow_none=True)
    rule = Nested(MessageSchema, required=True)


class KindOut(Schema):
    kind = String(required=True)
    title = Nested(MessageSchema, required=True)
    fields = List(Nested(KindField), required=True)
    template_url = String(required=True)


KindList = Schema.from_dict({"items": List(Nested(KindOut), required=True)}, name="KindList")


class MappingQuery(Schema):
    region_id = Id(required=True)


class MappingIn(Schema):
    client_uuid = ClientUUID()
    region_id = Id(required=True)
    columns = Dict(keys=String(validate=Length(1, 60)), values=String(allow_none=True, validate=Length(1, 40)),
                   required=True, validate=Length(1, 256),
                   metadata={"description": "{column name as the file writes it: field, or null to forget it}"})


class MappingOut(Schema):
    kind = String(required=True)
    region_id = Integer(required=True)
    columns = Dict(keys=String(), values=String(), required=True)
    inherited = Dict(keys=String(), values=String(), required=True,
                     metadata={"description": "what the regions above have saved (used unless overridden here)"})
