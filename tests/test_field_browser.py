"""The inspector's day, in a real phone-sized Chromium against a real gunicorn: record two
inspections with photos while offline, reload the app offline, come back online and find exactly
two inspections and their photos on the server; and a photo upload whose connection is cut after
the server stored it completes exactly once."""
import requests

from backend.inspections.models import Inspection
from backend.photos.models import Photo
from conftest import PASSWORD, PHONE, code_of, jpeg_bytes, sign_in

SITE = {"latitude": 30.2341, "longitude": 119.7201, "accuracy": 12}


def _phone(browser, live_server):
    context = browser.new_context(**PHONE, permissions=["geolocation"], geolocation=SITE)
    page = context.new_page()
    sign_in(page, live_server, "t_inspector", wait="[data-testid=my-tasks], [data-testid=project-list]")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("() => localStorage.getItem('jicai.checklists') !== null")  # saved for offline use
    return context, page


def _record(page, artifacts, name, seed, problem=False):
    page.click("[data-testid=record-inspection]")
    page.wait_for_selector("[data-testid=inspect-form]")
    page.locator("[data-testid=check-ok]").first.click()
    if problem:
        page.locator("[data-testid=check-bad]").last.click()
        page.fill("[data-testid=findings]", "护栏未按设计安装，需整改")
        page.click("[data-testid=verdict-problem]")
    else:
        page.click("[data-testid=verdict-normal]")
    page.set_input_files("[data-testid=photo-input]", files=[
        {"name": f"IMG_{seed}.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(seed, size=(2400, 1800))}])
    page.wait_for_selector("[data-testid=thumb]")
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    page.click("[data-testid=inspect-submit]")
    page.wait_for_selector("[data-testid=project-card]")


def _counts(app, project_id):
    from backend.extensions import db
    with app.app_context():
        inspections = db.session.query(Inspection).filter_by(project_id=project_id).all()
        photos = db.session.query(Photo).filter(Photo.inspection_id.in_([i.id for i in inspections])).count() \
            if inspections else 0
        return len(inspections), photos


def test_offline_inspections_arrive_exactly_once(app, browser, live_server, make_project, artifacts):
    project_id = make_project(stage="construction", name="离线巡查测试道路工程")
    code = code_of(app, project_id)
    context, page = _phone(browser, live_server)
    page.goto(f"{live_server}/q/{code}")
    page.wait_for_selector("[data-testid=record-inspection]")
    context.set_offline(True)
    _record(page, artifacts, "field-inspect-offline-1", 31)
    _record(page, artifacts, "field-inspect-offline-2", 32, problem=True)
    page.wait_for_selector("[data-testid=outbox-count]:not([hidden])")
    assert "待上传" in page.inner_text("[data-testid=outbox-count]")
    page.reload()  # the app was closed and opened again, still without signal
    page.wait_for_selector("[data-testid=outbox-count]:not([hidden])")
    page.screenshot(path=str(artifacts / "field-offline-reloaded.png"))
    page.goto(f"{live_server}/outbox")
    page.wait_for_selector("[data-testid=outbox-item]")
    assert page.locator("[data-testid=outbox-item]").count() >= 4  # 2 inspections + 2 photos
    page.screenshot(path=str(artifacts / "field-outbox.png"), full_page=True)
    assert _counts(app, project_id) == (0, 0)

    context.set_offline(False)
    page.wait_for_selector("[data-testid=outbox-count]", state="hidden", timeout=60_000)
    assert _counts(app, project_id) == (2, 2)
    page.goto(f"{live_server}/q/{code}")
    page.wait_for_selector("[data-testid=inspection]")
    page.screenshot(path=str(artifacts / "field-project-after-sync.png"), full_page=True)
    context.close()


def test_photo_upload_cut_after_the_server_stored_it(app, browser, live_server, make_project, artifacts):
    project_id = make_project(stage="construction", name="断线重传测试工程")
    code = code_of(app, project_id)
    context, page = _phone(browser, live_server)
    cut = {"done": 0}

    def cut_once(route):
        if cut["done"]:
            return route.continue_()
        cut["done"] = 1
        route.fetch()   # the server receives and stores the photo...
        route.abort("connectionreset")  # ...and the phone never hears back

    page.route("**/api/v1/inspections/*/photos", cut_once)
    page.goto(f"{live_server}/q/{code}")
    page.wait_for_selector("[data-testid=record-inspection]")
    _record(page, artifacts, "field-inspect-cut", 33)
    page.wait_for_selector("[data-testid=outbox-count]", state="hidden", timeout=60_000)
    assert cut["done"] == 1
    assert _counts(app, project_id) == (1, 1)
    token = requests.post(f"{live_server}/api/v1/auth/token",
                          json={"username": "t_lead", "password": PASSWORD}).json()["access_token"]
    timeline = requests.get(f"{live_server}/api/v1/projects/{project_id}/timeline",
                            headers={"Authorization": f"Bearer {token}"}).json()["items"]
    assert [e["kind"] for e in timeline].count("photo_added") == 1
    context.close()


def test_signing_out_without_signal_asks_first_and_ends_the_session_when_back_online(browser, live_server, artifacts):
    context, page = _phone(browser, live_server)
    context.set_offline(True)
    page.click("#logout")
    sheet = page.locator("[data-testid=logout-confirm]")
    sheet.wait_for()
    assert "没有网络" in sheet.inner_text()
    page.screenshot(path=str(artifacts / "logout-offline-confirm.png"))
    page.click("[data-testid=logout-confirm-ok]")
    page.wait_for_url("**/login")
    assert page.evaluate("localStorage.getItem('jicai.logoutPending')") == "1"
    # Back online: the server session the phone could not end is ended now.
    context.set_offline(False)
    page.wait_for_function("() => localStorage.getItem('jicai.logoutPending') === null")
    assert page.evaluate("fetch('/api/v1/auth/me').then(r => r.status)") == 401
    # Signed out, the home address is the public front page, with the staff sign-in one link on it.
    page.goto(f"{live_server}/")
    page.wait_for_selector("[data-testid=staff-login]")
    assert page.locator("[data-testid=my-tasks]").count() == 0
    context.close()


def _submit_and_start_again(app, page, project_id):
    """Submit the form, see it arrive once, and find the next inspection of the project empty (the
    draft is gone with the submission)."""
    page.click("[data-testid=inspect-submit]")
    page.wait_for_selector("[data-testid=project-card]")
    page.wait_for_selector("[data-testid=outbox-count]", state="hidden", timeout=60_000)
    assert _counts(app, project_id) == (1, 1)
    page.click("[data-testid=record-inspection]")
    page.wait_for_selector("[data-testid=inspect-form]")
    assert page.locator("[data-testid=draft-restored]").count() == 0
    assert page.input_value("[data-testid=findings]") == "" and page.locator("[data-testid=thumb]").count() == 0


def test_switching_language_mid_inspection_loses_nothing(app, browser, live_server, make_project, artifacts):
    project_id = make_project(stage="construction", name="语言切换巡查测试工程")
    code = code_of(app, project_id)
    context, page = _phone(browser, live_server)
    page.goto(f"{live_server}/q/{code}")
    page.click("[data-testid=record-inspection]")
    page.wait_for_selector("[data-testid=inspect-form]")
    page.locator("[data-testid=check-ok]").first.click()
    page.locator("[data-testid=check-bad]").last.click()
    page.fill("[data-testid=findings]", "排水沟堵塞，需清理")
    page.set_input_files("[data-testid=photo-input]", files=[
        {"name": "IMG_71.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(71, size=(1600, 1200))}])
    page.wait_for_selector("[data-testid=thumb]")
    page.click("[data-testid=lang-toggle]")
    page.wait_for_selector("h2:has-text('Checklist')")
    assert page.input_value("[data-testid=findings]") == "排水沟堵塞，需清理"
    assert page.locator("[data-testid=thumb]").count() == 1
    assert page.locator("[data-testid=check-item]").first.get_attribute("data-ok") == "true"
    assert page.locator("[data-testid=check-item]").last.get_attribute("data-ok") == "false"
    assert page.get_attribute("[data-testid=verdict-problem]", "aria-pressed") == "true"
    page.screenshot(path=str(artifacts / "field-inspect-english-kept.png"), full_page=True)
    page.click("[data-testid=lang-toggle]")
    page.wait_for_selector("[data-testid=inspect-submit]")
    _submit_and_start_again(app, page, project_id)
    context.close()


def test_switching_language_on_the_sign_in_page_keeps_what_was_typed(browser, live_server):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("[data-testid=username]", "t_inspector")
    page.fill("[data-testid=password]", "half-typed")
    page.click("[data-testid=lang-toggle]")
    page.wait_for_selector("[data-testid=login-submit]:has-text('Sign in')")
    assert page.input_value("[data-testid=username]") == "t_inspector"
    assert page.input_value("[data-testid=password]") == "half-typed"
    context.close()


def test_an_inspection_not_yet_submitted_survives_the_app_being_closed(app, browser, live_server, make_project, artifacts):
    """Android often kills the browser while its camera app takes the photo: the inspector comes back
    to a reloaded page and finds the ticks, the text and the photo still there."""
    project_id = make_project(stage="construction", name="草稿保存巡查测试工程")
    code = code_of(app, project_id)
    context, page = _phone(browser, live_server)
    page.goto(f"{live_server}/q/{code}")
    page.click("[data-testid=record-inspection]")
    page.wait_for_selector("[data-testid=inspect-form]")
    assert page.locator("[data-testid=draft-restored]").count() == 0
    page.locator("[data-testid=check-ok]").first.click()
    page.fill("[data-testid=findings]", "围挡缺失约十米")
    page.click("[data-testid=verdict-problem]")
    page.set_input_files("[data-testid=photo-input]", files=[
        {"name": "IMG_81.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(81, size=(1600, 1200))}])
    page.wait_for_selector("[data-testid=thumb]")
    page.wait_for_timeout(300)  # the photo reaches IndexedDB
    page.reload()
    page.wait_for_selector("[data-testid=draft-restored]")
    assert page.input_value("[data-testid=findings]") == "围挡缺失约十米"
    assert page.locator("[data-testid=thumb]").count() == 1
    assert page.locator("[data-testid=check-item]").first.get_attribute("data-ok") == "true"
    page.screenshot(path=str(artifacts / "field-draft-restored.png"), full_page=True)
    _submit_and_start_again(app, page, project_id)
    context.close()
