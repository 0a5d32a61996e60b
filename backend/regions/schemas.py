from apiflask import Schema
from apiflask.fields import Float, Integer, List, Nested, String
from apiflask.validators import Length, OneOf

from ..core.fields import CleanString, Id
from ..core.models import LEVELS
from ..core.pagination import PageQuery, page_fields


class RegionOut(Schema):
    id = Integer(required=True)
    code = String(required=True)
    name = String(required=True)
    level = String(required=True)
    parent_id = Integer(required=True, allow_none=True)
    lat = Float(required=True, allow_none=True)
    lng = Float(required=True, allow_none=True)


class RegionDetail(RegionOut):
    ancestors = List(Nested(RegionOut), required=True)
    children_count = Integer(required=True)
    project_count = Integer(required=True)


class RegionQuery(PageQuery):
    parent_id = Id()
    level = String(validate=OneOf(LEVELS))
    q = CleanString(validate=Length(max=40))


RegionPage = Schema.from_dict({"items": List(Nested(RegionOut), required=True), **page_fields()},
                              name="RegionPage")
