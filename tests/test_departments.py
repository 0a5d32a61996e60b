"""Departments (多跨协同): departments as data and the policies they own, the department official's
narrowed view (their policies' people and payments, masked), and the task flow 派件 → 签收 → 办理 →
反馈 → 核查 → 销号 with reminders and escalation on a pinned clock."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

import department_seed
from conftest import PINNED, TODAY, assert_error, every_item, new_uuid
from subsidy_seed import people, seed


@pytest.fixture
def dworld(app, world):
    seed(app, world)
    return department_seed.ensure(app, world)


def _count(app, model, **where):
    from backend.extensions import db
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


def _dispatch(client, world, department="nongye", region="jincheng", due=None, title=None):
    body = {"client_uuid": new_uuid(), "region_id": world["regions"][region],
            "department_id": world["departments"][department] if department else None,
            "title_zh": title or f"核对补贴对象银行卡 {new_uuid()[:6]}", "title_en": "Check a card",
            "due_on": (due or TODAY + timedelta(days=5)).isoformat(), "subject_kind": "payment_failure",
            "subject_id": 7}
    return client.post("/api/v1/department-tasks", json=body)


def _act(client, task, action, note=None, version=None):
    body = {"client_uuid": new_uuid()}
    if note is not None:
        body["note"] = note
    if version is not None:
        body["version"] = version
    return client.post(f"/api/v1/department-tasks/{task}/{action}", json=body)


# ---------------------------------------------------------------- departments as data

def test_county_adds_a_department_and_the_township_sees_it(dworld, login_as):
    county, lead = login_as("county"), login_as("lead")
    name, code = f"民政局{new_uuid()[:4]}", f"MZ-{new_uuid()[:6]}"
    r = county.post("/api/v1/departments", json={"client_uuid": new_uuid(), "region_id": dworld["regions"]["linan"],
                                                 "name": name, "code": code})
    assert r.status_code == 201, r.json
    assert (r.json["name"], r.json["region"]["name"], r.json["active"]) == (name, "临安区", True)
    assert name in [d["name"] for d in lead.get("/api/v1/departments").json["items"]]
    # a sibling county neither sees nor changes it
    sibling = login_as("county_sibling")
    assert name not in [d["name"] for d in sibling.get("/api/v1/departments").json["items"]]
    assert_error(sibling.request("PATCH", f"/api/v1/departments/{r.json['id']}",
                                 json={"client_uuid": new_uuid(), "active": False}), 404, "not_found")
    r = county.request("PATCH", f"/api/v1/departments/{r.json['id']}", json={"client_uuid": new_uuid(), "active": False})
    assert r.status_code == 200 and r.json["active"] is False


def test_department_bad_input_changes_nothing(app, dworld, login_as):
    from backend.departments.models import Department
    county = login_as("county")
    before = _count(app, Department)
    body = {"client_uuid": new_uuid(), "region_id": dworld["regions"]["jincheng"], "name": "人社局", "code": "RS-1"}
    assert_error(county.post("/api/v1/departments", json=body), 400, "region_not_county", "json.region_id")
    body.update(region_id=dworld["regions"]["linan"], name="农业农村局", client_uuid=new_uuid(), code=f"X{new_uuid()[:5]}")
    r = county.post("/api/v1/departments", json=body)
    assert_error(r, 409, "department_exists", "json.name")
    assert r.json["error"]["message"] and r.json["error"]["fields"][0]["zh"]
    body.update(name="残联", code="bad code!", client_uuid=new_uuid())
    assert_error(county.post("/api/v1/departments", json=body), 400, "validation_error", "json.code")
    body.update(code="CL-1", region_id=dworld["regions"]["tonglu"], client_uuid=new_uuid())
    assert_error(county.post("/api/v1/departments", json=body), 403, "out_of_scope")
    assert _count(app, Department) == before


def test_policies_belong_by_name_or_by_hand(app, dworld, login_as):
    county, official = login_as("county"), login_as("department")
    dept = dworld["departments"]["nongye"]
    names = [p["name"] for p in official.get(f"/api/v1/departments/{dept}/policies").json["items"]]
    assert "耕地地力保护补贴" in names and "城乡居民基础养老金" not in names
    listed = [p["name"] for p in official.get("/api/v1/subsidies/policies").json["items"]]
    assert "耕地地力保护补贴" in listed and "城乡居民基础养老金" not in listed and "困难群众临时救助" not in listed
    pension = next(p["id"] for p in county.get("/api/v1/subsidies/policies").json["items"]
                   if p["name"] == "城乡居民基础养老金")
    try:
        r = county.put(f"/api/v1/department-policies/{pension}", json={"client_uuid": new_uuid(), "department_id": dept})
        assert r.status_code == 200 and r.json["department"]["id"] == dept
        owned = official.get(f"/api/v1/departments/{dept}/policies").json["items"]
        assert any(p["name"] == "城乡居民基础养老金" and p["by_hand"] for p in owned)
    finally:
        r = county.put(f"/api/v1/department-policies/{pension}", json={"client_uuid": new_uuid(), "department_id": None})
        assert r.status_code == 200 and r.json["department"] is None
    assert_error(county.put(f"/api/v1/department-policies/{pension}",
                            json={"client_uuid": new_uuid(), "department_id": 2**31 - 1}), 404, "not_found")


def test_department_official_sees_only_their_policies_people_masked(app, dworld, login_as):
    official = login_as("department")
    ps = people()
    # (every page: other tests of the session add people to 农业农村局 policies of their own)
    people_seen = list(every_item(official, "/api/v1/subsidies/beneficiaries"))
    listed = {b["name"]: b for b in people_seen}
    assert {"王*国", "赵*明"} <= set(listed) or {ps["wang"]["name"], ps["zhao"]["name"]} <= set(listed)
    everyone = " ".join(listed)
    assert "李" not in everyone  # 李秀英 gets only the pension (人社)
    text = str(people_seen)
    assert ps["wang"]["id_number"] not in text and ps["wang"]["card"] not in text
    payments = list(every_item(official, "/api/v1/subsidies/disbursements"))
    # (other tests of the session add 农业农村局 policies of their own: those are the official's too)
    names = {p["policy"] for p in payments}
    assert "耕地地力保护补贴" in names and not names & {"城乡居民基础养老金", "困难群众临时救助"}
    # Their export is the same list: their policies only, masked.
    exported = official.get("/api/v1/subsidies/disbursements/export?format=csv").get_data().decode("utf-8-sig")
    assert "耕地地力保护补贴" in exported and "城乡居民基础养老金" not in exported
    assert ps["wang"]["id_number"] not in exported and ps["wang"]["card"] not in exported
    # 李秀英 by id: out of scope; her ID number searched: nothing
    from backend.core import pii
    from backend.extensions import db
    from backend.subsidies.models import Beneficiary
    with app.app_context():
        li = db.session.execute(select(Beneficiary.id).where(
            Beneficiary.id_hash == pii.blind(ps["li"]["id_number"], "id_number"))).scalar()
        wang = db.session.execute(select(Beneficiary.id).where(
            Beneficiary.id_hash == pii.blind(ps["wang"]["id_number"], "id_number"))).scalar()
    assert_error(official.get(f"/api/v1/subsidies/beneficiaries/{li}"), 403, "out_of_scope")
    one = official.get(f"/api/v1/subsidies/beneficiaries/{wang}")
    assert one.status_code == 200 and {p["policy"] for p in one.json["payments"]} == {"耕地地力保护补贴"}
    assert_error(official.post(f"/api/v1/subsidies/beneficiaries/{wang}/reveal",
                               json={"field": "bank_card", "reason": "核对"}), 403, "role_forbidden")
    # and nothing of projects, inspections or the cockpit
    for url in ("/api/v1/projects", "/api/v1/inspections", "/api/v1/tasks", "/api/v1/risks",
                f"/api/v1/overview/{dworld['regions']['linan']}"):
        assert_error(official.get(url), 403, "role_forbidden")


def test_a_department_user_is_made_by_the_county(app, dworld, login_as):
    county = login_as("county")
    body = {"username": "d" + new_uuid()[:8], "display_name": "农业农村局张三", "password": "long-enough-pass-1",
            "role": "department", "region_id": dworld["regions"]["linan"]}
    assert_error(county.post("/api/v1/users", json=body), 400, "department_required", "json.department_id")
    assert_error(county.post("/api/v1/users", json={**body, "region_id": dworld["regions"]["jincheng"],
                                                    "department_id": dworld["departments"]["nongye"]}),
                 400, "role_region_level")
    r = county.post("/api/v1/users", json={**body, "department_id": dworld["departments"]["nongye"]})
    assert r.status_code == 201, r.json
    assert (r.json["role"], r.json["department_id"]) == ("department", dworld["departments"]["nongye"])


# ---------------------------------------------------------------- the task flow

def test_flow_dispatch_sign_work_feedback_return_close(app, dworld, login_as):
    from backend.core.models import AuditLog
    from backend.departments import services
    from backend.notifications.models import Notification
    county, official, lead = login_as("county"), login_as("department"), login_as("lead")
    closed = []
    hook = services.on_closed("payment_failure")(lambda task: closed.append(task.id))
    try:
        r = _dispatch(county, dworld)
        assert r.status_code == 201, r.json
        task = r.json["id"]
        assert r.json["status"] == "dispatched" and r.json["department"]["name"] == "农业农村局"
        assert _count(app, Notification, user_id=dworld["users"]["department"], link=f"/dept-tasks/{task}") == 1
        title = r.json["title_zh"]
        inbox = official.get("/api/v1/department-tasks", query_string={"todo": "true", "q": title[-6:]}).json["items"]
        assert [t["id"] for t in inbox] == [task]  # found by words of its title, and only it
        assert next(t for t in inbox if t["id"] == task)["actions"] == ["sign"]
        assert _act(official, task, "sign").json["status"] == "signed"
        assert _act(official, task, "work", "已联系村里核对卡号").json["status"] == "working"
        r = _act(official, task, "feedback", "卡号已更正为新卡")
        assert (r.json["status"], r.json["feedback"]) == ("fed_back", "卡号已更正为新卡")
        assert r.json["actions"] == []
        r = _act(county, task, "return", "请附上新卡开户证明")
        assert r.json["status"] == "working"
        assert _act(official, task, "feedback", "已附开户证明").json["status"] == "fed_back"
        r = _act(lead, task, "close")
        assert r.status_code == 200, r.json
        assert r.json["status"] == "closed" and r.json["closed_at"]
        assert [s["action"] for s in r.json["steps"]] == ["dispatch", "sign", "work", "feedback", "return",
                                                           "feedback", "close"]
        assert closed == [task]
        from backend.extensions import db
        with app.app_context():
            actions = db.session.execute(select(AuditLog.action).where(
                AuditLog.subject_type == "department_tasks", AuditLog.subject_id == task)
                .order_by(AuditLog.id)).scalars().all()
        assert actions == ["department_task.dispatch", "department_task.sign", "department_task.work",
                           "department_task.feedback", "department_task.return", "department_task.feedback",
                           "department_task.close"]
        assert_error(_act(county, task, "close"), 409, "transition_not_allowed")
    finally:
        services._CLOSE_HOOKS["payment_failure"].remove(hook)


def test_a_task_to_the_township(dworld, login_as):
    county, lead, official = login_as("county"), login_as("lead"), login_as("department")
    r = _dispatch(county, dworld, department=None, region="qianwang")
    assert r.status_code == 201 and r.json["department"] is None
    task = r.json["id"]
    assert_error(official.get(f"/api/v1/department-tasks/{task}"), 403, "out_of_scope")
    assert _act(lead, task, "sign").json["status"] == "signed"
    assert _act(lead, task, "feedback", "已联系本人，银行卡已更新").json["status"] == "fed_back"
    assert_error(_act(lead, task, "close"), 403, "task_forbidden")  # no one checks their own work
    assert _act(county, task, "close").json["status"] == "closed"


def test_who_may_not_act(dworld, login_as):
    county, lead, official, inspector = (login_as(k) for k in ("county", "lead", "department", "inspector"))
    task = _dispatch(lead, dworld).json["id"]
    assert_error(_act(lead, task, "sign"), 403, "task_forbidden")
    assert_error(_act(county, task, "sign"), 403, "task_forbidden")
    assert_error(_act(official, task, "close"), 403, "task_forbidden")
    assert_error(_act(inspector, task, "sign"), 403, "role_forbidden")
    assert_error(login_as("county_sibling").get(f"/api/v1/department-tasks/{task}"), 403, "out_of_scope")
    assert_error(login_as("lead_sibling").get(f"/api/v1/department-tasks/{task}"), 403, "out_of_scope")
    assert_error(_act(county, task, "close"), 409, "transition_not_allowed")
    assert_error(official.post("/api/v1/department-tasks", json={}), 403, "role_forbidden")


def test_another_departments_official_sees_nothing(app, dworld, login_as):
    from backend.core.auth import hash_password
    from backend.core.models import User
    from backend.departments.models import Department
    from backend.extensions import db
    from conftest import PASSWORD
    county = login_as("county")
    with app.app_context():
        other = Department(region_id=dworld["regions"]["linan"], name=f"林业局{new_uuid()[:4]}",
                           code=f"LY-{new_uuid()[:6]}")
        db.session.add(other)
        db.session.flush()
        name = f"t_ly_{new_uuid()[:6]}"
        db.session.add(User(username=name, display_name="林业局", role="department", region_id=dworld["regions"]["linan"],
                            password_hash=hash_password(PASSWORD), department_id=other.id))
        db.session.commit()
    task = _dispatch(county, dworld).json["id"]
    c = app.test_client()
    r = c.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
    from conftest import Client
    forester = Client(c, r.json["csrf_token"])
    assert_error(forester.get(f"/api/v1/department-tasks/{task}"), 403, "out_of_scope")
    assert task not in [t["id"] for t in forester.get("/api/v1/department-tasks?status=all&per_page=100").json["items"]]
    assert forester.get("/api/v1/subsidies/beneficiaries").json["items"] == []
    assert_error(_act(forester, task, "sign"), 403, "out_of_scope")


def test_dispatch_bad_input_changes_nothing(app, dworld, login_as):
    from backend.departments.models import Department, DepartmentTask
    county, official = login_as("county"), login_as("department")
    before = _count(app, DepartmentTask)
    assert_error(_dispatch(county, dworld, due=TODAY - timedelta(days=1)), 400, "due_in_past", "json.due_on")
    r = county.post("/api/v1/department-tasks", json={"client_uuid": new_uuid(), "region_id": dworld["regions"]["jincheng"],
                                                     "department_id": 2**31 - 1, "title_zh": "x", "due_on": "2099-01-01"})
    assert_error(r, 400, "department_invalid", "json.department_id")
    r = county.post("/api/v1/department-tasks", json={"client_uuid": new_uuid(), "region_id": dworld["regions"]["jincheng"],
                                                     "department_id": None, "title_zh": " ", "due_on": "2099-01-01"})
    assert_error(r, 400, "validation_error", "json.title_zh")
    r = county.post("/api/v1/department-tasks", json={"client_uuid": new_uuid(), "region_id": dworld["regions"]["linan"],
                                                     "department_id": None, "title_zh": "x", "due_on": "2099-01-01"})
    assert_error(r, 400, "region_not_township", "json.region_id")
    # a department of another county does not take 锦城's tasks
    with app.app_context():
        from backend.extensions import db
        far = Department(region_id=dworld["regions"]["tonglu"], name=f"民政局{new_uuid()[:4]}", code=f"TL-{new_uuid()[:6]}")
        db.session.add(far)
        db.session.commit()
        far_id = far.id
    r = county.post("/api/v1/department-tasks", json={"client_uuid": new_uuid(), "region_id": dworld["regions"]["jincheng"],
                                                     "department_id": far_id, "title_zh": "x", "due_on": "2099-01-01"})
    assert_error(r, 400, "department_invalid")
    assert_error(_dispatch(login_as("lead_sibling"), dworld), 403, "out_of_scope")
    assert _count(app, DepartmentTask) == before
    # feedback without a note changes nothing
    task = _dispatch(county, dworld).json["id"]
    _act(official, task, "sign")
    assert_error(_act(official, task, "feedback"), 400, "note_required", "json.note")
    assert_error(_act(official, task, "feedback", "已办", version=99), 409, "task_changed")
    assert official.get(f"/api/v1/department-tasks/{task}").json["status"] == "signed"


def test_the_same_request_twice_acts_once(dworld, login_as):
    county, official = login_as("county"), login_as("department")
    task = _dispatch(county, dworld).json["id"]
    key = new_uuid()
    first = official.post(f"/api/v1/department-tasks/{task}/sign", json={"client_uuid": key})
    again = official.post(f"/api/v1/department-tasks/{task}/sign", json={"client_uuid": key})
    assert first.status_code == again.status_code == 200
    assert [s["action"] for s in official.get(f"/api/v1/department-tasks/{task}").json["steps"]] == ["dispatch", "sign"]


def test_reminder_before_and_escalation_after_the_deadline(app, dworld, ctx):
    from backend.core import clock
    from backend.core.models import User
    from backend.departments import services
    from backend.departments.models import DepartmentTask
    from backend.extensions import db
    from backend.notifications.models import Notification
    task = services.dispatch("payment_failure", 1, dworld["regions"]["qianwang"], dworld["departments"]["nongye"],
                             "户名不符：请核对", "Name mismatch: check", TODAY + timedelta(days=3))
    db.session.commit()
    assert task.dispatched_by_id is None  # sent by the system

    def told(kind, user):
        return db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == kind, Notification.user_id == dworld["users"][user],
            Notification.link == f"/dept-tasks/{task.id}"))
    services.remind_and_escalate()
    assert told("department_task_reminder", "department") == 0  # three days ahead: not yet
    clock.freeze(PINNED + timedelta(days=2))
    services.remind_and_escalate()
    services.remind_and_escalate()
    assert told("department_task_reminder", "department") == 1
    assert told("department_task_escalated", "county") == 0
    clock.freeze(PINNED + timedelta(days=4))
    services.remind_and_escalate()
    services.remind_and_escalate()
    db.session.commit()
    assert told("department_task_escalated", "county") == 1
    assert told("department_task_escalated", "county_sibling") == 0
    assert db.session.get(DepartmentTask, task.id).escalated_at is not None
    assert services.is_overdue(db.session.get(DepartmentTask, task.id))


def test_the_escalation_job_runs_from_the_queue(app, dworld, ctx):
    from backend.core import clock
    from backend.departments import jobs, services
    from backend.departments.models import DepartmentTask
    from backend.extensions import db
    task = services.dispatch("subsidy_warning", 2, dworld["regions"]["jincheng"], None, "预警核实", "Check a warning",
                             TODAY)
    db.session.commit()
    clock.freeze(PINNED + timedelta(days=1))
    jobs.remind_and_escalate.call_local()
    db.session.expire_all()
    assert db.session.get(DepartmentTask, task.id).escalated_at is not None


def test_a_roster_brings_department_users(app, dworld):
    from backend.auth import roster
    from backend.core.models import User
    from backend.extensions import db
    name, bad = f"nyj{new_uuid()[:6]}", f"nyx{new_uuid()[:6]}"
    lines = ["姓名,账号,角色,所属地区,所属部门", f"张农,{name},部门用户,临安区,农业农村局"]
    with app.app_context(), app.test_request_context(method="POST"):
        county = db.session.get(User, dworld["users"]["county"])
        report, counts, _ = roster.load_roster("r.csv", "\n".join(lines).encode(), county.region, county, 9901)
        assert report.errors == [] and counts == [1, 0, 0]
        made = db.session.execute(select(User).where(User.username == name)).scalar_one()
        assert (made.role, made.department_id) == ("department", dworld["departments"]["nongye"])
        db.session.rollback()
        for row, code in ((f"张农,{bad},部门用户,临安区,", "department_required"),
                          (f"张农,{bad},部门用户,临安区,不存在局", "department_unknown")):
            report, counts, _ = roster.load_roster("r.csv", f"{lines[0]}\n{row}".encode(), county.region, county, 9902)
            assert [e["code"] for e in report.errors] == [code], report.errors
            db.session.rollback()
        assert db.session.execute(select(User).where(User.username == bad)).first() is None


def test_the_cli_runs_the_reminders(app, dworld):
    result = app.test_cli_runner().invoke(args=["department-tasks-remind"])
    assert result.exit_code == 0 and "reminded" in result.output, result.output
