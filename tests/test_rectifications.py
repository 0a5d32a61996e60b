"""The rectification loop: every transition allowed only to the right role in the right region,
races settled by version, escalation by the clock, and the inbox."""
import threading
from datetime import timedelta

import pytest

from backend.core import clock
from conftest import PINNED, every_item, jpeg_bytes, new_uuid, photo_form, run_scan, warning_for

ROLE_OF = {"admin": "admin", "province": "province", "city": "city", "county": "county", "lead": "township_lead",
           "inspector": "inspector", "lead_sibling": "township_lead", "county_sibling": "county"}
MOVES = {"approve": ("submitted", "approved", {"township_lead", "county"}),
         "reject": ("submitted", "open", {"township_lead", "county"}),
         "close-unfixed": ("open", "closed_not_fixed", {"township_lead", "county"}),
         "reopen": ("approved", "open", {"county", "city", "province"})}


def test_the_whole_loop(app, world, login_as, make_warning):
    warning_id, project_id = make_warning()
    lead, inspector = login_as("lead"), login_as("inspector")
    opened = lead.post("/api/v1/rectifications", json={
        "client_uuid": new_uuid(), "warning_id": warning_id, "requirement": "调整施工计划并报批",
        "responsible_id": world["users"]["inspector"], "due_on": (clock.now().date() + timedelta(days=7)).isoformat()})
    assert opened.status_code == 201, opened.json
    rect = opened.json
    assert rect["status"] == "open" and rect["warning"]["id"] == warning_id
    assert lead.get(f"/api/v1/risks/{warning_id}").json["rectification_id"] == rect["id"]
    listed = every_item(lead, "/api/v1/risks")
    assert {w["id"]: w["rectification_id"] for w in listed}[warning_id] == rect["id"]  # (read in the page's statement)
    inbox = inspector.get("/api/v1/notifications?unread=true").json["items"]
    assert any(n["link"] == f"/rectifications/{rect['id']}" for n in inbox)
    mine = inspector.get("/api/v1/rectifications?mine=true&status=open&per_page=100").json["items"]
    assert rect["id"] in [r["id"] for r in mine]

    evidence_uuid = new_uuid()
    sent = inspector.post(f"/api/v1/rectifications/{rect['id']}/evidence",
                          json={"client_uuid": evidence_uuid, "text": "已调整计划，附批复", "lat": 30.234, "lng": 119.72})
    assert sent.status_code == 201 and sent.json["status"] == "submitted"
    photo = inspector.post(f"/api/v1/rectifications/evidence/{evidence_uuid}/photos", form=photo_form(jpeg_bytes(41)))
    assert photo.status_code == 201, photo.json
    queue = lead.get("/api/v1/rectifications?status=submitted&per_page=100").json["items"]
    assert rect["id"] in [r["id"] for r in queue]
    detail = lead.get(f"/api/v1/rectifications/{rect['id']}").json
    assert detail["submissions"][0]["photos"][0]["id"] == photo.json["id"]

    rejected = lead.post(f"/api/v1/rectifications/{rect['id']}/reject",
                         json={"client_uuid": new_uuid(), "expected_version": detail["version"], "reason": "缺少批复文件"})
    assert rejected.json["status"] == "open"
    inspector.post(f"/api/v1/rectifications/{rect['id']}/evidence", json={"client_uuid": new_uuid(), "text": "补交批复"})
    again = lead.get(f"/api/v1/rectifications/{rect['id']}").json
    approved = lead.post(f"/api/v1/rectifications/{rect['id']}/approve",
                         json={"client_uuid": new_uuid(), "expected_version": again["version"]})
    assert approved.status_code == 200 and approved.json["status"] == "approved"
    assert [h["action"] for h in approved.json["history"]] == ["open", "submit", "reject", "submit", "approve"]
    assert warning_for(app, "stage_overdue", f"project:{project_id}")["resolved_reason"] == "rectified"  # 销号
    run_scan(app, "stage_overdue")  # the facts are unchanged: it stays closed
    assert warning_for(app, "stage_overdue", f"project:{project_id}")["status"] == "resolved"
    kinds = [e["kind"] for e in lead.get(f"/api/v1/projects/{project_id}/timeline").json["items"]]
    assert kinds[:2] == ["rectification_approved", "risk_resolved"]
    assert {"rectification_opened", "rectification_submitted", "rectification_rejected"} <= set(kinds)


@pytest.mark.parametrize("actor", ROLE_OF)
@pytest.mark.parametrize("action", MOVES)
def test_transitions_by_role_and_region(app, login_as, make_rectification, action, actor):
    start, to, roles = MOVES[action]
    rect_id = make_rectification(start)
    r = login_as(actor).post(f"/api/v1/rectifications/{rect_id}/{action}",
                             json={"client_uuid": new_uuid(), "reason": "理由充分"})
    if ROLE_OF[actor] not in roles:
        assert r.status_code == 403
    elif actor.endswith("_sibling"):
        assert (r.status_code, r.json["error"]["code"]) == (403, "out_of_scope")
    else:
        assert r.status_code == 200 and r.json["status"] == to, r.json


@pytest.mark.parametrize("state,action", [("open", "approve"), ("open", "reopen"), ("approved", "reject"),
                                          ("closed_not_fixed", "approve"), ("submitted", "reopen")])
def test_forbidden_transitions(app, login_as, make_rectification, state, action):
    rect_id = make_rectification(state)
    who = "county"
    r = login_as(who).post(f"/api/v1/rectifications/{rect_id}/{action}", json={"client_uuid": new_uuid(), "reason": "x"})
    assert (r.status_code, r.json["error"]["code"]) == (409, "transition_not_allowed")


def test_only_the_responsible_submits(app, login_as, make_rectification):
    rect_id = make_rectification("open")
    r = login_as("lead").post(f"/api/v1/rectifications/{rect_id}/evidence", json={"client_uuid": new_uuid(), "text": "x"})
    assert (r.status_code, r.json["error"]["code"]) == (403, "not_responsible")


def test_two_leads_at_once_one_wins(app, login_as, make_rectification):
    rect_id = make_rectification("submitted")
    version = login_as("lead").get(f"/api/v1/rectifications/{rect_id}").json["version"]
    clients = [login_as("lead"), login_as("county")]
    results, barrier = [], threading.Barrier(2)

    def act(client, action):
        barrier.wait()
        r = client.post(f"/api/v1/rectifications/{rect_id}/{action}",
                        json={"client_uuid": new_uuid(), "expected_version": version, "reason": "不合格"})
        results.append((r.status_code, r.get_json()["error"]["code"] if r.status_code >= 400 else None))

    threads = [threading.Thread(target=act, args=(clients[0], "approve")),
               threading.Thread(target=act, args=(clients[1], "reject"))]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(results, key=str) == sorted([(200, None), (409, "rectification_changed")], key=str)


def test_a_stale_version_is_a_conflict(app, login_as, make_rectification):
    rect_id = make_rectification("submitted")
    r = login_as("lead").post(f"/api/v1/rectifications/{rect_id}/approve",
                              json={"client_uuid": new_uuid(), "expected_version": 1})
    assert (r.status_code, r.json["error"]["code"]) == (409, "rectification_changed")


def test_overdue_escalates_once_to_the_county(app, login_as, make_rectification):
    from backend.rectifications.services import escalate
    rect_id = make_rectification("open")
    with app.app_context(), app.test_request_context(method="POST"):
        assert rect_id not in _escalated(escalate)
    clock.freeze(clock.now() + timedelta(days=10))
    try:
        with app.app_context(), app.test_request_context(method="POST"):
            assert rect_id in _escalated(escalate)
            assert rect_id not in _escalated(escalate)  # idempotent
        county = login_as("county")
        mine = next(r for r in every_item(county, "/api/v1/rectifications?overdue=true") if r["id"] == rect_id)
        assert mine["overdue"] is True and mine["escalated_at"]
        inbox = county.get("/api/v1/notifications?unread=true&per_page=100").json["items"]
        assert any(n["kind"] == "rectification_escalated" and n["link"] == f"/rectifications/{rect_id}" for n in inbox)
        assert rect_id not in [r["id"] for r in every_item(login_as("county_sibling"),
                                                           "/api/v1/rectifications?overdue=true")]
    finally:
        clock.freeze(PINNED)  # back to the suite's moment, never the machine's


def _escalated(escalate):
    from sqlalchemy import select

    from backend.extensions import db
    from backend.rectifications.models import Rectification
    before = set(db.session.execute(select(Rectification.id).where(Rectification.escalated_at.is_not(None))).scalars())
    escalate()
    db.session.commit()
    after = set(db.session.execute(select(Rectification.id).where(Rectification.escalated_at.is_not(None))).scalars())
    return after - before


def test_bad_rectification_input(app, world, login_as, make_warning):
    warning_id, _ = make_warning()
    lead = login_as("lead")
    base = {"client_uuid": new_uuid(), "warning_id": warning_id, "requirement": "整改",
            "responsible_id": world["users"]["inspector"], "due_on": "2099-01-01"}
    for changes, code in [({"responsible_id": world["users"]["inspector_sibling"]}, "responsible_invalid"),
                          ({"due_on": "2020-01-01"}, "due_in_past"), ({"requirement": " "}, "validation_error"),
                          ({"warning_id": None}, "validation_error")]:
        r = lead.post("/api/v1/rectifications", json={**base, **changes, "client_uuid": new_uuid()})
        assert (r.status_code, r.json["error"]["code"]) == (400, code), (changes, r.json)
    assert lead.post("/api/v1/rectifications", json=base).status_code == 201
    twice = lead.post("/api/v1/rectifications", json={**base, "client_uuid": new_uuid()})
    assert (twice.status_code, twice.json["error"]["code"]) == (409, "rectification_exists")


def test_inbox_read(login_as, make_rectification):
    make_rectification("open")
    inspector = login_as("inspector")
    unread = inspector.get("/api/v1/notifications?unread=true").json["total"]
    assert unread >= 1
    first = inspector.get("/api/v1/notifications?unread=true").json["items"][0]
    assert inspector.post(f"/api/v1/notifications/{first['id']}/read").status_code == 204
    assert inspector.get("/api/v1/notifications?unread=true").json["total"] == unread - 1
    assert inspector.post("/api/v1/notifications/read-all").status_code == 204
    assert inspector.get("/api/v1/notifications?unread=true").json["total"] == 0
