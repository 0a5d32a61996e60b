"""Spreadsheets built to attack: refused with a clear error, in bounded memory, holding no lock while
they are read. (How fast: bench/hostile_files.py measures it against reading a real file.)"""
import json
import sqlite3
import subprocess
import sys
import uuid

import pytest

import hostile
from backend.imports import engine, tables
from backend.subsidies import importer
from backend.imports.tables import FileProblem
from conftest import ROOT, finished_import, upload_import

MB = 1024 * 1024


def read(data, name="bomb.xlsx"):
    return tables.read(name, data, importer.SPECS_ALIASES["employees"], importer.REQUIRED["employees"],
                       importer.FIELD_NAMES)


def refused(data):
    with pytest.raises(FileProblem) as problem:
        read(data)
    return problem.value.code


@pytest.fixture(scope="module")
def bomb():
    """The issue's bomb: a few hundred KB whose sheet inflates to 200 MB."""
    return hostile.sheet_bomb(200)


def test_a_sheet_that_inflates_to_200_mb_is_refused(bomb):
    assert len(bomb) < 1 * MB
    assert refused(bomb) == "too_many_rows"  # 2.3 million rows: counted while streaming, before any is parsed


def test_a_sheet_that_inflates_past_the_size_limit_is_refused(monkeypatch):
    monkeypatch.setattr(tables, "MAX_INFLATED", 100 * MB)  # the real limit is 384 MB: the same check, a smaller file
    assert refused(hostile.sheet_bomb(120)) == "file_inflated_too_large"


def test_a_bomb_whose_headers_understate_its_size_is_refused(bomb):
    liar = hostile.lying(bomb)
    assert hostile.zipfile.ZipFile(hostile.io.BytesIO(liar)).getinfo("xl/worksheets/sheet1.xml").file_size == 1000
    assert refused(liar) in ("file_inflated_too_large", "file_unreadable")


def test_a_text_table_bomb_is_refused():
    assert refused(hostile.strings_bomb(200)) == "file_inflated_too_large"


def test_a_million_missing_rows_are_refused_not_read():
    assert refused(hostile.far_row()) == "too_many_rows"


def test_a_value_right_of_the_columns_read_is_refused():
    assert refused(hostile.wide_value()) == "too_many_columns"


def test_rows_padded_to_the_last_column_are_read_narrow():
    assert read(hostile.wide_rows(2000)).rows == []  # empty styled cells far right: blank rows, not data


def test_a_csv_past_the_row_limit_is_refused(monkeypatch):
    monkeypatch.setattr(tables, "MAX_ROWS", 100)
    data = ("姓名,身份证号\n" + "张三,330112196203150011\n" * 100).encode()
    with pytest.raises(FileProblem) as problem:
        read(data, "people.csv")
    assert problem.value.code == "too_many_rows"


# The peak is this process's own (VmHWM of its memory map): ru_maxrss would carry the high-water mark
# of the pytest process it was started from across exec, and a long suite's pytest is large.
MEASURE = """
import json, sys, time


def hwm():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))

sys.path.insert(0, {root!r}); sys.path.insert(0, {tests!r})
from backend.imports import engine, tables
from backend.subsidies import importer
data = open(sys.argv[1], "rb").read()
before = hwm()
code = None
try:
    tables.read("bomb.xlsx", data, importer.SPECS_ALIASES["employees"], importer.REQUIRED["employees"],
                importer.FIELD_NAMES)
except tables.FileProblem as problem:
    code = problem.code
print(json.dumps({{"code": code, "peak_mb": hwm() / 1024,
                   "before_mb": before / 1024}}))
"""


def peak(tmp_path, data):
    """(refusal code, peak resident memory in MB) of reading ``data`` in a fresh process."""
    path = tmp_path / f"{uuid.uuid4().hex}.xlsx"
    path.write_bytes(data)
    script = MEASURE.format(root=str(ROOT), tests=str(ROOT / "tests"))
    out = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return result["code"], result["peak_mb"]


@pytest.mark.parametrize("build", [
    lambda: hostile.sheet_bomb(200), lambda: hostile.lying(hostile.sheet_bomb(200)),
    lambda: hostile.strings_bomb(200), lambda: hostile.lying(hostile.strings_bomb(200), "xl/sharedStrings.xml"),
    # just under the limits: read, not refused early — the most memory a reader may be made to use
    lambda: hostile.sheet_bomb(150), lambda: hostile.strings_bomb(8), lambda: hostile.strings_bomb(20), hostile.far_row,
    lambda: hostile.wide_rows(50000)],
    ids=["sheet-200MB", "sheet-200MB-lying", "strings-200MB", "strings-200MB-lying", "sheet-150MB",
         "strings-8MB", "strings-20MB", "far-row", "wide-rows"])
def test_hostile_files_are_read_in_bounded_memory(tmp_path, build):
    code, peak_mb = peak(tmp_path, build())  # refused, or read (blank rows padded far right) — in bounds
    assert peak_mb < 300, (code, peak_mb)


def test_no_lock_is_held_while_the_file_is_read(app, world, monkeypatch, tmp_path):
    """The CLI import of a bomb: while it is being read another writer gets SQLite's write lock at
    once, and on either database no transaction of the import is open yet."""
    from backend.extensions import db
    seen = {}
    real = tables.read

    def reading(*args, **kwargs):
        seen["in_transaction"] = db.session().in_transaction()
        if db.engine.dialect.name == "sqlite":
            other = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")  # fails at once if anyone holds the write lock
                other.execute("ROLLBACK")
                seen["other_writer"] = "ok"
            except sqlite3.OperationalError as error:
                seen["other_writer"] = str(error)
            finally:
                other.close()
        return real(*args, **kwargs)
    monkeypatch.setattr(tables, "read", reading)
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(hostile.sheet_bomb(200))
    result = app.test_cli_runner().invoke(args=["subsidies-import", "employees", "330112006000", str(path),
                                                "--user", "t_county"])
    assert result.exit_code == 1 and "file_inflated_too_large" not in result.output  # messages, not codes
    assert "表格超过" in result.output  # refused (2.3 million rows) while it was being read
    assert seen["in_transaction"] is False
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            assert seen["other_writer"] == "ok"


def test_the_web_import_refuses_a_bomb_with_a_json_report(login_as, world):
    client = login_as("county")
    run = finished_import(client, upload_import(client, world, hostile.sheet_bomb(200), "名单.xlsx", kind="employees"))
    assert run["status"] == "rejected" and run["error_count"] == 1
    assert run["errors"][0]["code"] == "too_many_rows"  # 2.3 million rows, counted while streaming

