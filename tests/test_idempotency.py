"""Every write carries a client UUID; a replay gets the first response and nothing is done twice."""
import threading

from backend.projects.models import LifecycleEvent, Project, ProjectPayment
from conftest import count, new_uuid


def test_replay_returns_the_same_response(app, world, login_as):
    lead = login_as("lead")
    body = {"client_uuid": new_uuid(), "region_id": world["regions"]["qianwang"],
            "unit_id": world["units"]["jincheng"], "name": "钱王社区雨污分流工程", "category": "人居环境",
            "budget": "880000.00"}
    before = count(app, Project)
    first = lead.post("/api/v1/projects", json=body)
    second = lead.post("/api/v1/projects", json=body)
    assert first.status_code == second.status_code == 201
    assert first.json == second.json and second.headers.get("Idempotent-Replay") == "true"
    assert count(app, Project) == before + 1


def test_same_uuid_for_another_operation_is_refused(app, world, login_as, make_project):
    project_id = make_project(stage="construction")
    lead = login_as("lead")
    key = new_uuid()
    assert lead.post(f"/api/v1/projects/{project_id}/stage",
                     json={"client_uuid": key, "to_stage": "acceptance"}).status_code == 200
    r = lead.post(f"/api/v1/projects/{project_id}/payments", json={
        "client_uuid": key, "amount": "1.00", "paid_on": "2026-01-01", "payee": "x", "voucher_no": "v",
        "funding_source": "y"})
    assert (r.status_code, r.json["error"]["code"]) == (409, "client_uuid_reused")


def test_concurrent_duplicates_yield_one_payment(app, login_as, make_project):
    project_id = make_project(stage="construction")
    before = (count(app, ProjectPayment), count(app, LifecycleEvent))
    body = {"client_uuid": new_uuid(), "amount": "3000.00", "paid_on": "2026-07-01",
            "payee": "杭州临安城建工程有限公司", "voucher_no": "记-7001", "funding_source": "省级专项资金"}
    clients = [login_as("lead") for _ in range(4)]
    responses = []
    barrier = threading.Barrier(len(clients))

    def send(client):
        barrier.wait()
        responses.append(client.post(f"/api/v1/projects/{project_id}/payments", json=body))

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert [r.status_code for r in responses] == [201] * 4, [r.get_json() for r in responses]
    assert len({r.data for r in responses}) == 1
    assert (count(app, ProjectPayment), count(app, LifecycleEvent)) == (before[0] + 1, before[1] + 1)
