from apiflask import Schema
from apiflask.fields import Boolean, Date, DateTime, Dict, Integer, List, Nested, String
from apiflask.validators import OneOf, Range

from ..funds.models import CATEGORIES
from ..projects.schemas import RegionBrief


class OverviewQuery(Schema):
    year = Integer(validate=Range(min=2000, max=2100),
                   metadata={"description": "the year of the flow figures (default: this year)"})


class RegionOut(RegionBrief):
    status = String(required=True)


Figures = lambda **kw: Dict(keys=String(), values=String(allow_none=True), **kw)  # noqa: E731


class FigureMeta(Schema):
    zh = String(required=True)
    en = String(required=True)
    unit = String(required=True, metadata={"description": "yuan | count | days | yuan_days"})
    group = String(required=True)
    flow = Boolean(required=True, metadata={"description": "counted by month (else: a state now)"})
    order = Integer(required=True, metadata={"description": "where it is shown among the figures"})


class Band(Schema):
    code = String(required=True)
    zh = String(required=True)
    en = String(required=True)


class Indicator(Schema):
    code = String(required=True)
    dimension = String(required=True)
    dimension_zh = String(required=True)
    dimension_en = String(required=True)
    zh = String(required=True)
    en = String(required=True)
    unit = String(required=True)
    value = String(allow_none=True)
    weight = String(required=True)
    score = String(allow_none=True)
    points_lost = String(allow_none=True)
    records = String(required=True, metadata={"description": "the app's list of the records behind it"})
    thresholds = List(List(String()), metadata={
        "description": "[value, score] points of the formula: scored by straight lines between them, flat beyond"})


class BandFloor(Schema):
    floor = Integer(required=True, metadata={"description": "the lowest score of the band"})
    code = String(required=True)
    zh = String(required=True)
    en = String(required=True)


class Health(Schema):
    version = String(required=True)
    score = String(allow_none=True)
    band = Nested(Band, allow_none=True)
    indicators = List(Nested(Indicator))
    bands = List(Nested(BandFloor), metadata={"description": "the bands, best first"})
    min_weight_with_data = String(metadata={"description": "no index with data for less than this share of the weight"})


class Child(Schema):
    region = Nested(RegionOut, required=True)
    total = Figures(required=True)
    derived = Figures(required=True)
    health = Nested(Health, required=True)


class Trend(Schema):
    year = Dict(keys=String(), values=List(String()))
    last_year = Dict(keys=String(), values=List(String()))


class OverviewOut(Schema):
    region = Nested(RegionOut, required=True)
    breadcrumbs = List(Nested(RegionOut), required=True)
    year = Integer(required=True)
    as_of = DateTime(required=True)
    figures = Dict(keys=String(), values=Nested(FigureMeta), required=True)
    own = Figures(required=True, metadata={"description": "本级: the region's own figures"})
    total = Figures(required=True, metadata={"description": "辖区: own + Σ children.total"})
    derived = Figures(required=True, metadata={"description": "rates and averages from total"})
    children = List(Nested(Child), required=True)
    health = Nested(Health, required=True)
    trend = Nested(Trend, required=True)


# ---- 资金到达 (fund flow): GET /overview/<region_id>/fund-flow

class FundFlowQuery(Schema):
    year = Integer(validate=Range(min=2000, max=2100),
                   metadata={"description": "the year the funds were issued (default: this year)"})
    category = String(validate=OneOf(list(CATEGORIES)), metadata={"description": "one fund category"})
    page = Integer(load_default=1, validate=Range(min=1, max=100000))
    per_page = Integer(load_default=50, validate=Range(min=1, max=200))


class Named(Schema):
    code = String(required=True)
    zh = String(required=True)
    en = String(required=True)


class Hop(Schema):
    hop = String(required=True, metadata={"description": "register (到账) | allocate (分配) | spend (支出)"})
    done_on = Date(allow_none=True)
    limit = Integer(required=True, metadata={"description": "statutory days after issue"})
    due_on = Date(required=True)
    days = Integer(allow_none=True, metadata={"description": "days the hop took, from the previous hop"})
    elapsed = Integer(allow_none=True, metadata={"description": "days from issue to this hop (against limit)"})
    waiting = Integer(allow_none=True, metadata={"description": "not done: days waiting since the previous hop"})
    due = Boolean(required=True)
    on_time = Boolean(required=True)
    late = Boolean(required=True)


class HopSum(Schema):
    due = Integer(required=True)
    on_time = Integer(required=True)
    late = Integer(required=True)
    done = Integer(required=True)
    days = Integer(required=True)
    on_time_pct = String(allow_none=True)
    avg_days = String(allow_none=True)


class FlowSum(Schema):
    funds = Integer(required=True)
    late_funds = Integer(required=True)
    hops_due = Integer(required=True)
    hops_on_time = Integer(required=True)
    hops_late = Integer(required=True)
    on_time_pct = String(allow_none=True)
    per_hop = Dict(keys=String(), values=Nested(HopSum), required=True)


class ChildFlow(FlowSum):
    region = Nested(RegionOut, allow_none=True, metadata={"description": "null: the region's own (本级)"})
    own = Boolean(required=True)


class CategoryFlow(FlowSum):
    category = Nested(Named, required=True)


class FlowFund(Schema):
    id = Integer(required=True)
    doc_no = String(required=True)
    name = String(required=True)
    category = Nested(Named, required=True)
    region = Dict(required=True)
    child = Dict(allow_none=True)
    amount = String(required=True)
    allocated = String(required=True)
    spent = String(required=True)
    issued_on = Date(required=True)
    hops = List(Nested(Hop), required=True)
    late = Boolean(required=True)


class FundFlowOut(Schema):
    region = Nested(RegionOut, required=True)
    year = Integer(required=True)
    category = String(allow_none=True)
    as_of = DateTime(required=True)
    limits = Dict(keys=String(), values=Dict(keys=String(), values=Integer()), required=True)
    total = Nested(FlowSum, required=True)
    by_child = List(Nested(ChildFlow), required=True)
    by_category = List(Nested(CategoryFlow), required=True)
    funds = List(Nested(FlowFund), required=True)
    page = Integer(required=True)
    per_page = Integer(required=True)
    total_funds = Integer(required=True)
