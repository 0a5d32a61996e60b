from apiflask import Schema
from apiflask.fields import Boolean, Date, DateTime, File, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Regexp

from ..core.fields import ClientUUID, CleanString, Id, Prose, Text
from ..core.pagination import PageQuery, page_fields
from ..funds.schemas import ReceiptFileOut
from ..projects.schemas import MoneyField, PositiveMoney
from .models import TASK_STATES

CODE = [Length(min=1, max=30), Regexp(r"^[A-Za-z0-9_.\-]+$", error="letters, digits, _ . - only")]


class DepartmentIn(Schema):
    client_uuid = ClientUUID()
    region_id = Id(required=True)
    name = Text(60)
    code = CleanString(required=True, validate=CODE)


class DepartmentUpdateIn(Schema):
    client_uuid = ClientUUID()
    name = Text(60, required=False)
    code = CleanString(validate=CODE)
    active = Boolean()


class Named(Schema):
    id = Integer(required=True)
    name = String(required=True)


class DepartmentOut(Schema):
    id = Integer(required=True)
    name = String(required=True)
    code = String(required=True)
    active = Boolean(required=True)
    region = Nested(Named, required=True)
    users = Integer(required=True)


class DepartmentList(Schema):
    items = List(Nested(DepartmentOut), required=True)


class PolicyOwnedOut(Schema):
    id = Integer(required=True)
    name = String(required=True)
    year = Integer(required=True)
    category = String(required=True)
    department_text = String(required=True, allow_none=True)
    by_hand = Boolean(required=True)


class PolicyOwnedList(Schema):
    items = List(Nested(PolicyOwnedOut), required=True)


class PolicyDepartmentIn(Schema):
    client_uuid = ClientUUID()
    department_id = Id(required=True, allow_none=True)


class PolicyDepartmentOut(Schema):
    policy_id = Integer(required=True)
    department = Nested(Named, required=True, allow_none=True)


class TaskIn(Schema):
    client_uuid = ClientUUID()
    region_id = Id(required=True)
    department_id = Id(required=True, allow_none=True, metadata={"description": "null: to the township"})
    subject_kind = CleanString(load_default="manual", validate=[Length(min=1, max=40),
                                                                Regexp(r"^[a-z_]+$", error="lower-case words")])
    subject_id = Id(load_default=None, allow_none=True)
    title_zh = Text(200)
    title_en = Text(200, required=False)
    due_on = Date(required=True)


class ActIn(Schema):
    client_uuid = ClientUUID()
    note = Prose(2000, required=False, allow_none=True)
    version = Integer(validate=lambda v: v >= 1)


class StepOut(Schema):
    action = String(required=True)
    from_status = String(required=True, allow_none=True)
    to_status = String(required=True)
    actor = String(required=True, allow_none=True)
    note = String(required=True, allow_none=True)
    at = DateTime(required=True)


class TaskFileForm(Schema):
    client_uuid = ClientUUID()
    file = File(required=True, metadata={"description": "a photo (JPEG, PNG, WebP) or a PDF for the feedback"})


class TaskFileOut(ReceiptFileOut):
    """A file stored as a fund's receipt files are (funds/receipts.py), and whether it went with the feedback."""
    sent = Boolean(required=True, metadata={"description": "fed back (反馈) with it; false: attached since"})


class TaskOut(Schema):
    id = Integer(required=True)
    subject_kind = String(required=True)
    subject_id = Integer(required=True, allow_none=True)
    title_zh = String(required=True)
    title_en = String(required=True)
    region = Nested(Named, required=True)
    department = Nested(Named, required=True, allow_none=True)
    due_on = Date(required=True)
    status = String(required=True)
    version = Integer(required=True)
    overdue = Boolean(required=True)
    dispatched_by = String(required=True, allow_none=True)
    feedback = String(required=True, allow_none=True)
    escalated = Boolean(required=True)
    created_at = DateTime(required=True)
    closed_at = DateTime(required=True, allow_none=True)
    actions = List(String(), required=True)
    steps = List(Nested(StepOut))
    files = List(Nested(TaskFileOut), metadata={"description": "the files on the feedback (one task only)"})
    may_attach = Boolean(metadata={"description": "the caller may attach files now (one task only)"})


class TaskQuery(PageQuery):
    status = String(load_default="open", validate=OneOf([*TASK_STATES, "open", "all"]))
    todo = Boolean(load_default=False, metadata={"description": "only tasks the caller must act on now"})
    q = CleanString(validate=Length(max=60), metadata={"description": "words of the task's title (中文 or English)"})


TaskPage = Schema.from_dict({"items": List(Nested(TaskOut), required=True), **page_fields()}, name="DeptTaskPage")


class HoldIn(Schema):
    client_uuid = ClientUUID()
    beneficiary_id = Id(required=True)
    policy_id = Id(required=True)
    reason = Prose(500)


class RecoveryIn(Schema):
    client_uuid = ClientUUID()
    beneficiary_id = Id(required=True)
    policy_id = Id(load_default=None, allow_none=True)
    amount = PositiveMoney(required=True)
    recovered_on = Date(required=True)
    receipt_no = Text(60)


class ReasonIn(Schema):
    client_uuid = ClientUUID()
    reason = Prose(500)


class HoldOut(Schema):
    id = Integer(required=True)
    beneficiary_id = Integer(required=True)
    policy_id = Integer(required=True)
    policy = String(required=True)
    reason = String(required=True)
    held_at = DateTime(required=True)
    justification = String(required=True, allow_none=True)
    released_at = DateTime(required=True, allow_none=True)


class RecoveryOut(Schema):
    id = Integer(required=True)
    beneficiary_id = Integer(required=True)
    policy_id = Integer(required=True, allow_none=True)
    amount = MoneyField(required=True)
    recovered_on = Date(required=True)
    receipt_no = String(required=True)


class WarningSubject(Schema):
    beneficiary_id = Integer(required=True)
    person = String(required=True)
    policy_id = Integer(required=True, allow_none=True)
    policies = List(Nested(Named), required=True)


class WarningActionsOut(Schema):
    warning_id = Integer(required=True)
    warning_status = String(required=True)
    holds = List(Nested(HoldOut), required=True)
    recoveries = List(Nested(RecoveryOut), required=True)
    subject = Nested(WarningSubject, required=True, allow_none=True)
