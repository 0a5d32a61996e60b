"""The lifecycle chain is tamper-evident: editing or deleting an event row directly in the database
is found by `flask verify-chains` (exit 1) and by the project's chain endpoint."""
import pytest
from sqlalchemy import text

from backend.extensions import db


@pytest.fixture
def verify(app):
    def run():
        result = app.test_cli_runner().invoke(args=["verify-chains"])
        return result.exit_code, result.output
    return run


def _sql(app, statement, **params):
    with app.app_context():
        rows = db.session.execute(text(statement), params)
        out = rows.mappings().all() if rows.returns_rows else None
        db.session.commit()
        return out


@pytest.fixture
def project(app, make_project, verify):
    project_id = make_project(stage="construction")
    events = _sql(app, "SELECT * FROM lifecycle_events WHERE project_id = :p ORDER BY seq", p=project_id)
    yield project_id, events
    # Put the chain back exactly as it was so the other tests see intact chains.
    _sql(app, "DELETE FROM lifecycle_events WHERE project_id = :p", p=project_id)
    for e in events:
        _sql(app, "INSERT INTO lifecycle_events (id, project_id, seq, kind, occurred_at, actor_id, payload, "
                  "prev_hash, hash) VALUES (:id, :project_id, :seq, :kind, :occurred_at, :actor_id, :payload, "
                  ":prev_hash, :hash)", **{**e, "payload": _json(e["payload"])})
    assert verify()[0] == 0


def _json(value):
    import json
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def test_intact_chains_verify(verify, project):
    code, output = verify()
    assert code == 0 and "0 broken" in output


def test_edited_event_is_detected(app, verify, login_as, project):
    project_id, events = project
    payment = next(e for e in events if e["kind"] == "payment_recorded")
    _sql(app, "UPDATE lifecycle_events SET payload = :p WHERE id = :id",
         p=_json({**_loads(payment["payload"]), "amount": "99999.00"}), id=payment["id"])
    code, output = verify()
    assert code == 1 and f"project {project_id}: seq {payment['seq']}" in output and "edited" in output
    chain = login_as("county").get(f"/api/v1/projects/{project_id}/chain").json
    assert chain["intact"] is False and chain["problems"]


def test_edited_timestamp_is_detected(app, verify, project):
    project_id, events = project
    _sql(app, "UPDATE lifecycle_events SET occurred_at = :t WHERE id = :id",
         t="2020-01-01 00:00:00", id=events[1]["id"])
    assert verify()[0] == 1


def test_deleted_middle_event_is_detected(app, verify, project):
    project_id, events = project
    _sql(app, "DELETE FROM lifecycle_events WHERE id = :id", id=events[2]["id"])
    code, output = verify()
    assert code == 1 and "deleted" in output


def test_deleted_newest_event_is_detected(app, verify, project):
    project_id, events = project
    _sql(app, "DELETE FROM lifecycle_events WHERE id = :id", id=events[-1]["id"])
    code, output = verify()
    assert code == 1 and "head" in output


def _loads(value):
    import json
    return json.loads(value) if isinstance(value, str) else value
