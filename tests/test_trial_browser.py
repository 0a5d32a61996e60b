"""What a new user's trial found (issue "Safe to run for real", section 7), checked on a 360 px
phone against a real gunicorn: an empty inspection goes to its first error; the inspector's home
counts open rectifications with the overdue one first; another township's plaque says it is outside
the region; the public root is a public page that finds a village; the timeline speaks Chinese only
(village codes with dashes: test_subsidy_browser.py); the township reveals a complaint's call-back phone; and a
villager's public page downloads no staff screen's code."""
import re
from datetime import timedelta

import pytest

from backend.core import clock
from backend.qrcodes.codes import pretty
from conftest import PHONE, code_of, run_scan, sign_in, warning_for

SITE = {"latitude": 30.2341, "longitude": 119.7201, "accuracy": 12}
# Modules only staff screens use: a villager's page must not download them.
STAFF_MODULES = ("/js/views/home.js", "/js/views/inspect.js", "/js/views/risks.js", "/js/views/rectifications.js",
                 "/js/views/subsidies.js", "/js/views/comments.js", "/js/views/inbox.js", "/js/views/login.js",
                 "/js/views/photo-picker.js", "/js/drafts.js", "/js/photo.js")
CODES = re.compile(r"\b(open|submitted|approved|rejected|closed_not_fixed|resolved|dismissed|rectified|cause_gone|"
                   r"tendering|contracted|construction|acceptance|settlement|archived|red|orange|yellow|"
                   r"township_lead|inspector|county|normal|problem)\b")


@pytest.fixture
def signed_in(pages, live_server):
    """signed_in("t_inspector") → a 360 px page signed in as that user (errors in the page fail the test)."""

    def make(user, **extra):
        return sign_in(pages({**PHONE, **extra}), live_server, user)
    return make


def _in_view(page, selector):
    return page.evaluate("""(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
      return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }""", selector)


def test_an_empty_inspection_goes_to_its_first_error(signed_in, live_server, make_project, artifacts):
    project_id = make_project(stage="construction", name="空表提交测试工程")
    page = signed_in("t_inspector", permissions=["geolocation"], geolocation=SITE)
    page.goto(f"{live_server}/inspect/{project_id}")
    page.wait_for_selector("[data-testid=inspect-form]")
    page.evaluate("window.scrollTo(0, 0)")
    page.click("[data-testid=inspect-submit]")
    page.wait_for_selector("[data-testid=field-error]:not([hidden])")
    assert page.inner_text("[data-testid=field-error]") == "请选择巡查结论"
    assert _in_view(page, "[data-testid=field-error]"), "the message is below the fold"
    assert page.evaluate("document.activeElement.dataset.testid") == "verdict-normal"
    page.screenshot(path=str(artifacts / "trial-inspect-empty.png"))
    # A problem without findings: the page goes to the findings box.
    page.click("[data-testid=verdict-problem]")
    assert page.locator("[data-testid=field-error]").is_hidden()
    page.evaluate("window.scrollTo(0, 0)")
    page.click("[data-testid=inspect-submit]")
    page.wait_for_selector("[data-testid=field-error]:not([hidden])")
    assert _in_view(page, "[data-testid=field-error]")
    assert page.evaluate("document.activeElement.id") == "findings"


def test_the_inspectors_home_counts_open_rectifications_overdue_first(app, world, signed_in, make_rectification,
                                                                     artifacts):
    from backend.extensions import db
    from backend.rectifications.models import Rectification
    late, _ = make_rectification("open"), make_rectification("open")
    with app.app_context():
        db.session.get(Rectification, late).due_on = clock.now().date() - timedelta(days=2)
        db.session.commit()
    page = signed_in("t_inspector")
    page.wait_for_selector("[data-testid=my-rect]")
    count = page.inner_text("[data-testid=my-tasks-count]")
    total = page.evaluate("fetch('/api/v1/rectifications?mine=true&status=open&per_page=1').then(r => r.json())")["total"]
    assert f"{total} 项待整改" in count and "已逾期" in count, count
    rows = page.locator("[data-testid=my-tasks] li.task")
    flags = [rows.nth(i).get_attribute("data-overdue") for i in range(rows.count())]
    assert flags == sorted(flags, reverse=True), flags  # every overdue item before the others
    ids = [page.locator("[data-testid=my-rect]").nth(i).get_attribute("data-rect-id")
           for i in range(page.locator("[data-testid=my-rect]").count())]
    assert str(late) in ids
    assert page.locator(f"[data-testid=my-rect][data-rect-id='{late}']").get_attribute("data-overdue") == "true"
    page.screenshot(path=str(artifacts / "trial-inspector-home.png"), full_page=True)
    page.click(f"[data-testid=my-rect][data-rect-id='{late}'] [data-testid=my-rect-submit]")
    page.wait_for_url(f"**/rectifications/{late}?evidence=1")


def test_another_townships_plaque_says_it_is_outside_the_region(app, signed_in, live_server, make_project, artifacts):
    code = code_of(app, make_project(stage="construction", name="辖区外测试工程"))
    page = signed_in("t_inspector_sibling")
    page.goto(f"{live_server}/q/{code}")
    page.wait_for_selector("[data-testid=outside-region]")
    text = page.inner_text("[data-testid=outside-region]")
    assert "不在您的辖区" in text and "太湖源镇" in text and "锦城街道" in text
    assert page.locator("[data-testid=public-note]").count() == 0
    assert page.locator("a[href^='/login']").count() == 0
    page.screenshot(path=str(artifacts / "trial-outside-region.png"))


def test_the_public_root_finds_a_village_and_a_villager_downloads_no_staff_code(app, world, phone, live_server,
                                                                               make_project, artifacts):
    from backend.core.models import Region
    from backend.extensions import db
    from backend.subsidies import services
    with app.app_context():
        village_code = services.village_code(db.session.get(Region, world["regions"]["qianwang"])).code
        db.session.commit()
    code = code_of(app, make_project(stage="construction", name="村民首页测试工程"))
    loaded = []
    phone.on("request", lambda r: loaded.append(r.url.split("://", 1)[1].split("/", 1)[1].split("?")[0]))
    phone.goto(f"{live_server}/")
    phone.wait_for_selector("[data-testid=village-search]")
    assert phone.locator("[data-testid=scan-open]").is_visible() and phone.locator("[data-testid=code-input]").is_visible()
    assert phone.get_attribute("[data-testid=staff-login]", "href") == "/login"
    phone.fill("[data-testid=village-q]", "钱王")
    phone.click("[data-testid=village-find]")
    phone.wait_for_selector("[data-testid=village-item]")
    assert "锦城街道" in phone.inner_text("[data-testid=village-list]")
    phone.screenshot(path=str(artifacts / "trial-public-root.png"), full_page=True)
    phone.click("[data-testid=village-item]")
    phone.wait_for_url(f"**/v/{village_code}")
    phone.goto(f"{live_server}/q/{code}")
    phone.wait_for_selector("[data-testid=public-note]")
    staff = sorted({"/" + u for u in loaded} & set(STAFF_MODULES))
    assert staff == [], f"a villager's pages downloaded staff code: {staff}"
    # The staff sign-in is one link away.
    phone.goto(f"{live_server}/")
    phone.click("[data-testid=staff-login]")
    phone.wait_for_selector("[data-testid=login-submit]")


def test_the_timeline_speaks_chinese_only(app, signed_in, live_server, make_rectification, artifacts):
    from backend.extensions import db
    from backend.rectifications.models import Rectification
    rect_id = make_rectification("approved")  # its warning is cleared as rectified
    with app.app_context():
        project_id = db.session.get(Rectification, rect_id).project_id
    page = signed_in("t_lead")
    page.goto(f"{live_server}/p/{project_id}")
    page.wait_for_selector("[data-testid=timeline-item][data-kind=risk_resolved]")
    text = page.inner_text("[data-testid=timeline]")
    assert "风险预警已消除：项目超期未完工（已整改销号）" in text
    assert CODES.findall(text) == [], text
    code = code_of(app, project_id)  # printed with dashes, like on the plaque
    assert pretty(code) in text
    page.locator("[data-testid=timeline]").screenshot(path=str(artifacts / "trial-timeline-chinese.png"))


def test_the_township_reveals_a_complaints_call_back_phone(app, signed_in, live_server, make_project, artifacts):
    project_id = make_project(stage="construction", name="回电界面测试工程")
    r = app.test_client().post(f"/api/v1/public/projects/{project_id}/comments", json={
        "client_uuid": "0c4a7b4e-3a55-4d0e-9a3c-6f1b2d3e4f51", "kind": "complaint",
        "body": "工地夜间施工，噪音很大，请回电", "contact": "13712345678"}, environ_base={"REMOTE_ADDR": "10.88.1.2"})
    assert r.status_code in (200, 201), r.json
    page = signed_in("t_lead")
    page.goto(f"{live_server}/comments")
    item = page.locator(f"[data-testid=staff-comment][data-comment-id='{r.json['id']}']")
    assert item.locator("[data-testid=comment-contact]").inner_text() == "137****5678"
    item.locator("[data-testid=comment-reveal]").click()
    page.fill("[data-testid=reveal-reason]", "按留言人要求回电")
    page.click("[data-testid=reveal-ok]")
    page.wait_for_selector(f"[data-testid=staff-comment][data-comment-id='{r.json['id']}'] a[href='tel:13712345678']")
    item.screenshot(path=str(artifacts / "trial-comment-phone.png"))


def test_a_warnings_evidence_speaks_chinese_only(app, signed_in, live_server, make_rectification):
    """整改逾期 keeps the rectification's status in its evidence: shown by its name, not its code."""
    from backend.extensions import db
    from backend.rectifications.models import Rectification
    rect_id = make_rectification("submitted")
    with app.app_context():
        db.session.get(Rectification, rect_id).due_on = clock.now().date() - timedelta(days=4)
        db.session.commit()
    run_scan(app, "rectification_overdue")
    warning = warning_for(app, "rectification_overdue", f"rectification:{rect_id}")
    page = signed_in("t_lead")
    page.goto(f"{live_server}/risks/{warning['id']}")
    page.wait_for_selector("[data-testid=risk-evidence]")
    text = page.inner_text("[data-testid=risk-evidence]")
    assert "待审核" in text
    assert CODES.findall(text) == [], text
