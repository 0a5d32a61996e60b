"""A villager looks up their objection by its receipt number (查询异议) in a real Chromium against a
real gunicorn, on their phone (360 px): the village's page has the box; a receipt typed in lower
case with spaces and full-width digits finds the open objection, a wrong one is said in Chinese, and
in English the ruled-on one shows the township's answer. Screenshots in test-artifacts/ (looked at)."""
from datetime import timedelta

from sqlalchemy import select

from conftest import PHONE, TODAY, new_uuid
from subsidy_seed import village_code
from bank_seed import make_people
from test_objection_lookup import Visitor


def _objects(app, world, data, reason):
    url = f"/api/v1/public/villages/{village_code(app, world)}/objections"
    r = Visitor(app).post(url, {"client_uuid": new_uuid(), "policy_id": data["policy"], "period": data["period"],
                                "reason": reason, "name": "钱王村民郑某", "phone": "13905716789"})
    assert r.status_code == 201, r.json
    return r.json["receipt"]


def test_a_villager_looks_up_their_objection_on_the_phone(app, world, login_as, live_server, pages, artifacts):
    from backend.extensions import db
    from backend.subsidies.models import NoticeObjection
    data = make_people(app, world, n=1, published=TODAY - timedelta(days=2))
    still_open = _objects(app, world, data, "浏览器测试：此人已迁出本村")
    ruled = _objects(app, world, data, "浏览器测试：名单漏了我家老人")
    with app.app_context():
        oid = db.session.scalar(select(NoticeObjection.id).where(NoticeObjection.receipt == ruled))
    r = login_as("lead").post(f"/api/v1/subsidies/objections/{oid}/resolve", json={
        "client_uuid": new_uuid(), "outcome": "upheld", "resolution": "经核实属实，下期公示补列"})
    assert r.status_code == 200, r.json

    phone = pages(PHONE)
    phone.goto(f"{live_server}/v/{village_code(app, world)}?period=2026-11")
    phone.click("[data-testid=jump-objection-status]")
    box = phone.locator("[data-testid=os-receipt]")
    box.wait_for()
    # As read off a slip: lower case, spaces, full-width digits.
    typed = "yy " + "".join(chr(ord(c) + 0xFEE0) for c in still_open[2:10]) + " " + still_open[11:].lower()
    box.fill(typed)
    phone.click("[data-testid=os-submit]")
    card = phone.locator("[data-testid=os-card]")
    card.wait_for()
    assert card.get_attribute("data-status") == "open"
    text = card.inner_text()
    assert "待办理" in text and still_open in text and "2026-12-01" in text and "尚未办结" in text
    assert "郑某" not in text and "13905716789" not in phone.content() and "139****6789" in text
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.locator("[data-testid=objection-status]").scroll_into_view_if_needed()
    phone.screenshot(path=str(artifacts / "objection-lookup-open-360.png"))

    box.fill(still_open[:-1] + ("2" if still_open[-1] != "2" else "3"))
    phone.click("[data-testid=os-submit]")
    error = phone.locator("[data-testid=os-error]")
    error.wait_for()
    assert error.get_attribute("data-code") == "objection_receipt_not_found" and "回执号" in error.inner_text()
    assert phone.locator("[data-testid=os-card]").count() == 0
    phone.screenshot(path=str(artifacts / "objection-lookup-wrong-360.png"))

    phone.click("[data-testid=lang-toggle]")
    phone.wait_for_selector("text=Check an objection")
    box = phone.locator("[data-testid=os-receipt]")
    box.fill(ruled)
    phone.click("[data-testid=os-submit]")
    card = phone.locator("[data-testid=os-card][data-status=upheld]")
    card.wait_for()
    assert "Upheld" in card.inner_text()
    assert phone.locator("[data-testid=os-answer]").inner_text().endswith("经核实属实，下期公示补列")
    assert phone.locator("[data-testid=os-resolved-on]").inner_text().endswith("2026-12-01")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.locator("[data-testid=objection-status]").scroll_into_view_if_needed()
    phone.screenshot(path=str(artifacts / "objection-lookup-answer-en-360.png"))
