"""The county's administrator at a desk (1366 px) imports a county's roster: the region picker offers
the cities and counties (not only the townships), and the new users' one-time passwords are shown
once, in the browser, right after the import — with them the new user signs in and must change it."""
import uuid

from conftest import sign_in
from test_clerk_trial import csv_bytes

DESK = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}


def test_a_roster_imported_for_a_county_shows_its_one_time_passwords_once(app, world, live_server, browser, artifacts):
    context = browser.new_context(**DESK)
    errors = []
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, live_server, "t_admin")
    page.goto(f"{live_server}/imports")
    # The region picker: the admin's own province at first, any city, county or township below it.
    page.wait_for_selector("[data-testid=import-region-path]:text-is('浙江省')")
    page.click("[data-testid=import-region-q]")
    page.locator("[data-testid=import-region-option]:has-text('杭州市')").first.wait_for()
    name = f"clerk_{uuid.uuid4().hex[:6]}"
    data = csv_bytes([["序号", "姓名", "用户名", "角色", "地区", "手机"], [1, "余晓燕", name, "巡查员", "锦城街道", "13905710002"]], "gbk")
    page.select_option("[data-testid=import-kind]", "users")
    page.fill("[data-testid=import-region-q]", "临安")
    page.click(f"[data-testid=import-region-option][data-id='{world['regions']['linan']}']")
    assert page.inner_text("[data-testid=import-region-path]") == "杭州市 / 临安区"
    page.set_input_files("[data-testid=import-file]", files=[{"name": "人员名单.csv", "mimeType": "text/csv", "buffer": data}])
    page.click("[data-testid=import-submit]")
    page.wait_for_selector("[data-testid=import-secret-show]", timeout=60000)
    page.click("[data-testid=import-secret-show]")
    page.wait_for_selector("[data-testid=import-secret-table]")
    page.screenshot(path=str(artifacts / "clerk-roster-passwords-desk.png"), full_page=True)
    assert name in page.inner_text("[data-testid=import-secret-table]")
    secret = page.inner_text("[data-testid=import-secret-password]").strip()
    assert len(secret) >= 10 and errors == []
    context.close()
    # The new user signs in with it and is asked for a password of their own.
    page = browser.new_context(**DESK).new_page()
    sign_in(page, live_server, name, secret, wait="#pw-new")
    assert "一次性密码（新账号" in page.inner_text("main")
    page.context.close()
