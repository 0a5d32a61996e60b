"""The cockpit in a real Chromium against a real gunicorn: a province supervisor at a 1366 px desk
opens 一站监管 from home, drills down province → city → county → township with the breadcrumbs and
the browser's back button, sorts the children, and follows a health indicator to its records; a
county supervisor sees the same township figures; a township lead reads their own cockpit on a
360 px phone without sideways scrolling, in Chinese and in English. Screenshots are kept in
test-artifacts/ and were looked at."""
from decimal import Decimal

from conftest import PHONE, sign_in

DESK = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}


def rebuild(app):
    from backend.extensions import db
    from backend.overview import summary
    with app.app_context():
        summary.rebuild()
        db.session.commit()


def figure(page, name, column=2):
    text = page.locator(f"[data-testid=figure][data-name={name}] td").nth(column - 1).inner_text()
    return Decimal(text.replace("¥", "").replace(",", "") or 0)


def test_a_province_supervisor_drills_down_and_back(app, world, live_server, browser, pages, make_project, artifacts):
    make_project(stage="construction", name="钱王社区驾驶舱道路工程")
    rebuild(app)
    page = pages(DESK)
    sign_in(page, live_server, "t_province")
    page.click("[data-testid=home-overview]")
    page.wait_for_selector("[data-testid=overview] h1:has-text('浙江省')")
    assert page.locator("[data-testid=health-score]").count() == 1
    assert page.locator("[data-testid=indicator]").count() == 8
    page.screenshot(path=str(artifacts / "overview-province-1366.png"), full_page=True)
    for name in ("杭州市", "临安区", "锦城街道"):
        page.click(f"[data-testid=child] a:has-text('{name}')")
        page.wait_for_selector(f"[data-testid=overview] h1:has-text('{name}')")
    assert page.locator("[data-testid=crumbs] a").all_inner_texts() == ["浙江省", "杭州市", "临安区"]
    projects = figure(page, "projects")
    assert projects >= 1
    page.screenshot(path=str(artifacts / "overview-township-1366.png"), full_page=True)
    page.go_back()
    page.wait_for_selector("[data-testid=overview] h1:has-text('临安区')")
    page.click("[data-testid=sort-projects]")
    page.wait_for_url("**sort=projects**")
    counts = [int(c) for c in page.locator("[data-testid=child] td:nth-child(8)").all_inner_texts()]
    assert counts == sorted(counts, reverse=True)
    page.click("[data-testid=crumbs] a:has-text('浙江省')")
    page.wait_for_selector("[data-testid=overview] h1:has-text('浙江省')")
    shared = page.url
    page.goto(f"{live_server}/overview/{world['regions']['jincheng']}")
    page.wait_for_selector("[data-testid=overview] h1:has-text('锦城街道')")
    page.click("[data-testid=indicator][data-code=warnings_per_million] a")
    page.wait_for_url(f"**/risks?region_id={world['regions']['jincheng']}")  # the warnings screen, not a 页面不存在
    page.wait_for_selector("[data-testid=risk-list], [data-testid=risk-empty]")
    assert shared.endswith(f"/overview/{world['regions']['zj']}") or "/overview" in shared
    county = browser.new_context(**DESK).new_page()
    sign_in(county, live_server, "t_county")
    county.goto(f"{live_server}/overview/{world['regions']['jincheng']}")
    county.wait_for_selector("[data-testid=overview] h1:has-text('锦城街道')")
    assert figure(county, "projects") == projects
    assert county.locator("[data-testid=crumbs] a").all_inner_texts() == ["临安区"]
    # In English (the longer names) own and region-wide are both in view: a long figure name wraps
    # rather than pushing the region's column out of its table. (Measured with the values made short:
    # the whole suite's data gives this township nine-figure sums, and a group too narrow for two of
    # them scrolls sideways in its card, as every wide table does.)
    county.click("#lang")
    county.wait_for_selector("[data-testid=overview] h2:has-text('Township finance health index')")
    hidden = """[...document.querySelectorAll('.ov-group')].map((g) => {
        g.querySelectorAll('td').forEach((td) => { td.textContent = '¥0.00'; });
        return g.scrollWidth - g.clientWidth; })"""
    assert max(county.evaluate(hidden)) <= 0


def test_a_township_lead_reads_their_cockpit_on_a_phone(app, world, live_server, browser, artifacts):
    rebuild(app)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in(page, live_server, "t_lead")
    page.click("[data-testid=home-overview]")
    page.wait_for_selector("[data-testid=overview] h1:has-text('锦城街道')")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts / "overview-lead-360.png"), full_page=True)
    page.click("#lang")
    page.wait_for_selector("[data-testid=overview] h2:has-text('Township finance health index')")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts / "overview-lead-360-en.png"), full_page=True)
    # A township's money runs to millions: with ¥3,430,000.00 own and region-wide in every row, each
    # group still shows both columns on the 360 px phone in English (the longer names break inside a
    # word and the cells pad less), rather than cutting the region's column off at "¥3,430,000.".
    millions = """[...document.querySelectorAll('.ov-group')].map((g) => {
        g.querySelectorAll('td').forEach((td) => { td.textContent = '¥3,430,000.00'; });
        return g.scrollWidth - g.clientWidth; })"""
    assert max(page.evaluate(millions)) <= 0


def test_the_health_indicators_show_their_units(app, world, live_server, browser):
    """The spending gap is in percentage points and the answer time in days: "40 个百分点" and "2.5 天"
    (then "40 pts", "2.5 days"), not a bare "40" that reads as neither. The document is the server's
    with those two values set, so the check does not hang on what the suite's data gives them."""
    import json
    import re
    rebuild(app)
    page = browser.new_context(**DESK, service_workers="block").new_page()  # so the page's own fetch is routed
    sign_in(page, live_server, "t_county")

    def with_values(route):
        doc = route.fetch().json()
        for i in doc["health"]["indicators"]:
            i["value"] = {"spending_gap": "40.00", "case_answer_days": "2.50"}.get(i["code"], i["value"])
        route.fulfill(status=200, content_type="application/json", body=json.dumps(doc))
    page.route(re.compile(r"/api/v1/overview/\d+\?"), with_values)
    page.goto(f"{live_server}/overview/{world['regions']['jincheng']}")
    page.wait_for_selector("[data-testid=overview] h1:has-text('锦城街道')")
    value = lambda code: page.inner_text(f"[data-testid=indicator][data-code={code}] [data-testid=indicator-value]")  # noqa: E731
    assert (value("spending_gap"), value("case_answer_days")) == ("40 个百分点", "2.5 天")
    page.click("#lang")
    page.wait_for_selector("[data-testid=overview] h2:has-text('Township finance health index')")
    assert (value("spending_gap"), value("case_answer_days")) == ("40 pts", "2.5 days")


def test_children_with_no_figure_sort_last_both_ways(app, world, live_server, browser):
    """A child with no value for the sorted column (暂无数据, drawn "—") comes after those with one,
    going up as going down; the document is the server's with the children's indexes set here."""
    import json
    import re
    rebuild(app)
    page = browser.new_context(**DESK, service_workers="block").new_page()
    sign_in(page, live_server, "t_county")

    def without_one(route):
        doc = route.fetch().json()
        for i, child in enumerate(doc["children"]):  # the first with none, the others with one
            child["health"]["score"] = None if i == 0 else f"{60 + i}.0"
        route.fulfill(status=200, content_type="application/json", body=json.dumps(doc))
    page.route(re.compile(r"/api/v1/overview/\d+\?"), without_one)
    blank_row = ("() => [...document.querySelectorAll('[data-testid=child]')]"
                 ".map(r => r.querySelector('td.num').textContent.startsWith('—'))")
    for direction in ("desc", "asc"):
        page.goto(f"{live_server}/overview/{world['regions']['linan']}?sort=health&dir={direction}")
        # (the last data kept for offline use may be drawn first: wait for the document routed here)
        page.wait_for_function(blank_row.replace(".map(", ".some(", 1))
        blanks = page.evaluate(blank_row)
        assert len(blanks) > 1 and blanks == [False] * (len(blanks) - 1) + [True], (direction, blanks)
    page.context.close()


def test_the_indicators_open_the_records_behind_them(app, world, live_server, browser):
    """执行's 查看明细 opens the fund list filtered to 已到账未支出完毕 (arrived or allocated, not all
    spent), the filter shown as chosen; 通达's opens 资金到达情况 of the region for the cockpit's year;
    整改按期办结率's opens every rectification (全部: the closed ones are what it counts), not the
    overdue tab. (The document is the server's with these indicators given a value, so each has its
    link.)"""
    import json
    import re
    rebuild(app)
    page = browser.new_context(**DESK, service_workers="block").new_page()
    sign_in(page, live_server, "t_county")

    def with_values(route):
        doc = route.fetch().json()
        for i in doc["health"]["indicators"]:
            i["value"] = {"spending_gap": "10.00", "hops_on_time": "80.0", "rect_on_time": "90.0"}.get(i["code"], i["value"])
        route.fulfill(status=200, content_type="application/json", body=json.dumps(doc))
    page.route(re.compile(r"/api/v1/overview/\d+\?"), with_values)
    jincheng = world["regions"]["jincheng"]
    page.goto(f"{live_server}/overview/{jincheng}?year=2025")
    page.wait_for_selector("[data-testid=overview] h1:has-text('锦城街道')")
    page.click("[data-testid=indicator][data-code=spending_gap] a")
    page.wait_for_url(f"**/funds?stage=unspent&region_id={jincheng}")
    page.wait_for_selector("[data-testid=fund-list], [data-testid=fund-empty]")
    assert page.input_value("[data-testid=f-stage]") == "unspent"
    assert page.inner_text("[data-testid=f-stage] option:checked") == "已到账未支出完毕"
    page.go_back()
    page.wait_for_selector("[data-testid=overview] h1:has-text('锦城街道')")
    page.click("[data-testid=indicator][data-code=hops_on_time] a")
    page.wait_for_url(f"**/overview/{jincheng}/fund-flow?year=2025")
    page.go_back()
    page.wait_for_selector("[data-testid=overview] h1:has-text('锦城街道')")
    page.click("[data-testid=indicator][data-code=rect_on_time] a")
    page.wait_for_url(f"**/rectifications?tab=all&region_id={jincheng}")
    page.wait_for_selector("[data-testid=tab-all][aria-current=page]")
    page.context.close()


def test_the_health_index_fits_a_phone(app, world, live_server, browser, artifacts):
    """On a 360 px phone the health index shows every indicator's value, score, points lost and its
    records link without sliding the table sideways (the value was cut at "74." and the points lost and
    the link were out of view), in Chinese and in English. The values are the widest the index gives
    ("40.3 个百分点", "无数据"), set on the server's document, so the check does not hang on the data."""
    import json
    import re
    rebuild(app)
    page = browser.new_context(**PHONE, service_workers="block").new_page()
    sign_in(page, live_server, "t_lead")

    def widest(route):
        doc = route.fetch().json()
        for i in doc["health"]["indicators"]:
            i["value"] = {"%": "100.0", "pt": "40.30", "d": "15.00", "": "12.34"}[i["unit"]]
            i["score"], i["points_lost"] = "100.0", "22.2"
        doc["health"]["indicators"][-1].update(value=None, score=None, points_lost=None)
        route.fulfill(status=200, content_type="application/json", body=json.dumps(doc))
    page.route(re.compile(r"/api/v1/overview/\d+\?"), widest)
    page.goto(f"{live_server}/overview/{world['regions']['jincheng']}")
    page.wait_for_selector("[data-testid=overview] h1:has-text('锦城街道')")
    hidden = "(() => { const w = document.querySelector('[data-testid=health] .table-wrap'); return w.scrollWidth - w.clientWidth; })()"
    page.screenshot(path=str(artifacts / "overview-health-360.png"), full_page=False)
    assert page.evaluate(hidden) <= 0
    assert page.locator("[data-testid=indicator][data-code=spending_gap] a").is_visible()
    page.click("#lang")
    page.wait_for_selector("[data-testid=overview] h2:has-text('Township finance health index')")
    page.screenshot(path=str(artifacts / "overview-health-360-en.png"), full_page=False)
    assert page.evaluate(hidden) <= 0
    page.context.close()


def test_the_figures_say_when_in_china_time(app, world, live_server, browser):
    """"数据更新于" is China's time written as every date in the app is (2026-12-01 10:00), whatever the
    browser's time zone and language — not the browser's own (2026/12/1 02:00:00 in UTC, 12/1/2026,
    2:00:00 AM in English); the cockpit and 资金到达情况 alike."""
    rebuild(app)
    page = browser.new_context(**DESK, timezone_id="UTC").new_page()
    sign_in(page, live_server, "t_county")
    jincheng = world["regions"]["jincheng"]
    for path in (f"/overview/{jincheng}", f"/overview/{jincheng}/fund-flow"):
        page.goto(live_server + path)
        page.wait_for_selector("[data-testid=as-of]")
        assert page.inner_text("[data-testid=as-of]") == "数据更新于 2026-12-01 10:00"
    page.click("#lang")
    page.wait_for_selector("[data-testid=as-of]:has-text('Figures as of')")
    assert page.inner_text("[data-testid=as-of]") == "Figures as of 2026-12-01 10:00"
    page.context.close()


def test_the_region_names_sort_a_to_z_first(app, world, live_server, browser):
    """地区 sorts A→Z on the first click (Chinese order: 杭州市 before 宁波市) and Z→A on the second; a
    figure column still starts with the biggest (it did start names at Z, sort=name&dir=desc)."""
    rebuild(app)
    page = browser.new_context(**DESK, service_workers="block").new_page()
    sign_in(page, live_server, "t_province")
    page.goto(f"{live_server}/overview/{world['regions']['zj']}")
    page.wait_for_selector("[data-testid=overview] h1:has-text('浙江省')")
    names = lambda: page.locator("[data-testid=child] th a").all_inner_texts()  # noqa: E731
    chinese = "(names) => [...names].sort(new Intl.Collator('zh-CN').compare)"
    page.click("[data-testid=sort-name]")
    page.wait_for_url("**sort=name&dir=asc")
    page.wait_for_selector("th[aria-sort=ascending] [data-testid=sort-name]")
    shown = names()
    assert shown == page.evaluate(chinese, shown) and shown.index("杭州市") < shown.index("宁波市")
    page.click("[data-testid=sort-name]")
    page.wait_for_url("**sort=name&dir=desc")
    page.wait_for_selector("th[aria-sort=descending] [data-testid=sort-name]")
    assert names() == list(reversed(shown))
    assert page.get_attribute("[data-testid=sort-funds_issued]", "href").endswith("sort=funds_issued&dir=desc")
    page.context.close()


def test_home_keeps_each_warning_count_whole_and_the_picker_reads_lower_case(app, world, live_server, browser):
    """At 1366 px the 风险预警 button's counts break only between levels, never inside one (it read
    "红 10 · 橙 80 · 黄 / 39"); the English region picker asks for "a township or village", not "a
    Township or Village". (The counts are the server's summary with these numbers set.)"""
    import json
    import re
    page = browser.new_context(**DESK, service_workers="block").new_page()

    def counted(route):
        doc = route.fetch().json()
        doc["by_level"] = {"red": 10, "orange": 80, "yellow": 39}
        route.fulfill(status=200, content_type="application/json", body=json.dumps(doc))
    page.route(re.compile(r"/api/v1/risks/summary"), counted)
    sign_in(page, live_server, "t_county")
    page.wait_for_selector("[data-testid=home-risk-count]")
    counts = page.locator("[data-testid=home-risk-count]")
    assert [c.strip(" ·") for c in counts.all_inner_texts()] == ["红 10", "橙 80", "黄 39"]
    assert page.evaluate("[...document.querySelectorAll('[data-testid=home-risk-count]')]"
                         ".map((s) => s.getClientRects().length)") == [1, 1, 1]
    page.click("#lang")
    page.goto(f"{live_server}/funds")
    page.wait_for_selector("[data-testid=region-filter-q]")
    assert page.get_attribute("[data-testid=region-filter-q]", "placeholder") == "Name or code of a township or village"
    page.context.close()


def test_the_address_s_year_and_chart_choices_hold(app, world, live_server, pages, artifacts):
    """A year the server refuses (1900, typed by hand) shows this year's cockpit and says so instead of
    a dead end; a year outside the last three (a shared address of 2019) is the one the dropdown
    names; sorting the children keeps the trend chart's choice in the address and on the chart."""
    rebuild(app)
    page = pages(DESK)
    sign_in(page, live_server, "t_county")
    linan = world["regions"]["linan"]
    page.goto(f"{live_server}/overview/{linan}?year=1900")
    page.wait_for_selector("[data-testid=overview-bad-year]")
    this_year = page.evaluate("new Intl.DateTimeFormat('en-CA', {timeZone: 'Asia/Shanghai', year: 'numeric'})"
                              ".format(new Date())")
    assert page.inner_text("[data-testid=overview-bad-year]") == f"没有“1900”年度的数据可查（年份有误），下面是 {this_year} 年度。"
    assert page.input_value("[data-testid=overview-year]") == this_year
    page.wait_for_selector("[data-testid=health]")
    page.screenshot(path=str(artifacts / "overview-bad-year-1366.png"))
    page.goto(f"{live_server}/overview/{linan}?year=2019")
    page.wait_for_selector("[data-testid=health]")
    assert page.input_value("[data-testid=overview-year]") == "2019"
    assert not page.is_visible("[data-testid=overview-bad-year]")
    page.goto(f"{live_server}/overview/{linan}")
    page.wait_for_selector("[data-testid=trend-figure]")
    page.select_option("[data-testid=trend-figure]", "project_paid")
    page.wait_for_url("**trend=project_paid**")
    page.click("[data-testid=sort-projects]")
    page.wait_for_url("**sort=projects**")
    assert "trend=project_paid" in page.url
    page.wait_for_selector("[data-testid=sort-projects]:has-text('▼')")
    assert page.input_value("[data-testid=trend-figure]") == "project_paid"


def test_a_village_s_cockpit_lists_its_projects_and_leads_back_up(app, world, live_server, pages, make_project,
                                                                  artifacts):
    """township → village → project and back: the village's cockpit keeps the breadcrumbs and lists
    its projects, each opening the project; back returns to the village, a crumb to the township."""
    import re
    make_project(region="qianwang", name="钱王社区驾驶舱村级工程")
    rebuild(app)
    page = pages(DESK)
    sign_in(page, live_server, "t_county")
    page.goto(f"{live_server}/overview/{world['regions']['jincheng']}")
    page.click("[data-testid=child] a:has-text('钱王社区')")
    page.wait_for_selector("[data-testid=overview] h1:has-text('钱王社区')")
    assert page.locator("[data-testid=crumbs] a").all_inner_texts() == ["临安区", "锦城街道"]
    link = page.locator("[data-testid=village-project] a", has_text="钱王社区驾驶舱村级工程")
    link.wait_for()
    page.screenshot(path=str(artifacts / "overview-village-1366.png"), full_page=True)
    link.click()
    page.wait_for_url(re.compile(r"/(q|p)/"))
    page.wait_for_selector("h1:has-text('钱王社区驾驶舱村级工程')")
    page.go_back()
    page.wait_for_selector("[data-testid=overview] h1:has-text('钱王社区')")
    page.click("[data-testid=crumbs] a:has-text('锦城街道')")
    page.wait_for_selector("[data-testid=overview] h1:has-text('锦城街道')")


def test_the_index_explains_its_formula_in_the_app(app, world, live_server, pages, artifacts):
    """Weights in the table at a desk; 指数怎么算 opens the bands and each indicator's points, from the
    formula the answer names (config), in Chinese and in English."""
    rebuild(app)
    page = pages(DESK)
    sign_in(page, live_server, "t_county")
    page.goto(f"{live_server}/overview/{world['regions']['linan']}")
    page.wait_for_selector("[data-testid=indicator]")
    weights = page.locator("[data-testid=indicator-weight]").all_inner_texts()
    assert weights == ["15", "20", "15", "12", "8", "10", "10", "10"]
    page.click("[data-testid=health-formula] summary")
    assert page.inner_text("[data-testid=health-bands]") == "≥ 85 健康；70–85 关注；60–70 预警；< 60 高风险"
    rules = page.locator("[data-testid=indicator-rule]").all_inner_texts()
    assert rules[0] == "到账率（权重 15）：50% → 0 分；80% → 60 分；95% → 85 分；100% → 100 分"
    assert rules[1].startswith("支出进度落后时间进度（权重 20）：") and "8 个百分点 → 70 分" in rules[1]
    page.screenshot(path=str(artifacts / "overview-formula-1366.png"), full_page=True)
    page.click("#lang")
    page.wait_for_selector("[data-testid=health-formula] summary:has-text('How the index is made')")
    assert page.text_content("[data-testid=health-bands]") == "≥ 85 Healthy; 70–85 Watch; 60–70 Warning; < 60 High risk"
