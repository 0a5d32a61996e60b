"""A county clerk at a desk (1366 px) imports a file whose columns the system does not know: the
kind's template is offered, the file is refused with its columns listed for matching, the clerk says
which column is which, and the same file goes through; the next file with those names needs no step."""
from conftest import sign_in

DESK = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}


def _ident(n):
    from backend.core import pii
    first = f"33011219750505{n:03d}"
    return first + pii.id_check_char(first)


def test_a_clerk_matches_the_columns_once_and_the_file_imports(app, world, live_server, browser, artifacts):
    context = browser.new_context(**DESK)
    errors = []
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
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
    assert errors == []
    context.close()
