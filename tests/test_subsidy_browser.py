"""The public platform on a villager's phone (360 × 740) and the township's screens, against a real
gunicorn and a real Chromium: the village notice board (一村一码), the self-check and 没收到 with the
township's answer, a wrong self-check, a comment on a project answered in public, and a clerk's
import that is refused row by row and then accepted. No public page ever shows a whole ID or card
number. Screenshots are kept in test-artifacts/ and were looked at."""
import re
import time

import pytest

from backend.qrcodes.codes import pretty
from conftest import PASSWORD, PHONE, code_of, jpeg_bytes, new_uuid, sign_in
from subsidy_seed import id_number, seed, village_code

FULL_ID = re.compile(r"\d{17}[\dXx]")
LONG_NUMBER = re.compile(r"\d{12,19}")


@pytest.fixture
def seeded(app, world):
    """钱王社区's policies, people, payments and public list; no self-check failures counted yet."""
    from backend.extensions import db
    from backend.subsidies.models import SelfCheckAttempt
    people = seed(app, world)
    with app.app_context():
        db.session.query(SelfCheckAttempt).delete()
        db.session.commit()
    return people


@pytest.fixture
def phones(pages):
    """phones(user=None) → a new 360 px phone page, signed in as ``user`` when given."""

    def make(user=None, base=None):
        page = pages(PHONE)
        if user:
            sign_in(page, base, f"t_{user}")
        return page
    return make


def soon(probe, timeout=30):
    """``probe()``'s first truthy answer, asked every 0.1 s: what a job does shows up in seconds."""
    end = time.monotonic() + timeout
    while not (found := probe()) and time.monotonic() < end:
        time.sleep(0.1)
    assert found, f"not within {timeout} s"
    return found


def public_text_is_masked(page):
    """Nothing on the page (text or attributes) looks like a whole ID number or bank card."""
    text = page.inner_text("body")
    html = page.content()
    for pattern in (FULL_ID, LONG_NUMBER):
        assert not pattern.search(text), pattern.search(text).group(0)
        assert not pattern.search(html), pattern.search(html).group(0)


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def nothing_cut_off(page):
    """No button or tab whose label runs past its box or the screen (long English labels at 360 px)."""
    cut = page.evaluate("""[...document.querySelectorAll('main .btn, main .tab')]
      .filter((b) => b.offsetParent && (b.scrollWidth > b.clientWidth + 1 || b.getBoundingClientRect().right > innerWidth + 0.5
                                         || b.getBoundingClientRect().left < -0.5))
      .map((b) => b.textContent.trim())""")
    assert cut == [], cut


def self_check(page, person, last4=None):
    page.fill("[data-testid=sc-name]", person["name"])
    page.fill("[data-testid=sc-id]", person["id_number"])
    page.fill("[data-testid=sc-last4]", last4 or person["card"][-4:])
    page.click("[data-testid=sc-submit]")


def test_a_villager_reports_a_payment_not_received_and_sees_the_answer(app, world, seeded, live_server, phones,
                                                                       login_as, artifacts):
    code = village_code(app, world)
    wang = seeded["wang"]
    villager = phones()
    # The notice-board plaque encodes /q/<code>: the app opens the village page.
    villager.goto(f"{live_server}/q/{code}")
    villager.wait_for_url(re.compile(rf"/v/{code}$"))
    villager.wait_for_selector("[data-testid=notice-table]")
    assert villager.inner_text("[data-testid=village-name]") == "钱王社区"
    assert "锦城街道" in villager.inner_text("[data-testid=village-path]")
    # Other test files post notices for 钱王社区 too (other months, other people): the seed's March list
    # is picked, and only its three lines are counted.
    if villager.input_value("[data-testid=period]") != "2026-03":
        villager.select_option("[data-testid=period]", "2026-03")
        villager.wait_for_url(re.compile(r"period=2026-03"))
    ours = {"王*国": "¥1,020.00", "李*英": "¥230.00", "赵*明": "¥600.00"}
    rows = {name: villager.locator("[data-testid=notice-row]", has_text=name) for name in ours}
    assert {name: row.count() for name, row in rows.items()} == dict.fromkeys(ours, 1)
    assert all(amount in rows[name].inner_text() for name, amount in ours.items())
    names = villager.inner_text("[data-testid=notice-table]")
    assert "王*国" in names and "王建国" not in names and "李秀英" not in names
    policies = villager.inner_text("[data-testid=policies]")
    assert "耕地地力保护补贴" in policies and "120 元/亩" in policies and "浙财农〔2026〕12号" in policies
    assert "财政供养人员" in policies and "区农业农村局" in policies
    public_text_is_masked(villager)
    no_sideways_scroll(villager)
    villager.screenshot(path=str(artifacts / "village-1-board.png"), full_page=True)

    self_check(villager, wang)
    villager.wait_for_selector("[data-testid=payments]")
    person = villager.inner_text("[data-testid=sc-person]")
    assert "王*国" in person and wang["id_number"] not in person
    payment = villager.locator("[data-testid=payment]", has_text="耕地地力保护补贴")
    assert "已发放" in payment.inner_text() and "¥1,020.00" in payment.inner_text()
    assert wang["card"][-4:] in payment.inner_text() and wang["card"] not in payment.inner_text()
    public_text_is_masked(villager)
    no_sideways_scroll(villager)
    villager.screenshot(path=str(artifacts / "village-2-my-payments.png"), full_page=True)

    payment.locator("[data-testid=not-received]").click()
    villager.fill("[data-testid=nr-note]", "银行卡上没有看到这笔钱")
    villager.screenshot(path=str(artifacts / "village-3-not-received.png"))
    villager.click("[data-testid=nr-ok]")
    villager.wait_for_selector("[data-testid=sc-toast]")
    assert villager.inner_text("[data-testid=sc-toast]") == "已反映，乡镇将核实答复"
    case = villager.locator("[data-testid=my-case]").first
    assert "耕地地力保护补贴" in case.inner_text() and "待答复" in case.inner_text()
    case_id = int(case.get_attribute("data-case-id"))
    assert villager.locator("[data-testid=payment-reported]").count() == 1
    public_text_is_masked(villager)
    villager.screenshot(path=str(artifacts / "village-4-reported.png"), full_page=True)

    # The township sees it within seconds as a warning (the case queued a scan; the worker ran it).
    lead_api = login_as("lead")
    warning = soon(lambda: next((w for w in lead_api.get("/api/v1/risks?rule=subsidy_not_received&per_page=100")
                                 .json["items"] if w["status"] == "open" and w["evidence"].get("case_id") == case_id),
                                None))

    lead = phones("lead", live_server)
    lead.click("[data-testid=home-subsidies]")
    lead.wait_for_selector("h1:has-text('惠民补贴')")
    # From the warning, the lead is sent to answer the villager (no project rectification for a person).
    lead.goto(f"{live_server}/risks/{warning['id']}")
    lead.wait_for_selector("[data-testid=risk-card]")
    assert lead.locator("[data-testid=risk-rectify]").count() == 0
    lead.click("[data-testid=risk-case-link]")
    lead.wait_for_url(re.compile(r"/subsidies/cases$"))
    item = lead.locator(f"[data-testid=case][data-case-id='{case_id}']")
    item.wait_for()
    assert "耕地地力保护补贴" in item.inner_text() and "王*国" in item.inner_text()
    item.locator("[data-testid=case-answer-text]").fill("经核实，银行已于3月20日入账，请查看一卡通存折")
    lead.screenshot(path=str(artifacts / "village-5-lead-answers.png"), full_page=True)
    item.locator("[data-testid=case-answer-ok]").click()
    lead.wait_for_selector("[data-testid=flash]")
    assert lead.locator(f"[data-testid=case][data-case-id='{case_id}']").count() == 0
    assert soon(lambda: all(w["status"] != "open" for w in lead_api.get(
        "/api/v1/risks?rule=subsidy_not_received&status=all&per_page=100").json["items"]
        if w["evidence"].get("case_id") == case_id))

    # The villager checks again and reads the answer.
    villager.click("[data-testid=sc-done]")
    self_check(villager, wang)
    answer = villager.locator(f"[data-testid=my-case][data-case-id='{case_id}'] [data-testid=case-answer]")
    answer.wait_for()
    assert "银行已于3月20日入账" in answer.inner_text()
    public_text_is_masked(villager)
    villager.screenshot(path=str(artifacts / "village-6-answered.png"), full_page=True)
    # Switching the language draws the page again but keeps the villager's answer (no second check).
    villager.click("[data-testid=lang-toggle]")
    villager.wait_for_selector("h2:has-text('Check my subsidies')")
    assert villager.locator("[data-testid=payments]").count() == 1
    assert "Paid" in villager.inner_text("[data-testid=payments]")
    nothing_cut_off(villager)
    villager.screenshot(path=str(artifacts / "village-6b-english.png"), full_page=True)
    villager.click("[data-testid=lang-toggle]")
    villager.wait_for_selector("[data-testid=payments]")
    assert "已发放" in villager.inner_text("[data-testid=payments]")

    # A payment the villager expected that is not in the list at all: policy and month.
    villager.click("[data-testid=report-missing]")
    villager.select_option("[data-testid=nr-policy]", label="城乡居民基础养老金（2026）")
    villager.fill("[data-testid=nr-period]", "2026-05")
    villager.click("[data-testid=nr-ok]")
    villager.wait_for_selector("[data-testid=sc-toast]")
    expected = villager.locator("[data-testid=my-case][data-status=open]", has_text="2026-05")
    assert expected.count() == 1 and "城乡居民基础养老金" in expected.inner_text()
    # A yearly subsidy is asked by year, not by month.
    villager.click("[data-testid=report-missing]")
    villager.select_option("[data-testid=nr-policy]", label="耕地地力保护补贴（2026）")
    assert villager.locator("[data-testid=nr-period]").is_hidden() and villager.locator("[data-testid=nr-year]").is_visible()
    assert villager.input_value("[data-testid=nr-year]") == "2026"  # the policy's year
    villager.click("[data-testid=nr-ok]")
    villager.wait_for_selector("[data-testid=my-case][data-status=open]:has-text('耕地地力保护补贴')")
    assert len(lead_api.get("/api/v1/subsidies/cases").json["items"]) >= 1


def test_a_payment_not_yet_paid_out_offers_no_not_received(app, world, seeded, live_server, phones, artifacts):
    zhao = seeded["zhao"]
    villager = phones()
    villager.goto(f"{live_server}/v/{village_code(app, world)}")
    villager.wait_for_selector("[data-testid=sc-submit]")
    self_check(villager, zhao)
    pending = villager.locator("[data-testid=payment][data-status=pending]")
    pending.wait_for()
    assert "待发放" in pending.inner_text() and "尚未发放" in pending.inner_text()
    assert pending.locator("[data-testid=not-received]").count() == 0
    villager.screenshot(path=str(artifacts / "village-pending.png"), full_page=True)
    # "done" forgets the answer: a language switch afterwards shows the empty form.
    villager.click("[data-testid=sc-done]")
    villager.click("[data-testid=lang-toggle]")
    villager.wait_for_selector("h2:has-text('Check my subsidies')")
    assert villager.locator("[data-testid=payments]").count() == 0 and villager.input_value("[data-testid=sc-id]") == ""


def test_a_wrong_self_check_says_no_match(app, world, seeded, live_server, phones, artifacts):
    code = village_code(app, world)
    villager = phones()
    villager.goto(f"{live_server}/v/{code}")
    villager.wait_for_selector("[data-testid=sc-submit]")
    self_check(villager, seeded["wang"], last4="0000")
    error = villager.locator("[data-testid=sc-error][data-code=self_check_no_match]")
    error.wait_for()
    assert "信息不匹配" in error.inner_text()
    assert villager.locator("[data-testid=payments]").count() == 0
    # A mistyped ID number is caught on the phone, before any request.
    villager.fill("[data-testid=sc-id]", seeded["wang"]["id_number"][:-1])
    villager.click("[data-testid=sc-submit]")
    assert "18 位身份证号" in villager.inner_text("[data-testid=sc-error]")
    public_text_is_masked(villager)
    villager.screenshot(path=str(artifacts / "village-7-no-match.png"), full_page=True)
    # English is there too, with every string translated.
    villager.click("[data-testid=lang-toggle]")
    villager.wait_for_selector("h2:has-text('Check my subsidies')")
    text = villager.inner_text("body")
    assert not re.search(r"\b(village|sc|nr|pub|pay|case)\.[a-zA-Z]+", text), text
    assert "Public subsidy list" in text and "Total" in text
    villager.screenshot(path=str(artifacts / "village-8-english.png"), full_page=True)


def upload_photo(live_server, inspection_uuid, seed):
    """A site photo sent by the inspector through the live server (so it is in its storage)."""
    import hashlib

    import requests
    session = requests.Session()
    login = session.post(f"{live_server}/api/v1/auth/login", json={"username": "t_inspector", "password": PASSWORD})
    data = jpeg_bytes(seed, size=(1200, 900))
    r = session.post(f"{live_server}/api/v1/inspections/{inspection_uuid}/photos",
                     headers={"X-CSRF-Token": login.json()["csrf_token"]},
                     data={"client_uuid": new_uuid(), "sha256": hashlib.sha256(data).hexdigest()},
                     files={"file": ("site.jpg", data, "image/jpeg")})
    assert r.status_code in (200, 201), r.text


def test_a_comment_on_a_project_is_answered_in_public(app, live_server, make_project, make_inspection, phones,
                                                      artifacts):
    project_id = make_project("construction", name="钱王社区文化礼堂修缮工程")
    code = code_of(app, project_id)
    upload_photo(live_server, make_inspection(project_id), seed=71)
    visitor = phones()
    visitor.goto(f"{live_server}/q/{code}")
    photo = visitor.locator("[data-testid=public-photo] img")
    photo.wait_for()
    visitor.wait_for_function("() => document.querySelector('[data-testid=public-photo] img').naturalWidth > 0")
    assert visitor.locator("[data-testid=public-photo]").get_attribute("href").endswith(".jpg")
    visitor.wait_for_selector("#comments [data-testid=comment-submit]")
    visitor.click("[data-testid=comment-kind-complaint]")
    visitor.fill("[data-testid=comment-body]", "礼堂西侧脚手架没有围挡，孩子放学经过很危险")
    visitor.fill("[data-testid=comment-nickname]", "老周")
    visitor.fill("[data-testid=comment-contact]", "13700001234")
    visitor.click("[data-testid=comment-submit]")
    visitor.wait_for_selector("[data-testid=comment-done]")
    comment = visitor.locator("[data-testid=comment]", has_text="脚手架没有围挡")
    assert "投诉" in comment.inner_text() and "待答复" in comment.inner_text() and "老周" in comment.inner_text()
    assert "13700001234" not in visitor.inner_text("body")
    visitor.locator("#comments").screenshot(path=str(artifacts / "comment-1-left.png"))
    comment_id = comment.get_attribute("data-comment-id")

    lead = phones("lead", live_server)
    lead.click("[data-testid=home-comments]")
    item = lead.locator(f"[data-testid=staff-comment][data-comment-id='{comment_id}']")
    item.wait_for()
    assert "13700001234" in item.inner_text() or "137****1234" in item.inner_text()
    item.locator("[data-testid=comment-answer-text]").fill("已责令施工单位当天补齐围挡，感谢监督")
    lead.screenshot(path=str(artifacts / "comment-2-lead.png"), full_page=True)
    item.locator("[data-testid=comment-answer-ok]").click()
    lead.wait_for_selector("[data-testid=flash]")

    visitor.reload()
    answer = visitor.locator(f"[data-testid=comment][data-comment-id='{comment_id}'] [data-testid=comment-answer]")
    answer.wait_for()
    assert "已责令施工单位当天补齐围挡" in answer.inner_text()
    public_text_is_masked(visitor)
    no_sideways_scroll(visitor)
    visitor.screenshot(path=str(artifacts / "comment-3-answered.png"), full_page=True)


def beneficiaries_file(*rows):
    lines = ["序号,姓名,身份证号码,村,银行卡号,联系电话"]
    lines += [f"{i + 1},{name},{idno},钱王社区,{card}," for i, (name, idno, card) in enumerate(rows)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_an_import_with_a_bad_row_imports_nothing_then_a_good_file_imports(app, world, seeded, live_server, phones,
                                                                           login_as, artifacts):
    lead_api = login_as("lead")
    total = lambda: lead_api.get("/api/v1/subsidies/beneficiaries?per_page=1").json["total"]  # noqa: E731
    before = total()
    good = ("孙桂兰", id_number("1971", "041"), "6217001111222233334")
    bad_id = id_number("1966", "043")
    bad_id = bad_id[:-1] + ("0" if bad_id[-1] != "0" else "1")  # a wrong check digit
    bad = ("周志强", bad_id, "6217005555666677778")

    lead = phones("lead", live_server)
    lead.goto(f"{live_server}/subsidies/import")
    lead.wait_for_selector("[data-testid=import-kind]")
    lead.click("[data-testid=lang-toggle]")  # every tab in sight in English too
    lead.wait_for_selector("h1:has-text('Import')")
    nothing_cut_off(lead)
    lead.screenshot(path=str(artifacts / "import-0-english-tabs.png"))
    lead.click("[data-testid=lang-toggle]")
    lead.wait_for_selector("[data-testid=import-kind]")
    lead.select_option("[data-testid=import-kind]", "beneficiaries")
    lead.set_input_files("[data-testid=import-file]", files=[
        {"name": "补贴对象.csv", "mimeType": "text/csv", "buffer": beneficiaries_file(good, bad)}])
    lead.click("[data-testid=import-submit]")
    lead.wait_for_selector("[data-testid=import-rejected]")
    assert "未导入任何数据" in lead.inner_text("[data-testid=import-rejected]")
    problem = lead.locator("[data-testid=import-error]")
    assert problem.count() >= 1
    assert problem.first.get_attribute("data-row") == "3"  # the header is row 1, 周志强 row 3
    assert lead.locator("[data-testid=import-report]").get_attribute("href").endswith("/report.csv")
    assert total() == before
    no_sideways_scroll(lead)
    lead.screenshot(path=str(artifacts / "import-1-rejected.png"), full_page=True)

    lead.set_input_files("[data-testid=import-file]", files=[
        {"name": "补贴对象-改.csv", "mimeType": "text/csv", "buffer": beneficiaries_file(good)}])
    lead.click("[data-testid=import-submit]")
    lead.wait_for_selector("[data-testid=import-ok]")
    assert lead.inner_text("[data-testid=count-inserted] dd") == "1"
    assert lead.inner_text("[data-testid=count-rows] dd") == "1"
    assert total() == before + 1
    lead.wait_for_selector("[data-testid=import-run][data-status=accepted]")
    lead.screenshot(path=str(artifacts / "import-2-accepted.png"), full_page=True)

    # A later roster without the card column, with a column the app does not know: the card is kept,
    # and the clerk is told both.
    later = f"姓名,身份证号码,村,开户行\n{good[0]},{good[1]},钱王社区,临安农商银行\n".encode()
    lead.set_input_files("[data-testid=import-file]", files=[{"name": "名单.csv", "mimeType": "text/csv", "buffer": later}])
    lead.click("[data-testid=import-submit]")
    lead.wait_for_selector("[data-testid=import-notes]")
    notes = lead.inner_text("[data-testid=import-notes]")
    assert "开户行" in notes and "保留了系统中已有的银行卡号" in notes
    no_sideways_scroll(lead)
    lead.screenshot(path=str(artifacts / "import-3-notes.png"), full_page=True)

    # The new person is found, masked; the lead may see the whole ID number with a reason.
    lead.goto(f"{live_server}/subsidies?q=孙桂兰")
    lead.click("[data-testid=person]")
    lead.wait_for_selector("[data-testid=person-card]")
    assert good[1] not in lead.inner_text("body")
    lead.click("[data-testid=reveal-id_number]")
    lead.fill("[data-testid=reveal-reason]", "核对导入的身份证号")
    lead.click("[data-testid=reveal-ok]")
    lead.wait_for_selector("[data-testid=pf-id_number].revealed")
    assert lead.inner_text("[data-testid=pf-id_number]") == good[1]
    lead.screenshot(path=str(artifacts / "import-3-person.png"), full_page=True)

    # The first good file was a mistake after all: withdraw it (its person is deleted again).
    lead.goto(f"{live_server}/subsidies/import")
    run = lead.locator("[data-testid=import-run]", has_text="补贴对象-改.csv")
    run.locator("[data-testid=import-withdraw]").click()
    lead.fill("[data-testid=withdraw-reason]", "导错了名单")
    lead.screenshot(path=str(artifacts / "import-4-withdraw.png"))
    lead.click("[data-testid=withdraw-ok]")
    lead.wait_for_selector("[data-testid=withdraw-done]")  # said on this page
    lead.wait_for_selector("[data-testid=import-withdrawn]")
    assert "导错了名单" in lead.inner_text("[data-testid=import-withdrawn]")
    assert total() == before
    lead.screenshot(path=str(artifacts / "import-5-withdrawn.png"), full_page=True)


def test_the_lead_prints_the_village_code(app, world, seeded, live_server, phones, artifacts):
    lead = phones("lead", live_server)
    lead.goto(f"{live_server}/subsidies")
    lead.click("[data-testid=village-code] summary")  # folded at the top of the page
    lead.fill("[data-testid=vc-village-q]", "钱王")
    lead.click(f"[data-testid=vc-village-option][data-id='{world['regions']['qianwang']}']")
    assert lead.inner_text("[data-testid=vc-village-path]") == "锦城街道 / 钱王社区"
    lead.click("[data-testid=vc-get]")
    lead.wait_for_selector("[data-testid=vc-png]")
    assert lead.evaluate("document.querySelector('[data-testid=vc-png]').naturalWidth") > 0 or \
        lead.wait_for_function("() => document.querySelector('[data-testid=vc-png]').naturalWidth > 0")
    # Printed with dashes, like a project's code: MCZV-KK3J-RS5Q-2G.
    code = village_code(app, world)
    assert lead.inner_text("[data-testid=vc-code]") == pretty(code)
    lead.screenshot(path=str(artifacts / "village-code.png"), full_page=True)
    lead.click("[data-testid=vc-open]")
    lead.wait_for_selector("[data-testid=notice-table]")


def test_a_project_code_typed_on_the_village_page_opens_the_project(app, live_server, make_project, phones):
    project = make_project(stage="construction")
    page = phones()
    page.goto(f"{live_server}/v/{code_of(app, project)}")
    page.wait_for_url(re.compile(rf"/q/{code_of(app, project)}$"))



def test_a_long_register_is_read_a_page_at_a_time(app, world, seeded, live_server, login_as, phones):
    from backend.core.models import Region, User
    from backend.extensions import db
    from backend.imports import engine
    from backend.subsidies import importer
    rows = "\n".join(f"翁页{i:02d},{id_number('1955', f'{600 + i:03d}')},钱王社区" for i in range(35))
    with app.app_context(), app.test_request_context(method="POST"):
        run = engine.run("beneficiaries", db.session.get(Region, world["regions"]["jincheng"]),
                           db.session.get(User, world["users"]["lead"]), "many.csv", f"姓名,身份证号,村\n{rows}\n".encode())
        db.session.commit()
        assert run.status == "accepted", run.errors
    lead = phones("lead", live_server)
    lead.goto(f"{live_server}/subsidies?q=翁页")
    lead.wait_for_selector("[data-testid=people]")
    assert lead.locator("[data-testid=person]").count() == 30
    lead.click("[data-testid=people-more]")
    lead.wait_for_function("() => document.querySelectorAll('[data-testid=person]').length === 35")
    assert lead.locator("[data-testid=people-more]").is_hidden()


def test_a_large_import_runs_as_a_job_and_the_screen_shows_its_progress_then_the_result(
        app, world, seeded, live_server, phones, login_as, artifacts):
    # 30,000 people with a wrong ID on every 3,000th row: the worker takes seconds to check them all,
    # and the screen shows how far it got — rows read, rows checked, problems so far — then the report.
    from backend.core import pii

    def ident(n):
        first = f"330112{1930 + n // 1000}0101{n % 1000:03d}"
        return first + pii.id_check_char(first)
    lines = ["序号,姓名,身份证号码,村"]
    for n in range(1, 30001):
        number = ident(n)
        if n % 3000 == 0:
            number = number[:-1] + ("0" if number[-1] != "0" else "1")
        lines.append(f"{n},{'孙' + chr(0x4E00 + n % 20000)},{number},钱王社区")
    data = "\n".join(lines).encode("utf-8")
    before = login_as("lead").get("/api/v1/subsidies/beneficiaries?per_page=1").json["total"]

    lead = phones("lead", live_server)
    lead.goto(f"{live_server}/subsidies/import")
    lead.wait_for_selector("[data-testid=import-kind]")
    lead.select_option("[data-testid=import-kind]", "beneficiaries")
    lead.set_input_files("[data-testid=import-file]", files=[
        {"name": "全镇花名册.csv", "mimeType": "text/csv", "buffer": data}])
    lead.click("[data-testid=import-submit]")
    lead.wait_for_selector("[data-testid=import-progress]")
    lead.wait_for_function("""() => /已读取 30000 行，已检查 \\d+ 行/.test(
        (document.querySelector('[data-testid=import-progress-line]') || {}).textContent || '')""", timeout=60000)
    line = lead.inner_text("[data-testid=import-progress-line]")
    assert "发现" in line and "处问题" in line
    no_sideways_scroll(lead)
    lead.screenshot(path=str(artifacts / "import-6-progress.png"), full_page=True)
    lead.wait_for_selector("[data-testid=import-rejected]", timeout=120000)
    assert "10 处问题" in lead.inner_text("[data-testid=import-rejected]")
    assert lead.locator("[data-testid=import-error]").first.get_attribute("data-row") == "3001"
    lead.wait_for_selector("[data-testid=import-run][data-status=rejected]")
    lead.screenshot(path=str(artifacts / "import-7-after-job.png"), full_page=True)
    assert login_as("lead").get("/api/v1/subsidies/beneficiaries?per_page=1").json["total"] == before


def test_the_lead_sets_exclusive_policies_on_the_policy_screen(app, world, seeded, live_server, phones, browser,
                                                               artifacts):
    """The policy list at a desk (1366 px) and on a phone (360 px): the township's own policy has 设置互斥政策,
    the county's policies do not; ticking one saves it (and the list shows it)."""
    from backend.core.models import Region, User
    from backend.extensions import db
    from backend.imports import engine as imports
    with app.app_context(), app.test_request_context(method="POST"):
        run = imports.run("policies", db.session.get(Region, world["regions"]["jincheng"]),
                           db.session.get(User, world["users"]["lead"]), "p.csv",
                           "政策名称,类别,补贴标准,单位,年度\n浏览器互斥低保,社会救助,600,元/人·月,2026\n"
                           "浏览器互斥特困,社会救助,900,元/人·月,2026\n".encode())
        db.session.commit()
        assert run.status == "accepted", run.errors
    desk_context = browser.new_context(viewport={"width": 1366, "height": 850}, locale="zh-CN")
    try:
        desk = desk_context.new_page()
        errors = []
        desk.on("pageerror", lambda e: errors.append(str(e)))
        sign_in(desk, live_server, "t_lead")
        desk.goto(f"{live_server}/subsidies/policies")
        mine = desk.locator("[data-testid=policy]:has(strong:text-is('浏览器互斥低保'))")
        mine.wait_for()
        county = desk.locator("[data-testid=policy]", has_text="耕地地力保护补贴").first
        assert county.locator("[data-testid=policy-exclusive-edit]").count() == 0
        mine.locator("[data-testid=policy-exclusive-edit]").click()
        desk.locator("[data-testid=exclusive] label", has_text="浏览器互斥特困").click()
        desk.screenshot(path=str(artifacts / "policies-1-exclusive-desk.png"))
        desk.click("[data-testid=exclusive-ok]")
        desk.wait_for_selector("[data-testid=exclusive-saved]")
        mine = desk.locator("[data-testid=policy]:has(strong:text-is('浏览器互斥低保'))")
        assert "浏览器互斥特困" in mine.locator("[data-testid=policy-exclusive]").inner_text()
        other = desk.locator("[data-testid=policy]:has(strong:text-is('浏览器互斥特困'))").locator("[data-testid=policy-exclusive]")
        assert "浏览器互斥低保（在该政策中设置）" in other.inner_text()  # the pair, seen from its other side
        desk.screenshot(path=str(artifacts / "policies-2-saved-desk.png"), full_page=True)
        assert errors == [], errors
    finally:
        desk_context.close()
    phone = phones("lead", live_server)
    phone.goto(f"{live_server}/subsidies/policies")
    mine = phone.locator("[data-testid=policy]:has(strong:text-is('浏览器互斥低保'))")
    mine.wait_for()
    assert "浏览器互斥特困" in mine.inner_text()
    no_sideways_scroll(phone)
    nothing_cut_off(phone)
    mine.locator("[data-testid=policy-exclusive-edit]").click()
    phone.wait_for_selector("[data-testid=exclusive]")
    phone.screenshot(path=str(artifacts / "policies-3-exclusive-phone.png"))
