"""三方对账's differences are findings: kept in a table when a return file is imported and by the
periodic job (``flask bank-reconcile``), counted per village on the cockpit (对账差异, 本级 and 辖区,
adding up at every level) and listed in the subsidies report, person masked."""
import io
from decimal import Decimal

from sqlalchemy import func, select

from bank_seed import approved_batch, banksim, export, make_people


def _upload(client, data, name):
    return client.post("/api/v1/bank/returns", form={"file": (io.BytesIO(data), name)})


def _kept(app, policy_id):
    from backend.bank.models import ReconciliationDifference
    from backend.extensions import db
    with app.app_context():
        return {(d.kind, d.beneficiary_id): d for d in db.session.execute(
            select(ReconciliationDifference).where(ReconciliationDifference.policy_id == policy_id)).scalars()}


def _count_under(app, region_id, own=False):
    """The differences kept in this region (own) or anywhere under it, counted straight from the rows."""
    from backend.bank.models import ReconciliationDifference
    from backend.core.models import Region
    from backend.extensions import db
    with app.app_context():
        region = db.session.get(Region, region_id)
        where = (ReconciliationDifference.region_id == region_id if own else
                 Region.path.startswith(region.path, autoescape=True))
        return db.session.scalar(select(func.count(ReconciliationDifference.id))
                                 .join(Region, Region.id == ReconciliationDifference.region_id).where(where))


def _rebuild(app):
    from backend.extensions import db
    from backend.overview import summary
    with app.app_context():
        summary.rebuild()
        db.session.commit()


def test_a_return_file_keeps_its_differences_and_the_job_catches_later_changes(app, world, login_as):
    from backend.bank.models import BatchPayment
    from backend.extensions import db
    from backend.subsidies.models import Beneficiary, NoticeEntry
    data = make_people(app, world, n=5)
    p = data["people"]
    bid = approved_batch(app, world, data)
    files = banksim().simulate(export(app, bid, "rcb_text"), fail={1: "AC04"})
    lead = login_as("lead")
    assert _upload(lead, files[f"PB{bid:08d}.success.txt"], "s.txt").status_code == 200
    assert _kept(app, data["policy"]) == {}  # p[0] still at the bank (在途): not a finding while it may answer
    shown = lead.get(f"/api/v1/bank/batches/{bid}/reconciliation").json  # the live check lists it
    assert [(f["kind"], f["beneficiary_id"], f["state"]) for f in shown["findings"]] == [("not_paid", p[0], "sent")]
    assert _upload(lead, files[f"PB{bid:08d}.failure.txt"], "f.txt").status_code == 200
    [only] = _kept(app, data["policy"]).values()
    assert (only.kind, only.beneficiary_id, only.notice_amount, only.paid_amount) == ("not_paid", p[0], Decimal("100.00"), None)
    assert (only.region_id, only.period, only.batch_no, only.seq) == (world["regions"]["qianwang"], "2026-11", f"PB{bid:08d}", 1)
    first_found = only.found_at

    with app.app_context():
        lines = {b.beneficiary_id: b for b in db.session.execute(
            select(BatchPayment).where(BatchPayment.batch_id == bid)).scalars()}
        db.session.get(Beneficiary, p[1]).card_hash = "0" * 64
        db.session.execute(select(NoticeEntry).where(NoticeEntry.beneficiary_id == p[2])).scalar_one().amount = Decimal("999.00")
        db.session.delete(db.session.execute(select(NoticeEntry).where(NoticeEntry.beneficiary_id == p[3])).scalar_one())
        twice = lines[p[4]]
        db.session.add(BatchPayment(batch_id=bid, seq=99, region_id=twice.region_id, beneficiary_id=twice.beneficiary_id,
                                    policy_id=twice.policy_id, period=twice.period, attempt=7, quantity=twice.quantity,
                                    amount=twice.amount, name=twice.name, card_enc=twice.card_enc,
                                    card_hash=twice.card_hash, card_mask=twice.card_mask, status="paid"))
        db.session.commit()
    assert len(_kept(app, data["policy"])) == 1  # nothing recomputes on its own within the request
    result = app.test_cli_runner().invoke(args=["bank-reconcile"])  # what the periodic job runs
    assert result.exit_code == 0, result.output
    kept = _kept(app, data["policy"])
    assert set(kept) == {("not_paid", p[0]), ("card_differs", p[1]), ("amount_differs", p[2]),
                         ("not_on_notice", p[3]), ("paid_twice", p[4])}
    assert kept[("not_paid", p[0])].found_at == first_found  # still there: found when it was found
    # Again: nothing changed, nothing rewritten.
    from backend.bank import reconcile
    with app.app_context():
        from backend.bank.models import PaymentBatch
        batch = db.session.get(PaymentBatch, bid)
        assert reconcile.record(batch.region_id, batch.policy_id, batch.period) is False
        db.session.rollback()
    # The endpoint shows the same differences it kept.
    shown = lead.get(f"/api/v1/bank/batches/{bid}/reconciliation").json
    assert {(f["kind"], f["beneficiary_id"]) for f in shown["findings"]} == set(kept)


def test_the_cockpit_counts_them_per_village_and_they_add_up(app, world, login_as):
    data = make_people(app, world, n=3)
    bid = approved_batch(app, world, data)
    files = banksim().simulate(export(app, bid, "rcb_text"), fail={1: "AC04", 2: "AC04"})
    lead = login_as("lead")
    for name in ("success", "failure"):
        assert _upload(lead, files[f"PB{bid:08d}.{name}.txt"], f"{name}.txt").status_code == 200
    assert len(_kept(app, data["policy"])) == 2
    _rebuild(app)
    client = login_as("province")
    qianwang, jincheng = world["regions"]["qianwang"], world["regions"]["jincheng"]
    todo, seen = [world["regions"]["zj"]], 0
    while todo:
        doc = client.get(f"/api/v1/overview/{todo.pop()}").json
        seen += 1
        below = sum((Decimal(c["total"]["recon_differences"]) for c in doc["children"]), Decimal(0))
        total, own = Decimal(doc["total"]["recon_differences"]), Decimal(doc["own"]["recon_differences"])
        assert total == own + below, doc["region"]
        assert total == _count_under(app, doc["region"]["id"]), doc["region"]
        assert own == _count_under(app, doc["region"]["id"], own=True), doc["region"]
        todo += [c["region"]["id"] for c in doc["children"] if c["region"]["level"] != "village"]
    assert seen >= 5
    town = client.get(f"/api/v1/overview/{jincheng}").json
    assert town["figures"]["recon_differences"]["zh"] == "对账差异"
    village = next(c for c in town["children"] if c["region"]["id"] == qianwang)
    assert Decimal(village["total"]["recon_differences"]) >= 2
    assert Decimal(town["own"]["recon_differences"]) == 0  # kept in the person's village, not the township


def test_the_refresh_after_an_import_follows(app, world, login_as):
    """With the cockpit kept current after writes, the import alone moves the figure."""
    data = make_people(app, world, n=2)
    bid = approved_batch(app, world, data)
    _rebuild(app)
    before = _count_under(app, world["regions"]["qianwang"])
    files = banksim().simulate(export(app, bid, "rcb_text"), fail={1: "AC04"})
    lead = login_as("lead")
    app.config["FIGURES_AFTER_WRITES"], was = True, app.config["FIGURES_AFTER_WRITES"]
    try:
        for name in ("success", "failure"):
            assert _upload(lead, files[f"PB{bid:08d}.{name}.txt"], f"{name}.txt").status_code == 200
    finally:
        app.config["FIGURES_AFTER_WRITES"] = was
    assert _count_under(app, world["regions"]["qianwang"]) == before + 1
    doc = login_as("county").get(f"/api/v1/overview/{world['regions']['jincheng']}").json
    village = next(c for c in doc["children"] if c["region"]["id"] == world["regions"]["qianwang"])
    assert Decimal(village["total"]["recon_differences"]) == before + 1


def test_the_subsidies_report_lists_them_masked(app, world, login_as, tmp_path):
    from openpyxl import load_workbook
    from test_reports import generate, pdf_text
    data = make_people(app, world, n=2, standard="80.00")
    bid = approved_batch(app, world, data)
    files = banksim().simulate(export(app, bid, "rcb_text"), fail={2: "AC04"})
    lead = login_as("lead")
    for name in ("success", "failure"):
        assert _upload(lead, files[f"PB{bid:08d}.{name}.txt"], f"{name}.txt").status_code == 200
    _rebuild(app)
    body, _ = generate(login_as("county"), world["regions"]["jincheng"], "subsidies", "2026-11", "xlsx")
    book = load_workbook(io.BytesIO(body))
    sheet = next(ws for ws in book.worksheets if any("三方对账差异" in str(c) for row in ws.iter_rows(values_only=True)
                                                    for c in row if c))
    rows = list(sheet.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r and r[0] and str(r[0]).startswith("村（社区）"))
    assert [str(c).split()[0] for c in rows[head][:5]] == ["村（社区）", "补贴政策", "期间", "补贴对象", "差异"]
    with app.app_context():
        from backend.extensions import db
        from backend.subsidies.models import Beneficiary, SubsidyPolicy
        policy = db.session.get(SubsidyPolicy, data["policy"]).name
        person = db.session.get(Beneficiary, data["people"][1]).name
    mine = [r for r in rows[head + 1:] if r[1] == policy]
    assert len(mine) == 1
    village, _, period, masked, kind, notice, paid = mine[0][:7]
    assert village == "锦城街道·钱王社区" and period == "2026-11" and kind == "已公示，未发放到账"
    assert "*" in masked and masked != person and Decimal(str(notice)) == Decimal("160.00") and paid is None
    pdf, _ = generate(login_as("county"), world["regions"]["jincheng"], "subsidies", "2026-11", "pdf")
    text, _ = pdf_text(pdf, tmp_path)
    assert "三方对账差异" in text and "已公示，未发放到账" in text and person not in text
    # Outside the months of the report: not listed.
    body, _ = generate(login_as("county"), world["regions"]["jincheng"], "subsidies", "2026-10", "xlsx")
    flat = [c for ws in load_workbook(io.BytesIO(body)).worksheets for r in ws.iter_rows(values_only=True) for c in r]
    assert policy not in flat


def test_the_county_sees_them_on_the_cockpit_at_a_desk(app, world, live_server, pages, artifacts):
    """1366 px: the township's cockpit has 对账差异 among its subsidy figures (本级, 辖区) and as a
    sortable column of its villages, the village's count as the API's."""
    from conftest import sign_in
    data = make_people(app, world, n=2)
    bid = approved_batch(app, world, data)
    from backend.bank.services import import_return
    from backend.extensions import db
    files = banksim().simulate(export(app, bid, "rcb_text"), fail={1: "AC04"})
    with app.app_context(), app.test_request_context(method="POST"):
        from backend.core.models import User
        lead = db.session.get(User, world["users"]["lead"])
        for name in ("success", "failure"):
            import_return(files[f"PB{bid:08d}.{name}.txt"], lead, f"{name}.txt")
        db.session.commit()
    _rebuild(app)
    page = pages({"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"})
    sign_in(page, live_server, "t_county")
    page.goto(f"{live_server}/overview/{world['regions']['jincheng']}")
    page.wait_for_selector("[data-testid=overview] h1:has-text('锦城街道')")
    row = page.locator("[data-testid=figure][data-name=recon_differences]")
    assert row.locator("th").inner_text() == "对账差异"
    total = Decimal(row.locator("td").nth(1).inner_text().replace(",", ""))
    assert total == _count_under(app, world["regions"]["jincheng"]) and total >= 1
    page.click("[data-testid=sort-recon_differences]")
    page.wait_for_url("**sort=recon_differences**")
    page.wait_for_selector("[data-testid=children] th[aria-sort=descending] [data-testid=sort-recon_differences]")
    village = page.locator(f"[data-testid=child][data-region='{world['regions']['qianwang']}']")
    header = [text.strip() for text in page.locator("[data-testid=children] thead th").all_inner_texts()]
    column = next((i for i, text in enumerate(header) if text.startswith("对账差异")), None)
    assert column is not None, header
    shown = village.locator("th, td").nth(column).inner_text()
    assert Decimal(shown.replace(",", "")) == _count_under(app, world["regions"]["qianwang"])
    page.locator("[data-testid=children]").screenshot(path=str(artifacts / "overview-recon-differences-1366.png"))
    page.screenshot(path=str(artifacts / "overview-recon-differences-page-1366.png"), full_page=True)


def test_a_line_the_bank_leaves_unanswered_becomes_a_finding_after_its_answer_days(app, world, login_as):
    from datetime import timedelta

    from backend.core import clock
    data = make_people(app, world, n=3)
    p = data["people"]
    bid = approved_batch(app, world, data)
    files = banksim().simulate(export(app, bid, "rcb_text"), fail={1: "AC04"})
    lead = login_as("lead")
    assert _upload(lead, files[f"PB{bid:08d}.success.txt"], "s.txt").status_code == 200
    assert _kept(app, data["policy"]) == {}
    days = app.config["BANK_ANSWER_DAYS"]
    start = clock.now()
    try:
        clock.freeze(start + timedelta(days=days) - timedelta(minutes=1))
        assert app.test_cli_runner().invoke(args=["bank-reconcile"]).exit_code == 0
        assert _kept(app, data["policy"]) == {}  # the bank may still answer
        clock.freeze(start + timedelta(days=days, minutes=1))
        result = app.test_cli_runner().invoke(args=["bank-reconcile"])
        assert result.exit_code == 0, result.output
        [(kind, who)] = _kept(app, data["policy"])
        assert (kind, who) == ("not_paid", p[0])  # unanswered past its days: a difference to chase
        # The failure file, late: still not paid, the same finding (found when it was found).
        found = _kept(app, data["policy"])[("not_paid", p[0])].found_at
        lead = login_as("lead")  # days later: signed in again
        assert _upload(lead, files[f"PB{bid:08d}.failure.txt"], "f.txt").status_code == 200
        assert _kept(app, data["policy"])[("not_paid", p[0])].found_at == found
    finally:
        clock.freeze(start)
