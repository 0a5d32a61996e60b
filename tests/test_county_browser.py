"""A county moves in through the browser: at a 1366 px desk, against a real gunicorn and a real job
worker, the county's clerk (from the roster the administrator imported) opens 数据导入, brings in the
unit list as it is, then the project register — whose columns this clerk names their own way, so the
column-mapping step is used once — and sees the forty projects on the project desk. Screenshots are
kept in test-artifacts/ and were looked at."""
from sqlalchemy import select

from backend.core.models import User
from backend.extensions import db
from conftest import PASSWORD, sign_in
from county_files import county

CODE = "330189"  # not the demo's 330112, the world's, nor test_county_moves_in's 330188
DESK = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}
# The clerk's own names for two required columns of the register.
RENAMED = {"项目状态": "目前进度", "立项日期": "立项批文时间"}


def _cli(app, *args):
    result = app.test_cli_runner().invoke(args=[str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def _upload(page, sheet, data=None):
    page.set_input_files("[data-testid=import-file]", files=[{
        "name": sheet.filename, "mimeType": "application/octet-stream", "buffer": data or sheet.data()}])
    page.click("[data-testid=import-submit]")


def test_a_county_clerk_imports_units_and_projects_in_the_browser(app, world, live_server, pages, artifacts,
                                                                     tmp_path):
    c = county(CODE, seed=11)
    paths = c.write(tmp_path)
    _cli(app, "regions-import", paths["regions"])
    _cli(app, "import", "users", c.code, paths["users"], "--user", "t_admin")
    clerk = c.user("county")["username"]
    with app.app_context():  # the clerk has chosen their own password at the first sign-in
        from backend.core.auth import hash_password
        user = db.session.execute(select(User).where(User.username == clerk)).scalar_one()
        user.password_hash, user.must_change_password = hash_password(PASSWORD), False
        db.session.commit()

    page = pages(DESK)
    sign_in(page, live_server, clerk)
    page.click("[data-testid=home-imports]")
    page.wait_for_selector("[data-testid=import-kind]")
    # The region picker: the clerk's county chosen at first; opened, the county itself, then its townships.
    assert page.inner_text("[data-testid=import-region-path]") == c.name
    page.click("[data-testid=import-region-q]")
    page.wait_for_selector("[data-testid=import-region-option]")
    regions = page.eval_on_selector_all("[data-testid=import-region-option] .rp-name",
                                        "els => els.map(e => e.firstChild.textContent)")
    assert regions == [c.name] + [t["name"] for t in c.townships]
    page.keyboard.press("Escape")
    # Its own screen, not a subsidy tab: the kinds grouped in the order a county moves in.
    assert page.locator("nav.tabs").count() == 0
    groups = page.locator("[data-testid=import-kind] optgroup").evaluate_all("els => els.map(e => e.label)")
    assert groups == ["区划与人员", "单位与项目", "资金", "三资（资产、资源、合同）", "惠民惠农补贴"]

    # 1. The unit list as it is (UTF-8 CSV with a BOM and a title line): straight through.
    page.select_option("[data-testid=import-kind]", "units")
    _upload(page, c.sheets["units"])
    page.wait_for_selector("[data-testid=import-ok]")
    assert page.inner_text("[data-testid=count-inserted] dd") == str(len(c.sheets["units"].rows))

    # 2. The register (.xlsx, a header over two rows) with two columns named the clerk's way.
    register = c.sheets["projects"].copy()
    register.header = [RENAMED.get(h, h) for h in register.header]
    page.select_option("[data-testid=import-kind]", "projects")
    _upload(page, register)
    page.wait_for_selector("[data-testid=import-mapping]")
    assert page.locator("[data-testid=import-rejected]").is_visible()
    page.screenshot(path=str(artifacts / "county-import-1-mapping.png"), full_page=True)
    page.select_option(f"[data-header={RENAMED['项目状态']}]", "stage")
    page.select_option(f"[data-header={RENAMED['立项日期']}]", "approved_on")
    page.click("[data-testid=map-save]")
    page.wait_for_selector("[data-testid=import-ok]")
    assert page.inner_text("[data-testid=count-inserted] dd") == str(len(c.projects))
    assert not page.locator("[data-testid=import-mapping]").count()
    page.screenshot(path=str(artifacts / "county-import-2-accepted.png"), full_page=True)
    runs = page.locator("[data-testid=import-run][data-status=accepted]")
    runs.first.wait_for()
    assert runs.count() >= 2

    # 3. The projects are on the desk, each with its stage.
    page.goto(f"{live_server}/office")
    page.wait_for_selector("[data-testid=office-list]")
    shown = page.locator("[data-testid=office-project] .pitem-ref").all_inner_texts()
    assert set(shown) == {p["ref_no"] for p in c.projects}
    page.screenshot(path=str(artifacts / "county-import-3-projects.png"), full_page=True)
