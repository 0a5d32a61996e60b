"""Choosing a region where a county holds more than a page of townships: GET /regions?under= (the
subtree of one region, 403 outside the caller's) and the ancestors on every listed region, then the
PWA's one region picker in a real Chromium — a province administrator finds the 125th township of a
county of 130 by typing part of its name (1366 px desk) and by stepping down 浙江省 › 杭州市 › 拣选县
with 显示更多 (360 px phone). Screenshots (picker-*.png) in test-artifacts/ were looked at.

The county 拣选县 (330186) is this file's own; assertions are on its rows only."""
import pytest

from conftest import PHONE, assert_error, new_uuid, sign_in

COUNTY = "330186000000"
TOWNSHIPS = 130
FAR = 125  # past the first 100, past the first two pages of 50
FAR_NAME = "云栖远端镇"
DESK = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}


def township_name(n):
    return FAR_NAME if n == FAR else f"拣选{n:03d}镇"


@pytest.fixture(scope="module")
def county(app, world):
    """拣选县 under 杭州市 with 130 townships and a village under the 125th; {key: id}."""
    from backend.core.models import Region
    from backend.extensions import db
    with app.app_context():
        found = db.session.query(Region).filter_by(code=COUNTY).one_or_none()
        if found is None:
            city = db.session.get(Region, world["regions"]["hz"])
            found = Region(code=COUNTY, name="拣选县", level="county", parent_id=city.id, path=f"{city.path}{COUNTY}/")
            db.session.add(found)
            db.session.flush()
            for n in range(1, TOWNSHIPS + 1):
                code = f"330186{n:03d}000"
                db.session.add(Region(code=code, name=township_name(n), level="township", parent_id=found.id,
                                      path=f"{found.path}{code}/"))
            db.session.flush()
            far = db.session.query(Region).filter_by(code=f"330186{FAR:03d}000").one()
            db.session.add(Region(code=f"330186{FAR:03d}201", name="远端村", level="village", parent_id=far.id,
                                  path=f"{far.path}330186{FAR:03d}201/"))
            db.session.commit()
        ids = {r.code: r.id for r in db.session.query(Region).filter(Region.code.startswith("330186"))}
    return {"county": ids[COUNTY], "far": ids[f"330186{FAR:03d}000"], "village": ids[f"330186{FAR:03d}201"]}


# ---------------------------------------------------------------- the API a picker reads

def test_under_lists_the_subtree_and_names_each_ones_ancestors(login_as, county):
    c = login_as("province")
    body = c.get(f"/api/v1/regions?under={county['county']}&q=远端").get_json()
    assert [r["name"] for r in body["items"]] == [FAR_NAME, "远端村"]
    assert [a["name"] for a in body["items"][1]["ancestors"]] == ["浙江省", "杭州市", "拣选县", FAR_NAME]
    assert body["items"][0]["ancestors"][-1] == {"id": county["county"], "code": COUNTY, "name": "拣选县",
                                                 "level": "county"}
    # The region itself is not below itself; a level narrows; pages go on past 100 by key.
    townships = c.get(f"/api/v1/regions?under={county['county']}&level=township&per_page=100").get_json()
    assert townships["total"] == TOWNSHIPS and townships["next"]
    rest = c.get(f"/api/v1/regions?under={county['county']}&level=township&per_page=100&after={townships['next']}")
    assert FAR_NAME in [r["name"] for r in rest.get_json()["items"]]
    assert county["county"] not in [r["id"] for r in townships["items"]]
    # Searching by the start of a code.
    by_code = c.get(f"/api/v1/regions?q=330186{FAR:03d}&level=township").get_json()
    assert [r["id"] for r in by_code["items"]] == [county["far"]]


def test_under_outside_ones_region_is_refused(login_as, world, county):
    assert_error(login_as("county").get(f"/api/v1/regions?under={county['county']}"), 403, "out_of_scope")
    assert_error(login_as("lead").get(f"/api/v1/regions?under={world['regions']['linan']}"), 403, "out_of_scope")
    assert login_as("county").get(f"/api/v1/regions?under={world['regions']['jincheng']}").status_code == 200


@pytest.mark.parametrize("value", ["abc", "0", "-3", "1.5", "99999999999999999999"])
def test_under_bad_input(login_as, value):
    assert_error(login_as("province").get(f"/api/v1/regions?under={value}"), 400, "validation_error", "query.under")


def test_under_a_region_that_does_not_exist(login_as):
    assert_error(login_as("province").get("/api/v1/regions?under=987654321"), 404, "not_found")


# ---------------------------------------------------------------- the picker in a browser

def open_create(page, base):
    sign_in(page, base, "t_admin")
    page.goto(f"{base}/users")
    page.click("[data-testid=user-create]")
    page.select_option("[data-testid=create-role]", "township_lead")


def finish_create(page, username):
    page.fill("[data-testid=create-name]", "拣选测试")
    page.fill("[data-testid=create-username]", username)
    page.click("[data-testid=create-ok]")
    page.wait_for_selector("[data-testid=otp-value]")


def region_of(app, username):
    from backend.core.models import User
    from backend.extensions import db
    with app.app_context():
        return db.session.query(User).filter_by(username=username).one().region_id


def test_desk_finds_a_township_past_the_first_100_by_typing(app, live_server, county, pages, artifacts):
    page = pages(DESK)
    open_create(page, live_server)
    page.fill("[data-testid=create-region-q]", "远端")
    option = page.locator(f"[data-testid=create-region-option][data-id='{county['far']}']")
    option.wait_for()
    assert "杭州市 / 拣选县" in option.inner_text()
    # Only townships may be chosen for a township lead: the village of the same name is not offered.
    assert page.locator(f"[data-testid=create-region-option][data-id='{county['village']}']").count() == 0
    page.screenshot(path=str(artifacts / "picker-search-desk.png"))
    # The keyboard alone: ↓ to the match, Enter to choose it.
    page.focus("[data-testid=create-region-q]")
    page.keyboard.press("Home")
    for _ in range(page.locator("[data-testid=create-region-option]").count()):
        if page.get_attribute("[data-testid=create-region-option].active", "data-id") == str(county["far"]):
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert page.inner_text("[data-testid=create-region-path]") == f"杭州市 / 拣选县 / {FAR_NAME}"
    assert page.get_attribute("[data-testid=create-region-q]", "aria-expanded") == "false"
    page.screenshot(path=str(artifacts / "picker-chosen-desk.png"))
    username = "picker_" + new_uuid()[:8]
    finish_create(page, username)
    assert region_of(app, username) == county["far"]


def test_phone_steps_down_to_a_township_past_the_first_100(app, live_server, county, pages, artifacts):
    page = pages(PHONE)
    open_create(page, live_server)
    page.click("[data-testid=create-region-q]")
    options = "[data-testid=create-region-option]"
    page.locator(f"{options}:has-text('杭州市')").first.click()  # a city cannot be chosen: it opens
    page.locator(f"{options}[data-id='{county['county']}']").click()
    page.wait_for_selector("[data-testid=create-region-crumbs] [aria-current]:has-text('拣选县')")
    page.wait_for_selector(f"{options}:has-text('拣选001镇')")
    assert "下级 130 个" in page.inner_text("[data-testid=create-region-status]")
    assert page.locator(f"{options}[data-id='{county['far']}']").count() == 0  # not on the first page
    page.screenshot(path=str(artifacts / "picker-step-phone.png"))
    while page.locator(f"{options}[data-id='{county['far']}']").count() == 0:
        assert page.is_visible("[data-testid=create-region-more]"), "the list stopped before the 125th township"
        shown = page.locator(options).count()
        page.click("[data-testid=create-region-more]")
        page.wait_for_function(f"() => document.querySelectorAll('{options}').length > {shown}")
    assert "已显示 130 个" in page.inner_text("[data-testid=create-region-status]")
    assert page.is_hidden("[data-testid=create-region-more]")
    page.locator(f"{options}[data-id='{county['far']}']").click()
    assert page.inner_text("[data-testid=create-region-path]") == f"杭州市 / 拣选县 / {FAR_NAME}"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts / "picker-chosen-phone.png"))
    username = "picker_" + new_uuid()[:8]
    finish_create(page, username)
    assert region_of(app, username) == county["far"]
