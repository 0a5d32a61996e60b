from apiflask import Schema
from apiflask.fields import Date, DateTime, Float, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Regexp

from ..core.fields import CleanString, ClientUUID, Id, Prose, Text
from ..core.models import LEVELS
from ..core.pagination import PageQuery, page_fields


class RegionRef(Schema):
    id = Integer(required=True)
    code = String(required=True)
    name = String(required=True)
    level = String(required=True)


class RegionOut(Schema):
    id = Integer(required=True)
    code = String(required=True)
    name = String(required=True)
    level = String(required=True)
    parent_id = Integer(required=True, allow_none=True)
    lat = Float(required=True, allow_none=True)
    lng = Float(required=True, allow_none=True)
    status = String(required=True, metadata={"description": "active | abolished (merged when successor is set)"})
    successor = Nested(RegionRef, required=True, allow_none=True)
    valid_from = Date(required=True, allow_none=True)
    valid_until = Date(required=True, allow_none=True)


class RegionChangeOut(Schema):
    id = Integer(required=True)
    kind = String(required=True, metadata={"description": "add | rename | abolish | merge | restore"})
    old_name = String(required=True, allow_none=True)
    new_name = String(required=True, allow_none=True)
    successor = Nested(RegionRef, required=True, allow_none=True)
    effective_on = Date(required=True)
    year = Integer(required=True, allow_none=True)
    note = String(required=True, allow_none=True)
    batch_id = Integer(required=True, allow_none=True)
    at = DateTime(required=True)


class RegionDetail(RegionOut):
    ancestors = List(Nested(RegionOut), required=True)
    children_count = Integer(required=True)
    project_count = Integer(required=True)
    changes = List(Nested(RegionChangeOut), required=True)
    predecessors = List(Nested(RegionRef), required=True)


class RegionQuery(PageQuery):
    parent_id = Id()
    under = Id(metadata={"description": "only the divisions below this one (a picker searching one county); "
                                        "403 outside the caller's subtree"})
    level = String(validate=OneOf(LEVELS))
    q = CleanString(validate=Length(max=40))
    status = String(load_default="active", validate=OneOf(["active", "abolished", "all"]),
                    metadata={"description": "pickers ask for active ones (the default)"})


class RegionIn(Schema):
    code = String(required=True, validate=Regexp(r"^\d{12}$", error="12 digits"))
    name = Text(64)
    parent_id = Id(required=True)
    client_uuid = ClientUUID()


class RegionRenameIn(Schema):
    name = Text(64)
    note = Prose(200, required=False)
    client_uuid = ClientUUID()


class RegionListed(RegionOut):
    ancestors = List(Nested(RegionRef), required=True,
                     metadata={"description": "from the root down to the parent, so a picker shows where a "
                                              "match lies (锦城街道 of 临安区, not of another county)"})


RegionPage = Schema.from_dict({"items": List(Nested(RegionListed), required=True), **page_fields()},
                              name="RegionPage")
