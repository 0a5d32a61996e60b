"""The one screen (一屏): one JSON document for a meeting-room display of a region."""
from datetime import timedelta

from conftest import TODAY, assert_error, set_project


def test_screen_document(app, world, login_as, make_project, make_inspection, make_rectification):
    from backend.core import clock
    from backend.extensions import db
    from backend.rectifications.models import Rectification
    rect_id = make_rectification()
    with app.app_context():
        rect = db.session.get(Rectification, rect_id)
        rect.due_on = clock.today() - timedelta(days=3)
        db.session.commit()
    project_id = make_project(stage="construction")
    make_inspection(project_id, verdict="problem", findings="护栏缺失")
    doc = login_as("county").get(f"/api/v1/screen/{world['regions']['linan']}").json
    assert doc["region"]["name"] == "临安区"
    assert {f["name"] for f in doc["figures"]} >= {"funds_arrived", "subsidy_failed", "rect_overdue"}
    scores = [float(c["score"]) for c in doc["children"] if c["score"] is not None]
    assert scores == sorted(scores, reverse=True) and [c["rank"] for c in doc["children"]] == list(range(1, len(doc["children"]) + 1))
    assert doc["overdue"]["count"] >= 1 and any(r["id"] == rect_id and r["days_overdue"] == 3
                                                for r in doc["overdue"]["items"]) or doc["overdue"]["count"] > 6
    assert doc["inspections"]["count"] >= 1 and doc["inspections"]["problems"] >= 1
    for key in ("red_warnings", "failures"):
        assert len(doc[key]["items"]) <= 6 and doc[key]["count"] >= len(doc[key]["items"])


def test_screen_scope_and_bad_input(world, login_as):
    assert_error(login_as("lead").get(f"/api/v1/screen/{world['regions']['taihuyuan']}"), 403, "out_of_scope")
    assert_error(login_as("inspector").get(f"/api/v1/screen/{world['regions']['jincheng']}"), 403, "role_forbidden")
    assert_error(login_as("county").get("/api/v1/screen/99999999"), 404, "not_found")
    assert login_as("lead").get(f"/api/v1/screen/{world['regions']['jincheng']}").status_code == 200
