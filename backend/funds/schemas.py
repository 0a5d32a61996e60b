from apiflask import Schema
from apiflask.fields import Boolean, Date, DateTime, File, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range
from marshmallow import validates_schema, ValidationError

from ..core.fields import ClientUUID, CleanString, Id, Prose, Text
from ..core.pagination import PageQuery, page_fields
from ..projects.schemas import MoneyField, PositiveMoney
from .models import CATEGORIES, SOURCE_LEVELS, TARGETS

STAGES = ("issued", "arrived", "allocated", "spent")
# The list also filters on "unspent": arrived and not all spent (arrived or allocated), the funds behind
# 到账未支出 and the cockpit's spending gap.
FILTER_STAGES = (*STAGES, "unspent")


class FundIn(Schema):
    client_uuid = ClientUUID()
    region_id = Id(required=True, metadata={"description": "the township"})
    doc_no = Text(60, metadata={"description": "文号, e.g. 浙财农〔2026〕12号"})
    name = Text(100)
    category = String(required=True, validate=OneOf(list(CATEGORIES)))
    source_level = String(required=True, validate=OneOf(list(SOURCE_LEVELS)))
    amount = PositiveMoney(required=True)
    issued_on = Date(required=True)
    arrived_on = Date(allow_none=True)
    receipt_no = Text(60, required=False, allow_none=True)
    note = Prose(200, required=False, allow_none=True)


class ArrivalIn(Schema):
    client_uuid = ClientUUID()
    arrived_on = Date(required=True)
    receipt_no = Text(60, metadata={"description": "信息接收回执号"})


class ReceiptFileForm(Schema):
    client_uuid = ClientUUID()
    file = File(required=True, metadata={"description": "the receipt: a PDF, or a JPEG/PNG/WebP scan or photo"})


class ReceiptFileOut(Schema):
    id = Integer(required=True)
    filename = String(required=True)
    kind = String(required=True, metadata={"description": "pdf | jpeg (a picture is kept re-encoded)"})
    bytes = Integer(required=True)
    sha256 = String(required=True)
    uploaded_by = String(required=True, allow_none=True)
    uploaded_at = DateTime(required=True)
    url = String(required=True)


class AllocationIn(Schema):
    client_uuid = ClientUUID()
    target = String(required=True, validate=OneOf(list(TARGETS)))
    project_id = Id(allow_none=True)
    policy_id = Id(allow_none=True)
    purpose = Prose(200, required=False, allow_none=True)
    amount = PositiveMoney(required=True)
    allocated_on = Date(required=True)

    @validates_schema
    def one_target(self, data, **kwargs):
        if data.get("target") == "project" and not data.get("project_id"):
            raise ValidationError("choose the project", "project_id")
        if data.get("target") == "policy" and not data.get("policy_id"):
            raise ValidationError("choose the subsidy policy", "policy_id")


class ExpenditureIn(Schema):
    client_uuid = ClientUUID()
    spent_on = Date(required=True)
    amount = PositiveMoney(required=True)
    payee = Text(120)
    voucher_no = Text(40)
    allocation_id = Id(allow_none=True)
    project_id = Id(allow_none=True)
    note = Prose(200, required=False, allow_none=True)


class FundQuery(PageQuery):
    q = CleanString(validate=Length(max=100))
    category = String(validate=OneOf(list(CATEGORIES)))
    source_level = String(validate=OneOf(list(SOURCE_LEVELS)))
    stage = String(validate=OneOf(FILTER_STAGES), metadata={
        "description": "issued | arrived | allocated | spent, or unspent (arrived and not all spent)"})
    region_id = Id()
    year = Integer(validate=Range(min=2000, max=2100))


class Named(Schema):
    code = String(required=True)
    zh = String(required=True)
    en = String(required=True)


class RegionRef(Schema):
    id = Integer(required=True)
    name = String(required=True)


class FundOut(Schema):
    id = Integer(required=True)
    region = Nested(RegionRef, required=True)
    doc_no = String(required=True)
    name = String(required=True)
    category = Nested(Named, required=True)
    source_level = Nested(Named, required=True)
    amount = MoneyField(required=True)
    issued_on = Date(required=True)
    arrived_on = Date(required=True, allow_none=True)
    receipt_no = String(required=True, allow_none=True)
    note = String(required=True, allow_none=True)
    allocated = MoneyField(required=True)
    spent = MoneyField(required=True)
    unallocated = MoneyField(required=True)
    unspent = MoneyField(required=True)  # arrived and not yet spent
    stage = String(required=True, metadata={"description": "issued | arrived | allocated | spent"})


class AllocationOut(Schema):
    id = Integer(required=True)
    target = Nested(Named, required=True)
    project = Nested(RegionRef, required=True, allow_none=True)
    policy = Nested(RegionRef, required=True, allow_none=True)
    purpose = String(required=True, allow_none=True)
    amount = MoneyField(required=True)
    spent = MoneyField(required=True)
    allocated_on = Date(required=True)


class ExpenditureOut(Schema):
    id = Integer(required=True)
    allocation_id = Integer(required=True, allow_none=True)
    project = Nested(RegionRef, required=True, allow_none=True)
    spent_on = Date(required=True)
    amount = MoneyField(required=True)
    payee = String(required=True)
    voucher_no = String(required=True)
    note = String(required=True, allow_none=True)


class ChainStep(Schema):
    step = String(required=True, metadata={"description": "issued | arrived | allocated | spent"})
    on = Date(required=True, allow_none=True, metadata={"description": "the day the step began (first allocation…)"})
    done_on = Date(required=True, allow_none=True, metadata={"description": "the day all of the money got there"})
    days = Integer(required=True, allow_none=True, metadata={"description": "days since the step before"})
    waiting_days = Integer(required=True, allow_none=True, metadata={"description": "still open: days waited so far"})


class WarningRef(Schema):
    id = Integer(required=True)
    rule = String(required=True)
    level = String(required=True)
    name = Nested(Named, required=True)


class FundDetail(FundOut):
    chain = List(Nested(ChainStep), required=True)
    receipt_files = List(Nested(ReceiptFileOut), required=True)
    allocations = List(Nested(AllocationOut), required=True)
    expenditures = List(Nested(ExpenditureOut), required=True)
    warnings = List(Nested(WarningRef), required=True)
    registered_by = String(required=True, allow_none=True)
    can_write = Boolean(required=True, metadata={"description": "the caller may record arrival, allocations, expenditures"})


FundPage = Schema.from_dict({"items": List(Nested(FundOut), required=True), **page_fields()}, name="FundPage")
