"""The stage machine: every (from, to) pair × every role, on a project in the actor's own region.
Allowed moves succeed and land on the timeline; everything else is refused and changes nothing."""
import threading

import pytest

from backend.projects.models import Project
from backend.projects.services import MOVES, STAGES
from conftest import new_uuid

ROLES = {"admin": "admin", "province": "province", "city": "city", "county": "county",
         "lead": "township_lead", "inspector": "inspector"}
PAIRS = [(a, b) for a in STAGES for b in STAGES if a != b]


def _state(app, project_id):
    with app.app_context():
        from backend.extensions import db
        project = db.session.get(Project, project_id)
        return project.stage, project.event_count


@pytest.mark.parametrize("actor", ROLES)
@pytest.mark.parametrize("frm,to", PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_stage_move(app, login_as, make_project, frm, to, actor):
    project_id = make_project(stage=frm, payments=False)
    before = _state(app, project_id)
    body = {"client_uuid": new_uuid(), "to_stage": to, "expected_from": frm}
    if to == "contracted":
        body.update(contractor="浙江天目建设集团有限公司", contract_amount="990000.00")
    r = login_as(actor).post(f"/api/v1/projects/{project_id}/stage", json=body)
    role = ROLES[actor]
    if role not in set().union(*MOVES.values()):
        assert (r.status_code, r.json["error"]["code"]) == (403, "role_forbidden")
    elif (frm, to) not in MOVES:
        assert (r.status_code, r.json["error"]["code"]) == (409, "stage_move_not_allowed")
        assert r.json["error"]["fields"][0]["path"] == "json.to_stage"
    elif role not in MOVES[(frm, to)]:
        assert (r.status_code, r.json["error"]["code"]) == (403, "stage_move_forbidden")
    else:
        assert r.status_code == 200, r.json
        assert r.json["stage"] == to
        assert r.json["timeline"][0]["kind"] == "stage_changed"
        assert r.json["timeline"][0]["payload"]["from"] == frm
        assert _state(app, project_id) == (to, before[1] + 1)
        return
    assert _state(app, project_id) == before


def test_contract_needs_contractor(app, login_as, make_project):
    project_id = make_project(stage="tendering")
    r = login_as("lead").post(f"/api/v1/projects/{project_id}/stage",
                              json={"client_uuid": new_uuid(), "to_stage": "contracted"})
    assert r.status_code == 400
    assert r.json["error"]["fields"][0]["path"] == "json.contractor"


def test_stale_expected_from_is_a_conflict(app, login_as, make_project):
    project_id = make_project(stage="approved")
    lead = login_as("lead")
    first = lead.post(f"/api/v1/projects/{project_id}/stage",
                      json={"client_uuid": new_uuid(), "to_stage": "tendering", "expected_from": "approved"})
    assert first.status_code == 200
    second = login_as("county").post(f"/api/v1/projects/{project_id}/stage", json={
        "client_uuid": new_uuid(), "to_stage": "tendering", "expected_from": "approved"})
    assert (second.status_code, second.json["error"]["code"]) == (409, "stage_changed")


def test_two_leads_at_once_one_wins(app, login_as, make_project):
    """Concurrent moves of the same project: exactly one succeeds; the other gets a conflict."""
    project_id = make_project(stage="approved")
    clients = [login_as("lead"), login_as("county")]
    results = []
    barrier = threading.Barrier(2)

    def move(client):
        barrier.wait()
        r = client.post(f"/api/v1/projects/{project_id}/stage", json={
            "client_uuid": new_uuid(), "to_stage": "tendering", "expected_from": "approved"})
        results.append(r.status_code)
        print(r.status_code, r.get_json())

    threads = [threading.Thread(target=move, args=(c,)) for c in clients]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(results) == [200, 409], results
    assert _state(app, project_id)[0] == "tendering"
