"""Departments, their policies, the tasks routed to them, and the actions on subsidy warnings."""
from urllib.parse import quote

from flask import Response
from sqlalchemy import or_, select

from ..core import idempotency
from ..core.auth import actor, require
from ..core.errors import ApiError
from ..core.pagination import paginate
from ..core.scoping import get_scoped, narrowed, scoped
from ..core.uploads import large_upload
from ..extensions import db
from ..risks.models import RiskWarning
from ..subsidies.models import SubsidyPolicy
from ..subsidies.services import visible_policies
from . import access as _access, bp, files, holds, services, views  # noqa: F401  (access registers the narrowing)
from .models import DepartmentPolicy, DepartmentTask, PaymentHold
from .schemas import (ActIn, DepartmentIn, DepartmentList, DepartmentOut, DepartmentUpdateIn, HoldIn,
                      PolicyDepartmentIn, PolicyDepartmentOut, PolicyOwnedList, ReasonIn, RecoveryIn, TaskFileForm,
                      TaskFileOut, TaskIn, TaskOut, TaskPage, TaskQuery, WarningActionsOut)

ERRORS = [400, 401, 403, 404, 409, 422]
READERS = ("admin", "province", "city", "county", "township_lead", "department")
TASK_READERS = ("admin", "county", "township_lead", "department")


@bp.get("/departments")
@require(*READERS)
@bp.output(DepartmentList)
@bp.doc(responses=ERRORS)
def list_departments():
    """Departments in the caller's region or above it (a department user: their own)."""
    from .models import Department
    rows = db.session.execute(services.visible_departments(actor()).order_by(Department.region_id, Department.name)
                              .limit(1000)).scalars().all()
    return {"items": views.department_views(rows)}


@bp.post("/departments")
@require(*services.MANAGERS)
@bp.input(DepartmentIn, arg_name="data")
@bp.output(DepartmentOut, status_code=201)
@bp.doc(responses=ERRORS)
def create_department(data):
    """Add a department to a county. 400 ``region_not_county``; 403 ``out_of_scope``; 409 ``department_exists``."""
    user = actor()
    return idempotency.once(data["client_uuid"], user, "department.create", lambda: (DepartmentOut().dump(
        views.department_views([services.create_department(user, data["region_id"], data["name"], data["code"])])[0]), 201))


@bp.patch("/departments/<int:department_id>")
@require(*services.MANAGERS)
@bp.input(DepartmentUpdateIn, arg_name="data")
@bp.output(DepartmentOut)
@bp.doc(responses=ERRORS)
def update_department(department_id, data):
    """Rename, recode, deactivate or reactivate a department. 409 ``department_exists``."""
    user = actor()
    dept = services.get_department(user, department_id)
    return idempotency.once(data.pop("client_uuid"), user, "department.update", lambda: (DepartmentOut().dump(
        views.department_views([services.update_department(user, dept, **data)])[0]), 200))


@bp.get("/departments/<int:department_id>/policies")
@require("admin", "county", "township_lead", "department")
@bp.output(PolicyOwnedList)
@bp.doc(responses=ERRORS)
def department_policies(department_id):
    """The policies a department owns (set by hand, or named by the policy's 主管部门)."""
    dept = services.get_department(actor(), department_id)
    rows = db.session.execute(select(SubsidyPolicy).where(SubsidyPolicy.id.in_(services.owned_policy_ids(dept.id)))
                              .order_by(SubsidyPolicy.year.desc(), SubsidyPolicy.name).limit(1000)).scalars().all()
    by_hand = set(db.session.execute(select(DepartmentPolicy.policy_id).where(
        DepartmentPolicy.policy_id.in_([p.id for p in rows]))).scalars()) if rows else set()
    return {"items": [{"id": p.id, "name": p.name, "year": p.year, "category": p.category,
                       "department_text": p.department, "by_hand": p.id in by_hand} for p in rows]}


@bp.put("/department-policies/<int:policy_id>")
@require(*services.MANAGERS)
@bp.input(PolicyDepartmentIn, arg_name="data")
@bp.output(PolicyDepartmentOut)
@bp.doc(responses=ERRORS)
def set_policy_department(policy_id, data):
    """Say which department owns a policy (null: none), overriding the match by name. 404 for a
    policy or department out of reach."""
    user = actor()
    policy = get_scoped(SubsidyPolicy, policy_id, user, "补贴政策", "policy") if user.role != "admin" else \
        db.session.execute(visible_policies(user.region).where(SubsidyPolicy.id == policy_id)).scalar_one_or_none()
    if policy is None:
        raise ApiError(404, "not_found", "补贴政策不存在", "No such policy")
    dept = services.get_department(user, data["department_id"]) if data["department_id"] else None

    def work():
        services.set_policy_department(user, policy, dept)
        return {"policy_id": policy.id, "department": {"id": dept.id, "name": dept.name} if dept else None}, 200
    return idempotency.once(data["client_uuid"], user, "department.policy_set", work)


# ---------------------------------------------------------------- tasks

@bp.post("/department-tasks")
@require(*services.DISPATCHERS)
@bp.input(TaskIn, arg_name="data")
@bp.output(TaskOut, status_code=201)
@bp.doc(responses=ERRORS)
def dispatch_task(data):
    """派件: send a task to a department (or, ``department_id`` null, to the township). 400
    ``department_invalid`` / ``due_in_past`` / ``region_not_township``; 403 ``out_of_scope``."""
    user = actor()
    return idempotency.once(data["client_uuid"], user, "department_task.dispatch", lambda: (TaskOut().dump(
        views.task_view(services.dispatch(data["subject_kind"], data["subject_id"], data["region_id"],
                                          data["department_id"], data["title_zh"],
                                          data.get("title_en") or data["title_zh"], data["due_on"], actor=user),
                        user)), 201))


@bp.get("/department-tasks")
@require(*TASK_READERS)
@bp.input(TaskQuery, location="query", arg_name="query")
@bp.output(TaskPage)
@bp.doc(responses=ERRORS)
def list_tasks(query):
    """Tasks in the caller's region (a department user: their department's), nearest deadline first;
    ``todo``: those the caller must act on now; ``q``: words of the title."""
    user = actor()
    stmt = scoped(select(DepartmentTask), DepartmentTask, user)
    if query["status"] == "open":
        stmt = stmt.where(DepartmentTask.status != "closed")
    elif query["status"] != "all":
        stmt = stmt.where(DepartmentTask.status == query["status"])
    if query["todo"]:
        stmt = stmt.where(views.todo_condition(user))
    word = (query.get("q") or "").strip()
    if word:
        stmt = stmt.where(or_(DepartmentTask.title_zh.contains(word, autoescape=True),
                              DepartmentTask.title_en.contains(word, autoescape=True)))
    page = paginate(stmt.order_by(DepartmentTask.due_on, DepartmentTask.id), query)
    page["items"] = views.task_views(page["items"], user)
    return page


@bp.get("/department-tasks/<int:task_id>")
@require(*TASK_READERS)
@bp.output(TaskOut)
@bp.doc(responses=ERRORS)
def get_task(task_id):
    """One task with its history."""
    user = actor()
    return views.task_view(get_scoped(DepartmentTask, task_id, user, "任务", "task"), user)


def _act(task_id, data, action):
    user = actor()
    task = get_scoped(DepartmentTask, task_id, user, "任务", "task")
    return idempotency.once(data["client_uuid"], user, f"department_task.{action}", lambda: (TaskOut().dump(
        views.task_view(services.act(task, user, action, data.get("note"), data.get("version")), user)), 200))


@bp.post("/department-tasks/<int:task_id>/sign")
@require(*TASK_READERS)
@bp.input(ActIn, arg_name="data")
@bp.output(TaskOut)
@bp.doc(responses=ERRORS)
def sign_task(task_id, data):
    """签收 (the department, or the township lead for a task to the township). 403 ``task_forbidden``;
    409 ``transition_not_allowed`` / ``task_changed``."""
    return _act(task_id, data, "sign")


@bp.post("/department-tasks/<int:task_id>/work")
@require(*TASK_READERS)
@bp.input(ActIn, arg_name="data")
@bp.output(TaskOut)
@bp.doc(responses=ERRORS)
def work_task(task_id, data):
    """办理: note what is being done. 400 ``note_required``."""
    return _act(task_id, data, "work")


@bp.post("/department-tasks/<int:task_id>/feedback")
@require(*TASK_READERS)
@bp.input(ActIn, arg_name="data")
@bp.output(TaskOut)
@bp.doc(responses=ERRORS)
def feedback_task(task_id, data):
    """反馈: report what was done; the checkers are told. 400 ``note_required``."""
    return _act(task_id, data, "feedback")


@bp.post("/department-tasks/<int:task_id>/files")
@require(*TASK_READERS)
@bp.input(TaskFileForm, location="form_and_files", arg_name="form")
@bp.output(TaskFileOut, status_code=201)
@bp.doc(responses=[*ERRORS, 413, 415])
@large_upload("TASK_FILE_MAX_BYTES", "attachment_too_large", "附件过大", "The attachment is too large")
def upload_task_file(task_id, form):
    """Attach a photo (JPEG, PNG, WebP) or a PDF to the feedback (反馈): the task's department (the
    township lead, for a task to the township), after signing for it and before feeding back; the files
    go with the next feedback. The phone sends it through its outbox: a replayed ``client_uuid`` returns
    the first file (even after the feedback went), on another task 409 ``client_uuid_reused``. 403 ``task_forbidden``;
    409 ``task_files_closed`` / ``task_files_full``; 413 ``attachment_too_large``; 415
    ``attachment_type``; 400 ``attachment_empty`` / ``attachment_pdf_damaged`` / ``attachment_active_content``."""
    user = actor()
    task = get_scoped(DepartmentTask, task_id, user, "任务", "task")
    files.check_key(task, form["client_uuid"])
    upload = form["file"]
    data = upload.read()
    return idempotency.once(form["client_uuid"], user, "department_task.file", lambda: (
        TaskFileOut().dump(files.view(files.store(user, task, form["client_uuid"], upload.filename, data))), 201))


@bp.get("/department-tasks/<int:task_id>/files/<int:file_id>")
@require(*TASK_READERS)
@bp.doc(responses={200: {"description": "the file: a PDF or a JPEG, as an attachment",
                         "content": {"application/pdf": {}, "image/jpeg": {}}}, **{code: {} for code in ERRORS}})
def get_task_file(task_id, file_id):
    """A file on the task's feedback, as a download (never shown inline: ``nosniff`` and a policy that
    lets nothing in it run), to those who may see the task."""
    task = get_scoped(DepartmentTask, task_id, actor(), "任务", "task")
    row = files.get(task, file_id)
    data, mimetype, name = files.content(row)
    ascii_name = f"task-{task.id}-{row.id}.{'pdf' if row.kind == 'pdf' else 'jpg'}"
    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}",
        "Content-Security-Policy": "default-src 'none'", "X-Content-Type-Options": "nosniff"})


@bp.post("/department-tasks/<int:task_id>/close")
@require(*TASK_READERS)
@bp.input(ActIn, arg_name="data")
@bp.output(TaskOut)
@bp.doc(responses=ERRORS)
def close_task(task_id, data):
    """核查 passed, 销号: close the task; the subject's owner is told (on_closed hooks)."""
    return _act(task_id, data, "close")


@bp.post("/department-tasks/<int:task_id>/return")
@require(*TASK_READERS)
@bp.input(ActIn, arg_name="data")
@bp.output(TaskOut)
@bp.doc(responses=ERRORS)
def return_task(task_id, data):
    """核查 failed: send it back to be worked on again, with the reason. 400 ``note_required``."""
    return _act(task_id, data, "return")


# ---------------------------------------------------------------- subsidy warnings: hold, recover

def _warning_actions(warning):
    return WarningActionsOut().dump(views.warning_actions(warning, *holds.of_warning(warning.id)))


@bp.get("/subsidy-warnings/<int:warning_id>/actions")
@require("admin", "province", "city", "county", "township_lead", "inspector")
@bp.output(WarningActionsOut)
@bp.doc(responses=ERRORS)
def warning_actions(warning_id):
    """The holds (停发) and recoveries (追回) recorded on a warning."""
    warning = get_scoped(RiskWarning, warning_id, actor(), "预警", "warning")
    return views.warning_actions(warning, *holds.of_warning(warning.id))


@bp.post("/subsidy-warnings/<int:warning_id>/holds")
@require(*holds.HOLDERS)
@bp.input(HoldIn, arg_name="data")
@bp.output(WarningActionsOut, status_code=201)
@bp.doc(responses=ERRORS)
def hold(warning_id, data):
    """停发: hold the person's future payments of a policy. 409 ``hold_exists`` / ``warning_not_open``."""
    user = actor()
    warning = get_scoped(RiskWarning, warning_id, user, "预警", "warning")

    def work():
        holds.hold(user, warning, data["beneficiary_id"], data["policy_id"], data["reason"])
        return _warning_actions(warning), 201
    return idempotency.once(data["client_uuid"], user, "subsidy.hold", work)


@bp.post("/subsidy-warnings/<int:warning_id>/recoveries")
@require(*holds.HOLDERS)
@bp.input(RecoveryIn, arg_name="data")
@bp.output(WarningActionsOut, status_code=201)
@bp.doc(responses=ERRORS)
def recover(warning_id, data):
    """追回: record money got back; the warning closes (销号). 409 ``receipt_exists``."""
    user = actor()
    warning = get_scoped(RiskWarning, warning_id, user, "预警", "warning")

    def work():
        holds.recover(user, warning, data["beneficiary_id"], data["policy_id"], data["amount"],
                      data["recovered_on"], data["receipt_no"])
        return _warning_actions(warning), 201
    return idempotency.once(data["client_uuid"], user, "subsidy.recover", work)


def _hold_act(hold_id, data, fn, operation):
    user = actor()
    row = get_scoped(PaymentHold, hold_id, user, "停发", "hold")
    warning = db.session.get(RiskWarning, row.warning_id)

    def work():
        fn(user, row, data["reason"])
        return _warning_actions(warning), 200
    return idempotency.once(data["client_uuid"], user, operation, work)


@bp.post("/payment-holds/<int:hold_id>/justify")
@require(*holds.HOLDERS)
@bp.input(ReasonIn, arg_name="data")
@bp.output(WarningActionsOut)
@bp.doc(responses=ERRORS)
def justify_hold(hold_id, data):
    """The hold settles the warning (why, in ``reason``): the warning closes. 409 ``warning_not_open``."""
    return _hold_act(hold_id, data, holds.justify, "subsidy.hold_justify")


@bp.post("/payment-holds/<int:hold_id>/release")
@require(*holds.HOLDERS)
@bp.input(ReasonIn, arg_name="data")
@bp.output(WarningActionsOut)
@bp.doc(responses=ERRORS)
def release_hold(hold_id, data):
    """Lift a hold. 409 ``hold_released``."""
    return _hold_act(hold_id, data, holds.release, "subsidy.hold_release")
