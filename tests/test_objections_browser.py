"""Objections (异议) to a village's notice in a real Chromium against a real gunicorn, at the desk
(1366 px): the township clerk finds the notice, records a villager's objection about a person on it
(the phone shown masked), and the township lead dismisses it with the reason. Screenshots in
test-artifacts/ (looked at)."""
from datetime import timedelta

from bank_seed import make_people
from conftest import TODAY, sign_in

DESK = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}


def test_clerk_records_an_objection_and_the_lead_dismisses_it(app, world, live_server, pages, artifacts):
    data = make_people(app, world, n=3)
    with app.app_context():
        from backend.extensions import db
        from backend.subsidies.models import SubsidyPolicy
        policy = db.session.get(SubsidyPolicy, data["policy"]).name
    village = world["regions"]["qianwang"]
    clerk = pages(DESK)
    sign_in(clerk, live_server, "t_clerk")
    clerk.goto(f"{live_server}/subsidies/notices?village={village}")
    clerk.locator("[data-testid=nt-set]", has_text=policy).click()
    clerk.wait_for_selector("[data-testid=nt-table]")
    assert clerk.locator("[data-testid=nt-line]").count() == 3
    clerk.locator(f"[data-testid=nt-line][data-beneficiary='{data['people'][1]}'] [data-testid=nt-raise]").click()
    clerk.fill("[data-testid=ob-by]", "钱王社区村民王某")
    clerk.fill("[data-testid=ob-phone]", "13812345678")
    clerk.fill("[data-testid=ob-on]", (TODAY - timedelta(days=1)).isoformat())
    clerk.fill("[data-testid=ob-text]", "此人已迁出本村，不应享受本村补贴")
    clerk.screenshot(path=str(artifacts / "objection-record-clerk-1366.png"))
    clerk.click("[data-testid=ob-ok]")
    item = clerk.locator("[data-testid=objection][data-status=open]")
    item.wait_for()
    assert "138****5678" in item.inner_text() and "13812345678" not in clerk.content()
    assert clerk.locator("[data-testid=objection-status]").inner_text() == "待办理"
    assert clerk.locator("[data-testid=ob-resolve]").count() == 0  # the clerk records, the lead rules
    assert clerk.locator(f"[data-testid=nt-line][data-beneficiary='{data['people'][1]}'] "
                         "[data-testid=nt-line-open]").count() == 1
    clerk.screenshot(path=str(artifacts / "objection-open-clerk-1366.png"), full_page=True)

    lead = pages(DESK)
    sign_in(lead, live_server, "t_lead")
    lead.goto(clerk.url)
    lead.wait_for_selector("[data-testid=objection][data-status=open]")
    lead.click("[data-testid=ob-resolve]")  # no ruling chosen yet: said, nothing sent
    assert lead.locator("[data-testid=objection][data-status=open]").count() == 1
    lead.select_option("[data-testid=ob-outcome]", "dismissed")
    lead.fill("[data-testid=ob-resolution]", "经村委会核实，此人户籍仍在本村，异议不成立")
    lead.click("[data-testid=ob-resolve]")
    lead.wait_for_selector("[data-testid=objection][data-status=dismissed]")
    assert "户籍仍在本村" in lead.inner_text("[data-testid=objection-resolution]")
    assert lead.locator("[data-testid=nt-line-open]").count() == 0
    lead.screenshot(path=str(artifacts / "objection-dismissed-lead-1366.png"), full_page=True)
    lead.click("[data-testid=lang-toggle]")  # the same screen in English
    lead.wait_for_selector("text=Notices and objections")
    assert lead.locator("[data-testid=objection-status]").inner_text() == "Dismissed"
    cut = lead.evaluate("""[...document.querySelectorAll('[data-testid=nt-notice] .btn')].filter((b) =>
      b.getBoundingClientRect().right > b.closest('.table-wrap, section').getBoundingClientRect().right + 0.5).length""")
    assert cut == 0  # every 记录异议 button whole inside the card, in English too
    lead.screenshot(path=str(artifacts / "objection-dismissed-lead-en-1366.png"), full_page=True)
