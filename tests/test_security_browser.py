"""In a real Chromium against a real gunicorn, with the Content-Security-Policy on: the policy
blocks what it should and nothing the app needs; user management at a desk (1366 px) and on a
phone (360 px); a reset password is changed at the first sign-in."""
import time
import uuid

import pytest

from conftest import CSP_BLOCKED, PASSWORD, PHONE, sign_in

DESK = {"viewport": {"width": 1366, "height": 850}, "locale": "zh-CN"}
NEW_PASSWORD = "my-own-secret-2026x"


@pytest.fixture
def fresh_user(app, world):
    """fresh_user("inspector", "jincheng") → (id, user name, display name) of a new account."""
    from backend.core.auth import hash_password
    from backend.core.models import User
    from backend.extensions import db

    def make(role="inspector", region="jincheng"):
        with app.app_context():
            name = f"b_{uuid.uuid4().hex[:8]}"
            user = User(username=name, display_name=f"浏览器{name[-4:]}", role=role,
                        password_hash=hash_password(PASSWORD), region_id=world["regions"][region])
            db.session.add(user)
            db.session.commit()
            return user.id, name, user.display_name
    return make


def _sign_in(page, base, username, password=PASSWORD):
    sign_in(page, base, username, password, wait=None)


def test_the_policy_blocks_inline_script_and_the_tests_notice(phone, live_server):
    response = phone.goto(f"{live_server}/login")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    phone.wait_for_selector("[data-testid=login-submit]")
    phone.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.injected = 1';
                              document.body.append(s); }""")
    phone.wait_for_timeout(300)
    assert phone.evaluate("() => window.injected") is None
    assert any("Content Security Policy" in m for m in CSP_BLOCKED)
    CSP_BLOCKED.clear()  # seen: this test passes when the watcher caught it


def test_the_label_sheet_works_under_the_policy(browser, live_server, world):
    import requests
    token = requests.post(f"{live_server}/api/v1/auth/token",
                          json={"username": "t_lead", "password": PASSWORD}).json()["access_token"]
    context = browser.new_context(extra_http_headers={"Authorization": f"Bearer {token}"})
    page = context.new_page()
    page.goto(f"{live_server}/api/v1/regions/{world['regions']['jincheng']}/labels")
    assert page.eval_on_selector(".page", "e => getComputedStyle(e).display") == "grid"  # the <style> applies
    page.evaluate("() => { window.print = () => { window.printed = true; }; }")
    page.click("#print")
    assert page.evaluate("() => window.printed") is True  # the button's script (a file) ran
    context.close()


def test_admin_resets_a_password_at_the_desk_and_it_is_changed_at_first_sign_in(browser, live_server, fresh_user,
                                                                                artifacts):
    _, username, display = fresh_user()
    desk = browser.new_context(**DESK)
    page = desk.new_page()
    _sign_in(page, live_server, "t_admin")
    page.click("[data-testid=home-users]")
    page.fill("[data-testid=users-q]", username)
    page.press("[data-testid=users-q]", "Enter")
    row = page.locator(f"[data-testid=user][data-username={username}]")
    row.wait_for()
    assert page.locator("[data-testid=user]").count() == 1
    page.goto(f"{live_server}/users?status=all")
    page.wait_for_selector("[data-testid=user]")
    page.screenshot(path=str(artifacts / "users-desk-1366.png"), full_page=False)
    page.goto(f"{live_server}/users?q={username}")
    page.locator(f"[data-testid=user][data-username={username}] [data-testid=user-reset]").click()
    page.click("[data-testid=reset-ok]")
    secret = page.locator("[data-testid=otp-value]").inner_text().strip()
    page.screenshot(path=str(artifacts / "users-otp-1366.png"))
    assert len(secret) == 14
    page.click("[data-testid=otp-done]")
    page.wait_for_selector(f"[data-testid=user][data-username={username}] >> text=待改密码")
    desk.close()

    phone = browser.new_context(**PHONE).new_page()
    _sign_in(phone, live_server, username, secret)
    phone.wait_for_selector("[data-testid=pw-forced]")
    assert phone.url.endswith("/password?next=%2F")
    phone.screenshot(path=str(artifacts / "password-forced-360.png"))
    # Sent empty: the message names the one-time password and the cursor is put in its box.
    phone.click("[data-testid=pw-submit]")
    phone.wait_for_selector("[data-testid=error]:has-text('一次性密码')")
    assert phone.evaluate("document.activeElement.dataset.testid") == "pw-current"
    phone.fill("[data-testid=pw-current]", secret)
    phone.click("[data-testid=pw-submit]")
    phone.wait_for_selector("[data-testid=error]:has-text('新密码')")
    assert phone.evaluate("document.activeElement.dataset.testid") == "pw-new"
    phone.fill("[data-testid=pw-current]", secret)
    phone.fill("[data-testid=pw-new]", "1234567890")
    phone.fill("[data-testid=pw-again]", "1234567890")
    phone.click("[data-testid=pw-submit]")
    phone.wait_for_selector("[data-testid=error]:has-text('太常见')")
    phone.fill("[data-testid=pw-new]", NEW_PASSWORD)
    phone.fill("[data-testid=pw-again]", NEW_PASSWORD)
    phone.click("[data-testid=pw-submit]")
    phone.wait_for_selector("[data-testid=flash]")
    phone.wait_for_selector("#me-name")
    assert display in phone.inner_text("#me-name")
    phone.context.close()


def test_county_manages_its_accounts_on_a_phone(browser, live_server, world, fresh_user, artifacts):
    user_id, username, _ = fresh_user()
    page = browser.new_context(**PHONE).new_page()
    _sign_in(page, live_server, "t_county")
    page.wait_for_selector("[data-testid=home-users]")
    page.goto(f"{live_server}/users?q={username}")
    row = page.locator(f"[data-testid=user][data-username={username}]")
    row.locator("[data-testid=user-edit]").click()
    page.select_option("[data-testid=edit-role]", "township_lead")
    assert "province" not in page.eval_on_selector_all("[data-testid=edit-role] option", "os => os.map(o => o.value)")
    page.fill("[data-testid=edit-region-q]", "太湖源")
    page.click(f"[data-testid=edit-region-option][data-id='{world['regions']['taihuyuan']}']")
    assert page.get_attribute("[data-testid=edit-region]", "data-value") == str(world["regions"]["taihuyuan"])
    assert page.inner_text("[data-testid=edit-region-path]") == "临安区 / 太湖源镇"
    page.screenshot(path=str(artifacts / "users-edit-360.png"))
    page.click("[data-testid=edit-ok]")
    page.wait_for_selector(f"[data-testid=user][data-username={username}] [data-testid=user-region]:has-text('太湖源镇')")
    assert row.locator("[data-testid=user-role]").inner_text() == "乡镇负责人"
    row.locator("[data-testid=user-deactivate]").click()
    page.fill("[data-testid=deactivate-reason]", "调离")
    page.click("[data-testid=deactivate-ok]")
    row.wait_for(state="detached")  # the list of active accounts reloads without it once the server said yes
    page.goto(f"{live_server}/users?q={username}&status=inactive")
    page.wait_for_selector(f"[data-testid=user][data-username={username}][data-active=false]")
    page.screenshot(path=str(artifacts / "users-phone-360.png"), full_page=True)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways at 360 px ({width} px)"
    page.locator("[data-testid=user-reactivate]").click()
    page.click("[data-testid=reactivate-ok]")
    row.wait_for(state="detached")  # likewise gone from the inactive list before we look for it among the active
    page.goto(f"{live_server}/users?q={username}")
    page.wait_for_selector(f"[data-testid=user][data-username={username}][data-active=true]")
    page.context.close()


def test_field_work_waits_while_a_reset_password_is_changed(browser, live_server, world, fresh_user, make_project):
    """An inspector whose password is reset while records wait in the outbox loses nothing: the
    records wait through the sign-out (401) and the forced change (403 password_change_required)
    instead of failing, and go once the new password is set."""
    import requests
    project = make_project(stage="construction")
    user_id, username, _ = fresh_user("inspector", "jincheng")
    page = browser.new_context(**PHONE).new_page()
    _sign_in(page, live_server, username)
    page.wait_for_selector("[data-testid=my-tasks], [data-testid=project-list]")
    admin = requests.post(f"{live_server}/api/v1/auth/token", json={"username": "t_admin", "password": PASSWORD}).json()
    secret = requests.post(f"{live_server}/api/v1/users/{user_id}/reset-password",
                           headers={"Authorization": f"Bearer {admin['access_token']}"}).json()["one_time_password"]
    entry = str(uuid.uuid4())
    state = """async (id) => { const m = await import('/js/outbox.js'); const e = await m.find(id);
                               return e ? e.state : 'sent'; }"""
    page.evaluate("""async ([id, project]) => { const m = await import('/js/outbox.js');
        await m.enqueue([{ id, kind: 'inspection', method: 'POST', url: '/api/v1/inspections', label: {},
                           json: { client_uuid: id, project_id: project, verdict: 'normal', lat: 30.234, lng: 119.72 } }]);
        await m.replayNow({ force: true }); }""", [entry, project])
    assert page.evaluate(state, entry) == "queued"  # the session ended with the reset: 401, waits
    _sign_in(page, live_server, username, secret)
    page.wait_for_selector("[data-testid=pw-forced]")
    page.evaluate("async () => (await import('/js/outbox.js')).replayNow({ force: true })")
    assert page.evaluate(state, entry) == "queued"  # 403 password_change_required: still waits
    page.fill("[data-testid=pw-current]", secret)
    page.fill("[data-testid=pw-new]", NEW_PASSWORD)
    page.fill("[data-testid=pw-again]", NEW_PASSWORD)
    page.click("[data-testid=pw-submit]")
    page.wait_for_selector("[data-testid=flash]")
    # The outbox replays on its own once the password is set: wait for the server to have the record.
    arrived = []
    for _ in range(60):
        r = requests.get(f"{live_server}/api/v1/inspections?project_id={project}",
                         headers={"Authorization": f"Bearer {admin['access_token']}"})
        arrived = [i["client_uuid"] for i in r.json()["items"]]
        if entry in arrived:
            break
        time.sleep(0.25)
    assert arrived == [entry]
    assert page.evaluate(state, entry) == "sent"
    page.context.close()
