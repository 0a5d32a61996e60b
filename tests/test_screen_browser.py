"""The one screen (一屏) in a real Chromium at 1920×1080 against a real gunicorn: a county supervisor
opens /screen/<临安区> on the meeting-room display; nothing scrolls, no text is cut off, the ranking
chart is drawn, and after ?every=15 seconds the screen asks the server again by itself. The screenshot is
kept in test-artifacts/ and was looked at."""
from datetime import timedelta

from conftest import sign_in, set_project
from test_exports import _payments
from test_overview_charts_browser import rebuild

DISPLAY = {"viewport": {"width": 1920, "height": 1080}, "locale": "zh-CN"}

CUT_OFF = """() => [...document.querySelectorAll('.scr h1, .scr h2, .scr td, .scr-fig span, .scr-fig b, .scr-clock span, .scr-health')]
  .filter((el) => el.scrollWidth > el.clientWidth + 1).map((el) => el.textContent)"""


def test_the_meeting_room_screen(app, world, live_server, pages, artifacts, make_project, make_rectification,
                                 make_inspection):
    from backend.core import clock
    from backend.extensions import db
    from backend.rectifications.models import Rectification
    rect_id = make_rectification()
    with app.app_context():
        rect = db.session.get(Rectification, rect_id)
        rect.due_on = clock.today() - timedelta(days=5)
        rect_project = rect.project_id
        db.session.commit()
    set_project(app, rect_project, name="锦城街道钱王社区农村饮用水提标改造工程（二期）")
    project_id = make_project(stage="construction", name="太湖源镇白沙村美丽乡村精品线提升工程", region="baisha")
    make_inspection(project_id, verdict="problem", findings="护栏缺失", by="inspector_sibling")
    _payments(app, world, n=2, name="欧阳建国")
    rebuild(app)
    page = pages(DISPLAY)
    sign_in(page, live_server, "t_county")
    page.goto(f"{live_server}/screen/{world['regions']['linan']}?every=15")
    page.wait_for_selector("[data-testid=screen]")
    page.screenshot(path=str(artifacts / "screen-1920.png"))
    page.wait_for_selector("[data-testid=screen-rank-chart][data-drawn=true]", timeout=10_000)
    assert page.inner_text("[data-testid=screen-region]").startswith("临安区")
    assert not page.is_visible("header.bar")
    size = page.evaluate("""() => ({h: document.scrollingElement.scrollHeight, w: document.scrollingElement.scrollWidth,
                                    ih: innerHeight, iw: innerWidth})""")
    assert size["h"] <= size["ih"] and size["w"] <= size["iw"], size
    assert page.evaluate(CUT_OFF) == []
    assert int(page.inner_text("[data-testid=screen-overdue-count]")) >= 1
    assert int(page.inner_text("[data-testid=screen-inspections-count]")) >= 1
    assert int(page.inner_text("[data-testid=screen-failures-count]")) >= 1
    page.screenshot(path=str(artifacts / "screen-1920.png"))
    # it refreshes by itself: 15 seconds later (the shortest interval) it has asked again
    assert page.get_attribute("[data-testid=screen-page]", "data-refreshes") == "0"
    page.wait_for_selector("[data-testid=screen-page][data-refreshes='1']", timeout=30_000)
    page.wait_for_selector("[data-testid=screen-rank-chart][data-drawn=true]")
    assert page.evaluate(CUT_OFF) == []
