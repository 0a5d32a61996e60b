"""反馈附件 in a real Chromium against a real gunicorn: the department official (360 px phone) reports
back on a signed task with a photo and a PDF chosen on the feedback form; the county (1366 px desk)
sees both files on the task and downloads the PDF before closing it. Screenshots in test-artifacts/
(looked at)."""
import department_seed
from conftest import PHONE, jpeg_bytes, new_uuid, sign_in
from test_fund_receipts import pdf_bytes

DESK = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN", "accept_downloads": True}


def test_department_reports_back_with_a_photo_and_a_pdf_county_downloads(app, world, live_server, pages, artifacts):
    department_seed.ensure(app, world)
    task = department_seed.task_in(app, world, "signed")
    photo = jpeg_bytes(seed=int(new_uuid()[:4], 16))
    pdf = pdf_bytes(f"(decision {new_uuid()})".encode())

    official = pages(PHONE)
    sign_in(official, live_server, "t_department", wait="[data-testid=dt-tabs]")
    official.goto(f"{live_server}/dept-tasks/{task}")
    official.click("[data-testid=dt-feedback]")
    official.fill("[data-testid=dt-note]", "已到现场核实，附照片和处理决定")
    official.set_input_files("[data-testid=dt-file-input]", files=[
        {"name": "现场照片.jpg", "mimeType": "image/jpeg", "buffer": photo},
        {"name": "处理决定.pdf", "mimeType": "application/pdf", "buffer": pdf}])
    official.wait_for_selector("[data-testid=dt-files-picked] li >> nth=1")
    assert official.evaluate("document.documentElement.scrollWidth") <= 360
    official.screenshot(path=str(artifacts / "dept-feedback-files-form-360.png"))
    official.click("[data-testid=dt-feedback-sheet-ok]")
    official.wait_for_selector("[data-testid=dt-card][data-status=fed_back]")
    names = official.locator("[data-testid=dt-file]").all_inner_texts()
    assert names == ["现场照片.jpg", "处理决定.pdf"]
    assert official.evaluate("document.documentElement.scrollWidth") <= 360
    official.screenshot(path=str(artifacts / "dept-feedback-files-sent-360.png"), full_page=True)

    county = pages(DESK)
    sign_in(county, live_server, "t_county")
    county.goto(f"{live_server}/dept-tasks/{task}")
    county.wait_for_selector("[data-testid=dt-files]")
    with county.expect_download() as got:
        county.click("[data-testid=dt-file] >> text=处理决定.pdf")
    download = got.value
    assert open(download.path(), "rb").read() == pdf
    county.screenshot(path=str(artifacts / "dept-feedback-files-county-1366.png"), full_page=True)
    county.click("[data-testid=dt-close]")
    county.click("[data-testid=dt-close-sheet-ok]")
    county.wait_for_selector("[data-testid=dt-card][data-status=closed]")
    assert county.locator("[data-testid=dt-file]").count() == 2
