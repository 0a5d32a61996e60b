"""A county clerk at a desk (1366 px) imports a file whose columns the system does not know: the
kind's template is offered, the file is refused with its columns listed for matching, the clerk says
which column is which, and the same file goes through; the next file with those names needs no step."""
import pytest

from conftest import sign_in

DESK = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "locale": "zh-CN",
         "is_mobile": True, "has_touch": True}


def _ident(n):
    from backend.core import pii
    first = f"33011219750505{n:03d}"
    return first + pii.id_check_char(first)


def test_a_clerk_matches_the_columns_once_and_the_file_imports(app, world, live_server, pages, artifacts):
    page = pages(DESK)
    sign_in(page, live_server, "t_lead")
    page.click("[data-testid=home-imports]")
    page.wait_for_selector("[data-testid=import-kind]")
    page.select_option("[data-testid=import-kind]", "employees")
    href = page.get_attribute("[data-testid=import-template]", "href")
    assert href.endswith("/imports/kinds/employees/template.xlsx") and page.is_visible("[data-testid=import-template]")
    data = f"人员,公民号码,单位全称\n赵财政,{_ident(11)},锦城街道财政所\n".encode("gbk")
    page.set_input_files("[data-testid=import-file]", files=[{"name": "供养人员.csv", "mimeType": "text/csv", "buffer": data}])
    page.click("[data-testid=import-submit]")
    page.wait_for_selector("[data-testid=import-mapping]")
    assert page.locator("[data-testid=map-field]").count() == 3
    page.screenshot(path=str(artifacts / "import-map-1-desk.png"), full_page=True)
    page.select_option("[data-header=人员]", "name")
    page.select_option("[data-header=公民号码]", "id_number")
    page.select_option("[data-header=单位全称]", "employer")
    page.click("[data-testid=map-save]")
    page.wait_for_selector("[data-testid=import-ok]")
    assert page.inner_text("[data-testid=count-inserted] dd") == "1"
    page.screenshot(path=str(artifacts / "import-map-2-accepted.png"), full_page=True)
    # Next month's file from the same clerk: straight through.
    later = f"人员,公民号码,单位全称\n钱会计,{_ident(12)},锦城街道社区卫生服务中心\n".encode("gbk")
    page.set_input_files("[data-testid=import-file]", files=[{"name": "供养人员-12月.csv", "mimeType": "text/csv",
                                                               "buffer": later}])
    page.click("[data-testid=import-submit]")
    page.wait_for_selector("[data-testid=import-ok]:has-text('供养人员-12月.csv'), [data-testid=import-ok]")
    page.wait_for_function("document.querySelector('[data-testid=count-inserted] dd')?.textContent === '1' "
                           "&& !document.querySelector('[data-testid=import-mapping]')")


@pytest.mark.parametrize("where,device", [("phone", PHONE), ("desk", DESK)])
def test_a_file_of_another_kind_offers_its_kind_not_the_column_step(world, live_server, pages, artifacts, where, device):
    """The project register chosen as 资金指标: the screen says what the file looks like and offers to
    import it as that, with no step inviting 工程名称 → 资金名称; one tap imports it as projects. A
    department list (which a township lead does not import) is named, with no button."""
    page = pages(device)
    sign_in(page, live_server, "t_lead")
    page.goto(f"{live_server}/imports")
    page.wait_for_selector("[data-testid=import-kind]")
    page.select_option("[data-testid=import-kind]", "funds")
    register = f"工程名称,实施单位,项目类别,总预算,项目阶段,立项时间\n钱王社区{where}道路提升工程,锦城街道财政所,道路交通,350000,立项,2026.3.5\n"
    page.set_input_files("[data-testid=import-file]", files=[{"name": "项目台账.csv", "mimeType": "text/csv",
                                                               "buffer": register.encode("gbk")}])
    page.click("[data-testid=import-submit]")
    box = page.wait_for_selector("[data-testid=import-wrong-kind]")
    assert box.get_attribute("data-looks-like") == "projects"
    assert page.inner_text("[data-testid=import-wrong-kind] [role=alert]").startswith("这个文件像是“项目登记表”，不是“资金指标”")
    assert page.locator("[data-testid=import-mapping]").count() == 0 and page.locator("[data-testid=map-field]").count() == 0
    button = page.locator("[data-testid=import-as-kind]")
    assert button.inner_text() == "改按“项目登记表”导入这个文件" and button.is_visible()
    button.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / f"import-wrong-kind-{where}.png"), full_page=False)
    if where == "phone":  # the whole card (message and button) fits a phone's width
        card = box.bounding_box()
        assert card["x"] >= 0 and card["x"] + card["width"] <= 360
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    button.click()
    page.wait_for_selector("[data-testid=import-ok]")
    assert page.input_value("[data-testid=import-kind]") == "projects"
    assert page.inner_text("[data-testid=count-inserted] dd") == "1"
    assert page.locator("[data-testid=import-wrong-kind]").count() == 0
    page.screenshot(path=str(artifacts / f"import-wrong-kind-{where}-imported.png"), full_page=False)
    # A kind this user may not import: named, no button.
    page.select_option("[data-testid=import-kind]", "units")
    page.set_input_files("[data-testid=import-file]", files=[{"name": "部门.csv", "mimeType": "text/csv",
                                                               "buffer": "部门名称,部门代码\n临安区农业农村局,NYJ\n".encode()}])
    page.click("[data-testid=import-submit]")
    page.wait_for_selector("[data-testid=import-wrong-kind][data-looks-like=departments]")
    assert page.locator("[data-testid=import-as-kind]").count() == 0
    assert page.inner_text("[data-testid=import-wrong-kind] [role=alert]").startswith("这个文件像是“部门名录”")
    assert "你的账号不能导入这类数据" in page.inner_text("[data-testid=import-kind-not-yours]")
    assert page.locator("[data-testid=import-mapping]").count() == 0
    page.screenshot(path=str(artifacts / f"import-wrong-kind-{where}-not-yours.png"), full_page=False)
