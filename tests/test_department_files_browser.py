"""反馈附件 in a real Chromium against a real gunicorn: the department official (360 px phone) reports
back on a signed task with a photo and a PDF chosen on the feedback form; the county (1366 px desk)
sees both files on the task and downloads the PDF before closing it. Screenshots in test-artifacts/
(looked at)."""
import department_seed
from conftest import PHONE, jpeg_bytes, new_uuid, sign_in
from test_fund_receipts import pdf_bytes

DESK = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN", "accept_downloads": True}


def test_department_reports_back_with_a_photo_and_a_pdf_county_downloads(app, world, live_server, pages, artifacts):
    photo = jpeg_bytes(seed=int(new_uuid()[:4], 16))
    pdf = pdf_bytes(f"(decision {new_uuid()})".encode())
    task, official = _signed_task_on_a_phone(app, world, live_server, pages)
    official.click("[data-testid=dt-feedback]")
    official.fill("[data-testid=dt-note]", "已到现场核实，附照片和处理决定")
    official.set_input_files("[data-testid=dt-file-input]", files=[
        {"name": "现场照片.jpg", "mimeType": "image/jpeg", "buffer": photo},
        {"name": "处理决定.pdf", "mimeType": "application/pdf", "buffer": pdf}])
    official.wait_for_selector("[data-testid=dt-files-picked] li >> nth=1")
    assert official.evaluate("document.documentElement.scrollWidth") <= 360
    official.screenshot(path=str(artifacts / "dept-feedback-files-form-360.png"))
    official.click("[data-testid=dt-feedback-sheet-ok]")
    official.wait_for_selector("[data-testid=dt-card][data-status=fed_back]")
    names = official.locator("[data-testid=dt-file]").all_inner_texts()
    assert names == ["现场照片.jpg", "处理决定.pdf"]
    assert official.evaluate("document.documentElement.scrollWidth") <= 360
    official.screenshot(path=str(artifacts / "dept-feedback-files-sent-360.png"), full_page=True)

    county = pages(DESK)
    sign_in(county, live_server, "t_county")
    county.goto(f"{live_server}/dept-tasks/{task}")
    county.wait_for_selector("[data-testid=dt-files]")
    with county.expect_download() as got:
        county.click("[data-testid=dt-file] >> text=处理决定.pdf")
    download = got.value
    assert open(download.path(), "rb").read() == pdf
    county.screenshot(path=str(artifacts / "dept-feedback-files-county-1366.png"), full_page=True)
    county.click("[data-testid=dt-close]")
    county.click("[data-testid=dt-close-sheet-ok]")
    county.wait_for_selector("[data-testid=dt-card][data-status=closed]")
    assert county.locator("[data-testid=dt-file]").count() == 2


def _signed_task_on_a_phone(app, world, live_server, pages):
    """A task the department has signed for, open on the official's phone: (task id, page)."""
    department_seed.ensure(app, world)
    task = department_seed.task_in(app, world, "signed")
    official = pages(PHONE)
    sign_in(official, live_server, "t_department", wait="[data-testid=dt-tabs]")
    official.goto(f"{live_server}/dept-tasks/{task}")
    official.wait_for_selector("[data-testid=dt-card][data-status=signed]")
    return task, official


def _task_files(app, task):
    from backend.departments.models import DepartmentTask, TaskFile
    from backend.extensions import db
    with app.app_context():
        rows = db.session.query(TaskFile).filter_by(task_id=task).order_by(TaskFile.id).all()
        return db.session.get(DepartmentTask, task).status, [f.filename for f in rows]


def test_feedback_files_wait_in_the_outbox_without_signal_and_go_once_when_back(app, world, live_server, pages,
                                                                                 artifacts):
    """Without signal (the context offline) the feedback and its two files wait on the phone, listed on
    the task as waiting; back online they go by themselves, the first file's answer lost on the way
    (sent again: kept once), and the task shows them fed back."""
    photo = jpeg_bytes(seed=int(new_uuid()[:4], 16))
    pdf = pdf_bytes(f"(offline {new_uuid()})".encode())
    task, official = _signed_task_on_a_phone(app, world, live_server, pages)
    cut = {"done": 0}

    def cut_once(route):
        if cut["done"]:
            return route.continue_()
        cut["done"] = 1
        route.fetch()  # the server receives and keeps the file...
        route.abort("connectionreset")  # ...and the phone never hears back

    official.context.set_offline(True)
    official.click("[data-testid=dt-feedback]")
    official.fill("[data-testid=dt-note]", "山里没有信号，先存着：已到现场核实")
    official.set_input_files("[data-testid=dt-file-input]", files=[
        {"name": "山上照片.jpg", "mimeType": "image/jpeg", "buffer": photo},
        {"name": "整改决定.pdf", "mimeType": "application/pdf", "buffer": pdf}])
    official.click("[data-testid=dt-feedback-sheet-ok]")
    pending = official.locator("[data-testid=dt-pending]:not([hidden])")
    pending.wait_for()
    assert official.locator("[data-testid=dt-feedback-sheet]").count() == 0
    assert official.locator("[data-testid=dt-pending-file]").all_inner_texts()[0].startswith("山上照片.jpg")
    assert official.locator("[data-testid=dt-pending-file]").count() == 2
    assert official.locator("[data-testid=dt-pending-feedback]").count() == 1
    assert "没有网络" in official.inner_text("[data-testid=dt-pending-note]")
    assert official.locator("[data-testid=dt-card][data-status=signed]").count() == 1
    assert official.locator("[data-testid=dt-feedback]").is_disabled()  # not fed back a second time
    assert _task_files(app, task) == ("signed", [])
    assert official.evaluate("document.documentElement.scrollWidth") <= 360
    official.screenshot(path=str(artifacts / "dept-feedback-files-offline-360.png"), full_page=True)

    # Back in signal, a weak one: the first file's answer is lost (the service worker's sends routed too).
    official.context.route("**/api/v1/department-tasks/*/files", cut_once)
    official.context.set_offline(False)
    official.wait_for_selector("[data-testid=dt-card][data-status=fed_back]", timeout=60_000)
    assert official.locator("[data-testid=dt-file]").all_inner_texts() == ["山上照片.jpg", "整改决定.pdf"]
    assert official.locator("[data-testid=dt-pending]:not([hidden])").count() == 0
    assert cut["done"] == 1
    assert _task_files(app, task) == ("fed_back", ["山上照片.jpg", "整改决定.pdf"])
    assert official.evaluate("document.documentElement.scrollWidth") <= 360
    official.screenshot(path=str(artifacts / "dept-feedback-files-back-online-360.png"), full_page=True)


def test_a_refused_file_is_said_in_the_sheet_and_not_left_in_the_outbox(app, world, live_server, pages, artifacts):
    """Online, a file the server refuses (not a photo or a PDF) is named in the sheet with the
    server's reason; nothing of it stays in the outbox, no feedback went, and another file goes."""
    task, official = _signed_task_on_a_phone(app, world, live_server, pages)
    official.click("[data-testid=dt-feedback]")
    official.fill("[data-testid=dt-note]", "附上现场照片")
    official.set_input_files("[data-testid=dt-file-input]", files=[
        {"name": "伪装.jpg", "mimeType": "image/jpeg", "buffer": b"MZ\x90\x00" + b"\x00" * 200},
        {"name": "处理决定.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes(f"({new_uuid()})".encode())}])
    official.click("[data-testid=dt-feedback-sheet-ok]")
    alert = official.locator("[data-testid=dt-feedback-sheet] [role=alert]:not([hidden])")
    alert.wait_for()
    assert alert.inner_text().startswith("附件“伪装.jpg”上传失败")
    assert official.evaluate("document.documentElement.scrollWidth") <= 360
    official.screenshot(path=str(artifacts / "dept-feedback-file-refused-360.png"))
    assert _task_files(app, task) == ("signed", [])
    left = official.evaluate("""async () => { const o = self.JicaiOutbox;
        return (await o.queued()).length + (await o.failed()).length; }""")
    assert left == 0
    official.set_input_files("[data-testid=dt-file-input]", files=[
        {"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(seed=int(new_uuid()[:4], 16))}])
    official.click("[data-testid=dt-feedback-sheet-ok]")
    official.wait_for_selector("[data-testid=dt-card][data-status=fed_back]")
    assert _task_files(app, task) == ("fed_back", ["现场.jpg"])


def test_a_waiting_feedback_the_server_refuses_says_why_on_the_task_and_is_deleted_there(app, world, live_server,
                                                                                         pages, artifacts):
    """A feedback waiting on the phone (no signal) while the task is fed back from the office computer
    and sent back by the county: back online the server refuses it (409 ``task_changed``), and the
    task — not only the outbox page — says why in the server's words, with a delete that empties it."""
    from backend.core.models import User
    from backend.departments import services
    from backend.departments.models import DepartmentTask
    from backend.extensions import db
    task, official = _signed_task_on_a_phone(app, world, live_server, pages)
    official.context.set_offline(True)
    official.click("[data-testid=dt-feedback]")
    official.fill("[data-testid=dt-note]", "山里没有信号：已到现场核实")
    official.click("[data-testid=dt-feedback-sheet-ok]")
    official.locator("[data-testid=dt-pending]:not([hidden])").wait_for()
    assert official.locator("[data-testid=dt-refused]:not([hidden])").count() == 0

    with app.app_context(), app.test_request_context(method="POST"):
        t = db.session.get(DepartmentTask, task)
        services.act(t, db.session.get(User, world["users"]["department"]), "feedback", "在办公室电脑上已反馈")
        services.act(t, db.session.get(User, world["users"]["county"]), "return", "请补充现场照片")
        db.session.commit()
    official.context.set_offline(False)
    refused = official.locator("[data-testid=dt-refused]:not([hidden])")
    refused.wait_for(timeout=60_000)
    assert official.inner_text("[data-testid=dt-refused-message]") == "保存在本机的反馈未能上传：该任务已被他人处理，请刷新"
    assert official.locator("[data-testid=dt-card][data-status=working]").count() == 1  # shown as it is now
    assert official.locator("[data-testid=dt-pending]:not([hidden])").count() == 0
    kinds = official.evaluate("async () => (await self.JicaiOutbox.failed()).map((e) => [e.kind, e.error_code])")
    assert kinds == [["task_action", "task_changed"]]
    assert official.evaluate("document.documentElement.scrollWidth") <= 360
    official.screenshot(path=str(artifacts / "dept-feedback-refused-360.png"), full_page=True)

    official.once("dialog", lambda d: d.accept())
    official.click("[data-testid=dt-refused-discard]")
    official.locator("[data-testid=dt-refused]").wait_for(state="hidden")
    left = official.evaluate("""async () => { const o = self.JicaiOutbox;
        return (await o.queued()).length + (await o.failed()).length; }""")
    assert left == 0
    assert official.locator("button[data-testid=dt-feedback]").is_enabled()  # reported back afresh from here
