from apiflask import Schema
from marshmallow import ValidationError, validates
from apiflask.fields import Boolean, Date, DateTime, Dict, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range, Regexp

from ..core.fields import ClientUUID, CleanString, Id, Prose, Text
from ..core.pagination import PageQuery, page_fields
from ..core.tree import Placed
from ..projects.schemas import MoneyField
from .models import PAYMENT_STATES
from .services import REVEAL_FIELDS

# ASCII digits, and nothing after (\d is any script's digit, $ lets a newline through): a period is
# matched as written against the notices and payments, so another spelling is no period at all.
Period = lambda **kw: String(validate=Regexp(r"^[0-9]{4}(-(0[1-9]|1[0-2]|Q[1-4]|H[12]))?\Z",  # noqa: E731
                                             error="a period: 2026, 2026-03, 2026-Q1 or 2026-H1"), **kw)



class PolicyOut(Schema):
    id = Integer(required=True)
    name = String(required=True)
    category = String(required=True)
    year = Integer(required=True)
    standard_amount = MoneyField(required=True)
    unit = String(required=True)
    legal_basis = String(required=True, allow_none=True)
    department = String(required=True, allow_none=True)
    excluded = String(required=True, allow_none=True)
    exclusive_with = List(String(), required=True)
    editable = Boolean(metadata={"description": "the caller may set its exclusive policies (issued in their region)"})


class ExclusiveIn(Schema):
    client_uuid = ClientUUID()
    exclusive_with = List(Integer(validate=Range(min=1, max=2**31 - 1)), required=True, validate=Length(max=50),
                          metadata={"description": "ids of the policies of the same year that may not be received "
                                                   "together with this one (empty: none)"})


class PolicyQuery(Schema):
    year = Integer(validate=Range(min=2000, max=2100))


PolicyList = Schema.from_dict({"items": List(Nested(PolicyOut), required=True)}, name="PolicyList")


class PersonOut(Placed):
    id = Integer(required=True)
    name = String(required=True)
    id_number = String(required=True)
    bank_card = String(required=True, allow_none=True)
    phone = String(required=True, allow_none=True)
    household = String(required=True, allow_none=True)
    region_id = Integer(required=True)
    village = String(required=True)


class SubsidyPaymentOut(Schema):
    id = Integer(required=True)
    policy_id = Integer(required=True)
    policy = String(required=True)
    period = String(required=True)
    quantity = String(required=True)
    amount = MoneyField(required=True)
    status = String(required=True)
    status_zh = String(required=True)
    status_en = String(required=True)
    reason = String(required=True, allow_none=True)
    paid_on = Date(required=True, allow_none=True)
    bank_card = String(required=True, allow_none=True)
    voucher = String(required=True, allow_none=True)
    # The bank's word on the payment (一键直连, backend/bank), when it went through a batch.
    bank_status = String(metadata={"description": "paid | failed | sent | unknown | pending"})
    bank_reason = String(allow_none=True)
    bank_words = String(allow_none=True)
    bank_plain_zh = String()
    bank_plain_en = String()


class CaseOut(Schema):
    id = Integer(required=True)
    client_uuid = String(required=True)
    policy_id = Integer(required=True)
    policy = String(required=True)
    period = String(required=True)
    disbursement_id = Integer(required=True, allow_none=True)
    note = String(required=True, allow_none=True)
    status = String(required=True)
    answer = String(required=True, allow_none=True)
    answered_at = DateTime(required=True, allow_none=True)
    created_at = DateTime(required=True)


class StaffCaseOut(CaseOut):
    person = Nested(PersonOut, required=True)


class BeneficiaryOut(PersonOut):
    payments = List(Nested(SubsidyPaymentOut), required=True)
    cases = List(Nested(CaseOut), required=True)


class BeneficiaryQuery(PageQuery):
    q = CleanString(validate=Length(max=40), metadata={"description": "a name, or a whole ID number"})
    region_id = Id()


BeneficiaryPage = Schema.from_dict({"items": List(Nested(PersonOut), required=True), **page_fields()},
                                   name="BeneficiaryPage")


class DisbursementQuery(PageQuery):
    region_id = Id()
    policy_id = Id()
    period = Period()
    status = String(validate=OneOf(PAYMENT_STATES))


class DisbursementOut(SubsidyPaymentOut, Placed):
    person = Nested(PersonOut, required=True)


DisbursementPage = Schema.from_dict({"items": List(Nested(DisbursementOut), required=True), **page_fields()},
                                    name="DisbursementPage")


class RevealIn(Schema):
    field = String(required=True, validate=OneOf(list(REVEAL_FIELDS)))
    reason = Prose(200)


class RevealOut(Schema):
    field = String(required=True)
    value = String(required=True, allow_none=True)


class CaseQuery(PageQuery):
    status = String(load_default="open", validate=OneOf(["open", "answered", "all"]))
    region_id = Id(metadata={"description": "that region and below (the cockpit's 查看明细)"})


CasePage = Schema.from_dict({"items": List(Nested(StaffCaseOut), required=True), **page_fields()}, name="CasePage")


class AnswerIn(Schema):
    client_uuid = ClientUUID()
    answer = Prose(1000)


class VillageCodeOut(Schema):
    code = String(required=True)
    url = String(required=True)
    png_url = String(required=True)
    svg_url = String(required=True)
    village = Dict(required=True)


# ---------------------------------------------------------------- public

class NoticeLine(Schema):
    line_id = Integer(required=True, metadata={"description": "the line, for an objection about it"})
    policy_id = Integer(required=True)
    name = String(required=True)
    policy = String(required=True)
    quantity = String(required=True)
    amount = MoneyField(required=True)
    published_on = Date(required=True, allow_none=True)


class PublicNotice(Schema):
    policy_id = Integer(required=True)
    policy = String(required=True)
    lines = Integer(required=True)
    published_on = Date(required=True, allow_none=True, metadata={"description": "its latest line's"})
    objections_until = Date(required=True, allow_none=True, metadata={
        "description": "the last day of its notice period (公示期): villagers may object until then"})
    objections_open = Boolean(required=True, metadata={"description": "the notice is up today: objections are taken"})


class PublicPolicy(PolicyOut):
    pass


class VillageProject(Schema):
    id = Integer(required=True)
    name = String(required=True)
    stage = String(required=True)
    budget = MoneyField(required=True)
    code = String(required=True, allow_none=True)


class VillageOut(Schema):
    code = String(required=True)
    village = Dict(required=True)
    region_path = List(String(), required=True)
    period = String(required=True, allow_none=True)
    periods = List(String(), required=True)
    notice = List(Nested(NoticeLine), required=True)
    notice_total = MoneyField(required=True)
    notices = List(Nested(PublicNotice), required=True, metadata={"description": "the period's notices, one a policy"})
    policies = List(Nested(PublicPolicy), required=True)
    projects = List(Nested(VillageProject), required=True)


class VillageQuery(Schema):
    period = Period()


class VillageSearchQuery(Schema):
    q = Text(40)


class VillageFound(Schema):
    name = String(required=True)
    township = String(required=True, allow_none=True)
    county = String(required=True, allow_none=True)
    code = String(required=True)


class VillageSearchOut(Schema):
    items = List(Nested(VillageFound), required=True)


class SelfCheckIn(Schema):
    name = Text(40)
    id_number = Text(40)
    last4 = String(required=True, validate=Regexp(r"^\s*[0-9０-９]{4}\s*$", error="the last four digits"))


class MyPerson(Schema):
    name = String(required=True)
    id_number = String(required=True)
    village = String(required=True)


class MyOut(Schema):
    token = String(required=True)
    person = Nested(MyPerson, required=True)
    payments = List(Nested(SubsidyPaymentOut(exclude=("voucher",))), required=True)
    cases = List(Nested(CaseOut), required=True)


class MyIn(Schema):
    token = CleanString(required=True, validate=Length(max=2000))


class CaseIn(Schema):
    token = CleanString(required=True, validate=Length(max=2000))
    client_uuid = ClientUUID()
    disbursement_id = Id()
    policy_id = Id()
    period = Period()
    note = CleanString(multiline=True, validate=Length(max=500), load_default=None)


class CaseCreated(MyOut):
    case = Nested(CaseOut, required=True)
    created = Boolean(required=True)


# ---------------------------------------------------------------- objections to a notice (异议)

class NoticeQuery(Schema):
    region_id = Id(required=True, metadata={"description": "the village"})
    policy_id = Id()
    period = Period()


class NoticeSet(Schema):
    policy_id = Integer(required=True)
    policy = String(required=True)
    period = String(required=True)
    lines = Integer(required=True)
    published_on = Date(required=True, allow_none=True)
    open_objections = Integer(required=True)


class NoticeLineOut(Schema):
    id = Integer(required=True)
    beneficiary_id = Integer(required=True, allow_none=True)
    name = String(required=True)
    id_number = String(required=True, allow_none=True)
    quantity = String(required=True)
    amount = MoneyField(required=True)
    published_on = Date(required=True, allow_none=True)
    finding = String(required=True, allow_none=True)
    open_objections = Integer(required=True)


class NoticeOut(Schema):
    village = Dict(required=True)
    sets = List(Nested(NoticeSet), required=True, metadata={"description": "the policies and periods on the "
                                                                           "village's notices, newest first"})
    lines = List(Nested(NoticeLineOut), required=True, metadata={"description": "with policy_id and period"})


class ObjectionIn(Schema):
    client_uuid = ClientUUID()
    region_id = Id(required=True, metadata={"description": "the village whose notice it is"})
    policy_id = Id(required=True)
    period = Period(required=True)
    beneficiary_id = Id(load_default=None, metadata={"description": "a person on the beneficiary list"})
    person_name = CleanString(validate=Length(max=40), load_default=None,
                              metadata={"description": "who it is about, when not on the list (missing from it …)"})
    raised_by = Text(40, metadata={"description": "who raised it"})
    phone = CleanString(validate=Length(max=20), load_default=None, metadata={"description": "kept sealed, shown masked"})
    received_on = Date(required=True)
    text = Prose(1000)


class _PaymentSent(Schema):
    """Whether the objection came too late to stop the money (the answer's words when it did)."""
    payment_sent = Boolean(required=True, metadata={"description": "the person's payment of this policy and period "
                                                                   "was already written to the bank's file: the "
                                                                   "objection cannot stop it any more"})
    payment_sent_zh = String(required=True, allow_none=True, metadata={"description": "when, which batch, and what "
                                                                                       "happens then"})
    payment_sent_en = String(required=True, allow_none=True)


class ObjectionOut(_PaymentSent):
    id = Integer(required=True)
    client_uuid = String(required=True)
    region_id = Integer(required=True)
    village = String(required=True, allow_none=True)
    policy_id = Integer(required=True)
    policy = String(required=True)
    period = String(required=True)
    beneficiary_id = Integer(required=True, allow_none=True)
    person = String(required=True, allow_none=True)
    person_id_number = String(required=True, allow_none=True)
    person_name = String(required=True, allow_none=True)
    raised_by = String(required=True)
    phone = String(required=True, allow_none=True)
    received_on = Date(required=True)
    text = String(required=True)
    status = String(required=True)
    status_zh = String(required=True)
    status_en = String(required=True)
    resolution = String(required=True, allow_none=True)
    resolved_by = String(required=True, allow_none=True)
    resolved_at = DateTime(required=True, allow_none=True)
    created_by = String(required=True, allow_none=True)
    created_at = DateTime(required=True)
    source = String(required=True, metadata={"description": "staff (recorded by the township) or villager "
                                                            "(sent from the village's page)"})
    receipt = String(required=True, allow_none=True, metadata={"description": "the villager's receipt number"})


class PublicObjectionIn(Schema):
    client_uuid = ClientUUID()  # one per form: a retry returns the same receipt
    policy_id = Id(required=True, metadata={"description": "the notice: its policy …"})
    period = Period(required=True, metadata={"description": "… and period"})
    line_id = Id(load_default=None, metadata={"description": "the line objected to (line_id on the village page); "
                                                             "none: the notice as a whole"})
    reason = Prose(500, metadata={"description": "what is wrong (5 to 500 characters)"})
    name = Text(40, metadata={"description": "who objects (for the township's reply; shown to the township only)"})
    phone = CleanString(required=True, validate=Length(max=20), metadata={
        "description": "a mainland mobile number for the reply: kept sealed, shown masked"})

    @validates("reason")
    def _five_characters_once_stripped(self, value, **kwargs):
        if len(value.strip()) < 5:
            raise ValidationError("at least 5 characters besides the spaces around them")


class PublicObjectionOut(_PaymentSent):
    receipt = String(required=True, metadata={"description": "the number the villager keeps (回执号)"})
    village = String(required=True)
    policy = String(required=True)
    period = String(required=True)
    person = String(required=True, allow_none=True, metadata={"description": "the line objected to, masked"})
    reason = String(required=True)
    name = String(required=True, metadata={"description": "masked"})
    phone = String(required=True, metadata={"description": "masked"})
    status = String(required=True)
    status_zh = String(required=True)
    status_en = String(required=True)
    objections_until = Date(required=True, allow_none=True)
    created_at = DateTime(required=True)
    created = Boolean(required=True, metadata={"description": "false: a retry of one already received"})


class ObjectionLookupIn(Schema):
    receipt = Text(40, metadata={"description": "the receipt number (回执号) as typed: spaces, dashes, lower case and "
                                                "full-width characters are forgiven; the YY in front may be left out"})


class ObjectionStatusOut(Schema):
    receipt = String(required=True)
    village = String(required=True)
    policy = String(required=True)
    period = String(required=True)
    person = String(required=True, allow_none=True, metadata={"description": "the line objected to, masked"})
    reason = String(required=True, metadata={"description": "what the villager wrote"})
    name = String(required=True, metadata={"description": "the villager, masked"})
    phone = String(required=True, metadata={"description": "masked"})
    status = String(required=True, validate=OneOf(["open", "upheld", "dismissed"]))
    status_zh = String(required=True)
    status_en = String(required=True)
    objections_until = Date(required=True, allow_none=True)
    created_at = DateTime(required=True)
    received_on = Date(required=True)
    resolved_on = Date(required=True, allow_none=True, metadata={"description": "when the township ruled (China date)"})
    answer = String(required=True, allow_none=True, metadata={"description": "the township's answer, once it ruled"})


class ObjectionQuery(PageQuery):
    status = String(load_default="open", validate=OneOf(["open", "upheld", "dismissed", "all"]))
    region_id = Id()
    policy_id = Id()
    period = Period()


ObjectionPage = Schema.from_dict({"items": List(Nested(ObjectionOut), required=True), **page_fields()},
                                 name="ObjectionPage")


class ResolveIn(Schema):
    client_uuid = ClientUUID()
    outcome = String(required=True, validate=OneOf(["upheld", "dismissed"]))
    resolution = Prose(1000, metadata={"description": "why: what was checked, what is corrected"})
