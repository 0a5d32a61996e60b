from apiflask import Schema
from apiflask.fields import Boolean, Date, DateTime, Integer, List, Nested, String
from apiflask.validators import OneOf

from ..core.fields import ClientUUID, Id, Prose
from ..core.pagination import PageQuery, page_fields
from .models import TASK_STATES


class TaskIn(Schema):
    client_uuid = ClientUUID()
    project_id = Id(required=True)
    assignee_id = Id(required=True)
    due_on = Date(required=True)
    note = Prose(500, required=False, allow_none=True)


class TaskProject(Schema):
    id = Integer(required=True)
    name = String(required=True)
    code = String(required=True, allow_none=True)
    stage = String(required=True)


class TaskPerson(Schema):
    id = Integer(required=True)
    display_name = String(required=True)


class TaskOut(Schema):
    id = Integer(required=True)
    project = Nested(TaskProject, required=True)
    assignee = Nested(TaskPerson, required=True)
    due_on = Date(required=True)
    note = String(required=True, allow_none=True)
    status = String(required=True)
    overdue = Boolean(required=True)
    inspection_id = Integer(required=True, allow_none=True)
    created_at = DateTime(required=True)


class TaskQuery(PageQuery):
    mine = Boolean(load_default=False)
    status = String(load_default="open", validate=OneOf([*TASK_STATES, "all"]))
    project_id = Id()


TaskPage = Schema.from_dict({"items": List(Nested(TaskOut), required=True), **page_fields()}, name="TaskPage")
