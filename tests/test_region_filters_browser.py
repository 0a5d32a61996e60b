"""The region picker where a list filters, where villages are chosen for labels and where field
coverage picks a township, in a real Chromium against a real gunicorn, in 远筛县 (130 townships,
tests/filters_seed.py): a city supervisor at a 1366 px desk filters the projects by the 125th township
by typing, and a province supervisor steps down to it page by page; on a 360 px phone a county
supervisor chooses the villages of that township for labels (paged, searched, all of it at once) and
a province supervisor opens its field coverage. Screenshots (filters-*.png) in test-artifacts/ were
looked at."""
import pytest

from conftest import PHONE, sign_in
from filters_seed import FAR_NAME, PROJECT_PREFIX, VILLAGES, USER, seed, township_name

DESK = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}


@pytest.fixture(scope="module")
def county(app, world):
    return seed(app, world)


def names(page):
    return page.locator("[data-testid=project-list] .pitem-name").all_inner_texts()


def wide(page):
    return page.evaluate("document.documentElement.scrollWidth")


def test_a_city_user_filters_the_projects_by_the_125th_township(county, live_server, pages, artifacts):
    page = pages(DESK)
    sign_in(page, live_server, "t_city")
    page.goto(f"{live_server}/projects?q={PROJECT_PREFIX}")
    page.wait_for_selector("[data-testid=project-list]")
    assert sorted(names(page)) == sorted([f"{PROJECT_PREFIX}{FAR_NAME}道路", f"{PROJECT_PREFIX}{township_name(1)}道路"])
    assert page.inner_text("[data-testid=region-filter] .rp-chosen") == "全部（杭州市）"
    page.fill("[data-testid=region-filter-q]", "筛远端")
    option = page.locator(f"[data-testid=region-filter-option][data-id='{county['far']}']")
    option.wait_for()
    assert "远筛县" in option.inner_text()
    page.screenshot(path=str(artifacts / "filters-city-typing-1366.png"))
    option.click()
    page.wait_for_url(f"**/projects?q=*region={county['far']}")
    page.wait_for_selector(f"[data-testid=project-list] .pitem-name:text-is('{PROJECT_PREFIX}{FAR_NAME}道路')")
    assert names(page) == [f"{PROJECT_PREFIX}{FAR_NAME}道路"]
    page.wait_for_selector(f"[data-testid=region-filter-path]:text-is('杭州市 / 远筛县 / {FAR_NAME}')")
    assert page.get_attribute("[data-testid=region-filter]", "data-value") == str(county["far"])
    assert wide(page) <= 1366
    page.screenshot(path=str(artifacts / "filters-city-chosen-1366.png"), full_page=True)
    # Clearing is "all" again, and the browser's back button brings the township back.
    page.click("[data-testid=region-filter-clear]")
    page.wait_for_url(f"**/projects?q=*")
    page.wait_for_function("() => document.querySelectorAll('[data-testid=project-list] .pitem-name').length === 2")
    assert "region=" not in page.url
    assert page.inner_text("[data-testid=region-filter] .rp-chosen") == "全部（杭州市）"
    assert page.is_hidden("[data-testid=region-filter-clear]")
    page.go_back()
    page.wait_for_url(f"**region={county['far']}")
    page.wait_for_selector(f"[data-testid=region-filter-path]:text-is('杭州市 / 远筛县 / {FAR_NAME}')")
    # English too.
    page.click("#lang")
    page.wait_for_selector("[data-testid=region-filter] label:text-is('Region')")
    page.wait_for_selector("[data-testid=region-filter-clear]:has-text('Clear')")
    page.click("#lang")


def test_a_province_user_steps_down_to_the_125th_township(county, live_server, pages, artifacts):
    page = pages(DESK)
    sign_in(page, live_server, "t_province")
    page.goto(f"{live_server}/projects?q={PROJECT_PREFIX}")
    page.wait_for_selector("[data-testid=project-list]")
    page.click("[data-testid=region-filter-q]")
    opt = "[data-testid=region-filter-option]"
    page.click(f"{opt}:has-text('杭州市') [data-testid=region-filter-open]")
    page.click(f"{opt}[data-id='{county['county']}'] [data-testid=region-filter-open]")
    page.wait_for_selector("[data-testid=region-filter-crumbs] [aria-current]:has-text('远筛县')")
    page.wait_for_selector(f"{opt}:has-text('远筛001镇')")
    for shown in (100, 130):  # 50 a page: the 125th is on the third
        page.click("[data-testid=region-filter-more]")
        page.wait_for_selector(f"[data-testid=region-filter-status]:text-is('下级 130 个，已显示 {shown} 个')")
    page.locator(f"{opt}[data-id='{county['far']}']").click()
    page.wait_for_url(f"**region={county['far']}")
    page.wait_for_selector(f"[data-testid=project-list] .pitem-name:text-is('{PROJECT_PREFIX}{FAR_NAME}道路')")
    assert len(names(page)) == 1
    page.wait_for_selector(f"[data-testid=region-filter-path]:text-is('杭州市 / 远筛县 / {FAR_NAME}')")
    page.screenshot(path=str(artifacts / "filters-province-stepped-1366.png"), full_page=True)


def test_a_county_user_chooses_a_townships_villages_for_labels_on_a_phone(county, live_server, pages, artifacts):
    page = pages(PHONE)
    sign_in(page, live_server, USER)
    page.goto(f"{live_server}/office/labels")
    page.wait_for_selector("[data-testid=village-status]:has-text('共')")
    page.fill("[data-testid=village-where-q]", "筛远端")
    page.click(f"[data-testid=village-where-option][data-id='{county['far']}']")
    page.wait_for_selector(f"[data-testid=village-status]:text-is('{FAR_NAME}共 {VILLAGES} 个村（社区），已显示 50 个')")
    boxes = "[data-testid=pick-village]"
    assert page.locator(boxes).count() == 50
    page.click("[data-testid=village-more]")
    page.wait_for_function(f"() => document.querySelectorAll('{boxes}').length === {VILLAGES}")
    assert page.is_hidden("[data-testid=village-more]")
    # One village ticked, then the whole township: one id in the print link, every village counted.
    page.check(f"#lb-village-{county['villages'][59]}")
    assert page.inner_text("[data-testid=labels-count]") == "已选 1 张"
    assert page.get_attribute("[data-testid=labels-print]", "href").endswith(f"villages={county['villages'][59]}")
    page.click("[data-testid=village-whole-add]")
    assert page.inner_text("[data-testid=labels-count]") == f"已选 {VILLAGES} 张"
    assert page.get_attribute("[data-testid=labels-print]", "href").endswith(f"/labels?within={county['far']}")
    assert page.locator(f"{boxes}:checked:disabled").count() == VILLAGES
    assert page.inner_text("[data-testid=village-whole]").startswith(f"{FAR_NAME}：全部 {VILLAGES} 个村")
    assert page.is_disabled("[data-testid=village-whole-add]")
    # A search within the township.
    page.fill("[data-testid=village-q]", "筛远05")
    page.wait_for_function(f"() => document.querySelectorAll('{boxes}').length === 1")
    assert page.inner_text("[data-testid=village-list]").startswith("筛远05村")
    assert wide(page) <= 360
    page.screenshot(path=str(artifacts / "filters-labels-360.png"), full_page=True)
    # Dropping the whole township leaves nothing chosen.
    page.click("[data-testid=village-whole-remove]")
    assert page.inner_text("[data-testid=labels-count]") == "已选 0 张"
    assert page.get_attribute("[data-testid=labels-print]", "aria-disabled") == "true"


def test_a_province_user_opens_the_coverage_of_the_125th_township_on_a_phone(county, live_server, pages, artifacts):
    page = pages(PHONE)
    sign_in(page, live_server, "t_province")
    page.goto(f"{live_server}/coverage")
    page.fill("[data-testid=coverage-region-q]", "筛远端")
    option = page.locator(f"[data-testid=coverage-region-option][data-id='{county['far']}']")
    option.wait_for()
    assert wide(page) <= 360
    page.screenshot(path=str(artifacts / "filters-coverage-pick-360.png"), full_page=True)
    option.click()
    page.wait_for_url(f"**/coverage/{county['far']}")
    page.wait_for_selector(f"[data-testid=coverage] h1:has-text('{FAR_NAME}')")
    assert wide(page) <= 360
    page.screenshot(path=str(artifacts / "filters-coverage-360.png"), full_page=True)
