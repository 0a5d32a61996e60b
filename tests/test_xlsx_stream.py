"""The streamed .xlsx: its bytes leave while the rows are still being read, past Excel's row limit it
goes on to a second sheet with the header again, and what it writes reads back exactly."""
import datetime
import io
import zipfile
from decimal import Decimal

from openpyxl import load_workbook

from backend.core import xlsx_stream
from backend.core.xlsx_stream import BOLD, DATE, MONEY, Cell


def test_the_first_bytes_leave_before_the_last_row_is_read():
    pulled = 0

    def rows():
        nonlocal pulled
        for i in range(60_000):
            pulled += 1
            yield [f"第{i}行 row {i}", i, Cell(Decimal(i) / 100, MONEY)]

    chunks = xlsx_stream.workbook(rows(), header=(["名称", "序号", "金额"],), title="导出")
    first = next(chunks)
    assert first.startswith(b"PK") and pulled < 60_000
    body = first + b"".join(chunks)
    assert pulled == 60_000
    ws = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    values = list(ws.iter_rows(values_only=True))
    assert len(values) == 60_001 and values[0] == ("名称", "序号", "金额")
    assert values[-1] == ("第59999行 row 59999", 59999, 599.99)


def test_past_the_row_limit_a_second_sheet_starts_with_the_header(monkeypatch):
    monkeypatch.setattr(xlsx_stream, "MAX_ROWS", 6)  # the two header rows and four
    header = (["名称", "日期"], ["Name", "Date"])
    rows = ([f"甲{i}", Cell(datetime.date(2026, 11, i + 1), DATE)] for i in range(7))
    body = b"".join(xlsx_stream.workbook(rows, header=header, widths=[20, 12], title="项目"))
    assert zipfile.ZipFile(io.BytesIO(body)).testzip() is None
    book = load_workbook(io.BytesIO(body))
    assert book.sheetnames == ["项目", "项目2"]
    first, second = ([list(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets)
    assert first[:2] == [["名称", "日期"], ["Name", "Date"]] and second[:2] == first[:2]
    assert [r[0] for r in first[2:] + second[2:]] == [f"甲{i}" for i in range(7)]
    assert second[-1][1] == datetime.datetime(2026, 11, 7)
    ws = book.worksheets[1]
    assert ws["A1"].font.b and not ws["A3"].font.b
    assert ws["B3"].number_format == "yyyy-mm-dd" and ws.freeze_panes == "A3"
    assert ws.column_dimensions["A"].width == 20


def test_text_is_escaped_and_control_characters_dropped():
    rows = [["<b>&\"'</b>", "a\x00b\x1fc", True, None, Cell("粗体", BOLD)]]
    body = b"".join(xlsx_stream.workbook(iter(rows)))
    ws = load_workbook(io.BytesIO(body)).worksheets[0]
    assert [c.value for c in ws[1]] == ["<b>&\"'</b>", "abc", True, None, "粗体"]
    assert ws["E1"].font.b


def test_the_import_engine_reads_an_exported_file_back():
    """A clerk edits an export and imports it: the engine's own reader (package checks included)
    takes the streamed zip."""
    from backend.imports import tables
    data = b"".join(xlsx_stream.workbook(iter([["张三", "330112000000", Cell(Decimal("1.50"), MONEY)]]),
                                         header=(["姓名", "地区代码", "金额"],)))
    table = tables.read("导出.xlsx", data, {"name": {"姓名"}, "code": {"地区代码"}, "amount": {"金额"}}, {"name"})
    assert table.rows == [(2, {"name": "张三", "code": "330112000000", "amount": 1.5})]
