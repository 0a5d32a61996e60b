"""The report library in a real Chromium against a real gunicorn and a real job worker: a county
supervisor at a 1366 px desk opens 报表 from home, generates last month's 资金通达情况表 as PDF and as
Excel (the job's progress shown, then the download), and finds both in the library. The PDF's text
names the county and the month; the Excel opens. Screenshots in test-artifacts/ were looked at."""
import io
import subprocess

from conftest import sign_in

DESK = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN", "accept_downloads": True}


def test_a_county_supervisor_generates_and_downloads_last_months_report(app, world, live_server, pages,
                                                                        artifacts, tmp_path):
    page = pages(DESK)
    sign_in(page, live_server, "t_county")
    page.click("[data-testid=home-reports]")
    page.wait_for_selector("[data-testid=reports] h1:has-text('临安区 · 报表库')")
    assert page.input_value("[data-testid=rep-period]") == "2026-11"  # last month, by the pinned clock
    page.select_option("[data-testid=rep-kind]", "funds")
    files = {}
    for fmt in ("pdf", "xlsx"):
        page.select_option("[data-testid=rep-format]", fmt)
        page.click("[data-testid=rep-generate]")
        link = page.wait_for_selector("[data-testid=rep-status] [data-testid=rep-download]", timeout=60_000)
        if fmt == "pdf":
            page.screenshot(path=str(artifacts / "reports-county-1366.png"), full_page=True)
        with page.expect_download() as download:
            link.click()
        files[fmt] = download.value.path()
        assert download.value.suggested_filename.endswith(f".{fmt}")
        page.wait_for_selector(f"[data-testid=rep-row][data-kind=funds][data-format={fmt}]")
    text = subprocess.run(["pdftotext", str(files["pdf"]), "-"], capture_output=True, text=True, check=True).stdout
    assert "临安区" in text and "2026年11月" in text and "资金通达情况表" in text
    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(open(files["xlsx"], "rb").read()))
    assert "临安区 2026年11月 资金通达情况表" in book.worksheets[0]["A1"].value
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    page.screenshot(path=str(artifacts / "reports-library-1366.png"), full_page=True)
    subprocess.run(["pdftoppm", "-r", "70", "-png", "-f", "1", "-l", "1", str(files["pdf"]),
                    str(artifacts / "reports-funds-page")], check=True)
    # Another region's library: a township under the county, typed into the region picker.
    page.fill("[data-testid=rep-region-q]", "锦城")
    page.click(f"[data-testid=rep-region-option][data-id='{world['regions']['jincheng']}']")
    page.wait_for_url(f"**/reports?region_id={world['regions']['jincheng']}")
    page.wait_for_selector("[data-testid=reports] h1:has-text('锦城街道 · 报表库')")
    page.wait_for_selector("[data-testid=rep-region-path]:has-text('锦城街道')")
