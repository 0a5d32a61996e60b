"""The cockpit's charts and the fund-flow screen in a real Chromium against a real gunicorn: a province
supervisor at a 1366 px desk sees the children's bar chart drawn on its canvas (ECharts from npm, the
custom build in pwa/vendor/echarts.js), picks another figure, taps 表格 for the same numbers as a
table, sees the warnings stacked by level and the monthly lines; with the network off the cockpit
opens again from the service worker's copies and still draws. A county supervisor follows 资金到达情况
to the fund-flow screen, where a late hop is marked. Screenshots are kept in test-artifacts/ and were
looked at."""
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


def test_a_province_supervisor_sees_the_charts_and_their_tables(app, world, live_server, browser, artifacts):
    late_fund(app, world)
    rebuild(app)
    context = browser.new_context(**DESK)
    errors = []
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
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
    page.click("[data-testid=compare-chart]")
    page.wait_for_function(PAINTED, arg="compare-canvas")

    # Offline: the shell, the modules, ECharts and the last answer come from the service worker.
    context.set_offline(True)
    page.reload()
    try:
        page.wait_for_selector("[data-testid=overview] h1:has-text('浙江省')")
    finally:
        page.screenshot(path=str(artifacts / "overview-charts-offline-1366.png"), full_page=True)
    page.wait_for_function(PAINTED, arg="compare-canvas")
    page.screenshot(path=str(artifacts / "overview-charts-offline-1366.png"), full_page=True)
    context.set_offline(False)
    assert errors == []
    context.close()


def test_the_fund_flow_screen_marks_late_hops(app, world, live_server, browser, artifacts):
    fund_id = late_fund(app, world)
    context = browser.new_context(**DESK)
    errors = []
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
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
    context.close()
    phone = browser.new_context(**PHONE).new_page()
    sign_in(phone, live_server, "t_lead")
    phone.goto(f"{live_server}/overview/{world['regions']['jincheng']}/fund-flow")
    phone.wait_for_selector(f"[data-testid=flow-fund][data-fund='{fund_id}']")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path=str(artifacts / "fund-flow-lead-360.png"), full_page=True)
    assert errors == []
