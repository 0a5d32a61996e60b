from apiflask import Schema
from apiflask.fields import Boolean, Date, DateTime, Float, Integer, List, Nested, String
from apiflask.validators import OneOf, Range
from marshmallow import ValidationError, validates_schema

from ..core.fields import ClientUUID, Id, Prose
from ..core.pagination import PageQuery, page_fields
from ..core.tree import Placed
from ..inspections.schemas import Lat, Lng, PhotoOut
from ..risks.schemas import WarningOut
from .models import STATES


class OpenIn(Schema):
    client_uuid = ClientUUID()
    warning_id = Id(allow_none=True)
    inspection_id = Id(allow_none=True)
    project_id = Id(allow_none=True)
    requirement = Prose(1000)
    responsible_id = Id(required=True)
    due_on = Date(required=True)

    @validates_schema
    def one_source(self, data, **kwargs):
        if not any(data.get(k) for k in ("warning_id", "inspection_id", "project_id")):
            raise ValidationError("give the warning, the inspection or the project", "project_id")


class EvidenceIn(Schema):
    client_uuid = ClientUUID()
    text = Prose(2000)
    lat = Lat()
    lng = Lng()


class DecisionIn(Schema):
    client_uuid = ClientUUID()
    expected_version = Integer(validate=Range(min=1, max=1_000_000))
    reason = Prose(500, required=False)
    note = Prose(500, required=False)


class Person(Schema):
    id = Integer(required=True)
    display_name = String(required=True)


class ProjectRef(Schema):
    id = Integer(required=True)
    name = String(required=True)
    code = String(required=True, allow_none=True)


class SubmissionOut(Schema):
    id = Integer(required=True)
    client_uuid = String(required=True)
    text = String(required=True)
    submitted_by = Nested(Person, required=True)
    submitted_at = DateTime(required=True)
    lat = Float(required=True, allow_none=True)
    lng = Float(required=True, allow_none=True)
    photos = List(Nested(PhotoOut), required=True)


class SourceInspection(Schema):
    id = Integer(required=True)
    findings = String(required=True)
    verdict = String(required=True)
    photos = List(Nested(PhotoOut), required=True)


class HistoryItem(Schema):
    at = DateTime(required=True)
    action = String(required=True)
    actor = String(required=True, allow_none=True)
    reason = String(required=True, allow_none=True)


class RectificationOut(Placed):
    id = Integer(required=True)
    version = Integer(required=True)
    status = String(required=True)
    project = Nested(ProjectRef, required=True)
    requirement = String(required=True)
    responsible = Nested(Person, required=True)
    created_by = Nested(Person, required=True)
    due_on = Date(required=True)
    overdue = Boolean(required=True)
    escalated_at = DateTime(required=True, allow_none=True)
    created_at = DateTime(required=True)
    warning = Nested(WarningOut, required=True, allow_none=True)
    source_inspection = Nested(SourceInspection, required=True, allow_none=True)
    submissions = List(Nested(SubmissionOut), required=True)
    history = List(Nested(HistoryItem), required=True)


class RectificationQuery(PageQuery):
    region_id = Id(metadata={"description": "only this region's subtree (in the caller's)"})
    status = String(load_default="all", validate=OneOf([*STATES, "all"]))
    mine = Boolean(load_default=False)
    overdue = Boolean(load_default=False)
    project_id = Id()


RectificationPage = Schema.from_dict({"items": List(Nested(RectificationOut), required=True), **page_fields()},
                                     name="RectificationPage")
