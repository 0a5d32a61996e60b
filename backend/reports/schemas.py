from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Dict, Integer, List, Nested, String
from apiflask.validators import Length

from ..core.fields import CleanString, Id
from ..core.pagination import PageQuery, page_fields


class ReportIn(Schema):
    region_id = Id(required=True)
    kind = CleanString(required=True, validate=Length(max=40), metadata={
        "description": "funds | subsidies | warnings | inspections | assets | health"})
    period = CleanString(required=True, validate=Length(max=20), metadata={"description": "2026-11, 2026-Q4 or 2026"})
    format = CleanString(required=True, validate=Length(max=10), metadata={"description": "pdf | xlsx"})


class LibraryQuery(PageQuery):
    region_id = Id(required=True)
    period = CleanString(validate=Length(max=20))
    kind = CleanString(validate=Length(max=40))


class ReportRegion(Schema):
    id = Integer(required=True)
    code = String(required=True)
    name = String(required=True)


class ReportOut(Schema):
    id = Integer(required=True)
    region = Nested(ReportRegion, required=True)
    kind = String(required=True)
    kind_zh = String(required=True)
    kind_en = String(required=True)
    period = String(required=True)
    format = String(required=True)
    version = Integer(required=True)
    status = String(required=True, metadata={"description": "queued | done | failed"})
    cut_off_at = DateTime(required=True)
    rows_sha256 = String(allow_none=True)
    template_version = String(allow_none=True)
    file_sha256 = String(allow_none=True)
    size = Integer(allow_none=True)
    totals = Dict(keys=String(), values=String(allow_none=True))
    scheduled = Boolean(required=True)
    created_by = String(allow_none=True)
    created_at = DateTime(required=True)
    finished_at = DateTime(allow_none=True)
    error = String(allow_none=True)
    progress = Dict(allow_none=True)
    status_url = String(required=True)
    download_url = String(allow_none=True)


class ReportKind(Schema):
    code = String(required=True)
    zh = String(required=True)
    en = String(required=True)


ReportPage = Schema.from_dict({"items": List(Nested(ReportOut), required=True), **page_fields(),
                               "kinds": List(Nested(ReportKind), required=True),
                               "last_month": String(required=True),
                               "region": Nested(ReportRegion, required=True)}, name="ReportPage")
