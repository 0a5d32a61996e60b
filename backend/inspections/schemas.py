from apiflask import Schema
from apiflask.fields import (UUID, Boolean, DateTime, Dict, File, Float, Integer, List, Nested,
                             String)
from apiflask.validators import Length, OneOf, Range, Regexp
from marshmallow import ValidationError, validates_schema

from ..core.fields import CleanString, ClientUUID, Id
from ..core.pagination import PageQuery, page_fields
from ..core.tree import Placed
from .models import VERDICTS

Lat = lambda **kw: Float(validate=Range(min=-90, max=90), allow_none=True, allow_nan=False, **kw)  # noqa: E731
Lng = lambda **kw: Float(validate=Range(min=-180, max=180), allow_none=True, allow_nan=False, **kw)  # noqa: E731
Accuracy = lambda **kw: Float(validate=Range(min=0, max=100_000), allow_none=True, allow_nan=False, **kw)  # noqa: E731


class ChecklistItemIn(Schema):
    key = CleanString(required=True, validate=Length(min=1, max=40))
    ok = Boolean(required=True, allow_none=True, truthy={True}, falsy={False})  # JSON true/false/null only
    note = CleanString(multiline=True, validate=Length(max=200), allow_none=True)


class InspectionIn(Schema):
    client_uuid = ClientUUID()
    project_id = Id(required=True)
    task_id = Id(allow_none=True)
    verdict = String(required=True, validate=OneOf(VERDICTS))
    findings = CleanString(multiline=True, load_default="", validate=Length(max=2000))
    checklist = List(Nested(ChecklistItemIn), load_default=list, validate=Length(max=40))
    lat = Lat()
    lng = Lng()
    accuracy_m = Accuracy()
    recorded_at = DateTime(allow_none=True)

    @validates_schema
    def check(self, data, **kwargs):
        if data["verdict"] == "problem" and not data.get("findings", "").strip():
            raise ValidationError("describe the problem found", "findings")
        if (data.get("lat") is None) != (data.get("lng") is None):
            raise ValidationError("lat and lng come together", "lng")
        keys = [item["key"] for item in data.get("checklist", [])]
        if len(keys) != len(set(keys)):
            raise ValidationError("each checklist item at most once", "checklist")


class PhotoForm(Schema):
    client_uuid = UUID(required=True, metadata={"description": "the photo's own client-generated UUID"})
    sha256 = String(required=True, validate=Regexp(r"^[0-9a-fA-F]{64}$"))
    file = File(required=True)
    taken_at = DateTime()
    lat = Lat()
    lng = Lng()
    accuracy_m = Accuracy()
    exif_taken_at = DateTime()
    exif_lat = Lat()
    exif_lng = Lng()


class ReusedOf(Schema):
    photo_id = Integer(required=True)
    project_id = Integer(required=True)
    inspection_id = Integer(required=True, allow_none=True)


class PhotoOut(Schema):
    id = Integer(required=True)
    client_uuid = String(required=True)
    sha256 = String(required=True)
    width = Integer(required=True)
    height = Integer(required=True)
    bytes = Integer(required=True)
    taken_at = DateTime(required=True, allow_none=True)
    lat = Float(required=True, allow_none=True)
    lng = Float(required=True, allow_none=True)
    exif_taken_at = DateTime(required=True, allow_none=True)
    exif_lat = Float(required=True, allow_none=True)
    exif_lng = Float(required=True, allow_none=True)
    exif_source = String(required=True, allow_none=True)
    reused = Boolean(required=True)
    reused_of = Nested(ReusedOf, required=True, allow_none=True)
    thumb_url = String(required=True)
    url = String(required=True)


class Person(Schema):
    id = Integer(required=True)
    display_name = String(required=True)


class InspectionOut(Placed):
    id = Integer(required=True)
    client_uuid = String(required=True)
    project_id = Integer(required=True)
    project_name = String(required=True)
    task_id = Integer(required=True, allow_none=True)
    inspector = Nested(Person, required=True)
    verdict = String(required=True)
    findings = String(required=True)
    checklist = List(Dict(), required=True)
    lat = Float(required=True, allow_none=True)
    lng = Float(required=True, allow_none=True)
    accuracy_m = Float(required=True, allow_none=True)
    distance_m = Float(required=True, allow_none=True)
    off_site = Boolean(required=True)
    position_missing = Boolean(required=True)
    reused_photo = Boolean(required=True)
    recorded_at = DateTime(required=True)
    created_at = DateTime(required=True)
    photos = List(Nested(PhotoOut), required=True)


class InspectionQuery(PageQuery):
    region_id = Id(metadata={"description": "only this region's subtree (in the caller's)"})
    project_id = Id()
    mine = Boolean(load_default=False)
    flagged = Boolean(load_default=False, metadata={"description": "only not-on-site or reused-photo"})


InspectionPage = Schema.from_dict({"items": List(Nested(InspectionOut), required=True), **page_fields()},
                                  name="InspectionPage")


class ChecklistItemOut(Schema):
    key = String(required=True)
    zh = String(required=True)
    en = String(required=True)


class ChecklistsOut(Schema):
    stages = Dict(keys=String(), values=List(Nested(ChecklistItemOut)), required=True)
