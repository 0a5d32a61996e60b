"""Files on a department's feedback (反馈): photos and PDFs the department attaches while it works on a
task, judged by their bytes (the fund receipts' checks), bounded in size and number, sent with the
feedback, listed on the task for the checker (核查) and downloaded by those who may see the task —
nobody else. A replayed client UUID is one file."""
import io
import uuid

import pytest

import department_seed
from conftest import PASSWORD, Client, assert_error, jpeg_bytes, new_uuid
from test_fund_receipts import pdf_bytes


def upload(client, task_id, data, name="现场照片.jpg", key=None):
    return client.post(f"/api/v1/department-tasks/{task_id}/files",
                       form={"client_uuid": key or new_uuid(), "file": (io.BytesIO(data), name)})


def other_department_official(app, world):
    """A signed-in official of another department of 临安 (民政局 …)."""
    from backend.core.auth import hash_password
    from backend.core.models import User
    from backend.extensions import db
    dept_id = department_seed.fresh_department(app, world)
    name = f"t_dpo_{uuid.uuid4().hex[:6]}"
    with app.app_context():
        db.session.add(User(username=name, display_name="别的部门", role="department", password_hash=hash_password(PASSWORD),
                            region_id=world["regions"]["linan"], department_id=dept_id))
        db.session.commit()
    flask_client = app.test_client()
    r = flask_client.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
    assert r.status_code == 200, r.json
    return Client(flask_client, r.json["csrf_token"])


@pytest.fixture
def task(app, world):
    department_seed.ensure(app, world)
    return department_seed.task_in(app, world, "signed")


def test_a_photo_and_a_pdf_go_with_the_feedback_and_the_checker_downloads_them(app, world, login_as, task):
    official = login_as("department")
    photo = jpeg_bytes(seed=uuid.uuid4().int % 10_000)
    key = new_uuid()
    r = upload(official, task, photo, "现场.png", key=key)
    assert r.status_code == 201, r.json
    assert (r.json["kind"], r.json["filename"], r.json["sent"]) == ("jpeg", "现场.png", False)
    again = upload(official, task, photo, "现场.png", key=key)  # the outbox replays the same upload
    assert (again.status_code, again.json["id"]) == (201, r.json["id"])
    pdf = pdf_bytes()
    r2 = upload(official, task, pdf, "处理决定.pdf")
    assert r2.status_code == 201 and r2.json["kind"] == "pdf"
    seen = official.get(f"/api/v1/department-tasks/{task}").json
    assert [f["id"] for f in seen["files"]] == [r.json["id"], r2.json["id"]] and seen["may_attach"] is True

    r = official.post(f"/api/v1/department-tasks/{task}/feedback", json={"client_uuid": new_uuid(), "note": "已核实，附照片"})
    assert r.status_code == 200 and r.json["status"] == "fed_back"
    assert all(f["sent"] for f in r.json["files"]) and r.json["may_attach"] is False
    # after the feedback nothing more is attached until the checker sends it back
    assert_error(upload(official, task, jpeg_bytes(seed=7)), 409, "task_files_closed")

    for who in ("county", "lead", "admin"):  # the checkers and whoever may see the task
        client = login_as(who)
        detail = client.get(f"/api/v1/department-tasks/{task}").json
        assert [f["filename"] for f in detail["files"]] == ["现场.png", "处理决定.pdf"]
        got = client.get(detail["files"][1]["url"])
        assert got.status_code == 200 and got.data == pdf
        assert got.headers["Content-Type"] == "application/pdf"
        assert got.headers["X-Content-Type-Options"] == "nosniff" and "attachment" in got.headers["Content-Disposition"]
    got = login_as("county").get(detail["files"][0]["url"])
    assert got.headers["Content-Type"] == "image/jpeg" and got.data[:3] == b"\xff\xd8\xff"
    assert "%E7%8E%B0%E5%9C%BA.jpg" in got.headers["Content-Disposition"]  # 现场.jpg: served re-encoded


def test_wrong_type_too_large_and_hostile_files_are_refused(app, world, login_as, task):
    from backend.departments.models import TaskFile
    from backend.extensions import db
    official = login_as("department")
    assert_error(upload(official, task, b"MZ\x90\x00" + b"\x00" * 200, "照片.jpg"), 415, "attachment_type", "files.file")
    assert_error(upload(official, task, b"<html><script>alert(1)</script></html>", "a.pdf"), 415, "attachment_type")
    assert_error(upload(official, task, pdf_bytes(b"/JavaScript (app.alert(1))"), "决定.pdf"), 400,
                 "attachment_active_content")
    assert_error(upload(official, task, pdf_bytes()[:-40], "半截.pdf"), 400, "attachment_pdf_damaged")
    assert_error(upload(official, task, b"", "空.jpg"), 400, "attachment_empty")
    r = official.post(f"/api/v1/department-tasks/{task}/files", form={"client_uuid": "not-a-uuid"})
    assert r.status_code == 400 and r.json["error"]["code"] == "validation_error"
    limit = app.config["TASK_FILE_MAX_BYTES"]
    app.config["TASK_FILE_MAX_BYTES"] = 100_000
    try:
        assert_error(upload(official, task, pdf_bytes(b"x" * 200_000), "大.pdf"), 413, "attachment_too_large")
    finally:
        app.config["TASK_FILE_MAX_BYTES"] = limit
    most = app.config["TASK_FILES_MAX"]
    app.config["TASK_FILES_MAX"] = 1
    try:
        assert upload(official, task, pdf_bytes(b"(one)"), "一.pdf").status_code == 201
        assert_error(upload(official, task, pdf_bytes(b"(two)"), "二.pdf"), 409, "task_files_full")
    finally:
        app.config["TASK_FILES_MAX"] = most
    with app.app_context():
        assert db.session.query(TaskFile).filter_by(task_id=task).count() == 1


def test_no_one_else_attaches_or_downloads(app, world, login_as, task):
    official = login_as("department")
    mine = upload(official, task, pdf_bytes(b"(mine)"), "证明.pdf").json
    stranger = other_department_official(app, world)  # another department of the same county
    assert_error(upload(stranger, task, pdf_bytes(b"(theirs)")), 403, "out_of_scope")
    assert_error(stranger.get(mine["url"]), 403, "out_of_scope")
    for who, status, code in (("county", 403, "task_forbidden"), ("lead", 403, "task_forbidden"),
                              ("lead_sibling", 403, "out_of_scope"), ("county_sibling", 403, "out_of_scope"),
                              ("inspector", 403, "role_forbidden"), (None, 401, "unauthenticated")):
        assert_error(upload(login_as(who), task, pdf_bytes(b"(other)")), status, code)
    for who, status, code in (("lead_sibling", 403, "out_of_scope"), ("inspector", 403, "role_forbidden"),
                              (None, 401, "unauthenticated")):
        assert_error(login_as(who).get(mine["url"]), status, code)
    # a file of another task is not found through this one
    other = department_seed.task_in(app, world, "signed")
    assert_error(official.get(f"/api/v1/department-tasks/{other}/files/{mine['id']}"), 404, "not_found")


def test_the_outbox_sending_a_file_twice_keeps_one(app, world, login_as, task):
    """The phone's outbox sends a queued file again when the answer was lost on a weak signal: the same
    client UUID is one file (one row, one stored object, one audit line), with different bytes or after
    the feedback went too; the same UUID on another task is refused, not stored."""
    import os
    from backend.core.models import AuditLog
    from backend.departments.models import TaskFile
    from backend.extensions import db
    official = login_as("department")
    key, photo = new_uuid(), jpeg_bytes(seed=uuid.uuid4().int % 10_000)
    first = upload(official, task, photo, "离线照片.jpg", key=key)
    assert first.status_code == 201, first.json
    sha = first.json["sha256"]
    for again in (photo, jpeg_bytes(seed=uuid.uuid4().int % 10_000)):  # a replay; a client that reused its key
        r = upload(official, task, again, "离线照片.jpg", key=key)
        assert (r.status_code, r.json["id"], r.json["sha256"]) == (201, first.json["id"], sha)
    r = official.post(f"/api/v1/department-tasks/{task}/feedback", json={"client_uuid": new_uuid(), "note": "离线时填写"})
    assert r.status_code == 200, r.json
    late = upload(official, task, photo, "离线照片.jpg", key=key)  # its answer was lost before the feedback went
    assert (late.status_code, late.json["id"]) == (201, first.json["id"])
    other = department_seed.task_in(app, world, "signed")
    assert_error(upload(official, other, photo, "离线照片.jpg", key=key), 409, "client_uuid_reused", "form_and_files.client_uuid")
    with app.app_context():
        rows = db.session.query(TaskFile).filter_by(client_uuid=key).all()
        assert [(f.task_id, f.sha256) for f in rows] == [(task, sha)]
        assert db.session.query(TaskFile).filter_by(task_id=other).count() == 0
        assert db.session.query(AuditLog).filter_by(action="department_task.file", subject_id=task).count() == 1
    stored = [n for _, _, names in os.walk(app.config["STORAGE_DIR"]) for n in names if n.startswith(sha)]
    assert len(stored) == 2  # the original as uploaded and the re-encoded JPEG it is served as, once each
