"""The cockpit's charts and the fund-flow screen in a real Chromium against a real gunicorn: a province
supervisor at a 1366 px desk sees the children's bar chart drawn on its canvas (ECharts from npm, the
custom build in pwa/vendor/echarts.js), picks another figure, taps 表格 for the same numbers as a
table, sees the warnings stacked by level and the monthly lines; with the network off the cockpit
opens again from the service worker's copies and still draws. A county supervisor follows 资金到达情况
to the fund-flow screen, where a late hop is marked. A township whose villages have nothing yet says
so instead of drawing an empty axis. Screenshots are kept in test-artifacts/ and were looked at."""
import uuid
from datetime import timedelta
from decimal import Decimal

from conftest import PHONE, TODAY, sign_in

DESK = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}

# True once the canvas inside a drawn chart has non-blank pixels.
PAINTED = """(testid) => {
  const box = document.querySelector(`[data-testid=${testid}][data-drawn=true]`);
  const canvas = box && box.querySelector('canvas');
  if (!canvas || !canvas.width) return false;
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let ink = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ink++;
  return ink > 500;
}"""


def rebuild(app):
    from backend.extensions import db
    from backend.overview import summary
    with app.app_context():
        summary.rebuild()
        db.session.commit()


def late_fund(app, world):
    """A general transfer to 锦城街道 issued 45 days ago and arrived 40 days ago (on time), nothing
    allocated: its 分配 hop is late (limit 30 days after issue)."""
    from backend.core.models import User
    from backend.extensions import db
    from backend.funds import services
    with app.app_context(), app.test_request_context(method="POST"):
        county = db.session.get(User, world["users"]["county"])
        fund = services.create_fund(county, {
            "region_id": world["regions"]["jincheng"], "doc_no": f"临财图〔2026〕{uuid.uuid4().int % 100000}号",
            "name": "图表测试资金", "category": "general_transfer", "source_level": "province",
            "amount": Decimal("80000.00"), "issued_on": TODAY - timedelta(days=45)})
        services.register_arrival(fund, county, TODAY - timedelta(days=40), "R-CHART")
        db.session.commit()
        return fund.id


def test_a_province_supervisor_sees_the_charts_and_their_tables(app, world, live_server, pages, artifacts):
    late_fund(app, world)
    rebuild(app)
    page = pages(DESK)
    sign_in(page, live_server, "t_province")
    # The app opened again with signal once the service worker is in charge: from now on its API
    # answers (who is signed in, the cockpit's document) are kept for offline use.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    # ECharts is precached at install with the screens, before any chart was asked for.
    assert page.evaluate("caches.match('/vendor/echarts.js').then((hit) => !!hit)")
    assert page.evaluate("caches.match('/js/charts.js').then((hit) => !!hit)")
    page.reload()
    page.click("[data-testid=home-overview]")
    page.wait_for_selector("[data-testid=overview] h1:has-text('浙江省')")
    page.wait_for_function(PAINTED, arg="compare-canvas")
    page.wait_for_function(PAINTED, arg="warnings-chart-canvas")
    page.wait_for_function(PAINTED, arg="trend-canvas")
    box = page.locator("[data-testid=compare-canvas] canvas").bounding_box()
    assert box["width"] > 600 and box["height"] >= 200
    assert page.locator("[data-testid=compare-values]").is_hidden()
    assert page.locator("[data-testid=compare-chart]").get_attribute("aria-pressed") == "true"
    page.screenshot(path=str(artifacts / "overview-charts-province-1366.png"), full_page=True)

    # Another figure: the chart and the table follow, and the address remembers it.
    page.select_option("[data-testid=compare-figure]", "warnings_open_red")
    page.wait_for_url("**figure=warnings_open_red**")
    page.click("[data-testid=compare-table]")
    table = page.locator("[data-testid=compare-values]")
    table.wait_for()
    assert page.locator("[data-testid=compare-canvas]").is_hidden()
    assert "未处理预警·红" in table.locator("thead").inner_text()
    names = page.locator("[data-testid=compare-row] th").all_inner_texts()
    assert names == page.locator("[data-testid=child] th").all_inner_texts() and "杭州市" in names
    page.click("[data-testid=warnings-chart-table]")
    assert "红色预警" in page.locator("[data-testid=warnings-values] thead").inner_text()
    page.screenshot(path=str(artifacts / "overview-charts-tables-1366.png"), full_page=True)
    # Back to a figure with something to draw (no city may have a red warning: then that chart
    # says there is nothing to draw instead).
    page.select_option("[data-testid=compare-figure]", "funds_issued")
    page.click("[data-testid=compare-chart]")
    page.wait_for_function(PAINTED, arg="compare-canvas")

    # Offline: the shell, the modules, ECharts and the last answer come from the service worker.
    page.context.set_offline(True)
    page.reload()
    try:
        page.wait_for_selector("[data-testid=overview] h1:has-text('浙江省')")
    finally:
        page.screenshot(path=str(artifacts / "overview-charts-offline-1366.png"), full_page=True)
    page.wait_for_function(PAINTED, arg="compare-canvas")
    page.screenshot(path=str(artifacts / "overview-charts-offline-1366.png"), full_page=True)
    page.context.set_offline(False)


def test_the_fund_flow_screen_marks_late_hops(app, world, live_server, browser, pages, artifacts):
    fund_id = late_fund(app, world)
    page = pages(DESK)
    sign_in(page, live_server, "t_county")
    page.goto(f"{live_server}/overview/{world['regions']['linan']}")
    page.click("[data-testid=fund-flow-link]")
    page.wait_for_selector("[data-testid=fund-flow] h1:has-text('资金到达情况')")
    row = page.locator(f"[data-testid=flow-fund][data-fund='{fund_id}']")
    assert row.get_attribute("data-late") == "true"
    allocate = row.locator("[data-hop=allocate]")
    assert allocate.get_attribute("data-late") == "true" and "flow-late" in allocate.get_attribute("class")
    assert "已逾期" in allocate.inner_text()
    register = row.locator("[data-hop=register]")
    assert register.get_attribute("data-late") == "false" and "用时 5 天" in register.inner_text()
    assert page.locator("[data-testid=flow-by-child-row] th a:has-text('锦城街道')").count() == 1
    assert page.locator("[data-testid=flow-by-category-row]").count() == 3
    page.screenshot(path=str(artifacts / "fund-flow-county-1366.png"), full_page=True)
    page.click("[data-testid=flow-by-child-row] th a:has-text('锦城街道')")
    page.wait_for_selector("[data-testid=fund-flow] h1:has-text('锦城街道')")
    phone = browser.new_context(**PHONE).new_page()
    sign_in(phone, live_server, "t_lead")
    phone.goto(f"{live_server}/overview/{world['regions']['jincheng']}/fund-flow")
    phone.wait_for_selector(f"[data-testid=flow-fund][data-fund='{fund_id}']")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path=str(artifacts / "fund-flow-lead-360.png"), full_page=True)


def quiet_township(app, world):
    """A new township of 临安 with two villages (东村, 西村) and nothing in them but one approved
    project in 东村: every figure of its villages is 0 but the project count."""
    from backend.core.models import Region, User
    from backend.extensions import db
    from backend.projects import services as projects
    n = 200 + uuid.uuid4().int % 700
    with app.app_context(), app.test_request_context(method="POST"):
        linan = db.session.get(Region, world["regions"]["linan"])
        code = f"330112{n:03d}000"
        town = Region(code=code, name=f"试点镇{n}", level="township", path=f"{linan.path}{code}/", parent_id=linan.id)
        db.session.add(town)
        db.session.flush()
        villages = []
        for i, name in ((1, "东村"), (2, "西村")):
            village = Region(code=f"330112{n:03d}{i:03d}", name=name, level="village",
                             path=f"{town.path}330112{n:03d}{i:03d}/", parent_id=town.id)
            db.session.add(village)
            villages.append(village)
        db.session.flush()
        county = db.session.get(User, world["users"]["county"])
        unit = projects.create_unit(county, town.id, f"试点镇{n}财政所", "乡镇财政所")
        projects.create_project(county, {
            "region_id": villages[0].id, "unit_id": unit.id, "name": f"东村道路工程-{n}", "category": "道路交通",
            "budget": Decimal("300000.00"), "funding_sources": [], "lat": 30.2, "lng": 119.7,
            "site_address": "东村", "planned_start_on": TODAY - timedelta(days=30), "planned_end_on": TODAY + timedelta(days=90)})
        db.session.commit()
        town_id = town.id
    rebuild(app)
    return town_id


def shoot(page, path, where):
    """The charts on a phone's screen; the whole page at a desk (from the top: the header stays up)."""
    if where == "1366":
        page.evaluate("window.scrollTo(0, 0)")
    else:
        page.locator("[data-testid=compare]").scroll_into_view_if_needed()
    page.screenshot(path=str(path), full_page=where == "1366")


def test_a_chart_with_nothing_to_draw_says_so(app, world, live_server, browser, artifacts):
    """A township's villages, where funds, warnings and flows are all still 0: the cockpit says
    there is nothing to chart yet (in English too) with the table one tap away, instead of bars of
    nothing on an empty 0–1 axis; a figure that is not all 0 (the villages' projects) is drawn."""
    town_id = quiet_township(app, world)
    for where, device in (("360", PHONE), ("1366", DESK)):
        context = browser.new_context(**device)
        errors = []
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        sign_in(page, live_server, "t_county")
        page.goto(f"{live_server}/overview/{town_id}")
        page.wait_for_selector("[data-testid=compare-empty]")
        assert page.inner_text("[data-testid=compare-empty-text]") == "“下达资金”都是 0 或无数据，暂无可画的图"
        assert page.locator("[data-testid=compare-canvas]").is_hidden()
        assert page.locator("[data-testid=compare-canvas] canvas").count() == 0  # no empty axis drawn behind it
        assert page.inner_text("[data-testid=warnings-chart-empty-text]") == "没有未处理的预警，暂无可画的图"
        assert page.locator("[data-testid=warnings-chart-canvas]").is_hidden()
        assert page.inner_text("[data-testid=trend-empty-text]").startswith("“")
        if where == "360":
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
        shoot(page, artifacts / f"overview-charts-empty-{where}.png", where)
        # The table, one tap away: the same villages, each 0.
        page.click("[data-testid=compare-empty-table]")
        table = page.locator("[data-testid=compare-values]")
        table.wait_for()
        assert page.locator("[data-testid=compare-row] th").all_inner_texts() == ["东村", "西村"]
        assert page.locator("[data-testid=compare-table]").get_attribute("aria-pressed") == "true"
        page.click("[data-testid=compare-chart]")
        # A figure with something in it is drawn; back to an empty one, the sentence again.
        page.select_option("[data-testid=compare-figure]", "projects")
        page.wait_for_function(PAINTED, arg="compare-canvas")
        assert page.locator("[data-testid=compare-empty]").is_hidden()
        page.locator("[data-testid=compare]").scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / f"overview-charts-projects-{where}.png"))
        page.select_option("[data-testid=compare-figure]", "subsidy_failed")
        page.wait_for_selector("[data-testid=compare-empty]")
        assert page.locator("[data-testid=compare-canvas]").is_hidden()
        # In English.
        page.click("[data-testid=lang-toggle]")
        page.wait_for_selector("[data-testid=compare-empty-text]:has-text('nothing to chart yet')")
        assert page.inner_text("[data-testid=warnings-chart-empty-text]") == "No open warnings: nothing to chart yet"
        assert page.inner_text("[data-testid=compare-empty-table]") == "See the table"
        shoot(page, artifacts / f"overview-charts-empty-{where}-en.png", where)
        assert errors == []
        context.close()
