"""Inspection tasks: a lead assigns, the inspector's list, an inspection closes one."""
from sqlalchemy import case, select
from sqlalchemy.exc import IntegrityError

from ..core import audit, clock
from ..core.errors import ApiError, bad_field
from ..core.models import Region, User
from ..core.scoping import covers
from ..extensions import db
from ..notifications.services import about, notify
from ..projects import lifecycle
from ..projects import services as projects
from .models import Task

ASSIGNERS = ("township_lead", "county")


def assign(actor, project, assignee_id, due_on, note=None):
    """Assign an inspection of ``project`` to an inspector, who is told in their inbox. 400
    ``assignee_invalid`` when the user is not an active inspector whose region covers the project;
    400 ``due_in_past``; 409 ``task_already_open`` while the inspector has an open task for it."""
    assignee = db.session.get(User, assignee_id)
    if assignee is None or assignee.role != "inspector" or not assignee.active \
            or not covers(assignee, project.region):
        raise bad_field("json.assignee_id", "assignee_invalid", "只能指派给负责该项目地区的巡查员",
                        "The assignee must be an inspector of the project's region")
    if due_on < clock.today():
        raise bad_field("json.due_on", "due_in_past", "截止日期不能早于今天", "The due date is in the past")
    if db.session.execute(select(Task.id).where(Task.project_id == project.id, Task.assignee_id == assignee.id,
                                                Task.status == "open")).first():
        raise _already_open(assignee)
    task = Task(project_id=project.id, region_id=project.region_id, assignee_id=assignee.id,
                assigned_by_id=actor.id, due_on=due_on, note=note, status="open")
    try:
        # The partial unique index (one open task per project and inspector) settles a race
        # between two leads assigning at the same moment: the second gets the same 409.
        with db.session.begin_nested():
            db.session.add(task)
            db.session.flush()
    except IntegrityError:
        raise _already_open(assignee) from None
    locked = projects.lock(project.id)
    lifecycle.append(locked, "task_assigned", actor, {"task_id": task.id, "assignee": assignee.display_name,
                                                     "due_on": due_on.isoformat()})
    zh, en = about(project.name, db.session.get(Region, project.region_id))
    notify([assignee], "task_assigned", f"新巡查任务：{zh}，{due_on.isoformat()} 前完成",
           f"New inspection task: {en}, due {due_on.isoformat()}", f"/inspect/{project.id}?task={task.id}")
    audit.record(actor, "task.assign", subject=task, assignee_id=assignee.id, due_on=due_on.isoformat())
    return task


def _already_open(assignee):
    return ApiError(409, "task_already_open", f"{assignee.display_name} 已有该项目未完成的巡查任务",
                    f"{assignee.display_name} already has an open task for this project",
                    fields=[{"path": "json.assignee_id", "message": "an open task for this project exists"}])


def overdue_first(stmt):
    """Open tasks past their due date first, then by due date."""
    today = clock.today()
    late = case(((Task.status == "open") & (Task.due_on < today), 0), else_=1)
    return stmt.order_by(late, Task.due_on, Task.id)


def for_inspection(task_id, actor, project):
    """The open task an inspection is recorded for. 400 ``task_invalid`` if it is not this
    project's or not the actor's; 409 ``task_closed`` if already done."""
    task = db.session.execute(select(Task).where(Task.id == task_id).with_for_update()).scalar_one_or_none()
    if task is None or task.project_id != project.id or task.assignee_id != actor.id:
        raise bad_field("json.task_id", "task_invalid", "该任务不属于您或不属于此项目",
                        "This task is not yours or not for this project")
    if task.status != "open":
        raise ApiError(409, "task_closed", "该任务已完成", "This task is already closed")
    return task


def complete(task, inspection, actor):
    """Close the task with the inspection that fulfilled it (timeline + audit)."""
    task.status, task.inspection_id, task.done_at = "done", inspection.id, clock.now()
    db.session.flush()
    lifecycle.append(projects.lock(task.project_id), "task_done", actor,
                     {"task_id": task.id, "inspection_id": inspection.id})
    audit.record(actor, "task.done", subject=task, inspection_id=inspection.id)


def is_overdue(task):
    return task.status == "open" and task.due_on < clock.today()
