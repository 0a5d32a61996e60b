from apiflask import Schema
from apiflask.fields import Boolean, Date, DateTime, Decimal, Integer, List, Nested, String
from apiflask.validators import Length, OneOf
from marshmallow import ValidationError, validates_schema

from ..core.fields import CleanString, ClientUUID, Id, PlainDecimal, Prose, Text
from ..core.pagination import PageQuery, page_fields
from ..projects.schemas import MAX_MONEY, MoneyField, PositiveMoney, RegionBrief
from .models import ASSET_CATEGORIES, ASSET_STATUSES, CONTRACT_KINDS, CONTRACT_STATUSES, RESOURCE_KINDS


def _money_or_zero(value):
    if not value.is_finite() or value < 0 or value > MAX_MONEY:
        raise ValidationError(f"must be at least 0 and at most {MAX_MONEY} yuan")
    if value.as_tuple().exponent < -2:
        raise ValidationError("at most two decimals (fen)")


def Money0(**kw):
    """Yuan, 0 or more, at most two decimals (a fully depreciated asset is worth 0)."""
    return PlainDecimal(as_string=True, validate=_money_or_zero, metadata={
        "type": "string", "pattern": r"^\d{1,10}(\.\d{1,2})?$", "example": "1234.50"}, **kw)


def _area(value):
    if not value.is_finite() or value <= 0 or value > 10_000_000:
        raise ValidationError("must be more than 0 and at most 10,000,000 亩")
    if value.as_tuple().exponent < -2:
        raise ValidationError("at most two decimals")


def Area(**kw):
    return PlainDecimal(as_string=True, validate=_area, metadata={"type": "string", "example": "35.50",
                                                             "description": "亩 (mu), > 0, two decimals"}, **kw)


def Opt(max_len):
    return Text(max_len, required=False, allow_none=True)


def OptProse(max_len):
    return Prose(max_len, required=False, allow_none=True)


def _not_future(field):
    from ..core import clock

    def check(self, data, **kwargs):
        if data.get(field) and data[field] > clock.today():
            raise ValidationError("must not be in the future", field)
    return validates_schema(check)


# ---- assets ------------------------------------------------------------------------------------------

class AssetIn(Schema):
    client_uuid = ClientUUID()
    region_id = Id(required=True, metadata={"description": "the village collective"})
    asset_no = Opt(40)
    name = Text(120)
    category = String(required=True, validate=OneOf(ASSET_CATEGORIES))
    original_value = Money0(required=True)
    net_value = Money0(required=True)
    location = Opt(200)
    status = String(validate=OneOf(ASSET_STATUSES))
    status_changed_on = Date(allow_none=True)
    project_id = Id(allow_none=True, metadata={"description": "the project that formed it"})
    maintenance_project_ids = List(Id(), validate=Length(max=20))
    acquired_on = Date(allow_none=True)
    note = OptProse(500)
    acquired_not_future = _not_future("acquired_on")
    status_not_future = _not_future("status_changed_on")


class AssetPatch(Schema):
    client_uuid = ClientUUID()
    asset_no = Opt(40)
    name = Text(120, required=False)
    category = String(validate=OneOf(ASSET_CATEGORIES))
    original_value = Money0()
    net_value = Money0()
    location = Opt(200)
    status = String(validate=OneOf(ASSET_STATUSES))
    status_changed_on = Date(allow_none=True, metadata={"description": "when the new status began (default today)"})
    project_id = Id(allow_none=True)
    maintenance_project_ids = List(Id(), validate=Length(max=20))
    acquired_on = Date(allow_none=True)
    note = OptProse(500)
    acquired_not_future = _not_future("acquired_on")


class AssetQuery(PageQuery):
    region_id = Id()
    q = CleanString(validate=Length(max=60))
    category = String(validate=OneOf(ASSET_CATEGORIES))
    status = String(validate=OneOf(ASSET_STATUSES))
    project_id = Id()


class AssetBrief(Schema):
    id = Integer(required=True)
    asset_no = String(required=True, allow_none=True)
    name = String(required=True)
    category = String(required=True)
    status = String(required=True)
    net_value = MoneyField(required=True)
    original_value = MoneyField(required=True)
    location = String(required=True, allow_none=True)
    region = Nested(RegionBrief, required=True)
    code = String(required=True, allow_none=True)


AssetPage = Schema.from_dict({"items": List(Nested(AssetBrief), required=True), **page_fields()}, name="AssetPage")


class StatusChangeOut(Schema):
    from_status = String(required=True, allow_none=True)
    to_status = String(required=True)
    changed_on = Date(required=True)


class ProjectRef(Schema):
    id = Integer(required=True)
    name = String(required=True)
    stage = String(required=True)


class ContractRef(Schema):
    id = Integer(required=True)
    contract_no = String(required=True, allow_none=True)
    kind = String(required=True)
    counterparty = String(required=True)
    starts_on = Date(required=True)
    ends_on = Date(required=True)
    annual_amount = MoneyField(required=True)
    status = String(required=True)


class AssetView(Schema):
    """An asset. ``view`` public (a scan by anyone outside its region: name, village, category,
    status) or full."""
    view = String(required=True, validate=OneOf(["public", "full"]))
    id = Integer(required=True)
    name = String(required=True)
    category = String(required=True)
    status = String(required=True)
    region = Nested(RegionBrief, required=True)
    region_path = List(String(), required=True)
    code = String(required=True, allow_none=True)
    # (full)
    asset_no = String(allow_none=True)
    original_value = MoneyField()
    net_value = MoneyField()
    location = String(allow_none=True)
    status_changed_on = Date()
    acquired_on = Date(allow_none=True)
    note = String(allow_none=True)
    project = Nested(ProjectRef, allow_none=True)
    maintenance_projects = List(Nested(ProjectRef))
    history = List(Nested(StatusChangeOut))
    contracts = List(Nested(ContractRef))
    can_edit = Boolean()


# ---- resources ---------------------------------------------------------------------------------------

class ResourceIn(Schema):
    client_uuid = ClientUUID()
    region_id = Id(required=True)
    resource_no = Opt(40)
    name = Text(120)
    kind = String(required=True, validate=OneOf(RESOURCE_KINDS))
    area = Area(required=True)
    location = Opt(200)
    note = OptProse(500)


class ResourcePatch(Schema):
    client_uuid = ClientUUID()
    resource_no = Opt(40)
    name = Text(120, required=False)
    kind = String(validate=OneOf(RESOURCE_KINDS))
    area = Area()
    location = Opt(200)
    note = OptProse(500)


class ResourceQuery(PageQuery):
    region_id = Id()
    q = CleanString(validate=Length(max=60))
    kind = String(validate=OneOf(RESOURCE_KINDS))


class ResourceOut(Schema):
    id = Integer(required=True)
    resource_no = String(required=True, allow_none=True)
    name = String(required=True)
    kind = String(required=True)
    area = Decimal(as_string=True, places=2, required=True, metadata={"type": "string", "description": "亩"})
    location = String(required=True, allow_none=True)
    note = String(required=True, allow_none=True)
    region = Nested(RegionBrief, required=True)
    region_path = List(String())
    contracts = List(Nested(ContractRef))
    can_edit = Boolean()


ResourcePage = Schema.from_dict({"items": List(Nested(ResourceOut(exclude=("contracts", "region_path", "can_edit"))),
                                                required=True), **page_fields()}, name="ResourcePage")


# ---- contracts ---------------------------------------------------------------------------------------

class InstalmentIn(Schema):
    due_on = Date(required=True)
    amount = PositiveMoney(required=True)


class _Term:
    @validates_schema
    def term(self, data, **kwargs):
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError("must not be before starts_on", "ends_on")


class ContractIn(_Term, Schema):
    client_uuid = ClientUUID()
    region_id = Id(required=True)
    contract_no = Opt(40)
    kind = String(required=True, validate=OneOf(CONTRACT_KINDS))
    resource_id = Id(allow_none=True)
    asset_id = Id(allow_none=True)
    counterparty = Text(120)
    starts_on = Date(required=True)
    ends_on = Date(required=True)
    annual_amount = PositiveMoney(required=True)
    floor_amount = PositiveMoney(allow_none=True)  # 底价: the least a year the collective accepts
    status = String(validate=OneOf(CONTRACT_STATUSES))
    schedule = List(Nested(InstalmentIn), validate=Length(max=600),
                    metadata={"description": "receivables; default one a year from the term and the annual amount"})
    note = OptProse(500)


class ContractPatch(_Term, Schema):
    client_uuid = ClientUUID()
    contract_no = Opt(40)
    kind = String(validate=OneOf(CONTRACT_KINDS))
    resource_id = Id(allow_none=True)
    asset_id = Id(allow_none=True)
    counterparty = Text(120, required=False)
    starts_on = Date()
    ends_on = Date()
    annual_amount = PositiveMoney()
    floor_amount = PositiveMoney(allow_none=True)
    status = String(validate=OneOf(CONTRACT_STATUSES))
    schedule = List(Nested(InstalmentIn), validate=Length(max=600))
    note = OptProse(500)


class ContractQuery(PageQuery):
    region_id = Id()
    q = CleanString(validate=Length(max=60))
    kind = String(validate=OneOf(CONTRACT_KINDS))
    status = String(validate=OneOf(CONTRACT_STATUSES))
    overdue = Boolean(metadata={"description": "only contracts with overdue receivables"})


class ContractBrief(Schema):
    id = Integer(required=True)
    contract_no = String(required=True, allow_none=True)
    kind = String(required=True)
    subject_type = String(required=True)
    subject_name = String(required=True)
    counterparty = String(required=True)
    starts_on = Date(required=True)
    ends_on = Date(required=True)
    annual_amount = MoneyField(required=True)
    status = String(required=True)
    received_total = MoneyField(required=True)
    overdue_amount = MoneyField(required=True)
    region = Nested(RegionBrief, required=True)
    code = String(required=True, allow_none=True)


ContractPage = Schema.from_dict({"items": List(Nested(ContractBrief), required=True), **page_fields()},
                                name="ContractPage")


class InstalmentOut(Schema):
    due_on = Date(required=True)
    amount = MoneyField(required=True)
    received = MoneyField(required=True)
    open = MoneyField(required=True)
    overdue = Boolean(required=True)
    days_overdue = Integer(required=True)


class ReceiptIn(Schema):
    client_uuid = ClientUUID()
    received_on = Date(required=True)
    amount = PositiveMoney(required=True)
    voucher_no = Text(40)
    note = OptProse(200)


class ReceiptOut(Schema):
    id = Integer(required=True)
    received_on = Date(required=True)
    amount = MoneyField(required=True)
    voucher_no = String(required=True)
    note = String(required=True, allow_none=True)
    created_at = DateTime(required=True)


class ContractView(Schema):
    """A contract. ``view`` public (a scan from outside its region: what is let out, by which
    village, for which term — never the counterparty or the money) or full."""
    view = String(required=True, validate=OneOf(["public", "full"]))
    id = Integer(required=True)
    kind = String(required=True)
    subject_type = String(required=True)
    subject_name = String(required=True)
    starts_on = Date(required=True)
    ends_on = Date(required=True)
    status = String(required=True)
    region = Nested(RegionBrief, required=True)
    region_path = List(String(), required=True)
    code = String(required=True, allow_none=True)
    # (full)
    contract_no = String(allow_none=True)
    resource_id = Integer(allow_none=True)
    asset_id = Integer(allow_none=True)
    counterparty = String()
    annual_amount = MoneyField()
    floor_amount = MoneyField(allow_none=True)
    note = String(allow_none=True)
    expired = Boolean()
    schedule = List(Nested(InstalmentOut))
    receipts = List(Nested(ReceiptOut))
    scheduled_total = MoneyField()
    received_total = MoneyField()
    due_to_date = MoneyField()
    overdue_amount = MoneyField()
    oldest_overdue_on = Date(allow_none=True)
    days_overdue = Integer()
    can_edit = Boolean()
