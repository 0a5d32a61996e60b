"""Oversight in a real Chromium against a real gunicorn: a county supervisor at a 1366 px desk opens
操作日志 from home, filters it to one township and one kind, sees the entries of that township only,
and downloads the filtered log as a CSV that opens in Excel; a township lead reads their township's
field coverage on a 360 px phone. Screenshots are kept in test-artifacts/ and were looked at."""
import csv
import io

from conftest import PHONE, new_uuid, sign_in

DESK = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN", "accept_downloads": True}


def seed_entries(app, world):
    """A dismissal in 锦城 (its reason starts like a formula), one in 太湖源, a reveal in 锦城; the
    reasons are this test's own."""
    from backend.core import audit
    from backend.core.models import User
    from backend.extensions import db
    mark = new_uuid()[:6]
    with app.app_context():
        lead = db.session.get(User, world["users"]["lead"])
        county = db.session.get(User, world["users"]["county"])
        audit.record(county, "risk.dismiss", region_id=world["regions"]["jincheng"], reason=f"=误报{mark}，已现场核实")
        audit.record(county, "risk.dismiss", region_id=world["regions"]["taihuyuan"], reason=f"太湖源误报{mark}")
        audit.record(lead, "subsidy.reveal", region_id=world["regions"]["qianwang"], field="bank_card",
                     reason=f"核对发放失败{mark}")
        db.session.commit()
    return mark


def test_a_county_supervisor_filters_the_audit_log_and_downloads_it(app, world, live_server, pages, artifacts):
    mark = seed_entries(app, world)
    page = pages(DESK)
    sign_in(page, live_server, "t_county")
    page.click("[data-testid=home-audit]")
    page.wait_for_selector("[data-testid=audit] h1:has-text('操作日志')")
    page.wait_for_selector("[data-testid=audit-entry]")
    page.fill("[data-testid=audit-region-q]", "锦城")  # the region picker: typed
    page.click(f"[data-testid=audit-region-option][data-id='{world['regions']['jincheng']}']")
    page.wait_for_selector("[data-testid=audit-region-path]:has-text('锦城街道')")
    page.select_option("[data-testid=audit-action]", "dismiss")
    page.fill("[data-testid=audit-since]", "2026-12-01")
    page.fill("[data-testid=audit-until]", "2026-12-01")
    page.click("[data-testid=audit-apply]")
    page.wait_for_url(f"**/audit?action=dismiss&region_id={world['regions']['jincheng']}&since=2026-12-01&until=2026-12-01")
    page.wait_for_selector(f"[data-testid=audit-entry]:has-text('误报{mark}')")
    page.wait_for_selector("[data-testid=audit-region-path]:has-text('锦城街道')")  # the choice kept, with its path
    assert page.is_visible("[data-testid=audit-region-clear]")
    rows = page.locator("[data-testid=audit-entry]")
    assert set(rows.evaluate_all("rows => rows.map(r => r.dataset.kind)")) == {"dismiss"}
    texts = rows.all_inner_texts()
    assert not any(f"太湖源误报{mark}" in text for text in texts)  # another township
    assert not any(f"核对发放失败{mark}" in text for text in texts)  # another kind
    ours = page.locator(f"[data-testid=audit-entry]:has-text('误报{mark}')")
    assert "排除预警（误报）" in ours.inner_text() and "锦城街道" in ours.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    page.screenshot(path=str(artifacts / "audit-county-1366.png"), full_page=True)
    with page.expect_download() as download:
        page.click("[data-testid=audit-csv]")
    path = download.value.path()
    assert download.value.suggested_filename.endswith(".csv")
    data = open(path, "rb").read()
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0][:3] == ["时间", "类别", "操作"]
    mine = [row for row in table[1:] if mark in row[7]]
    assert len(mine) == 1 and mine[0][5] == "锦城街道" and mine[0][2] == "排除预警（误报）"
    assert mine[0][7] == f"原因：=误报{mark}，已现场核实"  # Chinese first; the cell starts with 原因, never "="
    assert all(row[1] == "排除预警" for row in table[1:])
    # The English screen.
    page.click("#lang")
    page.wait_for_selector("[data-testid=audit] h1:has-text('Audit log')")
    assert ours.locator(".audit-note").inner_text() == f"Reason: =误报{mark}，已现场核实"
    page.click("#lang")
    assert ours.locator(".audit-note").inner_text() == f"原因：=误报{mark}，已现场核实"
    # Field coverage from home: the county picks one of its townships.
    page.goto(f"{live_server}/")
    page.click("[data-testid=home-coverage]")
    page.click("[data-testid=coverage-region-q]")
    page.click("[data-testid=coverage-region-option]:has-text('锦城街道')")
    page.wait_for_selector("[data-testid=coverage] h1:has-text('锦城街道')")
    page.screenshot(path=str(artifacts / "coverage-county-1366.png"), full_page=True)


def test_a_township_lead_reads_field_coverage_on_a_phone(app, world, live_server, pages, make_project, artifacts):
    make_project(stage="construction", name=f"覆盖浏览器测试工程-{new_uuid()[:4]}")
    page = pages(PHONE)
    sign_in(page, live_server, "t_lead")
    page.click("[data-testid=home-coverage]")
    page.wait_for_selector("[data-testid=coverage] h1:has-text('锦城街道')")
    page.wait_for_selector("[data-testid=coverage-project]")
    assert page.locator("[data-testid=coverage-inspector][data-username=t_inspector]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts / "coverage-lead-360.png"), full_page=True)


def test_a_city_supervisor_opens_the_daily_digest_from_the_inbox(app, world, live_server, pages, artifacts):
    from backend.extensions import db
    from backend.oversight import digest
    from datetime import date
    with app.app_context():
        digest.send(date(2026, 12, 1))
        db.session.commit()
    page = pages(DESK)
    sign_in(page, live_server, "t_city")
    page.goto(f"{live_server}/inbox")
    page.click("a:has-text('每日监管摘要（2026-12-01）')")
    page.wait_for_selector("[data-testid=digest] h1:has-text('每日监管摘要')")
    regions = page.locator("[data-testid=digest-row] th").all_inner_texts()
    assert "临安区" in regions and "桐庐县" in regions
    page.screenshot(path=str(artifacts / "digest-city-1366.png"), full_page=True)
    page.click("[data-testid=digest-row] th a:has-text('临安区')")
    page.wait_for_selector("[data-testid=overview] h1:has-text('临安区')")


def test_the_inbox_counts_every_unread_message_not_only_the_page_shown(app, world, live_server, pages, artifacts):
    """35 unread and 2 read messages: a page holds 30, yet the inbox says 35 unread, as the bell does,
    and the second page (all of it read but for five) still offers 全部标为已读."""
    from backend.core.auth import hash_password
    from backend.core.models import User
    from backend.extensions import db
    from backend.notifications.models import Notification
    from conftest import PASSWORD, PINNED
    name = f"ib{new_uuid()[:8]}"
    with app.app_context():
        user = User(username=name, display_name="收件人", role="county", password_hash=hash_password(PASSWORD),
                    region_id=world["regions"]["linan"])
        db.session.add(user)
        db.session.flush()
        db.session.add_all(Notification(user_id=user.id, kind="task", title_zh=f"消息{i}", title_en=f"note {i}",
                                        link="/inbox", read_at=PINNED if i < 2 else None) for i in range(37))
        db.session.commit()
    page = pages(DESK)
    sign_in(page, live_server, name)
    page.goto(f"{live_server}/inbox")
    page.wait_for_selector("[data-testid=inbox-list]")
    assert page.locator("[data-testid=inbox-item]").count() == 30
    assert page.inner_text("[data-testid=inbox-unread]") == "35 条未读"
    page.wait_for_function("document.querySelector('#inbox-bell .bell-count').textContent === '35'")
    page.screenshot(path=str(artifacts / "inbox-35-unread-1366.png"), full_page=True)
    page.goto(f"{live_server}/inbox?page=2")
    page.wait_for_selector("[data-testid=inbox-list]")
    assert page.locator("[data-testid=inbox-item]").count() == 7
    assert page.inner_text("[data-testid=inbox-unread]") == "35 条未读"
    page.click("[data-testid=inbox-read-all]")
    page.wait_for_selector("[data-testid=inbox-list]:not(:has([data-unread=true]))")
    assert page.locator("[data-testid=inbox-unread]").count() == 0


def test_a_mistyped_filter_is_marked_and_the_form_stays(app, world, live_server, pages, artifacts):
    """Dates the wrong way round are caught before anything is asked; an address edited by hand with a
    filter the server refuses keeps the form, marks the field and says what is wrong in words (no
    field code, no English on the Chinese screen), with no entries until it is put right."""
    page = pages(DESK)
    sign_in(page, live_server, "t_county")
    page.goto(f"{live_server}/audit")
    page.wait_for_selector("[data-testid=audit-filters]")
    page.fill("[data-testid=audit-since]", "2026-12-31")
    page.fill("[data-testid=audit-until]", "2026-01-01")
    page.click("[data-testid=audit-apply]")
    box = page.locator("[data-testid=audit-filters] [data-testid=error]")
    box.wait_for()
    assert box.inner_text() == "筛选条件有误，请修改标出的项：截止日期：截止日期不能早于起始日期"
    assert page.get_attribute("[data-testid=audit-until]", "aria-invalid") == "true"
    assert "since" not in page.url  # nothing asked
    assert page.get_attribute("[data-testid=audit-user]", "maxlength") == "64"
    page.goto(f"{live_server}/audit?action=hack")
    box.wait_for()
    assert box.inner_text() == "筛选条件有误，请修改标出的项：类别：没有这个类别，请从列表中选择"
    assert page.get_attribute("[data-testid=audit-action]", "aria-invalid") == "true"
    page.goto(f"{live_server}/audit?since=2026-12-31&until=2026-01-01")
    page.wait_for_selector("[data-testid=audit-until][aria-invalid=true]")
    text = box.inner_text()
    assert text == "筛选条件有误，请修改标出的项：截止日期：截止日期不能早于起始日期"
    assert not any(word in text for word in ("until", "action", "query", "must"))
    assert page.locator("[data-testid=audit-entry]").count() == 0 and page.is_visible("[data-testid=audit-apply]")
    page.screenshot(path=str(artifacts / "audit-bad-filters-1366.png"), full_page=True)
    page.fill("[data-testid=audit-since]", "2026-01-01")
    page.fill("[data-testid=audit-until]", "2026-12-31")
    page.select_option("[data-testid=audit-action]", "")
    page.click("[data-testid=audit-apply]")
    page.wait_for_url("**/audit?since=2026-01-01&until=2026-12-31")
    page.wait_for_selector("[data-testid=audit-entry], [data-testid=audit-empty]")
    assert not page.is_visible("[data-testid=audit-filters] [data-testid=error]")
