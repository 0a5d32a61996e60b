"""What a new user's trial found (issue "Safe to run for real", section 7), on the API side: a task
cannot be assigned twice while one is open (also under a race), assigning one tells the inspector,
inbox messages name the project and the township, the villager's call-back phone can be revealed by
the township (audited), the import report has Chinese headers and a Chinese file name, the public
front page finds a village by name, and no state code leaks into a Chinese sentence."""
import re
import threading
from datetime import timedelta
from urllib.parse import unquote

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backend.core import clock
from backend.core.models import AuditLog, Region
from backend.extensions import db
from backend.notifications.models import Notification
from backend.tasks.models import Task
from conftest import PASSWORD, count, finished_import, new_uuid, upload_import


def _assign(client, world, project_id, days=5, who="inspector"):
    return client.post("/api/v1/tasks", json={
        "client_uuid": new_uuid(), "project_id": project_id, "assignee_id": world["users"][who],
        "due_on": (clock.now().date() + timedelta(days=days)).isoformat(), "note": "检查护栏"})


def _inbox(app, world, who="inspector"):
    with app.app_context():
        return db.session.execute(select(Notification).where(Notification.user_id == world["users"][who])
                                  .order_by(Notification.id.desc())).scalars().all()


# ---- tasks: one open task per project and inspector; assigning one tells the inspector ----------

def test_the_same_task_cannot_be_assigned_twice_while_one_is_open(app, world, login_as, make_project):
    project_id = make_project(stage="construction", name="重复指派测试道路")
    lead, county = login_as("lead"), login_as("county")
    first = _assign(lead, world, project_id)
    assert first.status_code == 201, first.json
    before = count(app, Task)
    for client in (lead, county):  # the same lead again, or the county on top of it
        again = _assign(client, world, project_id, days=9)
        assert again.status_code == 409, again.json
        error = again.json["error"]
        assert error["code"] == "task_already_open" and error["fields"][0]["path"] == "json.assignee_id"
        assert "已有该项目未完成的巡查任务" in error["message"]["zh"] and "already has an open task" in error["message"]["en"]
    assert count(app, Task) == before
    # Another inspector, or the same one for another project, is fine; so is a new task once the
    # first is done.
    assert _assign(lead, world, make_project(stage="construction"), days=3).status_code == 201
    inspector = login_as("inspector")
    done = inspector.post("/api/v1/inspections", json={
        "client_uuid": new_uuid(), "project_id": project_id, "verdict": "normal", "checklist": [],
        "task_id": first.json["id"], "recorded_at": clock.now().isoformat()})
    assert done.status_code == 201, done.json
    assert _assign(lead, world, project_id, days=9).status_code == 201


def test_the_database_itself_refuses_a_second_open_task(app, world, make_project):
    """The partial unique index holds even for a writer that skips the service's check."""
    project_id = make_project(stage="construction")
    with app.app_context():
        row = dict(project_id=project_id, region_id=world["regions"]["jincheng"], assignee_id=world["users"]["inspector"],
                   assigned_by_id=world["users"]["lead"], due_on=clock.now().date() + timedelta(days=3))
        db.session.add(Task(**row, status="open"))
        db.session.commit()
        db.session.add(Task(**row, status="done"))  # closed tasks may repeat
        db.session.commit()
        db.session.add(Task(**row, status="open"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_two_leads_assigning_at_once_get_one_task(app, world, live_server, make_project):
    project_id = make_project(stage="construction", name="并发指派测试道路")
    tokens = [requests.post(f"{live_server}/api/v1/auth/token", json={"username": f"t_{who}", "password": PASSWORD}
                            ).json()["access_token"] for who in ("lead", "county")]
    due = (clock.now().date() + timedelta(days=4)).isoformat()
    results, start = [], threading.Barrier(len(tokens))

    def assign(token):
        start.wait()
        results.append(requests.post(f"{live_server}/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}, json={
            "client_uuid": new_uuid(), "project_id": project_id, "assignee_id": world["users"]["inspector"],
            "due_on": due}, timeout=30))

    threads = [threading.Thread(target=assign, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status_code for r in results) == [201, 409], [r.text for r in results]
    assert next(r for r in results if r.status_code == 409).json()["error"]["code"] == "task_already_open"
    with app.app_context():
        assert db.session.query(Task).filter_by(project_id=project_id, status="open").count() == 1


def test_assigning_a_task_tells_the_inspector_naming_project_and_township(app, world, login_as, make_project):
    project_id = make_project(stage="construction", name="通知测试村道硬化", region="qianwang")
    r = _assign(login_as("lead"), world, project_id)
    assert r.status_code == 201, r.json
    message = _inbox(app, world)[0]
    assert message.kind == "task_assigned"
    assert "通知测试村道硬化" in message.title_zh and "锦城街道钱王社区" in message.title_zh
    assert "通知测试村道硬化" in message.title_en and "锦城街道" in message.title_en
    assert message.link == f"/inspect/{project_id}?task={r.json['id']}"
    seen = login_as("inspector").get("/api/v1/notifications?unread=true").json["items"]
    assert seen[0]["kind"] == "task_assigned" and seen[0]["title_zh"] == message.title_zh


def test_rectification_and_risk_messages_name_project_and_township(app, world, login_as, make_project,
                                                                    make_rectification):
    rect_id = make_rectification("submitted")
    with app.app_context():
        from backend.rectifications.models import Rectification
        from backend.projects.models import Project
        project = db.session.get(Project, db.session.get(Rectification, rect_id).project_id)
        name = project.name
    assigned = [n for n in _inbox(app, world) if n.link == f"/rectifications/{rect_id}"]
    assert assigned and all(name in n.title_zh and "锦城街道" in n.title_zh for n in assigned)
    to_review = [n for n in _inbox(app, world, "lead") if n.link == f"/rectifications/{rect_id}"]
    assert to_review and all(name in n.title_zh and "锦城街道" in n.title_zh for n in to_review)
    risks = [n for n in _inbox(app, world, "lead") if n.kind == "risk_raised" and name in n.title_zh]
    assert risks and "锦城街道" in risks[0].title_zh and "（" in risks[0].title_zh


# ---- the villager's call-back phone ------------------------------------------------------------

@pytest.fixture
def complaint(app, world, make_project):
    """A complaint on a 锦城街道 project with a call-back phone, and one without."""
    project_id = make_project(stage="construction", name="回电测试工程")
    anon = app.test_client()
    ids = []
    for n, contact in enumerate(("13912345678", None)):
        r = anon.post(f"/api/v1/public/projects/{project_id}/comments", json={
            "client_uuid": new_uuid(), "kind": "complaint", "body": f"夜间施工噪音扰民，请回电 {new_uuid()[:6]}",
            **({"contact": contact} if contact else {})}, environ_base={"REMOTE_ADDR": f"10.77.{n}.{int(new_uuid()[:2], 16)}"})
        assert r.status_code == 201, r.json
        ids.append(r.json["id"])
    return ids


def _reveals(app):
    with app.app_context():
        return db.session.query(AuditLog).filter_by(action="comment.reveal_contact").count()


@pytest.mark.parametrize("who", ["lead", "inspector"])
def test_the_township_reveals_the_call_back_phone_and_it_is_audited(app, world, login_as, complaint, who):
    listed = [c for c in login_as("lead").get("/api/v1/comments?status=all&per_page=100").json["items"]
              if c["id"] == complaint[0]][0]
    assert listed["contact"] == "139****5678"  # masked in the list
    before = _reveals(app)
    r = login_as(who).post(f"/api/v1/comments/{complaint[0]}/reveal-contact", json={"reason": "按留言人要求回电"})
    assert r.status_code == 200, r.json
    assert r.json == {"field": "contact", "value": "13912345678"}
    assert _reveals(app) == before + 1
    with app.app_context():
        entry = db.session.query(AuditLog).filter_by(action="comment.reveal_contact").order_by(AuditLog.id.desc()).first()
        assert entry.actor_id == world["users"][who] and "按留言人要求回电" in str(entry.details)


@pytest.mark.parametrize("who,status,code", [
    (None, 401, "unauthenticated"), ("lead_sibling", 403, "out_of_scope"), ("inspector_sibling", 403, "out_of_scope"),
    ("county", 403, "role_forbidden"), ("city", 403, "role_forbidden"), ("admin", 403, "role_forbidden")])
def test_nobody_else_reveals_the_call_back_phone(app, login_as, complaint, who, status, code):
    before = _reveals(app)
    r = login_as(who).post(f"/api/v1/comments/{complaint[0]}/reveal-contact", json={"reason": "想看看"})
    assert (r.status_code, r.json["error"]["code"]) == (status, code)
    assert "13912345678" not in r.get_data(as_text=True)
    assert _reveals(app) == before


@pytest.mark.parametrize("body,status,code", [
    ({}, 400, "validation_error"), ({"reason": "   "}, 400, "validation_error"),
    ({"reason": "x" * 201}, 400, "validation_error"), ({"reason": 5}, 400, "validation_error")])
def test_a_reveal_needs_a_reason(app, login_as, complaint, body, status, code):
    before = _reveals(app)
    r = login_as("lead").post(f"/api/v1/comments/{complaint[0]}/reveal-contact", json=body)
    assert (r.status_code, r.json["error"]["code"]) == (status, code)
    assert _reveals(app) == before


def test_no_phone_left_and_no_such_comment(app, login_as, complaint):
    lead = login_as("lead")
    r = lead.post(f"/api/v1/comments/{complaint[1]}/reveal-contact", json={"reason": "回电"})
    assert (r.status_code, r.json["error"]["code"]) == (404, "contact_missing")
    r = lead.post("/api/v1/comments/99999999/reveal-contact", json={"reason": "回电"})
    assert r.status_code == 404


# ---- the public front page: find a village by its name ----------------------------------------

@pytest.fixture
def qianwang_code(app, world):
    from backend.subsidies import services
    with app.app_context():
        code = services.village_code(db.session.get(Region, world["regions"]["qianwang"])).code
        db.session.commit()
        return code


def test_anyone_finds_a_village_by_name(app, qianwang_code):
    anon = app.test_client()
    r = anon.get("/api/v1/public/villages?q=钱王")
    assert r.status_code == 200, r.json
    assert {"name": "钱王社区", "township": "锦城街道", "county": "临安区", "code": qianwang_code} in r.json["items"]
    # 白沙村 has no code issued: its notice board is not published, so it is not found.
    assert anon.get("/api/v1/public/villages?q=白沙").json["items"] == []
    # LIKE wildcards are plain characters.
    assert anon.get("/api/v1/public/villages?q=%25").json["items"] == []


@pytest.mark.parametrize("query", ["", "?q=", "?q=%20%20", "?q=" + "村" * 41])
def test_a_village_search_needs_a_name(app, query):
    r = app.test_client().get("/api/v1/public/villages" + query)
    assert (r.status_code, r.json["error"]["code"]) == (400, "validation_error")
    assert r.json["error"]["fields"][0]["path"].endswith("q")


# ---- the import report: Chinese headers, a Chinese file name ----------------------------------

def test_the_import_report_has_chinese_headers_and_a_chinese_file_name(app, world, login_as):
    lead = login_as("lead")
    run = finished_import(lead, upload_import(lead, world, "姓名,身份证号码,村\n张三,330112199001011234,钱王社区\n".encode(),
                                              "people.csv"))
    assert run["status"] == "rejected", run
    report = lead.get(run["report_url"])
    assert report.status_code == 200
    text = report.get_data(as_text=True)
    assert text.splitlines()[0] == "\ufeff行号,列名,问题代码,问题说明,问题说明（英文）,单元格内容"
    disposition = report.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="import-') and disposition.isascii()
    name = unquote(re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1))
    assert re.fullmatch(r"补贴对象导入报告-\d+\.csv", name), name


# ---- no state codes inside Chinese text ---------------------------------------------------------

# Every state, stage, level, role, verdict and reason code the server keeps: none may show inside a
# Chinese sentence the server writes (timeline payload reasons are drawn by the app: see the
# browser test).
CODES = re.compile(r"\b(open|submitted|approved|rejected|closed_not_fixed|resolved|dismissed|rectified|cause_gone|"
                   r"approved|tendering|contracted|construction|acceptance|settlement|audit|archived|red|orange|yellow|"
                   r"township_lead|inspector|county|city|province|township|village|normal|problem|done|cancelled|"
                   r"withdrawn|accepted|paid|failed|returned|pending)\b")


def test_chinese_messages_carry_no_state_codes(app, world, login_as, make_rectification, make_project):
    lead = login_as("lead")
    texts = []
    # A refused move names the state in Chinese.
    approved = make_rectification("approved")
    r = lead.post(f"/api/v1/rectifications/{approved}/approve", json={"client_uuid": new_uuid()})
    assert r.status_code == 409 and r.json["error"]["code"] == "transition_not_allowed"
    texts.append(r.json["error"]["message"]["zh"])
    assert "已销号" in texts[-1]
    # A role put at the wrong level names both in Chinese.
    r = login_as("admin").post("/api/v1/users", json={
        "username": f"u{new_uuid()[:8]}", "display_name": "测试", "password": "Long-enough-Passw0rd!",
        "role": "township_lead", "region_id": world["regions"]["linan"]})
    assert (r.status_code, r.json["error"]["code"]) == (400, "role_region_level")
    texts.append(r.json["error"]["message"]["zh"])
    assert "乡镇负责人" in texts[-1] and "乡镇/街道" in texts[-1]
    # Every inbox message and every risk explanation written so far.
    with app.app_context():
        texts += [n.title_zh for n in db.session.query(Notification).all()]
    for who in ("lead", "county"):
        for w in login_as(who).get("/api/v1/risks?status=all&per_page=100").json["items"]:
            texts.append(w["explanation_zh"])
    leaks = [t for t in texts if CODES.search(t)]
    assert leaks == []
    assert len(texts) > 5
