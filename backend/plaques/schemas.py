from apiflask import Schema
from apiflask.fields import Boolean, Integer, List, Nested, String
from apiflask.validators import OneOf

from ..core.fields import ClientUUID, IdList, Prose
from ..assets.schemas import AssetView, ContractView
from ..projects.schemas import MoneyField, ProjectView, RegionBrief
from ..projects.services import STAGES


class UnitProject(Schema):
    id = Integer(required=True)
    name = String(required=True)
    stage = String(required=True)
    budget = MoneyField(required=True)
    code = String(required=True, allow_none=True)


class UnitView(Schema):
    view = String(required=True)
    id = Integer(required=True)
    name = String(required=True)
    kind = String(required=True)
    region = Nested(RegionBrief, required=True)
    address = String(required=True, allow_none=True)
    head_name = String(required=True, allow_none=True)
    projects = List(Nested(UnitProject), required=True)


class VillageBrief(Schema):
    id = Integer(required=True)
    name = String(required=True)
    code = String(required=True)


class ScanOut(Schema):
    code = String(required=True)
    subject_type = String(required=True, validate=OneOf(["project", "unit", "village", "asset", "contract"]))
    project = Nested(ProjectView, required=True, allow_none=True)
    unit = Nested(UnitView, required=True, allow_none=True)
    village = Nested(VillageBrief, required=True, allow_none=True)
    asset = Nested(AssetView, allow_none=True)
    contract = Nested(ContractView, allow_none=True)


class RevokeIn(Schema):
    client_uuid = ClientUUID()
    reason = Prose(200)
    reissue = Boolean(load_default=False)


class ReissueIn(Schema):
    client_uuid = ClientUUID()
    reason = Prose(200)


class CodeOut(Schema):
    code = String(required=True)
    status = String(required=True)
    subject_type = String(required=True)
    subject_id = Integer(required=True)
    replaced_by = String(required=True, allow_none=True)
    revoke_reason = String(required=True, allow_none=True)




class LabelQuery(Schema):
    kind = String(load_default="all", validate=OneOf(["all", "project", "unit", "village", "asset", "contract"]))
    stage = String(validate=OneOf(STAGES))
    # A chosen set (the label-selection screen): only these projects and villages are printed.
    projects = IdList(metadata={"description": "comma-separated project ids: print only these"})
    villages = IdList(metadata={"description": "comma-separated village ids: print only these"})
    within = IdList(most=200, metadata={"description": "comma-separated region ids (a township chosen whole): "
                                                       "also print every village under these"})
