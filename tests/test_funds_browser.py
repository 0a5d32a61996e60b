"""The fund screens in a real Chromium against a real gunicorn: the township lead on a 360 px phone
finds a budget line in the register from the home screen, registers its arrival with the receipt,
allocates it to a project and records an expenditure, and the chain shows the days of each hop; a
city supervisor on a 1366 px desk reads the register and the detail without any write button, in
Chinese and in English. Screenshots are kept in test-artifacts/ and were looked at."""
import uuid
from datetime import timedelta
from decimal import Decimal

from conftest import PHONE, TODAY, run_scan, sign_in

DESK = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}


def seed(app, world, project_id):
    """Two budget lines in 锦城街道: one issued 45 days ago and never registered (its warning is
    open), one issued 100 days ago, arrived and half allocated."""
    from backend.core.models import User
    from backend.extensions import db
    from backend.funds import services
    tag = uuid.uuid4().hex[:4]
    with app.app_context(), app.test_request_context(method="POST"):
        county = db.session.get(User, world["users"]["county"])
        late = services.create_fund(county, {
            "region_id": world["regions"]["jincheng"], "doc_no": f"浙财农〔2026〕{tag}号", "name": "农村公路养护省级补助资金",
            "category": "general_transfer", "source_level": "province", "amount": Decimal("860000.00"),
            "issued_on": TODAY - timedelta(days=45)})
        busy = services.create_fund(county, {
            "region_id": world["regions"]["jincheng"], "doc_no": f"临财预〔2026〕{tag}号", "name": "美丽乡村建设专项资金",
            "category": "special_transfer", "source_level": "county", "amount": Decimal("300000.00"),
            "issued_on": TODAY - timedelta(days=100), "arrived_on": TODAY - timedelta(days=96),
            "receipt_no": "HZLA-2026-0419"})
        services.allocate(busy, county, {"target": "project", "project_id": project_id, "amount": Decimal("150000.00"),
                                         "allocated_on": TODAY - timedelta(days=80)})
        db.session.commit()
        ids = late.id, busy.id, late.doc_no
    run_scan(app, "fund_not_registered", "fund_not_allocated", "fund_not_spent", "fund_idle")
    return ids


def no_sideways_scroll(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_township_records_the_chain_and_a_supervisor_reads_it(app, world, live_server, pages, make_project,
                                                                   artifacts):
    project = make_project(stage="construction", name="钱王社区道路硬化工程")
    late, busy, doc = seed(app, world, project)
    lead = pages(PHONE)
    sign_in(lead, live_server, "t_lead")
    lead.click("[data-testid=home-funds]")
    lead.wait_for_selector("[data-testid=fund-list]")
    lead.fill("[data-testid=fund-search]", doc[2:])  # part of the 文号 (浙财农〔2026〕… less its first two)
    lead.click("[data-testid=fund-find]")
    lead.wait_for_selector("[data-testid=fund-total]:has-text('共 1 笔')")
    assert lead.locator("[data-testid=fund]").count() == 1
    no_sideways_scroll(lead, 360)
    lead.screenshot(path=str(artifacts / "funds-1-register-phone.png"), full_page=True)

    lead.click("[data-testid=fund]")
    lead.wait_for_selector("[data-testid=fund-chain]")
    assert "已等待 45 天" in lead.inner_text("[data-testid=step-arrived]")
    assert "下达后未按时登记到账" in lead.inner_text("[data-testid=fund-warnings]")
    # The warning explains itself and leads back to its budget line.
    lead.click("[data-testid=fund-warnings] a")
    lead.wait_for_selector("[data-testid=risk-fund-link]")
    assert "应于" in lead.inner_text("main")
    lead.screenshot(path=str(artifacts / "funds-1b-warning-phone.png"), full_page=True)
    lead.click("[data-testid=risk-fund-link]")
    lead.wait_for_selector("[data-testid=act-arrival]")
    lead.click("[data-testid=act-arrival]")
    lead.fill("[data-testid=f-arrived_on]", (TODAY - timedelta(days=50)).isoformat())  # before the issue: refused
    lead.fill("[data-testid=f-receipt_no]", "HZLA-2026-0533")
    lead.click("[data-testid=arrival-ok]")
    lead.wait_for_selector("[data-testid=arrival] [data-testid=error]:not([hidden])")
    assert "不能早于下达日期" in lead.inner_text("[data-testid=arrival] [data-testid=error]")
    lead.screenshot(path=str(artifacts / "funds-2-arrival-refused.png"))
    lead.fill("[data-testid=f-arrived_on]", (TODAY - timedelta(days=40)).isoformat())
    lead.click("[data-testid=arrival-ok]")
    lead.wait_for_selector("[data-testid=step-arrived]:has-text('用时 5 天')")
    assert lead.inner_text("[data-testid=fund-stage]") == "已到账待分配"
    # The receipt itself, as the issuing system's PDF, beside its number.
    from test_fund_receipts import pdf_bytes
    lead.set_input_files("[data-testid=receipt-file-input]", files=[
        {"name": "信息接收回执.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}])
    lead.wait_for_selector("[data-testid=receipt-file]:has-text('信息接收回执.pdf')")

    lead.click("[data-testid=act-allocate]")
    lead.select_option("[data-testid=f-target]", "project")
    lead.wait_for_selector(f"[data-testid=f-project_id] option[value='{project}']", state="attached")
    lead.select_option("[data-testid=f-project_id]", str(project))
    lead.fill("[data-testid=f-amount]", "900000")  # more than the fund: refused with the amount left
    lead.fill("[data-testid=f-allocated_on]", (TODAY - timedelta(days=30)).isoformat())
    lead.click("[data-testid=allocate-ok]")
    lead.wait_for_selector("[data-testid=allocate] [data-testid=error]:not([hidden])")
    assert "860,000.00" in lead.inner_text("[data-testid=allocate] [data-testid=error]")
    lead.screenshot(path=str(artifacts / "funds-3-allocation-over.png"))
    lead.fill("[data-testid=f-amount]", "860000.00")
    lead.click("[data-testid=allocate-ok]")
    lead.wait_for_selector("[data-testid=step-allocated]:has-text('用时 10 天')")

    lead.click("[data-testid=act-spend]")
    lead.fill("[data-testid=f-amount]", "320000.50")
    lead.fill("[data-testid=f-spent_on]", (TODAY - timedelta(days=12)).isoformat())
    lead.fill("[data-testid=f-payee]", "杭州临安城建工程有限公司")
    lead.fill("[data-testid=f-voucher_no]", "记-2026-11-087")
    lead.click("[data-testid=spend-ok]")
    lead.wait_for_selector("[data-testid=step-spent]:has-text('用时 18 天')")
    assert "记-2026-11-087" in lead.inner_text("[data-testid=expenditures]")
    assert lead.inner_text("[data-testid=fund-unspent]").replace("\u00a0", "") == "¥539,999.50"
    # The arrival cleared the 未按时登记 warning (the write queued a scan of the township).
    for _ in range(40):
        lead.reload()
        lead.wait_for_selector("[data-testid=fund-chain]")
        if lead.locator("[data-testid=fund-warnings]").count() == 0:
            break
        lead.wait_for_timeout(500)
    assert lead.locator("[data-testid=fund-warnings]").count() == 0
    no_sideways_scroll(lead, 360)
    lead.screenshot(path=str(artifacts / "funds-4-detail-phone.png"), full_page=True)
    lead.click("[data-testid=lang-toggle]")  # English: long labels still fit at 360 px
    lead.wait_for_selector("[data-testid=step-spent]:has-text('took 18 days')")
    no_sideways_scroll(lead, 360)
    from test_subsidy_browser import nothing_cut_off
    nothing_cut_off(lead)
    lead.screenshot(path=str(artifacts / "funds-4c-detail-phone-english.png"), full_page=True)
    lead.click("[data-testid=lang-toggle]")

    # A budget line typed in by hand, already arrived: it opens at its own page.
    lead.goto(f"{live_server}/funds/new")
    lead.wait_for_selector("[data-testid=fund-save]")
    lead.fill("[data-testid=f-doc_no]", f"锦财〔2026〕{late}号")
    lead.fill("[data-testid=f-name]", "街道环境整治经费")
    lead.select_option("[data-testid=f-category]", "own")
    lead.select_option("[data-testid=f-source_level]", "township")
    lead.fill("[data-testid=f-amount]", "45,000")
    lead.fill("[data-testid=f-issued_on]", (TODAY - timedelta(days=3)).isoformat())
    lead.fill("[data-testid=f-arrived_on]", (TODAY - timedelta(days=2)).isoformat())
    lead.fill("[data-testid=f-receipt_no]", "JC-0001")
    no_sideways_scroll(lead, 360)
    lead.screenshot(path=str(artifacts / "funds-4b-new-phone.png"), full_page=True)
    lead.click("[data-testid=fund-save]")
    lead.wait_for_selector("[data-testid=step-arrived]:has-text('用时 1 天')")
    assert lead.inner_text("[data-testid=fund-amount]").replace("\u00a0", "") == "¥45,000.00"

    city = pages(DESK)
    sign_in(city, live_server, "t_city")
    city.click("[data-testid=home-funds]")
    city.wait_for_selector("[data-testid=fund-list]")
    assert city.locator("[data-testid=fund-new]").count() == 0
    city.select_option("[data-testid=f-stage]", "allocated")
    city.wait_for_selector(f"[data-testid=fund] .pitem-ref:has-text('{doc}')")
    no_sideways_scroll(city, 1366)
    city.screenshot(path=str(artifacts / "funds-5-register-desk.png"), full_page=True)
    # The cockpit's 查看明细 (?region_id=) lists that township's funds only, and says so in the region filter.
    from sqlalchemy import func, select
    from backend.core.models import Region
    from backend.extensions import db
    from backend.funds.models import Fund
    jincheng = world["regions"]["jincheng"]
    with app.app_context():
        path = db.session.get(Region, jincheng).path
        count = db.session.scalar(select(func.count()).select_from(Fund).join(Region, Region.id == Fund.region_id)
                                  .where(Region.path.startswith(path)))
    city.goto(f"{live_server}/funds?region_id={jincheng}")
    city.wait_for_selector(f"[data-testid=region-filter][data-value='{jincheng}']")
    city.wait_for_selector(f"[data-testid=fund-total]:has-text('共 {count} 笔')")
    city.goto(f"{live_server}/funds/{busy}")
    city.wait_for_selector("[data-testid=fund-chain]")
    assert city.locator("[data-testid=act-spend], [data-testid=act-allocate], [data-testid=act-arrival]").count() == 0
    assert "HZLA-2026-0419" in city.inner_text("[data-testid=fund-receipt]")
    assert city.locator("[data-testid=receipt-upload]").count() == 0  # reading, not writing
    # The receipt the township uploaded, downloaded by the city as it was filed.
    city.goto(f"{live_server}/funds/{late}")
    city.wait_for_selector("[data-testid=receipt-file]")
    with city.expect_download() as got:
        city.click("[data-testid=receipt-file]")
    assert got.value.suggested_filename == "信息接收回执.pdf"
    assert open(got.value.path(), "rb").read().startswith(b"%PDF-")
    city.goto(f"{live_server}/funds/{busy}")
    city.wait_for_selector("[data-testid=fund-chain]")
    city.click("[data-testid=lang-toggle]")
    city.wait_for_selector("text=Fund register")
    assert "Allocated" in city.inner_text("[data-testid=fund-chain]")
    city.screenshot(path=str(artifacts / "funds-6-detail-desk-english.png"), full_page=True)
    city.click("[data-testid=lang-toggle]")


def test_the_cockpits_figure_opens_that_years_funds(app, world, live_server, browser):
    """A province supervisor reading 锦城街道's cockpit for last year follows 下达资金 (辖区) to the fund
    register: it lists that year's funds only — the year chosen in its filter — and they add up to the
    figure (the register ignored ?year= and listed every year's)."""
    from datetime import date
    from backend.core.models import User
    from backend.extensions import db
    from backend.funds import services
    from backend.overview import summary
    year, tag = TODAY.year - 1, uuid.uuid4().hex[:4]
    with app.app_context(), app.test_request_context(method="POST"):
        county = db.session.get(User, world["users"]["county"])
        for n, (issued, amount) in enumerate([(date(year, 3, 1), "120000.00"), (date(year, 11, 30), "34500.50"),
                                              (TODAY - timedelta(days=10), "99000.00")]):
            services.create_fund(county, {
                "region_id": world["regions"]["jincheng"], "doc_no": f"临财〔{issued.year}〕{tag}-{n}号",
                "name": "历年资金", "category": "general_transfer", "source_level": "county",
                "amount": Decimal(amount), "issued_on": issued})
        summary.rebuild()
        db.session.commit()
    page = browser.new_context(**DESK, service_workers="block").new_page()
    sign_in(page, live_server, "t_province")
    page.goto(f"{live_server}/overview/{world['regions']['jincheng']}?year={year}")
    link = page.locator("[data-testid=figure][data-name=funds_issued] [data-testid=figure-records]")
    figure = Decimal(link.inner_text().replace("¥", "").replace(",", ""))
    assert figure >= Decimal("154500.50")
    link.click()
    page.wait_for_url(f"**/funds?year={year}&region_id={world['regions']['jincheng']}")
    page.wait_for_selector("[data-testid=fund-list]")
    assert page.input_value("[data-testid=f-year]") == str(year)
    amounts = [Decimal(a.replace("¥", "").replace(",", ""))
               for a in page.locator("[data-testid=fund] .pitem-meta strong").all_inner_texts()]
    assert page.inner_text("[data-testid=fund-total]") == f"共 {len(amounts)} 笔资金指标"
    assert sum(amounts) == figure
    page.context.close()
