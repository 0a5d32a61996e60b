from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Dict, Integer, List, Nested, String
from apiflask.validators import Range

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


class Health(Schema):
    version = String(required=True)
    score = String(allow_none=True)
    band = Nested(Band, allow_none=True)
    indicators = List(Nested(Indicator))


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
