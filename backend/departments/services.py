"""Departments, the policies they own, and the tasks routed to them (部门协同任务).

A task goes 派件 dispatched → 签收 signed → 办理 working → 反馈 fed_back → 核查 (the checker closes it,
销号 closed, or sends it back to working). Who acts:

    dispatch          a township lead or county supervisor over the task's region, or the system
    sign/work/feedback the task's department (its ``department`` users), or — a task to the
                      township (``department_id`` None) — the township lead over its region
    close/return      the county supervisors over the region, and the township lead too when the
                      task went to a department

Every transition is one conditional UPDATE on (id, version) (409 ``task_changed`` to the loser),
recorded as a step and in the audit log. Other features learn of a closed task through
``on_closed(subject_kind)`` callbacks (the owner of the failed payment, the warning …).
"""
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import and_, exists, false, or_, select, update

from ..core import audit, clock
from ..core.errors import ApiError, bad_field, not_found
from ..core.models import Region, User
from ..core.scoping import covers
from ..extensions import db
from ..notifications.services import notify, people_above
from ..subsidies.models import SubsidyPolicy
from .models import OPEN_STATES, STATE_NAMES, Department, DepartmentPolicy, DepartmentTask, TaskFile, TaskStep

MANAGERS = ("admin", "county")            # create and change departments, set who owns a policy
DISPATCHERS = ("township_lead", "county")  # send tasks
REMIND_DAYS = 1                           # the assignees are reminded this many days before the deadline
# action: (from states, to state, who: "worker" | "checker")
MOVES = {
    "sign": (("dispatched",), "signed", "worker"),
    "work": (("signed", "working"), "working", "worker"),
    "feedback": (("signed", "working"), "fed_back", "worker"),
    "close": (("fed_back",), "closed", "checker"),
    "return": (("fed_back",), "working", "checker"),
}
ACTION_NAMES = {"dispatch": ("派件", "Dispatched"), "sign": ("签收", "Signed for"), "work": ("办理", "Working"),
                "feedback": ("反馈", "Fed back"), "close": ("销号", "Closed"), "return": ("退回重办", "Sent back"),
                "remind": ("到期提醒", "Reminder"), "escalate": ("逾期上报", "Escalated"),
                "auto_close": ("自动销号", "Closed automatically")}
_CLOSE_HOOKS = {}


# ---------------------------------------------------------------- departments

def visible_departments(actor):
    """Departments the actor may see: in their region or above it (a township sends tasks to its
    county's departments); a department user only their own."""
    if actor.role == "department":
        return select(Department).where(Department.id == (actor.department_id or 0))
    above = actor.region.path.strip("/").split("/")
    return (select(Department).join(Region, Region.id == Department.region_id)
            .where(Region.path.startswith(actor.region.path, autoescape=True) | Region.code.in_(above)))


def get_department(actor, department_id):
    """A department the actor may see: 404 otherwise (out of reach is as good as missing)."""
    dept = db.session.execute(visible_departments(actor).where(Department.id == department_id)).scalar_one_or_none()
    if dept is None:
        raise not_found("部门", "department")
    return dept


def _county(region_id, path="json.region_id"):
    region = db.session.get(Region, region_id)
    if region is None:
        raise bad_field(path, "region_not_found", "地区不存在", "No such region")
    if region.level != "county":
        raise bad_field(path, "region_not_county", "部门须设在县（区）级地区", "A department belongs to a county")
    return region


def _unique(name, code, region_id, ignore_id=None):
    clash = db.session.execute(select(Department).where(
        or_(Department.code == code, and_(Department.region_id == region_id, Department.name == name)),
        Department.id != (ignore_id or 0))).scalars().first()
    if clash is not None:
        path = "json.code" if clash.code == code else "json.name"
        raise bad_field(path, "department_exists", "同名或同代码的部门已存在", "A department with this name or code exists", 409)


def create_department(actor, region_id, name, code):
    """A new department in a county the actor covers. 400 ``region_not_county``; 403 ``out_of_scope``;
    409 ``department_exists``."""
    region = _county(region_id)
    if not covers(actor, region):
        raise ApiError(403, "out_of_scope", "该地区不在您的管辖范围内", "This region is outside your region")
    name, code = name.strip(), code.strip()
    _unique(name, code, region.id)
    dept = Department(region_id=region.id, name=name, code=code, active=True)
    db.session.add(dept)
    db.session.flush()
    audit.record(actor, "department.create", subject=dept, name=name, code=code)
    return dept


def update_department(actor, dept, name=None, code=None, active=None):
    """Rename, recode, deactivate or reactivate a department. 409 ``department_exists``."""
    if not covers(actor, dept.region):
        raise ApiError(403, "out_of_scope", "该部门不在您的管辖范围内", "This department is outside your region")
    before = {"name": dept.name, "code": dept.code, "active": dept.active}
    name = name.strip() if name is not None else dept.name
    code = code.strip() if code is not None else dept.code
    _unique(name, code, dept.region_id, ignore_id=dept.id)
    dept.name, dept.code = name, code
    if active is not None:
        dept.active = active
    db.session.flush()
    audit.record(actor, "department.update", subject=dept, before=before,
                 after={"name": dept.name, "code": dept.code, "active": dept.active})
    return dept


def owned_policy_ids(department_id):
    """SELECT of the ids of the policies a department owns: set by hand (department_policies), or —
    none set — named by the policy's free-text department (区农业农村局 ends with 农业农村局), for a
    policy that applies in the department's county (issued in it or above it)."""
    dept = db.session.get(Department, department_id) if department_id else None
    if dept is None:
        return select(SubsidyPolicy.id).where(false())
    county = db.session.get(Region, dept.region_id)
    above = county.path.strip("/").split("/")
    by_hand = exists().where(DepartmentPolicy.policy_id == SubsidyPolicy.id)
    mine = exists().where(DepartmentPolicy.policy_id == SubsidyPolicy.id, DepartmentPolicy.department_id == dept.id)
    return (select(SubsidyPolicy.id).join(Region, Region.id == SubsidyPolicy.region_id)
            .where(Region.path.startswith(county.path, autoescape=True) | Region.code.in_(above),
                   or_(mine, and_(~by_hand, SubsidyPolicy.department.endswith(dept.name, autoescape=True)))))


def department_of_policy(policy):
    """The department that owns ``policy`` (None: nobody), for routing a task about it."""
    row = db.session.get(DepartmentPolicy, policy.id)
    if row is not None:
        return db.session.get(Department, row.department_id) if row.department_id else None
    for dept in db.session.execute(select(Department).where(Department.active.is_(True))
                                   .order_by(Department.id)).scalars():
        if policy.department and policy.department.endswith(dept.name) and \
                db.session.execute(owned_policy_ids(dept.id).where(SubsidyPolicy.id == policy.id)).first():
            return dept
    return None


def set_policy_department(actor, policy, department):
    """Say by hand which department owns ``policy`` (None: none), overriding the name match."""
    row = db.session.get(DepartmentPolicy, policy.id)
    before = row.department_id if row else None
    if row is None:
        row = DepartmentPolicy(policy_id=policy.id)
        db.session.add(row)
    row.department_id, row.set_by_id, row.set_at = getattr(department, "id", None), actor.id, clock.now()
    db.session.flush()
    audit.record(actor, "department.policy_set", subject=policy, before=before, department_id=row.department_id)
    return row


# ---------------------------------------------------------------- tasks

def on_closed(subject_kind):
    """Register ``fn(task)``, called in the closing transaction when a task about ``subject_kind``
    is closed (销号): the subject's owner learns its problem was fixed."""
    def register(fn):
        _CLOSE_HOOKS.setdefault(subject_kind, []).append(fn)
        return fn
    return register


def dispatch(subject_kind, subject_id, region_id, department_id, title_zh, title_en, due_on, actor=None):
    """派件: send a task about a subject to a department (``department_id``) or, None, to the
    township of ``region_id``, due by ``due_on``. ``actor`` None: the system. Returns the task.
    400 ``region_not_found`` / ``department_invalid`` / ``due_in_past`` / ``title_required``;
    403 ``out_of_scope`` (the actor does not cover the region)."""
    region = db.session.get(Region, region_id) if region_id else None
    if region is None:
        raise bad_field("json.region_id", "region_not_found", "地区不存在", "No such region")
    if region.level not in ("township", "village") and department_id is None:
        raise bad_field("json.region_id", "region_not_township", "派给乡镇的任务须指定乡镇或村",
                        "A task to the township needs a township or village")
    if actor is not None and not covers(actor, region):
        raise ApiError(403, "out_of_scope", "该地区不在您的管辖范围内", "This region is outside your region")
    dept = None
    if department_id is not None:
        dept = db.session.get(Department, department_id)
        if dept is None or not dept.active or not region.path.startswith(dept.region.path):
            raise bad_field("json.department_id", "department_invalid", "部门不存在、已停用或不管辖该地区",
                            "No such active department over this region")
    if not (title_zh or "").strip() or not (title_en or "").strip():
        raise bad_field("json.title", "title_required", "任务须有标题", "A task needs a title")
    if due_on < clock.today():
        raise bad_field("json.due_on", "due_in_past", "办理期限不能早于今天", "The deadline is in the past")
    task = DepartmentTask(region_id=region.id, department_id=getattr(dept, "id", None), subject_kind=subject_kind,
                          subject_id=subject_id, title_zh=title_zh.strip()[:200], title_en=title_en.strip()[:200],
                          due_on=due_on, status="dispatched", version=1, dispatched_by_id=getattr(actor, "id", None))
    db.session.add(task)
    db.session.flush()
    _step(task, "dispatch", None, actor)
    notify(assignees(task), "department_task", f"新协同任务：{task.title_zh}（{due_on.isoformat()} 前办结）",
           f"New task: {task.title_en} (due {due_on.isoformat()})", _link(task))
    audit.record(actor, "department_task.dispatch", subject=task, subject_kind=subject_kind,
                 subject_id=subject_id, department_id=task.department_id, due_on=due_on.isoformat())
    return task


def dispatch_many(subject_kind, items, due_on):
    """派件 by the system of one task per item — ``{"subject_id", "region_id", "department_id",
    "title_zh", "title_en"}``, regions and departments already chosen by the caller (a bank return
    file's failures) — due by ``due_on``. Each department or township is told once, with how many
    tasks it got, not once a task: two thousand failed payments are one message to the people who
    fix them. Returns the tasks."""
    if not items:
        return []
    tasks = [DepartmentTask(region_id=i["region_id"], department_id=i["department_id"], subject_kind=subject_kind,
                            subject_id=i["subject_id"], title_zh=i["title_zh"].strip()[:200],
                            title_en=i["title_en"].strip()[:200], due_on=due_on, status="dispatched", version=1)
             for i in items]
    db.session.add_all(tasks)
    db.session.flush()
    db.session.add_all([TaskStep(task_id=t.id, action="dispatch", to_status="dispatched") for t in tasks])
    regions = {r.id: r for r in db.session.execute(select(Region).where(
        Region.id.in_({t.region_id for t in tasks}))).scalars()}
    townships = {}  # (one look-up per village, not per task: the session keeps no object nothing holds)
    groups = defaultdict(list)  # a department, or a township's leads
    for t in tasks:
        if t.department_id is None and t.region_id not in townships:
            townships[t.region_id] = _township(regions[t.region_id]).id
        groups[("department", t.department_id) if t.department_id else ("township", townships[t.region_id])].append(t)
    for group in groups.values():
        first, n = group[0], len(group)
        if n == 1:
            zh, en, link = (f"新协同任务：{first.title_zh}（{due_on.isoformat()} 前办结）",
                            f"New task: {first.title_en} (due {due_on.isoformat()})", _link(first))
        else:
            zh, en, link = (f"新协同任务 {n} 件（{due_on.isoformat()} 前办结），如：{first.title_zh}",
                            f"{n} new tasks (due {due_on.isoformat()}), e.g. {first.title_en}", "/dept-tasks")
        notify(assignees(first), "department_task", zh, en, link)
        audit.record(None, "department_task.dispatch", subject=first, subject_kind=subject_kind, count=n,
                     task_ids=[t.id for t in group], department_id=first.department_id, due_on=due_on.isoformat())
    return tasks


def _link(task):
    return f"/dept-tasks/{task.id}"


def _step(task, action, frm, actor, note=None):
    step = TaskStep(task_id=task.id, action=action, from_status=frm, to_status=task.status,
                    actor_id=getattr(actor, "id", None), note=note)
    db.session.add(step)
    return step


def _township(region):
    if region.level == "village" and region.parent_id:
        return db.session.get(Region, region.parent_id)
    return region


def assignees(task):
    """Who works on the task: its department's users, or the township's leads."""
    if task.department_id is not None:
        return db.session.execute(select(User).where(
            User.department_id == task.department_id, User.role == "department", User.active.is_(True))).scalars().all()
    return people_above(_township(db.session.get(Region, task.region_id)), ("township_lead",))


def checkers(task):
    """Who checks and closes it: the county supervisors over the region (and its township lead
    when the task went to a department)."""
    region = db.session.get(Region, task.region_id)
    return people_above(region, ("county", "township_lead") if task.department_id else ("county",))


def may_work(actor, task):
    if task.department_id is not None:
        return actor.role == "department" and actor.department_id == task.department_id
    return actor.role == "township_lead" and covers(actor, db.session.get(Region, task.region_id))


def may_check(actor, task):
    region = db.session.get(Region, task.region_id)
    roles = ("county", "township_lead") if task.department_id else ("county",)
    return actor.role in roles and covers(actor, region) and not may_work(actor, task)


def allowed(actor, task):
    """The actions ``actor`` may take on ``task`` now."""
    return [a for a, (frm, _, who) in MOVES.items() if task.status in frm
            and (may_work(actor, task) if who == "worker" else may_check(actor, task))]


def act(task, actor, action, note=None, expected_version=None, attachment_id=None):
    """One move of the flow (sign, work, feedback, close, return). 403 ``task_forbidden``; 409
    ``transition_not_allowed`` / ``task_changed``; 400 ``note_required`` (feedback and return need text)."""
    frm_states, to, who = MOVES[action]
    if not (may_work(actor, task) if who == "worker" else may_check(actor, task)):
        raise ApiError(403, "task_forbidden", "您不能对该任务执行此操作", "You may not do this to this task")
    note = (note or "").strip() or None
    if action in ("feedback", "return", "work") and note is None:
        raise bad_field("json.note", "note_required", "请填写说明", "Write what was done or why")
    version = expected_version if expected_version is not None else task.version
    if task.version != version:
        raise _changed()
    if task.status not in frm_states:
        zh, en = STATE_NAMES.get(task.status, (task.status, task.status))
        raise ApiError(409, "transition_not_allowed", f"当前状态（{zh}）不能执行此操作", f"Not allowed from status {en}")
    values = {"status": to, "version": version + 1}
    if action == "feedback":
        values.update(feedback=note, attachment_id=attachment_id)
    if action == "close":
        values["closed_at"] = clock.now()
    done = db.session.execute(update(DepartmentTask).where(
        DepartmentTask.id == task.id, DepartmentTask.version == version).values(**values)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise _changed()
    frm = task.status
    db.session.refresh(task)
    step = _step(task, action, frm, actor, note)
    if action == "feedback":  # the files attached while working go with this feedback
        db.session.flush()
        db.session.execute(update(TaskFile).where(TaskFile.task_id == task.id, TaskFile.step_id.is_(None))
                           .values(step_id=step.id).execution_options(synchronize_session=False))
    zh, en = ACTION_NAMES[action]
    title = (f"协同任务{zh}：{task.title_zh}", f"Task {en.lower()}: {task.title_en}")
    if action == "feedback":
        notify(checkers(task), "department_task_fed_back", *title, _link(task))
    elif action in ("close", "return"):
        notify(assignees(task), f"department_task_{action}", *title, _link(task))
    elif action == "sign" and task.dispatched_by_id:
        notify([db.session.get(User, task.dispatched_by_id)], "department_task_signed", *title, _link(task))
    audit.record(actor, f"department_task.{action}", subject=task, note=note, **{"from": frm})
    if action == "close":
        for hook in _CLOSE_HOOKS.get(task.subject_kind, ()):
            hook(task)
    return task


def close_for_owner(subject_kind, subject_id, actor, note_zh, note_en):
    """自动销号: the subject's owner fixed the problem itself (the township recorded a failed payment's
    new card), so every task about it still open is closed — whatever step it is at — with a step
    ``auto_close`` by ``actor`` saying so (who and when are the step's), its assignees told, audited.
    The ``on_closed`` hooks are not called: the owner is the one who fixed it. Returns the tasks."""
    tasks = db.session.execute(select(DepartmentTask).where(
        DepartmentTask.subject_kind == subject_kind, DepartmentTask.subject_id == subject_id,
        DepartmentTask.status.in_(OPEN_STATES)).order_by(DepartmentTask.id)).scalars().all()
    now = clock.now()
    who = getattr(actor, "display_name", None) or "系统"
    place_name = _township(db.session.get(Region, actor.region_id)).name if getattr(actor, "region_id", None) else ""
    note = f"{place_name} {who} 于 {now.astimezone(clock.CHINA):%Y-%m-%d %H:%M} 自行处理，任务自动销号：{note_zh}".strip()[:1000]
    closed = []
    for task in tasks:
        for _ in range(3):  # a worker's move at the same moment: read it again and close what it left
            frm, version = task.status, task.version
            done = db.session.execute(update(DepartmentTask).where(
                DepartmentTask.id == task.id, DepartmentTask.version == version)
                .values(status="closed", version=version + 1, closed_at=now)
                .execution_options(synchronize_session=False))
            db.session.refresh(task)
            if done.rowcount == 1 or task.status not in OPEN_STATES:
                break
        if done.rowcount != 1:
            continue
        _step(task, "auto_close", frm, actor, note)
        notify(assignees(task), "department_task_close", f"协同任务已自动销号（乡镇已自行处理）：{task.title_zh}",
               f"Task closed automatically (fixed by the township): {task.title_en}", _link(task))
        audit.record(actor, "department_task.auto_close", subject=task, note=note, note_en=note_en[:300],
                     **{"from": frm})
        closed.append(task)
    return closed


def _changed():
    return ApiError(409, "task_changed", "该任务已被他人处理，请刷新", "Someone else acted on this task; reload")


def is_overdue(task, today=None):
    return task.status in OPEN_STATES and task.status != "fed_back" and task.due_on < (today or clock.today())


def remind_and_escalate(now=None):
    """Remind the assignees of tasks due within REMIND_DAYS, and escalate to the county the tasks
    past their deadline and not fed back — each once (a conditional UPDATE lets one run through).
    Idempotent (cron-safe). Returns (reminded, escalated)."""
    now = now or clock.now()
    today = clock.local_date(now)
    working = ("dispatched", "signed", "working")
    reminded = escalated = 0
    soon = db.session.execute(select(DepartmentTask).where(
        DepartmentTask.status.in_(working), DepartmentTask.reminded_at.is_(None),
        DepartmentTask.due_on >= today, DepartmentTask.due_on <= today + timedelta(days=REMIND_DAYS))).scalars().all()
    for task in soon:
        if _mark(task, "reminded_at", now):
            notify(assignees(task), "department_task_reminder", f"协同任务即将到期：{task.title_zh}（{task.due_on.isoformat()}）",
                   f"Task due soon: {task.title_en} ({task.due_on.isoformat()})", _link(task))
            _step(task, "remind", task.status, None)
            audit.record(None, "department_task.remind", subject=task)
            reminded += 1
    late = db.session.execute(select(DepartmentTask).where(
        DepartmentTask.status.in_(working), DepartmentTask.escalated_at.is_(None),
        DepartmentTask.due_on < today)).scalars().all()
    for task in late:
        if _mark(task, "escalated_at", now):
            region = db.session.get(Region, task.region_id)
            who = task.department.name if task.department else _township(region).name
            notify(people_above(region, ("county",)) + assignees(task), "department_task_escalated",
                   f"协同任务逾期已上报：{task.title_zh}（{who}，{task.due_on.isoformat()} 到期）",
                   f"Overdue task escalated: {task.title_en} ({who}, due {task.due_on.isoformat()})", _link(task))
            _step(task, "escalate", task.status, None)
            audit.record(None, "department_task.escalate", subject=task)
            escalated += 1
    return reminded, escalated


def _mark(task, column, now):
    done = db.session.execute(update(DepartmentTask).where(
        DepartmentTask.id == task.id, getattr(DepartmentTask, column).is_(None)).values(**{column: now})
        .execution_options(synchronize_session=False))
    if done.rowcount == 1:
        db.session.refresh(task)
        return True
    return False
