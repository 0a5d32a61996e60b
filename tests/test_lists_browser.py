"""The region filter of the lists in a real Chromium against a real gunicorn: a county supervisor at
a 1366 px desk narrows the project list to one township (the choice is in the address, and the
browser's back button undoes it), sees each project's township, and finds a township's projects by
its name; the warning list has the same filter. Screenshots are kept in test-artifacts/ and were
looked at."""
from conftest import sign_in

DESK = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}


def places(page):
    return page.locator("[data-testid=project-list] [data-testid=item-place]").all_inner_texts()


def names(page):
    return page.locator("[data-testid=project-list] .pitem-name").all_inner_texts()


def test_a_county_user_filters_the_projects_by_a_township(world, live_server, browser, make_project, make_warning,
                                                          artifacts):
    ours = {"锦城街道": make_project(region="qianwang", name="列表浏览器钱王道路"),
            "太湖源镇": make_project(region="baisha", name="列表浏览器白沙水渠")}
    make_warning("baisha")
    context = browser.new_context(**DESK)
    errors = []
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, live_server, "t_county")
    page.goto(f"{live_server}/projects?q=列表浏览器")
    page.wait_for_selector("[data-testid=project-list]")
    assert sorted(names(page)) == ["列表浏览器白沙水渠", "列表浏览器钱王道路"]
    assert sorted(places(page)) == ["太湖源镇", "锦城街道"]
    # The filter offers the county's townships, one level down.
    select = page.locator("[data-testid=region-filter]")
    page.wait_for_selector("[data-testid=region-filter]:not([disabled])")
    offered = select.locator("option").all_inner_texts()
    assert offered[0] == "全部（临安区）" and {"锦城街道", "太湖源镇"} <= {o.strip() for o in offered}
    taihuyuan = world["regions"]["taihuyuan"]
    select.select_option(str(taihuyuan))
    page.wait_for_url(f"**/projects?q=*region={taihuyuan}")
    page.wait_for_selector("[data-testid=project-list] .pitem-name:text-is('列表浏览器白沙水渠')")
    assert names(page) == ["列表浏览器白沙水渠"] and places(page) == ["太湖源镇"]
    # The chosen township stays chosen, and its villages are the next level down.
    page.wait_for_selector("[data-testid=region-filter]:not([disabled])")
    assert select.input_value() == str(taihuyuan)
    assert "白沙村" in {o.strip() for o in select.locator("option").all_inner_texts()}
    page.screenshot(path=str(artifacts / "lists-county-township-1366.png"), full_page=True)
    # Shareable: the same address in a fresh page shows the same list.
    shared = page.url
    again = context.new_page()
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
    page.wait_for_selector("[data-testid=region-filter]:not([disabled])")
    assert page.locator("[data-testid=region-filter]").input_value() == str(taihuyuan)
    page.wait_for_selector("[data-testid=risk-list]")
    assert set(page.locator("[data-testid=risk-list] [data-testid=item-place]").all_inner_texts()) == {"太湖源镇"}
    page.screenshot(path=str(artifacts / "lists-county-risks-1366.png"), full_page=True)
    assert errors == []


def test_a_province_user_sees_the_county_too(world, live_server, browser, make_project, artifacts):
    make_project(region="qianwang", name="列表浏览器省级查看")
    page = browser.new_context(**DESK).new_page()
    sign_in(page, live_server, "t_province")
    page.goto(f"{live_server}/projects?q=列表浏览器省级查看")
    page.wait_for_selector("[data-testid=project-list]")
    assert places(page) == ["临安区 · 锦城街道"]
    page.wait_for_selector("[data-testid=region-filter]:not([disabled])")
    assert "杭州市" in {o.strip() for o in page.locator("[data-testid=region-filter] option").all_inner_texts()}
    page.screenshot(path=str(artifacts / "lists-province-1366.png"), full_page=True)


def test_inspections_and_payments_have_the_filter_too(app, world, live_server, browser, make_project, make_inspection,
                                                       artifacts):
    from test_list_regions import _people
    theirs = make_project(region="baisha", name="列表浏览器白沙巡查")
    make_inspection(make_project(region="qianwang", name="列表浏览器钱王巡查"), findings="护栏缺失")
    make_inspection(theirs, by="inspector_sibling")
    _people(app, world, ("qianwang", "baisha"))
    taihuyuan = world["regions"]["taihuyuan"]
    page = browser.new_context(**DESK).new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, live_server, "t_county")
    page.click("[data-testid=home-inspections]")
    page.wait_for_selector("[data-testid=inspection-list]")
    page.wait_for_selector("[data-testid=region-filter]:not([disabled])")
    page.locator("[data-testid=region-filter]").select_option(str(taihuyuan))
    page.wait_for_url(f"**/inspections?region={taihuyuan}")
    page.wait_for_selector("[data-testid=inspection-list]")
    assert set(page.locator("[data-testid=inspection-list] [data-testid=item-place]").all_inner_texts()) == {"太湖源镇"}
    assert "列表浏览器白沙巡查" in page.locator("[data-testid=inspection-row] .ritem-rule").all_inner_texts()
    page.wait_for_selector("[data-testid=region-filter]:not([disabled])")
    page.screenshot(path=str(artifacts / "lists-county-inspections-1366.png"), full_page=True)
    page.goto(f"{live_server}/subsidies")
    page.click("a[href='/subsidies/payments']")
    page.wait_for_selector("[data-testid=payment-list]")
    page.wait_for_selector("[data-testid=region-filter]:not([disabled])")
    page.locator("[data-testid=region-filter]").select_option(str(taihuyuan))
    page.wait_for_url(f"**/subsidies/payments?region={taihuyuan}")
    page.wait_for_selector("[data-testid=payment-list]")
    assert set(page.locator("[data-testid=payment-list] [data-testid=item-place]").all_inner_texts()) == {"太湖源镇"}
    page.wait_for_selector("[data-testid=region-filter]:not([disabled])")
    page.screenshot(path=str(artifacts / "lists-county-payments-1366.png"), full_page=True)
    page.go_back()
    page.wait_for_url("**/subsidies/payments")
    page.wait_for_selector("[data-testid=payment-list]")
    assert "锦城街道" in page.locator("[data-testid=payment-list] [data-testid=item-place]").all_inner_texts()
    assert errors == []


def test_a_township_lead_filters_by_village_on_a_phone(world, live_server, browser, make_project, artifacts):
    from conftest import PHONE
    make_project(region="qianwang", name="列表浏览器手机钱王")
    page = browser.new_context(**PHONE).new_page()
    sign_in(page, live_server, "t_lead")
    page.goto(f"{live_server}/projects?q=列表浏览器手机")
    page.wait_for_selector("[data-testid=region-filter]:not([disabled])")
    page.locator("[data-testid=region-filter]").select_option(str(world["regions"]["qianwang"]))
    page.wait_for_url(f"**region={world['regions']['qianwang']}")
    page.wait_for_selector("[data-testid=project-list] .pitem-name:text-is('列表浏览器手机钱王')")
    # A township lead's items name their township only (no county).
    assert places(page) == ["锦城街道"]
    page.wait_for_selector("[data-testid=region-filter]:not([disabled])")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts / "lists-lead-village-360.png"), full_page=True)
