"""Export of every list (issue 14): the list's own filters, CSV with a BOM and Excel, Chinese and
English headers, formula cells escaped, money exact, personal data masked unless revealed (audited)."""
import csv
import io
import uuid
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from conftest import assert_error, set_project

INJECTED = "=HYPERLINK(\"http://evil\",\"x\")"


def rows_of(r):
    """The CSV answer as rows (after checking the BOM and the type)."""
    assert r.status_code == 200, r.get_data()[:500]
    assert r.mimetype == "text/csv"
    body = r.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def sheet_of(r):
    """The Excel answer's first sheet as rows of values (two header rows first)."""
    assert r.status_code == 200, r.get_data()[:500]
    assert r.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(r.get_data()))
    ws = book.worksheets[0]
    return ws, [list(row) for row in ws.iter_rows(values_only=True)]


def column(rows, header_start):
    """Index of the column whose (CSV) header starts with ``header_start``."""
    return next(i for i, h in enumerate(rows[0]) if h.startswith(header_start))


# ---- projects ---------------------------------------------------------------------------------------

def test_projects_csv_same_filters_escaped_and_bilingual(app, world, login_as, make_project):
    word = f"导出{uuid.uuid4().hex[:6]}"
    a = make_project(name=f"{word}甲", stage="contracted", budget="1234.5")
    make_project(name=f"{word}乙")  # approved: filtered out by stage
    make_project(name=f"{word}丙", region="baisha", stage="contracted")  # outside the lead's township
    set_project(app, a, contractor=INJECTED)
    rows = rows_of(login_as("lead").get(f"/api/v1/projects/export?format=csv&q={word}&stage=contracted"))
    assert rows[0][0] == "项目编号 Reference no." and rows[0][1] == "项目名称 Project"
    assert len(rows) == 2 and rows[1][1] == f"{word}甲"
    assert rows[1][column(rows, "承建单位")] == "'" + INJECTED
    assert rows[1][column(rows, "预算")] == "1234.50"
    assert rows[1][column(rows, "阶段")] == "合同"
    assert rows[1][column(rows, "乡镇")] == "锦城街道"
    # the county sees both townships' contracted ones
    rows = rows_of(login_as("county").get(f"/api/v1/projects/export?format=csv&q={word}&stage=contracted"))
    assert len(rows) == 3


def test_projects_xlsx_money_exact_and_text_cells(app, world, login_as, make_project):
    word = f"导出{uuid.uuid4().hex[:6]}"
    a = make_project(name=f"{word}甲", stage="contracted", budget="98765432.1")
    set_project(app, a, contractor="+SUM(1,2)")
    r = login_as("county").get(f"/api/v1/projects/export?format=xlsx&q={word}")
    assert "filename*=UTF-8''%E9%A1%B9%E7%9B%AE" in r.headers["Content-Disposition"]
    ws, rows = sheet_of(r)
    assert rows[0][1] == "项目名称" and rows[1][1] == "Project"
    assert len(rows) == 3
    budget = rows[0].index("预算（元）")
    assert rows[2][budget] == 98765432.1
    cell = ws.cell(row=3, column=budget + 1)
    assert cell.number_format == "#,##0.00" and cell.data_type == "n"
    contractor = rows[0].index("承建单位")
    assert rows[2][contractor] == "'+SUM(1,2)" and ws.cell(row=3, column=contractor + 1).data_type == "s"


def test_projects_export_many_batches_in_order(app, world, login_as, make_project, monkeypatch):
    from backend.core import export
    monkeypatch.setattr(export, "BATCH", 2)
    word = f"分批{uuid.uuid4().hex[:6]}"
    ids = [make_project(name=f"{word}{i}", payments=False) for i in range(5)]
    listed = [p["name"] for p in login_as("lead").get(f"/api/v1/projects?q={word}&per_page=100").json["items"]]
    rows = rows_of(login_as("lead").get(f"/api/v1/projects/export?format=csv&q={word}"))
    assert [r[1] for r in rows[1:]] == listed and len(listed) == len(ids)
    ws, xrows = sheet_of(login_as("lead").get(f"/api/v1/projects/export?format=xlsx&q={word}"))
    assert [r[1] for r in xrows[2:]] == listed


def test_projects_export_bad_input(world, login_as):
    lead = login_as("lead")
    assert_error(lead.get("/api/v1/projects/export"), 400, "validation_error", "query.format")
    assert_error(lead.get("/api/v1/projects/export?format=pdf"), 400, "validation_error", "query.format")
    assert_error(lead.get("/api/v1/projects/export?format=csv&stage=flying"), 400, "validation_error",
                 "query.stage")
    assert_error(lead.get(f"/api/v1/projects/export?format=csv&region_id={world['regions']['taihuyuan']}"),
                 403, "out_of_scope")
