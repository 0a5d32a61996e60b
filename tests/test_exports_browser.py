"""导出 Excel / CSV on every list screen in a real Chromium against a real gunicorn: a county
supervisor at a 1366 px desk filters the project list and the payments list, taps 导出 CSV / Excel
and gets a file with exactly the rows the screen shows (the filters are kept); every other list
screen offers the same two links. A screenshot is kept in test-artifacts/ and was looked at."""
import csv
import io
import uuid

from openpyxl import load_workbook

from conftest import sign_in
from test_exports import _payments

DESK = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN", "accept_downloads": True}


def downloaded(page, testid):
    with page.expect_download() as info:
        page.click(f"[data-testid={testid}]")
    return info.value


def test_every_list_exports_with_its_filters(app, world, live_server, pages, make_project, artifacts):
    word = f"导出浏览器{uuid.uuid4().hex[:4]}"
    make_project(name=f"{word}甲", stage="contracted")
    make_project(name=f"{word}乙")
    policy_id, people = _payments(app, world, n=3)
    page = pages(DESK)
    sign_in(page, live_server, "t_county")
    page.goto(f"{live_server}/projects?q={word}&stage=contracted")
    page.wait_for_selector("[data-testid=project-list]")
    shown = page.locator("[data-testid=project-list] .pitem-name").all_inner_texts()
    assert shown == [f"{word}甲"]
    page.screenshot(path=str(artifacts / "exports-projects-1366.png"))
    file = downloaded(page, "projects-export-csv")
    assert file.suggested_filename.endswith(".csv") and file.suggested_filename.startswith("项目清单")
    body = open(file.path(), "rb").read()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == shown
    file = downloaded(page, "projects-export-xlsx")
    ws = load_workbook(io.BytesIO(open(file.path(), "rb").read())).worksheets[0]
    assert [r[1] for r in ws.iter_rows(min_row=3, values_only=True)] == shown
    # payments: the status filter goes into the file
    page.goto(f"{live_server}/subsidies/payments?status=failed")
    page.wait_for_selector("[data-testid=payments-export-csv]")
    href = page.get_attribute("[data-testid=payments-export-csv]", "href")
    assert "status=failed" in href and "format=csv" in href
    rows = list(csv.reader(io.StringIO(open(downloaded(page, "payments-export-csv").path(), "rb").read()
                                       .decode("utf-8-sig"))))
    assert rows[1:] and {r[rows[0].index("状态 Status")] for r in rows[1:]} == {"发放失败"}
    # the other list screens offer the same links
    for path, testid in (("/risks?level=red", "risks-export"), ("/rectifications?tab=overdue", "rects-export"),
                         ("/inspections?flagged=true", "inspections-export"), ("/subsidies", "people-export"),
                         ("/audit", "audit-xlsx")):
        page.goto(f"{live_server}{path}")
        page.wait_for_selector(f"[data-testid={testid}]")
    page.goto(f"{live_server}/rectifications?tab=overdue")
    page.wait_for_selector("[data-testid=rects-export-xlsx]")
    assert "overdue=true" in page.get_attribute("[data-testid=rects-export-xlsx]", "href")
