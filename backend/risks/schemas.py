from apiflask import Schema
from apiflask.fields import DateTime, Dict, Integer, List, Nested, String
from apiflask.validators import OneOf

from ..core.fields import ClientUUID, Id, Prose
from ..core.pagination import PageQuery, page_fields
from ..core.tree import Placed
from .models import LEVELS, WARNING_STATES
from .rules import RULES


class RuleCode(OneOf):
    """One of the registered rules — read when validating, since features register their rules
    after this module is imported."""

    def __init__(self):
        super().__init__(())

    choices = property(lambda self: list(RULES), lambda self, value: None)
    choices_text = property(lambda self: ", ".join(RULES), lambda self, value: None)


class RuleOut(Schema):
    code = String(required=True)
    name_zh = String(required=True)
    name_en = String(required=True)
    level = String(required=True)
    description_zh = String(required=True)
    description_en = String(required=True)
    thresholds = Dict(required=True)


class Ref(Schema):
    id = Integer(required=True)
    name = String(required=True)
    code = String(allow_none=True)


class WarningOut(Placed):
    id = Integer(required=True)
    rule = Nested(RuleOut(exclude=("thresholds",)), required=True)
    level = String(required=True)
    status = String(required=True)
    subject_type = String(required=True)
    person_id = Integer(required=True, allow_none=True, metadata={"description": "the beneficiary a subsidy warning is about"})
    people = List(Nested(Ref(only=("id", "name"))), required=True,
                  metadata={"description": "the beneficiaries a subsidy warning names (masked names), for links"})
    project = Nested(Ref, required=True, allow_none=True)
    region = Nested(Ref(only=("id", "name")), required=True)
    evidence = Dict(required=True)
    evidence_labels = Dict(required=True)
    explanation_zh = String(required=True)
    explanation_en = String(required=True)
    first_seen_at = DateTime(required=True)
    last_seen_at = DateTime(required=True)
    resolved_at = DateTime(required=True, allow_none=True)
    resolved_reason = String(required=True, allow_none=True)
    dismissed_reason = String(required=True, allow_none=True)
    rectification_id = Integer(required=True, allow_none=True)


class WarningQuery(PageQuery):
    region_id = Id(metadata={"description": "only this region's subtree (in the caller's)"})
    status = String(load_default="open", validate=OneOf([*WARNING_STATES, "all"]))
    level = String(validate=OneOf(LEVELS))
    rule = String(validate=RuleCode())
    project_id = Id()


class SummaryQuery(Schema):
    region_id = Id(metadata={"description": "only this region's subtree (in the caller's)"})


WarningPage = Schema.from_dict({"items": List(Nested(WarningOut), required=True), **page_fields()},
                               name="WarningPage")
RulePage = Schema.from_dict({"items": List(Nested(RuleOut), required=True)}, name="RuleList")


class LevelCounts(Schema):
    red = Integer(required=True)
    orange = Integer(required=True)
    yellow = Integer(required=True)


class RuleCount(Schema):
    code = String(required=True)
    name_zh = String(required=True)
    name_en = String(required=True)
    level = String(required=True)
    count = Integer(required=True)


class SummaryOut(Schema):
    by_level = Nested(LevelCounts, required=True)
    by_rule = List(Nested(RuleCount), required=True)


class DismissIn(Schema):
    client_uuid = ClientUUID()
    reason = Prose(500)
