"""Assigning inspections and the inspector's task list."""
from sqlalchemy import select

from ..core import idempotency
from ..core.auth import actor, require
from ..core.pagination import paginate
from ..core.scoping import get_scoped, scoped
from ..extensions import db
from ..projects.models import Project
from ..qrcodes import services as qrcodes
from . import bp, services
from .models import Task
from .schemas import TaskIn, TaskOut, TaskPage, TaskQuery

ERRORS = [400, 401, 403, 404, 409, 413, 415]


def task_views(items):
    """Tasks as the API shows them, with their projects and codes loaded in two queries."""
    ids = {t.project_id for t in items}
    found = {p.id: p for p in db.session.execute(select(Project).where(Project.id.in_(ids))).scalars()} if ids else {}
    codes = qrcodes.active_codes("project", list(ids))
    return [{"id": t.id, "due_on": t.due_on, "note": t.note, "status": t.status,
             "overdue": services.is_overdue(t), "inspection_id": t.inspection_id, "created_at": t.created_at,
             "assignee": t.assignee,
             "project": {"id": t.project_id, "name": found[t.project_id].name,
                         "stage": found[t.project_id].stage, "code": codes.get(t.project_id)}}
            for t in items]


@bp.post("/tasks")
@require(*services.ASSIGNERS)
@bp.input(TaskIn, arg_name="data")
@bp.output(TaskOut, status_code=201)
@bp.doc(responses=ERRORS)
def create_task(data):
    """Assign an inspection to an inspector. 400 ``assignee_invalid`` / ``due_in_past``."""
    user = actor()
    project = get_scoped(Project, data["project_id"], user, "项目", "project")
    key = data.pop("client_uuid")
    return idempotency.once(key, user, "task.create", lambda: (TaskOut().dump(task_views([
        services.assign(user, project, data["assignee_id"], data["due_on"], data.get("note"))])[0]), 201))


@bp.get("/tasks")
@require()
@bp.input(TaskQuery, location="query", arg_name="query")
@bp.output(TaskPage)
@bp.doc(responses=ERRORS)
def list_tasks(query):
    """Tasks in the caller's region (``mine``: assigned to the caller), overdue first."""
    user = actor()
    stmt = scoped(select(Task), Task, user)
    if query["mine"]:
        stmt = stmt.where(Task.assignee_id == user.id)
    if query["status"] != "all":
        stmt = stmt.where(Task.status == query["status"])
    if "project_id" in query:
        stmt = stmt.where(Task.project_id == query["project_id"])
    page = paginate(services.overdue_first(stmt), query)
    page["items"] = task_views(page["items"])
    return page
