"""Inspections from the field: exactly once, flagged when not on site, closing their task, on the
project's timeline."""
import threading
from datetime import timedelta

from backend.core import clock
from backend.inspections.models import Inspection
from backend.tasks.models import Task
from conftest import TODAY, count, new_uuid


def _body(project_id, **changes):
    return {"client_uuid": new_uuid(), "project_id": project_id, "verdict": "normal",
            "checklist": [{"key": "site_safety", "ok": True}, {"key": "materials_as_specified", "ok": False,
                                                               "note": "钢筋规格不符"}],
            "lat": 30.2341, "lng": 119.7201, "accuracy_m": 8, "recorded_at": "2026-11-25T09:30:00+08:00",
            **changes}


def test_record_on_site(app, login_as, make_project):
    project_id = make_project(stage="construction")
    r = login_as("inspector").post("/api/v1/inspections", json=_body(project_id))
    assert r.status_code == 201, r.json
    assert r.json["off_site"] is False and r.json["distance_m"] < 50 and r.json["position_missing"] is False
    timeline = login_as("lead").get(f"/api/v1/projects/{project_id}/timeline").json["items"]
    assert timeline[0]["kind"] == "inspection_recorded" and timeline[0]["payload"]["off_site"] is False


def test_far_from_the_site_is_flagged(app, login_as, make_project):
    project_id = make_project(stage="construction")
    r = login_as("inspector").post("/api/v1/inspections", json=_body(project_id, lat=30.30, lng=119.80))
    assert r.json["off_site"] is True and r.json["distance_m"] > app.config["OFF_SITE_METERS"]
    flagged = login_as("lead").get(f"/api/v1/inspections?flagged=true&project_id={project_id}").json
    assert [i["id"] for i in flagged["items"]] == [r.json["id"]]
    timeline = login_as("lead").get(f"/api/v1/projects/{project_id}").json["timeline"]
    assert next(e for e in timeline if e["kind"] == "inspection_recorded")["payload"]["off_site"] is True
    # The inspection queued a scan of its project (inline in tests): the warning is there already.
    assert timeline[0]["kind"] == "risk_raised" and timeline[0]["payload"]["rule"] == "inspection_flagged"


def test_no_position_is_recorded_as_missing(app, login_as, make_project):
    project_id = make_project(stage="construction")
    body = {k: v for k, v in _body(project_id).items() if k not in ("lat", "lng", "accuracy_m")}
    r = login_as("inspector").post("/api/v1/inspections", json=body)
    assert r.json["position_missing"] is True and r.json["off_site"] is False


def test_replay_and_concurrent_duplicates_make_one(app, login_as, make_project):
    project_id = make_project(stage="construction")
    body = _body(project_id)
    before = count(app, Inspection)
    clients = [login_as("inspector") for _ in range(4)]
    responses, barrier = [], threading.Barrier(4)

    def send(client):
        barrier.wait()
        responses.append(client.post("/api/v1/inspections", json=body))
    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    [t.start() for t in threads]
    [t.join() for t in threads]
    replay = clients[0].post("/api/v1/inspections", json=body)
    assert {r.status_code for r in responses + [replay]} == {201}
    assert len({r.data for r in responses + [replay]}) == 1
    assert count(app, Inspection) == before + 1


def test_bad_inspections(app, login_as, make_project):
    project_id = make_project(stage="construction")
    inspector = login_as("inspector")
    cases = [
        (_body(project_id, verdict="problem", findings=" "), 400, "json.findings"),
        (_body(project_id, verdict="maybe"), 400, "json.verdict"),
        (_body(project_id, lat=30.2, lng=None), 400, "json.lng"),
        (_body(project_id, checklist=[{"key": "tender_notice", "ok": True}]), 400, "json.checklist.0.key"),
        (_body(project_id, checklist=[{"key": "site_safety", "ok": "yes"}]), 400, "json.checklist.0.ok"),
        (_body(project_id, task_id=999999), 400, "json.task_id"),
    ]
    before = count(app, Inspection)
    for body, status, path in cases:
        r = inspector.post("/api/v1/inspections", json=body)
        assert r.status_code == status and path in [f["path"] for f in r.json["error"]["fields"]], (path, r.json)
    assert count(app, Inspection) == before


def test_a_task_is_assigned_listed_overdue_first_and_closed(app, world, login_as, make_project):
    lead = login_as("lead")
    late_project, soon_project = make_project(stage="construction"), make_project(stage="construction")
    today = clock.now().date()
    soon = lead.post("/api/v1/tasks", json={"client_uuid": new_uuid(), "project_id": soon_project,
                                            "assignee_id": world["users"]["inspector"],
                                            "due_on": (today + timedelta(days=5)).isoformat(), "note": "检查进度"})
    late = lead.post("/api/v1/tasks", json={"client_uuid": new_uuid(), "project_id": late_project,
                                            "assignee_id": world["users"]["inspector"],
                                            "due_on": (today + timedelta(days=1)).isoformat()})
    assert soon.status_code == late.status_code == 201
    # The second task's due date passes (the suite's clock is pinned again for the next test). Three
    # days on, the sessions opened today have ended: both sign in again.
    clock.freeze(clock.now() + timedelta(days=3))
    inspector, lead = login_as("inspector"), login_as("lead")
    mine = inspector.get("/api/v1/tasks?mine=true&per_page=100").json["items"]
    ours = [t for t in mine if t["id"] in (soon.json["id"], late.json["id"])]
    assert [t["id"] for t in ours] == [late.json["id"], soon.json["id"]] and ours[0]["overdue"] is True
    r = inspector.post("/api/v1/inspections", json=_body(late_project, task_id=late.json["id"]))
    assert r.status_code == 201 and r.json["task_id"] == late.json["id"]
    done = inspector.get(f"/api/v1/tasks?mine=true&status=done&project_id={late_project}").json["items"]
    assert done[0]["status"] == "done" and done[0]["inspection_id"] == r.json["id"]
    kinds = [e["kind"] for e in lead.get(f"/api/v1/projects/{late_project}/timeline").json["items"]]
    assert kinds[:3] == ["task_done", "inspection_recorded", "task_assigned"]
    again = inspector.post("/api/v1/inspections", json=_body(late_project, task_id=late.json["id"]))
    assert (again.status_code, again.json["error"]["code"]) == (409, "task_closed")


def test_bad_tasks(app, world, login_as, make_project):
    project_id = make_project(stage="construction")
    lead = login_as("lead")
    before = count(app, Task)
    for body, code in [
        ({"assignee_id": world["users"]["inspector_sibling"], "due_on": "2099-01-01"}, "assignee_invalid"),
        ({"assignee_id": world["users"]["lead"], "due_on": "2099-01-01"}, "assignee_invalid"),
        ({"assignee_id": world["users"]["inspector"], "due_on": (TODAY - timedelta(days=2)).isoformat()},
         "due_in_past"),
        ({"assignee_id": world["users"]["inspector"], "due_on": "someday"}, "validation_error"),
    ]:
        r = lead.post("/api/v1/tasks", json={"client_uuid": new_uuid(), "project_id": project_id, **body})
        assert (r.status_code, r.json["error"]["code"]) == (400, code)
    assert count(app, Task) == before


def test_inspectors_to_assign(world, login_as):
    people = login_as("lead").get("/api/v1/users?role=inspector").json["items"]
    assert {p["username"] for p in people} >= {"t_inspector"} and "t_inspector_sibling" not in {p["username"] for p in people}


def test_nearby_projects_nearest_first(world, login_as, make_project):
    make_project(stage="construction")
    items = login_as("inspector").get("/api/v1/projects?near_lat=30.234&near_lng=119.72&per_page=5").json["items"]
    distances = [p["distance_m"] for p in items]
    assert distances == sorted(distances) and distances[0] < 100
    r = login_as("inspector").get("/api/v1/projects?near_lat=30.2")
    assert r.status_code == 400
