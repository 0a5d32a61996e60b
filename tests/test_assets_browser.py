"""三资 in a real Chromium against a real gunicorn: at a desk (1366 px) the township lead registers a
forest resource and a contract on it, sees the overdue instalments, records a receipt and the
overdue amount falls; registers an asset; on a phone (360 px) a villager scans the asset's plaque and
sees only its public facts, and the contract's plaque names no counterparty. Screenshots are kept
in test-artifacts/ and were looked at."""
from datetime import timedelta

from playwright.sync_api import expect

from conftest import PHONE, TODAY, sign_in

DESK = {"viewport": {"width": 1366, "height": 850}, "locale": "zh-CN"}


def test_registers_contract_receipt_and_public_scan(app, world, pages, live_server, artifacts):
    page = pages(DESK)
    sign_in(page, live_server, "t_lead")
    page.click("[data-testid=home-assets]")
    page.wait_for_selector("[data-testid=tab-resources]")

    # A resource: the form, then its page.
    page.click("[data-testid=tab-resources]")
    page.click("[data-testid=reg-add]")
    page.fill("[data-testid=f-region_id-q]", "钱王")
    page.click(f"[data-testid=f-region_id-option][data-id='{world['regions']['qianwang']}']")
    page.fill("[data-testid=f-name]", "浏览器测试东坞林地")
    page.select_option("[data-testid=f-kind]", "林地")
    page.fill("[data-testid=f-area]", "42.5")
    page.fill("[data-testid=f-location]", "钱王社区东坞")
    page.click("[data-testid=form-save]")
    page.wait_for_selector("[data-testid=resource-card]")
    assert "42.50 亩" in page.inner_text("[data-testid=resource-card]")

    # A contract on it, started 400 days ago: two yearly instalments due, none received.
    page.click("text=登记合同")
    page.wait_for_selector("[data-testid=f-counterparty]")
    page.wait_for_selector("[data-testid=f-subject] option:checked:not([value=''])", state="attached")
    page.fill("[data-testid=f-contract_no]", "HT-浏览器-001")
    page.fill("[data-testid=f-counterparty]", "临安东坞山核桃合作社")
    page.fill("[data-testid=f-starts_on]", (TODAY - timedelta(days=400)).isoformat())
    page.fill("[data-testid=f-ends_on]", (TODAY + timedelta(days=1500)).isoformat())
    page.fill("[data-testid=f-annual_amount]", "8800")
    page.fill("[data-testid=f-floor_amount]", "8000")
    page.click("[data-testid=form-save]")
    page.wait_for_selector("[data-testid=contract-overdue-note]")
    assert "17,600.00" in page.inner_text("[data-testid=contract-overdue-note]")
    assert page.locator("[data-testid=instalment][data-overdue=true]").count() == 2
    page.screenshot(path=str(artifacts / "assets-contract-desk-1366.png"), full_page=True)

    # 登记收款: one year's rent arrives; one instalment stays overdue.
    page.click("[data-testid=receipt-add]")
    page.fill("[data-testid=receipt-day]", TODAY.isoformat())
    page.fill("[data-testid=receipt-amount]", "8800.00")
    page.fill("[data-testid=receipt-voucher]", "记-2026-201")
    page.click("[data-testid=receipt-ok]")
    expect(page.locator("[data-testid=instalment][data-overdue=true]")).to_have_count(1)
    assert "8,800.00" in page.inner_text("[data-testid=contract-overdue-note]")
    assert "记-2026-201" in page.inner_text("[data-testid=receipts]")
    contract_code = page.inner_text("[data-testid=asset-code]").split()[-1]

    # The contract register shows it as overdue.
    page.click("[data-testid=tab-contracts]")
    page.select_option("[data-testid=reg-overdue]", "true")
    page.wait_for_selector("[data-testid=contract-overdue]")
    page.screenshot(path=str(artifacts / "assets-contracts-list-1366.png"))

    # An asset.
    page.click("[data-testid=tab-assets]")
    page.click("[data-testid=reg-add]")
    page.fill("[data-testid=f-region_id-q]", "钱王")
    page.click(f"[data-testid=f-region_id-option][data-id='{world['regions']['qianwang']}']")
    page.fill("[data-testid=f-name]", "浏览器测试村文化礼堂")
    page.select_option("[data-testid=f-category]", "公益性")
    page.fill("[data-testid=f-original_value]", "1850000")
    page.fill("[data-testid=f-net_value]", "1620000.50")
    page.fill("[data-testid=f-location]", "钱王社区横街8号")
    page.click("[data-testid=form-save]")
    page.wait_for_selector("[data-testid=asset-card]")
    assert "¥1,620,000.50" in page.inner_text("[data-testid=asset-card]")
    asset_code = page.inner_text("[data-testid=asset-code]").split()[-1]
    page.click("[data-testid=tab-assets]")
    page.fill("[data-testid=reg-q]", "浏览器测试村文化礼堂")
    page.click("[data-testid=reg-find]")
    page.wait_for_selector("[data-testid=asset-row]")
    page.screenshot(path=str(artifacts / "assets-list-1366.png"))

    # A villager's phone: the plaques' public views.
    villager = pages(PHONE)
    villager.goto(f"{live_server}/q/{asset_code}")
    villager.wait_for_selector("[data-testid=asset-card][data-view=public]")
    text = villager.inner_text("main")
    assert "浏览器测试村文化礼堂" in text and "公益性" in text and "在用" in text and "钱王社区" in text
    assert "1,620,000.50" not in text and "横街8号" not in text
    villager.screenshot(path=str(artifacts / "assets-scan-public-360.png"), full_page=True)
    villager.goto(f"{live_server}/q/{contract_code}")
    villager.wait_for_selector("[data-testid=contract-card][data-view=public]")
    text = villager.inner_text("main")
    assert "浏览器测试东坞林地" in text and "合作社" not in text and "8,800" not in text
    villager.screenshot(path=str(artifacts / "assets-scan-contract-360.png"), full_page=True)
    # The lead's phone: the contract page at 360 px.
    lead = villager.context.new_page()
    sign_in(lead, live_server, "t_lead")
    lead.goto(f"{live_server}/q/{contract_code}")
    lead.wait_for_selector("[data-testid=contract-card][data-view=full]")
    assert lead.evaluate("document.documentElement.scrollWidth") <= 360
    lead.screenshot(path=str(artifacts / "assets-contract-phone-360.png"), full_page=True)
