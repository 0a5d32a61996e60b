"""部门协同 in a real Chromium against a real gunicorn: the county (1366 px desk) dispatches a task to
临安区农业农村局; the department official (360 px phone) signs for it and reports back; the county
checks and closes it (销号). A township lead holds a person's payments on a subsidy warning and records
a recovery, and the warning closes. Screenshots in test-artifacts/ (looked at)."""
import pytest

import department_seed
from conftest import PHONE, new_uuid, sign_in

DESK = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}


def test_county_dispatches_department_signs_and_feeds_back_county_closes(app, world, live_server, pages, artifacts):
    department_seed.ensure(app, world)
    title = f"核对耕地补贴银行卡 {new_uuid()[:4]}"
    county = pages(DESK)
    sign_in(county, live_server, "t_county")
    county.goto(f"{live_server}/dept-tasks")
    county.click("[data-testid=dt-dispatch]")
    county.select_option("[data-testid=dt-dept]", label="农业农村局")
    county.click("[data-testid=dt-region-q]")  # stepped down from 临安区: its townships
    county.click(f"[data-testid=dt-region-option][data-id='{world['regions']['jincheng']}']")
    assert county.inner_text("[data-testid=dt-region-path]") == "临安区 / 锦城街道"
    county.fill("[data-testid=dt-title]", title)
    county.screenshot(path=str(artifacts / "dept-dispatch-county-1366.png"))
    county.click("[data-testid=dt-dispatch-sheet-ok]")
    county.wait_for_selector("[data-testid=dt-card][data-status=dispatched]")
    task_url = county.url

    official = pages(PHONE)
    sign_in(official, live_server, "t_department", wait="[data-testid=dt-tabs]")
    # (the session's other tests leave this department many tasks with nearer deadlines: find it by its title)
    official.fill("[data-testid=dt-search]", title[-4:])
    official.click("[data-testid=dt-find]")
    item = official.locator("[data-testid=dt-item]", has_text=title)
    item.wait_for()
    assert official.evaluate("document.documentElement.scrollWidth") <= 360
    official.screenshot(path=str(artifacts / "dept-inbox-department-360.png"), full_page=True)
    item.click()
    official.click("[data-testid=dt-sign]")
    official.click("[data-testid=dt-sign-sheet-ok]")
    official.wait_for_selector("[data-testid=dt-card][data-status=signed]")
    official.click("[data-testid=dt-feedback]")
    official.fill("[data-testid=dt-note]", "已与村里核对，银行卡号已更正")
    official.click("[data-testid=dt-feedback-sheet-ok]")
    official.wait_for_selector("[data-testid=dt-card][data-status=fed_back]")
    assert "银行卡号已更正" in official.inner_text("[data-testid=dt-feedback]")
    official.screenshot(path=str(artifacts / "dept-task-fed-back-360.png"), full_page=True)

    county.goto(task_url)
    county.click("[data-testid=dt-close]")
    county.click("[data-testid=dt-close-sheet-ok]")
    county.wait_for_selector("[data-testid=dt-card][data-status=closed]")
    steps = county.locator("[data-testid=dt-steps] li").evaluate_all("els => els.map(e => e.dataset.action)")
    assert steps == ["dispatch", "sign", "feedback", "close"]
    county.screenshot(path=str(artifacts / "dept-task-closed-county-1366.png"), full_page=True)


def test_lead_holds_a_person_and_records_a_recovery(app, world, live_server, pages, artifacts):
    ids = department_seed.subsidy_warning(app, world)
    lead = pages(DESK)
    sign_in(lead, live_server, "t_lead")
    lead.goto(f"{live_server}/risks/{ids['warning']}")
    lead.wait_for_selector("[data-testid=warning-actions]")
    lead.click("[data-testid=wa-hold]")
    lead.fill("[data-testid=wa-reason]", "重复发放，先停发后续")
    lead.click("[data-testid=wa-hold-sheet-ok]")
    lead.wait_for_selector("[data-testid=wa-holds] li")
    assert "停发中" in lead.inner_text("[data-testid=wa-holds]")
    lead.click("[data-testid=wa-recover]")
    lead.fill("[data-testid=wa-amount]", "600.00")
    lead.fill("[data-testid=wa-on]", "2026-11-30")
    lead.fill("[data-testid=wa-receipt]", f"追-{new_uuid()[:6]}")
    lead.screenshot(path=str(artifacts / "warning-recover-lead-1366.png"))
    lead.click("[data-testid=wa-recover-sheet-ok]")
    lead.wait_for_selector("[data-testid=wa-recoveries] li")
    assert lead.get_attribute("[data-testid=risk-card]", "data-status") == "resolved"
    assert "600.00" in lead.inner_text("[data-testid=wa-recoveries]")
    lead.screenshot(path=str(artifacts / "warning-recovered-lead-1366.png"), full_page=True)
