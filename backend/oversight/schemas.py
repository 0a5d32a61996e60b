from apiflask import Schema
from apiflask.fields import Boolean, Date, DateTime, Dict, Integer, List, Nested, String
from apiflask.validators import OneOf, Range
from marshmallow import ValidationError, validates_schema

from ..core.errors import FieldProblem
from ..core.fields import Day, Id, Text
from .services import ACTIONS


class AuditQuery(Schema):
    action = String(validate=OneOf(list(ACTIONS)),
                    metadata={"description": "reveal | dismiss | withdraw | sign_in (default: all four)"})
    user_id = Id()
    username = Text(64, required=False)
    region_id = Id(metadata={"description": "this region and below (one of the caller's)"})
    since = Day(metadata={"description": "first day (China), YYYY-MM-DD"})
    until = Day(metadata={"description": "last day (China), included"})

    @validates_schema
    def check(self, data, **kwargs):
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            raise ValidationError(FieldProblem("must not be before since", "date_range_reversed", "截止日期不能早于起始日期"),
                                  "until")


class AuditPageQuery(AuditQuery):
    before = Id(metadata={"description": "the cursor: entries older than this id (next_before of the last page)"})
    per_page = Integer(load_default=50, validate=Range(min=1, max=100))


class Named(Schema):
    zh = String(required=True)
    en = String(required=True)


class AuditEntryOut(Schema):
    id = Integer(required=True)
    at = DateTime(required=True)
    action = String(required=True)
    kind = String(required=True, allow_none=True)
    kind_name = Nested(Named, required=True, allow_none=True)
    action_name = Nested(Named, required=True)
    user = Dict(required=True, allow_none=True)
    region = Dict(required=True, allow_none=True, metadata={
        "description": "null: about no region (a failed sign-in under a name nobody has; the root's readers see these)"})
    subject = Dict(required=True, allow_none=True)
    details = Dict(required=True)
    note = Nested(Named, required=True, metadata={"description": "the details in words (原因、字段、数据…)"})
    ip = String(required=True, allow_none=True)


class AuditPage(Schema):
    items = List(Nested(AuditEntryOut), required=True)
    per_page = Integer(required=True)
    next_before = Integer(required=True, allow_none=True)
    kinds = Dict(required=True, metadata={"description": "the kinds of entry and their names"})


class CoverageOut(Schema):
    region = Dict(required=True)
    days = Integer(required=True)
    since = Date(required=True)
    inspectors = List(Dict(), required=True)
    not_inspected = List(Dict(), required=True)
    not_inspected_count = Integer(required=True)
    projects_active = Integer(required=True)
    projects_covered = Integer(required=True, metadata={
        "description": "projects under way inspected on site in the last 30 days (the cockpit's projects_inspected_30d)"})
    complete = Boolean(required=True)


class DigestOut(Schema):
    day = Date(required=True)
    covers = String(required=True, metadata={"description": "the day whose new warnings it counts"})
    created_at = DateTime(required=True)
    region = Dict(required=True)
    totals = Dict(required=True)
    rows = List(Dict(), required=True)
