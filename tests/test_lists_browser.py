"""The region filter of the lists in a real Chromium against a real gunicorn: a county supervisor at
a 1366 px desk narrows the project list to one township with the region picker (the choice is in the
address, and the browser's back button undoes it), sees each project's township, and finds a
township's projects by its name; the warning list has the same filter. Screenshots are kept in
test-artifacts/ and were looked at. (tests/test_region_filters_browser.py: past the 100th township.)"""
from conftest import sign_in

DESK = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}


PAGE_SAYS = "t => document.querySelector('[data-testid=pager-page]')?.textContent === t"


def places(page):
    return page.locator("[data-testid=project-list] [data-testid=item-place]").all_inner_texts()


def names(page):
    return page.locator("[data-testid=project-list] .pitem-name").all_inner_texts()


def choose(page, region_id, typed=None, testid="region-filter"):
    """Choose a region in a list's filter: typed (part of its name) or from the children shown."""
    if typed:
        page.fill(f"[data-testid={testid}-q]", typed)
    else:
        page.click(f"[data-testid={testid}-q]")
    page.click(f"[data-testid={testid}-option][data-id='{region_id}']")


def chosen(page, testid="region-filter"):
    """The chosen region's id, once its path has arrived (not the "#id" shown meanwhile)."""
    page.wait_for_function("t => { const p = document.querySelector(`[data-testid=${t}-path]`);"
                           " return p && p.textContent && !p.textContent.startsWith('#'); }", arg=testid)
    return page.get_attribute(f"[data-testid={testid}]", "data-value")


def test_a_county_user_filters_the_projects_by_a_township(world, live_server, pages, make_project, make_warning,
                                                          artifacts):
    ours = {"锦城街道": make_project(region="qianwang", name="列表浏览器钱王道路"),
            "太湖源镇": make_project(region="baisha", name="列表浏览器白沙水渠")}
    make_warning("baisha")
    page = pages(DESK)
    sign_in(page, live_server, "t_county")
    page.goto(f"{live_server}/projects?q=列表浏览器")
    page.wait_for_selector("[data-testid=project-list]")
    assert sorted(names(page)) == ["列表浏览器白沙水渠", "列表浏览器钱王道路"]
    assert sorted(places(page)) == ["太湖源镇", "锦城街道"]
    # Nothing chosen is "all"; the picker opens on the county's townships, one level down.
    assert page.inner_text("[data-testid=region-filter] .rp-chosen") == "全部（临安区）"
    page.click("[data-testid=region-filter-q]")
    page.wait_for_selector("[data-testid=region-filter-option]:has-text('太湖源镇')")
    offered = page.locator("[data-testid=region-filter-option] .rp-name").all_inner_texts()
    assert {"锦城街道", "太湖源镇"} <= set(offered)
    taihuyuan = world["regions"]["taihuyuan"]
    choose(page, taihuyuan)
    page.wait_for_url(f"**/projects?q=*region={taihuyuan}")
    page.wait_for_selector("[data-testid=project-list] .pitem-name:text-is('列表浏览器白沙水渠')")
    assert names(page) == ["列表浏览器白沙水渠"] and places(page) == ["太湖源镇"]
    # The chosen township stays chosen, with its path; its villages are a step down in the picker.
    assert chosen(page) == str(taihuyuan)
    assert page.inner_text("[data-testid=region-filter-path]") == "临安区 / 太湖源镇"
    page.click("[data-testid=region-filter-q]")
    page.click(f"[data-testid=region-filter-option][data-id='{taihuyuan}'] [data-testid=region-filter-open]")
    page.wait_for_selector("[data-testid=region-filter-option]:has-text('白沙村')")
    page.keyboard.press("Escape")
    page.screenshot(path=str(artifacts / "lists-county-township-1366.png"), full_page=True)
    # Shareable: the same address in a fresh page shows the same list.
    shared = page.url
    again = page.context.new_page()
    again.goto(shared)
    again.wait_for_selector("[data-testid=project-list]")
    assert names(again) == ["列表浏览器白沙水渠"]
    again.close()
    # Back undoes the choice.
    page.go_back()
    page.wait_for_selector("[data-testid=project-list] .pitem-name:text-is('列表浏览器钱王道路')")
    assert "region=" not in page.url and len(names(page)) == 2
    # A township's name finds its projects.
    page.fill("[data-testid=search]", "太湖源镇")
    page.click("form.search button[type=submit]")
    page.wait_for_url("**q=%E5%A4%AA%E6%B9%96%E6%BA%90%E9%95%87**")
    page.wait_for_selector("[data-testid=project-list]")
    assert set(places(page)) == {"太湖源镇"}
    page.screenshot(path=str(artifacts / "lists-county-search-1366.png"), full_page=True)
    # The warning list has the same filter in its address.
    page.goto(f"{live_server}/risks?status=all&region={taihuyuan}")
    assert chosen(page) == str(taihuyuan)
    page.wait_for_selector("[data-testid=risk-list]")
    assert set(page.locator("[data-testid=risk-list] [data-testid=item-place]").all_inner_texts()) == {"太湖源镇"}
    page.screenshot(path=str(artifacts / "lists-county-risks-1366.png"), full_page=True)


UNDER_NOTHING = """() => {
    const dock = document.querySelector('.dock').getBoundingClientRect();
    const list = document.querySelector('[data-testid=region-filter-list]').closest('.rp-panel').getBoundingClientRect();
    return list.top >= 56 && list.bottom <= dock.top;
}"""


def test_a_province_user_sees_the_county_too(world, live_server, browser, make_project, artifacts):
    make_project(region="qianwang", name="列表浏览器省级查看")
    page = browser.new_context(**DESK).new_page()
    sign_in(page, live_server, "t_province")
    page.goto(f"{live_server}/projects?q=列表浏览器省级查看")
    page.wait_for_selector("[data-testid=project-list]")
    assert places(page) == ["临安区 · 锦城街道"]
    page.click("[data-testid=region-filter-q]")
    page.wait_for_selector("[data-testid=region-filter-option]:has-text('杭州市')")
    # The list opened low on the screen scrolls up out from under the fixed 扫码 dock.
    page.wait_for_function(UNDER_NOTHING, timeout=3000)
    page.screenshot(path=str(artifacts / "lists-province-1366.png"))


def test_inspections_and_payments_have_the_filter_too(app, world, live_server, pages, make_project, make_inspection,
                                                       artifacts):
    from test_list_regions import _people
    theirs = make_project(region="baisha", name="列表浏览器白沙巡查")
    make_inspection(make_project(region="qianwang", name="列表浏览器钱王巡查"), findings="护栏缺失")
    make_inspection(theirs, by="inspector_sibling")
    _people(app, world, ("qianwang", "baisha"))
    taihuyuan = world["regions"]["taihuyuan"]
    page = pages(DESK)
    sign_in(page, live_server, "t_county")
    page.click("[data-testid=home-inspections]")
    page.wait_for_selector("[data-testid=inspection-list]")
    choose(page, taihuyuan, "太湖源")
    page.wait_for_url(f"**/inspections?region={taihuyuan}")
    page.wait_for_selector("[data-testid=inspection-list]")
    assert set(page.locator("[data-testid=inspection-list] [data-testid=item-place]").all_inner_texts()) == {"太湖源镇"}
    assert "列表浏览器白沙巡查" in page.locator("[data-testid=inspection-row] .ritem-rule").all_inner_texts()
    assert chosen(page) == str(taihuyuan)
    page.screenshot(path=str(artifacts / "lists-county-inspections-1366.png"), full_page=True)
    page.goto(f"{live_server}/subsidies")
    page.click("a[href='/subsidies/payments']")
    page.wait_for_selector("[data-testid=payment-list]")
    choose(page, taihuyuan, "太湖源")
    page.wait_for_url(f"**/subsidies/payments?region={taihuyuan}")
    page.wait_for_selector("[data-testid=payment-list]")
    assert set(page.locator("[data-testid=payment-list] [data-testid=item-place]").all_inner_texts()) == {"太湖源镇"}
    assert chosen(page) == str(taihuyuan)
    page.screenshot(path=str(artifacts / "lists-county-payments-1366.png"), full_page=True)
    page.go_back()
    page.wait_for_url("**/subsidies/payments")
    page.wait_for_selector("[data-testid=payment-list]")
    assert "锦城街道" in page.locator("[data-testid=payment-list] [data-testid=item-place]").all_inner_texts()


def test_a_township_lead_filters_by_village_on_a_phone(world, live_server, browser, make_project, artifacts):
    from conftest import PHONE
    make_project(region="qianwang", name="列表浏览器手机钱王")
    page = browser.new_context(**PHONE).new_page()
    sign_in(page, live_server, "t_lead")
    page.goto(f"{live_server}/projects?q=列表浏览器手机")
    choose(page, world["regions"]["qianwang"])
    page.wait_for_url(f"**region={world['regions']['qianwang']}")
    page.wait_for_selector("[data-testid=project-list] .pitem-name:text-is('列表浏览器手机钱王')")
    # A township lead's items name their township only (no county).
    assert places(page) == ["锦城街道"]
    assert chosen(page) == str(world["regions"]["qianwang"])
    assert page.inner_text("[data-testid=region-filter-path]") == "锦城街道 / 钱王社区"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts / "lists-lead-village-360.png"), full_page=True)


def test_the_next_page_is_asked_for_by_key_and_says_its_number(app, world, live_server, browser, artifacts):
    """下一页 follows the page's ``next`` (after=…: the server seeks past the last row shown, no
    OFFSET, no count); the page's number and the list's count ride along, 上一页 goes back by key
    (the page's ``prev``) and to the first page by number, and the pages hold the same projects."""
    import uuid
    from datetime import timedelta
    from decimal import Decimal

    from backend.core.models import User
    from backend.extensions import db
    from backend.projects import services as projects
    from conftest import TODAY
    tag = f"键页{uuid.uuid4().hex[:5]}"
    with app.app_context(), app.test_request_context(method="POST"):
        county = db.session.get(User, world["users"]["county"])
        for i in range(21):
            projects.create_project(county, {
                "region_id": world["regions"]["qianwang"], "unit_id": world["units"]["jincheng"],
                "name": f"{tag}道路{i + 1:02d}", "category": "道路交通", "budget": Decimal("1000.00"),
                "funding_sources": [], "planned_start_on": TODAY, "planned_end_on": TODAY + timedelta(days=30)})
        db.session.commit()
    context = browser.new_context(**DESK)
    page = context.new_page()
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "/api/v1/projects?" in r.url else None)
    sign_in(page, live_server, "t_county")
    page.goto(f"{live_server}/projects?q={tag}")
    page.wait_for_selector("[data-testid=pager-page]")
    first = names(page)
    assert len(first) == 10 and page.inner_text("[data-testid=pager-page]") == "第 1 / 3 页"
    assert "共 21 个项目" in page.inner_text(".list-head")
    page.click("[data-testid=pager] [rel=next]")
    page.wait_for_function(PAGE_SAYS, arg="第 2 / 3 页")
    assert "after=" in page.url and "page=2" in page.url
    assert "after=" in asked[-1] and "共 21 个项目" in page.inner_text(".list-head")
    by_key = names(page)
    assert len(by_key) == 10 and not set(by_key) & set(first)
    page.screenshot(path=str(artifacts / "lists-page-by-key-1366.png"), full_page=True)
    page.click("[data-testid=pager] [rel=next]")
    page.wait_for_function(PAGE_SAYS, arg="第 3 / 3 页")
    last = names(page)
    assert len(last) == 1 and page.locator("[data-testid=pager] [rel=next]").count() == 0
    assert sorted(first + by_key + last) == sorted(f"{tag}道路{i + 1:02d}" for i in range(21))
    # 上一页 asks for page 2 by key, backwards from page 3's first row: the same projects.
    page.click("[data-testid=pager] [rel=prev]")
    page.wait_for_function(PAGE_SAYS, arg="第 2 / 3 页")
    assert "after=" in page.url and "after=" in asked[-1] and names(page) == by_key
    # and page 1 by its number, with its count.
    page.click("[data-testid=pager] [rel=prev]")
    page.wait_for_function(PAGE_SAYS, arg="第 1 / 3 页")
    assert "after=" not in page.url and "after=" not in asked[-1] and names(page) == first
    context.close()
