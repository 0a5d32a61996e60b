"""A villager's own objection (异议) in a real Chromium against a real gunicorn: on their phone
(360 px) they open the village's page from its code, tap 我有异议 on a notice that is up, choose the
line, write why, leave a name and a mobile number, and keep the receipt number; a notice whose period
is over has no button. The township clerk at the desk (1366 px) then sees the objection on the
notices screen, marked as raised by a villager, the phone masked. Screenshots in test-artifacts/
(looked at)."""
from datetime import timedelta

from bank_seed import make_people
from conftest import PHONE, TODAY, sign_in
from subsidy_seed import village_code

DESK = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}


def test_a_villager_objects_from_the_village_page_and_the_clerk_sees_it(app, world, live_server, pages, artifacts):
    data = make_people(app, world, n=3, published=TODAY - timedelta(days=2))
    over = make_people(app, world, n=1)  # its period ended on 25 November
    code = village_code(app, world)
    phone = pages(PHONE)
    phone.goto(f"{live_server}/v/{code}?period=2026-11")
    notice = phone.locator(f"[data-testid=notice-set][data-policy-id='{data['policy']}']")
    notice.wait_for()
    assert "公示期至 2026-12-08" in notice.inner_text()
    ended = phone.locator(f"[data-testid=notice-set][data-policy-id='{over['policy']}']")
    assert "公示期已于 2026-11-25 结束" in ended.inner_text() and ended.locator("[data-testid=object]").count() == 0
    notice.scroll_into_view_if_needed()
    phone.screenshot(path=str(artifacts / "villager-objection-notices-360.png"))
    notice.locator("[data-testid=object]").click()
    phone.wait_for_selector("[data-testid=vo]")
    options = phone.locator("[data-testid=vo-line] option").all_inner_texts()
    assert options[0].startswith("整个公示") and len(options) == 4 and "测**1 · ¥200.00" in options
    phone.select_option("[data-testid=vo-line]", label="测**1 · ¥200.00")
    phone.fill("[data-testid=vo-reason]", "此人已于今年迁出本村，不应再享受本村补贴")
    phone.fill("[data-testid=vo-name]", "钱王村民周某")
    phone.fill("[data-testid=vo-phone]", "1390571234")  # one digit short: said, nothing sent
    phone.click("[data-testid=vo-ok]")
    assert phone.locator("[data-testid=vo] [role=alert]").inner_text() == "请填写 11 位手机号码"
    phone.fill("[data-testid=vo-phone]", "139 0571 2345")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path=str(artifacts / "villager-objection-form-360.png"))
    phone.click("[data-testid=vo-ok]")
    receipt = phone.locator(f"[data-testid=notice-set][data-policy-id='{data['policy']}'] [data-testid=objection-receipt]")
    receipt.wait_for()
    number = receipt.locator("[data-testid=receipt-no]").inner_text()
    assert number.startswith("YY20261201-") and "测**1" in receipt.inner_text()
    assert phone.locator("[data-testid=vo]").count() == 0
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path=str(artifacts / "villager-objection-receipt-360.png"))
    phone.click("[data-testid=lang-toggle]")  # the same page in English keeps the receipt
    phone.wait_for_selector("text=Objections until")
    assert number in phone.inner_text(f"[data-testid=notice-set][data-policy-id='{data['policy']}']")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.locator(f"[data-testid=notice-set][data-policy-id='{data['policy']}']").scroll_into_view_if_needed()
    phone.screenshot(path=str(artifacts / "villager-objection-receipt-en-360.png"))

    clerk = pages(DESK)
    sign_in(clerk, live_server, "t_clerk")
    clerk.goto(f"{live_server}/subsidies/notices?village={world['regions']['qianwang']}"
               f"&policy={data['policy']}&period={data['period']}")
    item = clerk.locator("[data-testid=objection][data-status=open]")
    item.wait_for()
    text = item.inner_text()
    assert "钱王村民周某" in text and "139****2345" in text and "13905712345" not in clerk.content()
    assert item.locator("[data-testid=objection-villager]").inner_text() == "村民扫码提出"
    assert item.locator("[data-testid=objection-receipt]").inner_text() == number
    assert clerk.locator(f"[data-testid=nt-line][data-beneficiary='{data['people'][1]}'] "
                         "[data-testid=nt-line-open]").count() == 1
    clerk.screenshot(path=str(artifacts / "villager-objection-clerk-1366.png"), full_page=True)
