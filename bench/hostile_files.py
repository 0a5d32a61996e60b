"""Hostile spreadsheets against the import's reader (backend/imports/tables.py): how fast each is
refused and the peak memory of the process that read it, beside the same figures for a genuine
20,000-row .xlsx read in the same run (the baseline; compare ratios between runs, not seconds).

    .venv/bin/python bench/hostile_files.py
"""
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import hostile  # noqa: E402

ONE = """
import json, resource, sys, time
sys.path[:0] = [{root!r}]
from backend.imports import tables
from backend.subsidies import importer
data = open(sys.argv[1], "rb").read()
started = time.perf_counter()
try:
    table = tables.read("f.xlsx", data, importer.SPECS_ALIASES["employees"], importer.REQUIRED["employees"],
                        importer.FIELD_NAMES)
    outcome = f"read {{len(table.rows)}} rows"
except tables.FileProblem as problem:
    outcome = problem.code
print(json.dumps({{"seconds": time.perf_counter() - started, "outcome": outcome,
                   "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def genuine(rows=20000):
    from openpyxl import Workbook
    book = Workbook()
    sheet = book.active
    sheet.append(["序号", "姓名", "身份证号", "工作单位"])
    for i in range(rows):
        sheet.append([i + 1, f"职工{i}", f"33011219800101{i % 10000:04d}", "临安区锦城街道办事处"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def measure(data, folder):
    path = Path(folder) / "f.xlsx"
    path.write_bytes(data)
    out = subprocess.run([sys.executable, "-c", ONE.format(root=str(ROOT)), str(path)], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    cases = [("genuine 20,000 rows (baseline)", genuine),
             ("sheet inflating to 200 MB", lambda: hostile.sheet_bomb(200)),
             ("  the same, sizes in its headers understated", lambda: hostile.lying(hostile.sheet_bomb(200))),
             ("sheet of 150 MB (under the size limit)", lambda: hostile.sheet_bomb(150)),
             ("text table inflating to 200 MB", lambda: hostile.strings_bomb(200)),
             ("text table of 8 MB (466,000 texts: under the limit)", lambda: hostile.strings_bomb(8)),
             ("one cell in row 1,048,576", hostile.far_row),
             ("50,000 rows padded to column XFD", lambda: hostile.wide_rows(50000))]
    with tempfile.TemporaryDirectory() as folder:
        base = None
        print(f"{'file':48} {'on disk':>9} {'outcome':>24} {'s':>7} {'÷ base':>7} {'peak MB':>8}")
        for name, build in cases:
            data = build()
            m = measure(data, folder)
            base = base or m["seconds"]
            print(f"{name:48} {len(data) / 1024:>7.0f}KB {m['outcome']:>24} {m['seconds']:>7.2f} "
                  f"{m['seconds'] / base:>7.2f} {m['peak_mb']:>8.0f}")


if __name__ == "__main__":
    main()
