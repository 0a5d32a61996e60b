from apiflask import Schema
from apiflask.fields import (Boolean, Date, DateTime, Decimal, Dict, Float, Integer, List, Nested,
                             String)
from apiflask.validators import Length, OneOf, Range
from marshmallow import ValidationError, validates_schema

from ..core.fields import CleanString, ClientUUID, Id, PlainDecimal, Prose, Text
from ..core.pagination import PageQuery, page_fields
from ..core.tree import Placed
from .services import FUNDING_LEVELS, STAGES

MAX_MONEY = 9_999_999_999


MONEY_PATTERN = r"^-?\d+(\.\d{1,2})?$"


def _positive_money(value):
    # Not a Range validator: on a string-serialised Decimal it would put strings into the
    # OpenAPI document's numeric bounds. Fen are the smallest unit: no silent rounding.
    if not value.is_finite() or value <= 0 or value > MAX_MONEY:
        raise ValidationError(f"must be more than 0 and at most {MAX_MONEY} yuan")
    if value.as_tuple().exponent < -2:
        raise ValidationError("at most two decimals (fen)")


def MoneyField(**kw):
    """Yuan with two decimals, serialised as a string ("1234.50") so no float ever touches money."""
    return Decimal(places=2, as_string=True, metadata={"type": "string", "pattern": MONEY_PATTERN,
                                                       "example": "1234.50"}, **kw)


def PositiveMoney(**kw):
    """Money as input: a decimal string (or number) in yuan, more than 0, at most two decimals, in
    plain digits (``scientific_notation`` for 1e5)."""
    return PlainDecimal(as_string=True, validate=_positive_money, metadata={
        "type": "string", "pattern": r"^\d{1,10}(\.\d{1,2})?$", "example": "1234.50",
        "description": "yuan, > 0, at most two decimals, in plain digits (not 1e5)"}, **kw)

CATEGORIES = ("道路交通", "农田水利", "美丽乡村", "人居环境", "公共服务", "产业发展", "生态保护", "其他")
UNIT_KINDS = ("乡镇财政所", "乡镇人民政府", "街道办事处", "村股份经济合作社", "村民委员会", "学校",
              "卫生院", "其他")


class RegionBrief(Schema):
    id = Integer(required=True)
    code = String(required=True)
    name = String(required=True)
    level = String(required=True)


class UnitIn(Schema):
    client_uuid = ClientUUID()
    region_id = Id(required=True)
    name = Text(100)
    kind = String(required=True, validate=OneOf(UNIT_KINDS))
    address = Text(200, required=False, allow_none=True)
    head_name = Text(32, required=False, allow_none=True)


class UnitOut(Schema):
    id = Integer(required=True)
    name = String(required=True)
    kind = String(required=True)
    region = Nested(RegionBrief, required=True)
    address = String(required=True, allow_none=True)
    head_name = String(required=True, allow_none=True)
    code = String(required=True, allow_none=True)


class UnitQuery(PageQuery):
    region_id = Id()


UnitPage = Schema.from_dict({"items": List(Nested(UnitOut), required=True), **page_fields()},
                            name="UnitPage")


class FundingIn(Schema):
    source = Text(60)
    level = String(validate=OneOf(FUNDING_LEVELS), metadata={
        "description": "中央/省/市/县/乡/自筹; when left out it is read from the source's name"})
    amount = PositiveMoney(required=True)


class FundingOut(Schema):
    source = String(required=True)
    level = String(allow_none=True)
    amount = String(required=True)


class ProjectIn(Schema):
    client_uuid = ClientUUID()
    region_id = Id(required=True)
    unit_id = Id(required=True)
    name = Text(120)
    category = String(required=True, validate=OneOf(CATEGORIES))
    budget = PositiveMoney(required=True)
    funding_sources = List(Nested(FundingIn), load_default=list, validate=Length(max=10))
    contractor = Text(120, required=False, allow_none=True)
    contractor_uscc = Text(30, required=False, allow_none=True,
                           metadata={"description": "统一社会信用代码, 18 characters with its check character"})
    contract_amount = PositiveMoney(allow_none=True)
    site_address = Text(200, required=False, allow_none=True)
    lat = Float(validate=Range(min=-90, max=90), allow_none=True, allow_nan=False)
    lng = Float(validate=Range(min=-180, max=180), allow_none=True, allow_nan=False)
    planned_start_on = Date(allow_none=True)
    planned_end_on = Date(allow_none=True)
    description = Prose(2000, required=False, allow_none=True)

    @validates_schema
    def check(self, data, **kwargs):
        start, end = data.get("planned_start_on"), data.get("planned_end_on")
        if start and end and end < start:
            raise ValidationError("must not be before planned_start_on", "planned_end_on")
        total = sum(f["amount"] for f in data.get("funding_sources", []))
        if data.get("funding_sources") and total != data["budget"]:
            raise ValidationError(f"funding sources add up to {total}, budget is {data['budget']}",
                                  "funding_sources")


class ProjectBrief(Placed):
    id = Integer(required=True)
    ref_no = String(required=True)
    name = String(required=True)
    category = String(required=True)
    stage = String(required=True)
    budget = MoneyField(required=True)
    region = Nested(RegionBrief, required=True)
    contractor = String(required=True, allow_none=True)
    code = String(required=True, allow_none=True)
    distance_m = Float(allow_none=True)


class ProjectQuery(PageQuery):
    region_id = Id()
    stage = String(validate=OneOf(STAGES))
    q = CleanString(validate=Length(max=60), metadata={
        "description": "a word of the name, reference number, contractor, village or township"})
    near_lat = Float(validate=Range(min=-90, max=90), allow_nan=False,
                     metadata={"description": "with near_lng: nearest sites first"})
    near_lng = Float(validate=Range(min=-180, max=180), allow_nan=False)

    @validates_schema
    def both(self, data, **kwargs):
        if ("near_lat" in data) != ("near_lng" in data):
            raise ValidationError("near_lat and near_lng come together", "near_lng")


ProjectPage = Schema.from_dict({"items": List(Nested(ProjectBrief), required=True), **page_fields()},
                               name="ProjectPage")


class TimelineItem(Schema):
    seq = Integer(required=True)
    kind = String(required=True)
    occurred_at = DateTime(required=True)
    payload = Dict(required=True)
    actor = String(allow_none=True)
    hash = String()


class ProjectView(Schema):
    """A project as shown after a scan. ``view`` is 'public' or 'full'; fields marked (full) are
    present only in the full view."""
    view = String(required=True, validate=OneOf(["public", "full"]))
    id = Integer(required=True)
    name = String(required=True)
    category = String(required=True)
    stage = String(required=True)
    budget = MoneyField(required=True)
    funding_sources = List(Nested(FundingOut), required=True)
    contractor = String(required=True, allow_none=True)
    contractor_uscc = String(allow_none=True)
    site_address = String(required=True, allow_none=True)
    lat = Float(required=True, allow_none=True)
    lng = Float(required=True, allow_none=True)
    planned_start_on = Date(required=True, allow_none=True)
    planned_end_on = Date(required=True, allow_none=True)
    progress_pct = Integer(required=True)
    region = Nested(RegionBrief, required=True)
    region_path = List(String(), required=True)
    unit_name = String(required=True)
    paid_total = MoneyField(required=True)
    code = String(required=True, allow_none=True)
    timeline = List(Nested(TimelineItem), required=True)
    # (full)
    ref_no = String()
    description = String(allow_none=True)
    contract_amount = MoneyField(allow_none=True)
    unit_id = Integer()
    allowed_moves = List(String())
    can_correct = Boolean()
    can_pay = Boolean()
    chain_intact = Boolean()
    chain_problems = List(String())
    event_count = Integer()


class StageMoveIn(Schema):
    client_uuid = ClientUUID()
    to_stage = String(required=True, validate=OneOf(STAGES))
    expected_from = String(validate=OneOf(STAGES))
    note = Prose(500, required=False)
    contractor = Text(120, required=False)
    contract_amount = PositiveMoney()

    @validates_schema
    def check(self, data, **kwargs):
        if data["to_stage"] == "contracted" and not data.get("contractor"):
            raise ValidationError("the contractor is required when signing the contract", "contractor")


class ContractorIn(Schema):
    client_uuid = ClientUUID()
    contractor = Text(120)
    contractor_uscc = Text(30, required=False, allow_none=True)
    reason = Prose(200)


class PaymentIn(Schema):
    client_uuid = ClientUUID()
    amount = PositiveMoney(required=True)
    paid_on = Date(required=True)
    payee = Text(120)
    voucher_no = Text(40)
    funding_source = Text(60)
    note = Prose(200, required=False)


class PaymentOut(Schema):
    id = Integer(required=True)
    amount = MoneyField(required=True)
    paid_on = Date(required=True)
    payee = String(required=True)
    voucher_no = String(required=True)
    funding_source = String(required=True)
    note = String(required=True, allow_none=True)
    created_at = DateTime(required=True)


class PaymentList(Schema):
    items = List(Nested(PaymentOut), required=True)
    paid_total = MoneyField(required=True)


class ChainOut(Schema):
    intact = Boolean(required=True)
    event_count = Integer(required=True)
    problems = List(String(), required=True)
