"""一键直连 in a real Chromium against a real gunicorn, on a 1366 px desk: the clerk builds and submits a
batch, the township lead approves it and downloads the bank's file, the simulated bank answers with
one failure, the return files are uploaded, and the failure is fixed (new card) and re-issued once.
Screenshots are kept in test-artifacts/ and were looked at."""
import re

from bank_seed import approved_batch, banksim, card_number, make_people
from conftest import sign_in

DESK = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}


def test_clerk_lead_bank_and_back(app, world, live_server, browser, artifacts, tmp_path):
    data = make_people(app, world, n=3)
    errors = []
    context = browser.new_context(**DESK, accept_downloads=True)
    clerk = context.new_page()
    clerk.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(clerk, live_server, "t_clerk")
    clerk.click("[data-testid=home-bank]")
    clerk.wait_for_selector("[data-testid=build-form]")
    clerk.select_option("[data-testid=build-policy]", str(data["policy"]))
    clerk.fill("[data-testid=build-period]", "2026-11")
    clerk.click("[data-testid=build-submit]")
    clerk.wait_for_selector("[data-testid=batch-lines]")
    assert clerk.locator("[data-testid=batch-line]").count() == 3
    assert "¥400.00" in clerk.inner_text("[data-testid=batch-total]")
    batch_id = int(re.search(r"/bank/(\d+)", clerk.url).group(1))
    clerk.screenshot(path=str(artifacts / "bank-1-clerk-draft.png"), full_page=True)
    clerk.click("[data-testid=batch-submit]")
    clerk.wait_for_selector("[data-testid=batch-status][data-status=submitted]")
    assert clerk.locator("[data-testid=batch-approve]").count() == 0  # the maker never approves
    # The same policy and period again: nobody is left, and the error says why, a line per reason.
    clerk.goto(f"{live_server}/bank")
    clerk.select_option("[data-testid=build-policy]", str(data["policy"]))
    clerk.fill("[data-testid=build-period]", "2026-11")
    clerk.click("[data-testid=build-submit]")
    clerk.wait_for_selector("[data-testid=refusal-line][data-reason=in_batch]:has-text('已在本政策本期的支付批次中：3 人')")
    context.clear_cookies()

    lead = context.new_page()
    lead.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(lead, live_server, "t_lead")
    lead.goto(f"{live_server}/bank/{batch_id}")
    lead.click("[data-testid=batch-approve]")
    lead.wait_for_selector("[data-testid=batch-status][data-status=approved]")
    with lead.expect_download() as info:
        lead.click("[data-testid=batch-export-rcb_text]")
    bank_file = tmp_path / info.value.suggested_filename
    info.value.save_as(bank_file)
    assert bank_file.read_bytes().decode("gbk").splitlines()[0].endswith("|3|400.00")
    lead.wait_for_selector("[data-testid=batch-sha]")
    files = banksim().simulate(bank_file.read_bytes(), fail={2: "AC04"})
    for name in (f"PB{batch_id:08d}.success.txt", f"PB{batch_id:08d}.failure.txt"):
        path = tmp_path / name
        path.write_bytes(files[name])
        lead.set_input_files("[data-testid=return-file]", str(path))
        lead.click("[data-testid=return-submit]")
        lead.wait_for_selector("[data-testid=return-result]:has-text('已导入')")
        lead.wait_for_timeout(900)  # the page reloads itself
    lead.wait_for_selector("[data-testid=batch-status][data-status=closed]")
    assert lead.locator("[data-testid=batch-line][data-status=paid]").count() == 2
    assert lead.locator("[data-testid=batch-line][data-status=failed]").count() == 1
    # The three-way check names the failure: on the notice, not paid.
    lead.wait_for_selector("[data-testid=reconciliation-finding][data-kind=not_paid]")
    assert lead.locator("[data-testid=reconciliation-finding]").count() == 1
    assert "差异 1 处" in lead.inner_text("[data-testid=reconciliation-verdict]")
    lead.screenshot(path=str(artifacts / "bank-2-lead-reconciled.png"), full_page=True)

    lead.goto(f"{live_server}/bank/failures")
    row = lead.locator("[data-testid=failure-row]", has_text=f"PB{batch_id:08d}-000002")
    assert "乡镇财政所：" in row.locator("[data-testid=failure-route]").inner_text()
    lead.click("#lang")  # where it goes in English, the bank's words in English brackets
    lead.wait_for_selector("[data-testid=failure-route]:has-text('The township: ')")
    assert "(the bank: " in row.inner_text() and "（" not in row.locator("[data-testid=failure-route]").inner_text()
    lead.click("#lang")
    row.locator("[data-testid=failure-fix]").click()
    lead.fill("[data-testid=fix-card]", card_number())
    lead.fill("[data-testid=fix-note]", "村民已换新卡")
    lead.click("[data-testid=fix-ok]")
    row = lead.locator("[data-testid=failure-row]", has_text=f"PB{batch_id:08d}-000002")
    row.locator("[data-testid=failure-reissue]").click()
    lead.wait_for_selector(f"[data-testid=failure-row]:has-text('PB{batch_id:08d}-000002') [data-testid=failure-state]:has-text('已补发')")
    lead.screenshot(path=str(artifacts / "bank-3-failures.png"), full_page=True)
    # The failure's task (to the township: a closed account) closed itself with the fix, on its timeline.
    from sqlalchemy import select
    from backend.bank.models import BatchPayment
    from backend.departments.models import DepartmentTask
    from backend.extensions import db
    with app.app_context():
        failed = db.session.scalar(select(BatchPayment.id).where(BatchPayment.batch_id == batch_id, BatchPayment.seq == 2))
        task_id = db.session.scalar(select(DepartmentTask.id).where(
            DepartmentTask.subject_kind == "payment_failure", DepartmentTask.subject_id == failed))
    lead.goto(f"{live_server}/dept-tasks/{task_id}")
    step = lead.locator("[data-testid=dt-steps] li[data-action=auto_close]")
    step.wait_for()
    assert "自动销号" in step.inner_text() and "村民已换新卡" in step.inner_text() and "锦城街道" in step.inner_text()
    lead.screenshot(path=str(artifacts / "bank-3b-task-auto-closed.png"), full_page=True)
    lead.goto(f"{live_server}/bank")
    lead.wait_for_selector("[data-testid=batch-list]")
    lead.screenshot(path=str(artifacts / "bank-4-list.png"), full_page=True)
    context.close()
    assert errors == [], errors


def _object_to(app, world, data, person):
    """The township records a villager's objection about ``person`` (as on /subsidies/notices)."""
    from datetime import timedelta
    from backend.core.models import Region
    from backend.extensions import db
    from backend.subsidies import objections
    from bank_seed import user
    from conftest import TODAY, new_uuid
    with app.app_context(), app.test_request_context(method="POST"):
        objections.raise_objection(user(app, world, "clerk"), db.session.get(Region, world["regions"]["qianwang"]), {
            "client_uuid": new_uuid(), "policy_id": data["policy"], "period": data["period"], "beneficiary_id": person,
            "raised_by": "钱王村民李某", "received_on": TODAY - timedelta(days=1), "text": "此人已迁出本村"})
        db.session.commit()


def test_an_objection_after_submission_stops_the_approval_and_the_clerk_takes_the_person_out(
        app, world, live_server, browser, artifacts):
    data = make_people(app, world, n=3)
    errors = []
    context = browser.new_context(**DESK)
    clerk = context.new_page()
    clerk.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(clerk, live_server, "t_clerk")
    clerk.goto(f"{live_server}/bank")
    clerk.wait_for_selector("[data-testid=build-form]")
    clerk.select_option("[data-testid=build-policy]", str(data["policy"]))
    clerk.fill("[data-testid=build-period]", "2026-11")
    clerk.click("[data-testid=build-submit]")
    clerk.wait_for_selector("[data-testid=batch-lines]")
    batch_id = int(re.search(r"/bank/(\d+)", clerk.url).group(1))
    clerk.click("[data-testid=batch-submit]")
    clerk.wait_for_selector("[data-testid=batch-status][data-status=submitted]")
    assert clerk.locator("[data-testid=line-remove]").count() == 0  # submitted: nothing to take out
    context.clear_cookies()

    _object_to(app, world, data, data["people"][1])  # a villager objects after the batch was submitted

    lead = context.new_page()
    lead.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(lead, live_server, "t_lead")
    lead.goto(f"{live_server}/bank/{batch_id}")
    lead.wait_for_selector("[data-testid=batch-stopped]")
    assert "1 人因公示异议暂停发放" in lead.inner_text("[data-testid=batch-stopped]")
    assert lead.locator("[data-testid=line-stopped][data-reason=objection_open]").count() == 1
    lead.click("[data-testid=batch-approve]")
    lead.wait_for_selector("[data-testid=error]:not([hidden])")
    refusal = lead.inner_text("[data-testid=error]")
    assert "批次中有 1 人因公示异议暂停发放" in refusal and "不能审核通过" in refusal, refusal
    assert "公示期内有未办结的异议" in lead.inner_text("[data-testid=refusal-line]")
    assert lead.locator("[data-testid=batch-status][data-status=submitted]").count() == 1  # nothing changed
    lead.screenshot(path=str(artifacts / "bank-5-objection-refused.png"), full_page=True)
    context.clear_cookies()

    clerk = context.new_page()
    clerk.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(clerk, live_server, "t_clerk")
    clerk.goto(f"{live_server}/bank/{batch_id}")
    clerk.wait_for_selector("[data-testid=line-stopped]")
    assert clerk.locator("[data-testid=line-remove]").count() == 1  # only the stopped line
    clerk.click("[data-testid=line-remove]")
    clerk.fill("[data-testid=remove-reason]", "村民异议待核实")
    clerk.click("[data-testid=remove-ok]")
    clerk.wait_for_selector("[data-testid=batch-status][data-status=draft]")
    assert clerk.locator("[data-testid=batch-line]").count() == 2
    assert "重新提交审核" in clerk.inner_text("[data-testid=batch-rejected]")
    assert clerk.locator("[data-testid=batch-stopped]").count() == 0
    clerk.click("[data-testid=batch-submit]")
    clerk.wait_for_selector("[data-testid=batch-status][data-status=submitted]")
    clerk.screenshot(path=str(artifacts / "bank-6-objection-removed.png"), full_page=True)
    context.close()
    assert errors == [], errors


def test_a_clean_three_way_check_reads_clean(app, world, live_server, browser, login_as):
    """Every line paid: the verdict and the villages' table, and nothing else (no stray text)."""
    import io
    from bank_seed import approved_batch, export
    data = make_people(app, world, n=2)
    batch_id = approved_batch(app, world, data)
    files = banksim().simulate(export(app, batch_id, "rcb_text"))
    name = f"PB{batch_id:08d}.success.txt"
    r = login_as("clerk").post("/api/v1/bank/returns", form={"file": (io.BytesIO(files[name]), name)})
    assert r.status_code == 200, r.json
    page = browser.new_context(**DESK).new_page()
    sign_in(page, live_server, "t_lead")
    page.goto(f"{live_server}/bank/{batch_id}")
    page.wait_for_selector("[data-testid=reconciliation-verdict]:has-text('没有差异')")
    body = page.locator("[data-testid=reconciliation-body]")
    assert "null" not in body.inner_text()
    assert body.evaluate("(el) => [...el.childNodes].every((n) => n.nodeType === 1)")


def test_a_county_supervisor_sees_each_batch_s_township_and_filters_by_one(app, world, live_server, pages, artifacts):
    """Above a township the batch list names each batch's township and has the region filter."""
    data = make_people(app, world, n=2)
    bid = approved_batch(app, world, data)
    page = pages(DESK)
    sign_in(page, live_server, "t_county")
    page.goto(f"{live_server}/bank")
    row = page.locator("[data-testid=batch-row]", has_text=f"PB{bid:08d}")
    assert row.locator("[data-testid=batch-township]").inner_text() == "锦城街道"
    page.screenshot(path=str(artifacts / "bank-county-list-1366.png"), full_page=True)
    page.goto(f"{live_server}/bank?region={world['regions']['taihuyuan']}")
    page.wait_for_selector("[data-testid=bank-region-path]:has-text('太湖源镇')")
    page.wait_for_selector("[data-testid=batch-list]")
    assert page.locator("[data-testid=batch-row]", has_text=f"PB{bid:08d}").count() == 0
