"""The township finance office's project desk in a real Chromium against a real gunicorn: at a
1366 px desk the township lead registers a project (立项) with its funding by level and the
contractor's 统一社会信用代码, records a payment and sees it; then the same screens at 360 px, and
the label-selection screen. Screenshots are kept in test-artifacts/ and were looked at."""
import pytest

from conftest import PHONE, sign_in

DESK = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}
USCC = "91110000600037341L"


def no_sideways_scroll(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_desk_registers_a_project_and_records_a_payment(app, live_server, world, pages, artifacts):
    page = pages(DESK)
    sign_in(page, live_server, "t_lead")
    page.click("[data-testid=home-office]")
    page.wait_for_selector("[data-testid=office-new]")
    page.click("[data-testid=office-new]")
    page.wait_for_selector("[data-testid=pj-form]")
    assert page.inner_text("[data-testid=pj-place-path]") == "锦城街道"  # the lead's own township at first
    page.fill("[data-testid=pj-place-q]", "钱王")
    page.click(f"[data-testid=pj-place-option][data-id='{world['regions']['qianwang']}']")
    assert page.inner_text("[data-testid=pj-place-path]") == "锦城街道 / 钱王社区"
    page.fill("[data-testid=pj-name]", "2026年钱王社区健身步道工程")
    page.select_option("[data-testid=pj-category]", "公共服务")
    page.fill("[data-testid=pj-fund-province]", "300000")
    page.fill("[data-testid=pj-fund-county]", "150000.50")
    assert "450,000.50" in page.inner_text("[data-testid=pj-total]")
    page.fill("[data-testid=pj-contractor]", "杭州钱王建设有限公司")
    page.fill("[data-testid=pj-uscc]", USCC[:-1] + "X")  # a typo: caught before sending
    page.click("[data-testid=pj-submit]")
    page.wait_for_selector("[data-testid=error]:not([hidden])")
    assert "统一社会信用代码" in page.inner_text("[data-testid=error]")
    page.fill("[data-testid=pj-uscc]", USCC)
    page.screenshot(path=str(artifacts / "office-register-desk.png"), full_page=True)
    page.click("[data-testid=pj-submit]")
    page.wait_for_selector("[data-testid=office-project-page]")
    assert "已立项" in page.inner_text("[data-testid=flash]")
    assert page.inner_text("[data-testid=contractor-uscc]").endswith(USCC)
    # Registered projects cannot be paid before the contract: the screen says so.
    assert "签订合同前" in page.inner_text("[data-testid=cannot-pay]")
    project_id = page.get_attribute("[data-testid=office-project-page]", "data-project-id")

    # Walked to the contract (the stage screen's work, tested elsewhere), then paid from the desk.
    from decimal import Decimal

    from backend.core.models import User
    from backend.extensions import db
    from backend.projects import services as projects
    from backend.projects.models import Project
    with app.app_context(), app.test_request_context(method="POST"):
        lead = db.session.get(User, world["users"]["lead"])
        project = db.session.get(Project, int(project_id))
        projects.move_stage(project, lead, "tendering")
        projects.move_stage(project, lead, "contracted", contractor="杭州钱王建设有限公司",
                            contract_amount=Decimal("440000.00"))
        db.session.commit()
    page.goto(f"{live_server}/office/projects/{project_id}")
    page.wait_for_selector("[data-testid=pay-form]")
    page.fill("[data-testid=pay-date]", "2026-11-20")
    page.fill("[data-testid=pay-amount]", "44000")
    page.fill("[data-testid=pay-voucher]", "记-2026-1120")
    page.click("[data-testid=pay-submit]")
    page.wait_for_selector("[data-testid=payment][data-voucher='记-2026-1120']")
    row = page.inner_text("[data-testid=payment][data-voucher='记-2026-1120']")
    assert "44,000.00" in row and "杭州钱王建设有限公司" in row
    assert "44,000.00" in page.inner_text("[data-testid=paid]")
    no_sideways_scroll(page, 1366)
    page.screenshot(path=str(artifacts / "office-project-desk.png"), full_page=True)

    # The same project on a phone.
    phone = pages(PHONE)
    sign_in(phone, live_server, "t_lead")
    phone.goto(f"{live_server}/office/projects/{project_id}")
    phone.wait_for_selector("[data-testid=payment]")
    no_sideways_scroll(phone, 360)
    phone.screenshot(path=str(artifacts / "office-project-phone.png"), full_page=True)
    phone.goto(f"{live_server}/office/new")
    phone.wait_for_selector("[data-testid=pj-form]")
    no_sideways_scroll(phone, 360)
    phone.screenshot(path=str(artifacts / "office-register-phone.png"), full_page=True)

    # Choosing plaques: tick the new project, the print link names it and nothing else.
    page.goto(f"{live_server}/office/labels")
    page.wait_for_selector("[data-testid=pick-project]")
    page.check(f"#lb-project-{project_id}")
    href = page.get_attribute("[data-testid=labels-print]", "href")
    assert href.endswith(f"/labels?projects={project_id}")
    page.screenshot(path=str(artifacts / "office-labels-desk.png"), full_page=True)


def test_a_township_with_300_projects_can_choose_any_of_them_for_labels(app, live_server, world, pages, artifacts):
    """The label sheet's project list pages on past the first page (it used to stop at 100) and is
    searched by the server; ticks survive searching and paging."""
    import uuid
    from datetime import timedelta
    from decimal import Decimal
    from urllib.parse import parse_qs, urlsplit

    from backend.core.models import User
    from backend.extensions import db
    from backend.projects import services as projects
    from conftest import TODAY
    tag = f"标牌{uuid.uuid4().hex[:5]}"
    ids = []
    with app.app_context(), app.test_request_context(method="POST"):
        county = db.session.get(User, world["users"]["county"])
        for i in range(300):
            ids.append(projects.create_project(county, {
                "region_id": world["regions"]["qianwang"], "unit_id": world["units"]["jincheng"],
                "name": f"{tag}道路{i + 1:03d}", "category": "道路交通", "budget": Decimal("1000.00"),
                "funding_sources": [], "planned_start_on": TODAY, "planned_end_on": TODAY + timedelta(days=30)}).id)
        db.session.commit()
        other = projects.create_project(county, {
            "region_id": world["regions"]["qianwang"], "unit_id": world["units"]["jincheng"],
            "name": f"另{tag}桥梁", "category": "道路交通", "budget": Decimal("1000.00"), "funding_sources": [],
            "planned_start_on": TODAY, "planned_end_on": TODAY + timedelta(days=30)}).id
        db.session.commit()

    page = pages(DESK)
    sign_in(page, live_server, "t_lead")
    page.goto(f"{live_server}/office/labels")
    page.wait_for_selector("[data-testid=pick-project]")
    assert page.locator("[data-testid=pick-project]").count() == 50  # a page, and more to come
    assert page.is_visible("[data-testid=project-more]")
    page.fill("[data-testid=project-q]", tag)  # the server searches (the 300 and the bridge)
    page.wait_for_function("() => document.querySelector('[data-testid=project-status]').textContent.startsWith('找到 301 个')")
    assert page.inner_text("[data-testid=project-status]") == "找到 301 个，已显示 50 个"
    page.screenshot(path=str(artifacts / "office-labels-300-first-page-desk.png"), full_page=True)
    for shown in (100, 150, 200, 250, 300):
        page.click("[data-testid=project-more]")
        page.wait_for_function(f"() => document.querySelectorAll('[data-testid=pick-project]').length === {shown}")
    page.click("[data-testid=project-more]")
    page.wait_for_function("() => document.querySelectorAll('[data-testid=pick-project]').length === 301")
    assert page.is_hidden("[data-testid=project-more]")
    last = page.get_attribute("[data-testid=pick-project] >> nth=300", "value")
    page.check(f"#lb-project-{last}")
    page.check(f"#lb-project-{ids[100]}")  # far past the first 100 either way
    assert page.inner_text("[data-testid=labels-count]") == "已选 2 张"
    # Another search, then back: the ticks stay.
    page.fill("[data-testid=project-q]", f"{tag}道路150")
    page.wait_for_function("() => document.querySelectorAll('[data-testid=pick-project]').length === 1")
    page.check(f"#lb-project-{ids[149]}")
    assert page.inner_text("[data-testid=labels-count]") == "已选 3 张"
    href = page.get_attribute("[data-testid=labels-print]", "href")
    chosen = parse_qs(urlsplit(href).query)["projects"][0].split(",")
    assert sorted(map(int, chosen)) == sorted({int(last), ids[100], ids[149]})
    page.fill("[data-testid=project-q]", f"另{tag}")
    page.wait_for_selector(f"#lb-project-{other}")
    assert page.locator("[data-testid=pick-project]").count() == 1
    assert page.is_checked(f"#lb-project-{other}") == (int(last) == other)
    no_sideways_scroll(page, 1366)
    page.screenshot(path=str(artifacts / "office-labels-300-desk.png"), full_page=True)
    # 全不选 drops every tick, those out of sight too.
    page.click("[data-testid=project-none]")
    assert page.inner_text("[data-testid=labels-count]") == "已选 0 张"
    assert page.get_attribute("[data-testid=labels-print]", "aria-disabled") == "true"
