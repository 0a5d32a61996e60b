"""The admin screens in a real Chromium against a real gunicorn: the regions tree with a merged
village, its history, a rename and a village added by hand (desk, 1366 px); a new user whose
one-time password is shown once; the regions screen on a 360 px phone. Screenshots in
test-artifacts/ (admin-*.png) were looked at."""
import pytest

from conftest import PHONE, sign_in


def county_table(c, year):
    rows = [("统计用区划代码", "城乡分类代码", "名称", "变更说明"), ("330000000000", "", "浙江省", ""),
            ("330100000000", "", "杭州市", ""), (f"{c}000000", "", "演示县", ""), (f"{c}100000", "", "青山镇", ""),
            (f"{c}100201", "220", "上村" if year == 1 else "上溪村", ""),
            (f"{c}100202", "220", "中村", "" if year == 1 else f"并入{c}100203下村"), (f"{c}100203", "220", "下村", "")]
    return ("\n".join(",".join(r) for r in rows) + "\n").encode()


@pytest.fixture
def town(app, world):
    from backend.extensions import db
    from backend.regions import services
    with app.app_context(), app.test_request_context(method="POST"):
        for year in (1, 2):
            report, counts, _ = services.load_table("t.csv", county_table("330137", year), year=2025 + year)
            assert counts is not None, report.errors
        db.session.commit()
        return services.by_code("330137100000").id


def test_regions_and_a_new_user_at_the_desk_and_on_a_phone(live_server, pages, world, town, artifacts):
    page = pages({"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"})
    sign_in(page, live_server, "t_admin")
    page.goto(f"{live_server}/regions?parent={town}&status=all")
    page.wait_for_selector("[data-testid=region-list]")
    merged = page.locator("[data-testid=region][data-code='330137100202']")
    assert "已并入下村" in merged.inner_text()
    assert page.locator("[data-testid=region][data-code='330137100201']").inner_text().count("上溪村") == 1
    page.screenshot(path=str(artifacts / "admin-regions-desk.png"), full_page=True)
    # History of the renamed village.
    page.locator("[data-testid=region][data-code='330137100201'] [data-testid=region-history]").click()
    page.wait_for_selector("[data-testid=region-change]")
    assert "「上村」更名为「上溪村」" in page.locator("[data-testid=region-history-sheet]").inner_text()
    page.screenshot(path=str(artifacts / "admin-region-history.png"))
    page.click("[data-testid=region-history-sheet-ok]")
    # Only the current ones (what pickers see).
    page.goto(f"{live_server}/regions?parent={town}&status=active")
    page.wait_for_selector("[data-testid=region-list]")
    assert page.locator("[data-testid=region][data-code='330137100202']").count() == 0
    # Rename one and add one by hand.
    page.locator("[data-testid=region][data-code='330137100203'] [data-testid=region-rename]").click()
    page.fill("[data-testid=region-rename-name]", "下溪村")
    page.fill("[data-testid=region-rename-note]", "演示县政〔2026〕8号")
    page.click("[data-testid=region-rename-sheet-ok]")
    page.wait_for_selector("[data-testid=region][data-code='330137100203'] >> text=下溪村")
    page.click("[data-testid=region-add]")
    page.fill("[data-testid=region-add-code]", "330137100204")
    page.fill("[data-testid=region-add-name]", "新建村")
    page.click("[data-testid=region-add-sheet-ok]")
    page.wait_for_selector("[data-testid=region][data-code='330137100204']")
    page.screenshot(path=str(artifacts / "admin-regions-after-edit.png"), full_page=True)
    # A new user: the one-time password is shown once.
    page.goto(f"{live_server}/users")
    page.click("[data-testid=user-create]")
    page.fill("[data-testid=create-name]", "吴晓")
    page.fill("[data-testid=create-username]", "wuxiao")
    page.fill("[data-testid=create-region-q]", "锦城")
    page.click("[data-testid=create-region-option]:has-text('锦城街道')")
    assert page.inner_text("[data-testid=create-region-path]") == "杭州市 / 临安区 / 锦城街道"
    page.fill("[data-testid=create-phone]", "13805710001")
    page.click("[data-testid=create-ok]")
    otp = page.wait_for_selector("[data-testid=otp-value]").inner_text()
    assert len(otp) == 14
    page.screenshot(path=str(artifacts / "admin-user-created.png"))
    page.click("[data-testid=otp-done]")
    page.wait_for_selector("[data-testid=user][data-username=wuxiao]")
    assert page.locator("[data-testid=users-import]").is_visible()
    # The new person signs in with it and must choose their own password first.
    p = pages(PHONE)
    sign_in(p, live_server, "wuxiao", otp, wait="[data-testid=pw-forced]")
    # The county on a phone: the regions under 临安.
    p = pages(PHONE)
    sign_in(p, live_server, "t_county")
    p.goto(f"{live_server}/regions")
    p.wait_for_selector("[data-testid=region-list]")
    assert p.locator("[data-testid=region-add]").count() == 0  # the county reads; admins edit
    assert p.evaluate("document.documentElement.scrollWidth") <= 360
    p.screenshot(path=str(artifacts / "admin-regions-phone.png"), full_page=True)
