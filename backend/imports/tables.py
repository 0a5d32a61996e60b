"""Reading the spreadsheets clerks already have: .xlsx, old .xls or CSV (UTF-8 with or without BOM, GBK/GB18030,
comma, tab or semicolon), title rows above the header, header rows merged over two lines, totals at
the bottom, full-width digits, stray spaces and Excel date serials.

``read(filename, data, aliases)`` → Table(header, rows, encoding) where each row is
(spreadsheet row number, {field: raw cell}) — the number is the one the clerk sees in Excel.
"""
import csv
import difflib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ..core.text import Refused, plain_decimal

HEADER_SCAN_ROWS = 40  # a 填表说明 block above the header can be long
# A file is read within these bounds, whatever it claims: an .xlsx is a zip, and 200 KB of zip can
# inflate to gigabytes (a "zip bomb"). Inflated bytes are counted while decompressing (the sizes in
# the zip's headers are only believed when they are already too large), so a bomb is refused in
# well under a second in bounded memory. Real files: 75,000 payment rows are ~30 MB of sheet XML.
MAX_INFLATED = 384 * 1024 * 1024  # all parts of the workbook together, inflated (a 20 MB payment list: ~230 MB)
MAX_SHARED_STRINGS = 24 * 1024 * 1024  # the text table openpyxl holds in memory whole…
MAX_SHARED_STRING_COUNT = 500000  # …as one Python string each (~100 bytes and ~20 µs apiece)
MAX_OTHER_PART = 16 * 1024 * 1024  # styles, workbook, relations… (also held whole)
MAX_PARTS = 10000
MAX_ROWS = 600000  # rows of one sheet, blank ones included (also for CSV); a 20 MB payment list: ~410,000
# The running number a clerk puts in the first column: known, and deliberately not imported.
ROW_NUMBER_COLUMNS = {"序号", "序", "编号", "行号", "no", "#"}
MAX_COLUMNS = 256  # a value right of this column refuses the file
_MB = 1024 * 1024
EXCEL_EPOCH = date(1899, 12, 30)
# Characters a clerk cannot see but a copy from a web page or another system brings along. A cell
# holding a control or text-direction character is refused (``engine.unshowable``, the rule of
# ``core.text``); the rest (zero-width spaces, a BOM) are dropped, and headers and quoted text lose all.
_INVISIBLE = re.compile("[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e"
                        "\u2060-\u2069\ufeff]")


class FileProblem(Exception):
    """The file as a whole cannot be read (wrong type, no header found...). ``headers``: the file's
    header as far as it was found, for the column-mapping step; ``missing``: the (zh, en) names of
    the required columns not found; ``looks_like``: the kind a file of another kind is (code
    ``wrong_kind``)."""
    looks_like = None

    def __init__(self, code, zh, en, headers=None, missing=()):
        super().__init__(en)
        self.code, self.zh, self.en, self.headers, self.missing = code, zh, en, headers, list(missing)


class CellProblem(Exception):
    def __init__(self, code, zh, en):
        super().__init__(en)
        self.code, self.zh, self.en = code, zh, en


@dataclass
class Table:
    columns: dict  # field → header text as written in the file
    rows: list  # [(row number, {field: cell})]
    encoding: str
    unknown_columns: list = field(default_factory=list)
    title: str = ""  # the text above the header (e.g. "2026年耕地地力保护补贴发放清册")
    uncalculated: int = 0  # formula cells saved without their result (files written by programs)
    headers: list = field(default_factory=list)  # [{"text": header as written, "field": field or None}]
    units: dict = field(default_factory=dict)  # field → "万元" | "元": the unit its header (or group) names
    unit: str = None  # the unit the sheet states above the header (单位：万元), for columns that name none


def squash(text):
    """A header or a name compared loosely: NFKC, no spaces, no punctuation around it, and no
    middle dot in any of its spellings (阿卜杜·热合曼 = 阿卜杜•热合曼 = 阿卜杜热合曼)."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", str(text or "")))
    bare = re.sub(r"[(\[【][^)\]】]*[)\]】]", "", text)  # 面积(亩), 金额(元), 身份证号(18位)
    text = bare if bare.strip() else text
    return re.sub(r"[\s()\[\]【】:*/\\_\-·•・.﹒‧]", "", text).lower()


def _decode(data):
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" export
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    bom = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if bom else data
    try:
        return body.decode("utf-8"), "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError as err:
        first_bad = err.start
    # Mostly good UTF-8 with a few bytes that are not (a cell pasted from a GBK file) is not a GBK
    # file: reading it as GBK would garble every name. Say where the bad spot is.
    loose = body.decode("utf-8", errors="replace")
    bad = loose.count("\ufffd")
    wide = len(loose) - len(loose.encode("ascii", "ignore"))  # characters beyond ASCII (counted in C)
    good = wide - bad  # characters beyond ASCII that are valid UTF-8 (a GBK file has next to none)
    if bom or (good >= 20 and bad * 3 <= good):
        line = body[:first_bad].count(b"\n") + 1
        raise FileProblem("file_encoding_mixed", f"文件是 UTF-8 编码，但第 {line} 行有不是 UTF-8 的文字（可能是从别的表格粘贴来的）：请改正该行后再导入",
                          f"The file is UTF-8 but line {line} holds text in another encoding (pasted from another "
                          "sheet?): fix that line and import again")
    try:
        return data.decode("gb18030"), "gbk"
    except UnicodeDecodeError:
        raise FileProblem("file_encoding", "无法识别文件编码（请另存为 UTF-8 或 GBK 的 CSV，或 .xlsx）",
                          "Cannot read the file's encoding (save it as UTF-8 or GBK CSV, or .xlsx)")


def _csv_rows(data):
    text, encoding = _decode(data)
    sample = text[:20000]
    delimiter = max((",", "\t", ";"), key=lambda d: sample.count(d))
    return _csv_records(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), delimiter), encoding


def _csv_records(reader, delimiter):
    """The CSV's rows. A quote (") opened and never closed swallows the lines after it into one cell
    — rows lost without a word — so a cell that holds whole lines of the file stops the import."""
    def unclosed(line):
        return FileProblem("csv_unclosed_quote",
                           f"第 {line} 行有一个没有配对的英文引号（\"），它后面的多行被读成了一个单元格：请删除或配对该引号后再导入",
                           f"Line {line} has a double quote (\") that is never closed, so the lines after it read as "
                           "one cell: remove or close it and import again")
    try:
        last = 0
        for row in reader:
            # Only a record spanning several lines can hold a swallowed line (one line each is the rule).
            if reader.line_num - last > 1:
                for cell in row:
                    if "\n" in cell and any(part.count(delimiter) >= 2 for part in cell.split("\n")):
                        raise unclosed(reader.line_num - sum(c.count("\n") for c in row))
            last = reader.line_num
            yield row
    except csv.Error:
        raise unclosed(reader.line_num)


def _too_large(what_zh, what_en, limit):
    return FileProblem("file_inflated_too_large",
                       f"该 Excel 文件{what_zh}解压后超过 {limit // _MB} MB，可能已损坏或是恶意构造的文件：请在 Excel 中打开，"
                       "删除多余的行列后另存为新的 .xlsx（或拆分成几个文件）再导入",
                       f"This Excel file's {what_en} inflates to more than {limit // _MB} MB: it may be damaged or "
                       "built to attack. Open it in Excel, delete unused rows and columns, save as a new .xlsx (or "
                       "split it) and import again")


def _part_limit(name):
    if name.startswith("xl/worksheets/") and name.endswith(".xml"):
        return MAX_INFLATED, "工作表", "worksheet"
    if name == "xl/sharedStrings.xml":
        return MAX_SHARED_STRINGS, "文字表（sharedStrings）", "text table (sharedStrings)"
    if name.endswith((".xml", ".rels", ".vml")):
        return MAX_OTHER_PART, f"部件 {name}", f"part {name}"
    return MAX_INFLATED, "", "content"  # pictures and such: only the total counts (openpyxl skips them)


def _check_package(archive):
    """Refuse a package whose parts inflate past the limits. Every part is decompressed once in 1 MB
    pieces and its bytes counted, so headers that understate a size do not get a bomb through."""
    parts = archive.infolist()
    if len(parts) > MAX_PARTS:
        raise FileProblem("file_inflated_too_large", f"该 Excel 文件由超过 {MAX_PARTS} 个部件组成，可能已损坏或是恶意构造的文件：请在 Excel 中另存为新的 .xlsx 再导入",
                          f"This Excel file holds more than {MAX_PARTS} parts: it may be damaged or built to attack. "
                          "Save it as a new .xlsx in Excel and import again")
    total = 0
    for info in parts:  # the honest headers first: a bomb that says what it is costs nothing
        limit, zh, en = _part_limit(info.filename)
        if info.file_size > limit:
            raise _too_large(zh, en, limit)
        total += info.file_size
        if total > MAX_INFLATED:
            raise _too_large("", "content", MAX_INFLATED)
    total = 0
    for info in parts:
        limit, zh, en = _part_limit(info.filename)
        size, strings = 0, 0
        with archive.open(info) as part:
            while chunk := part.read(_MB):
                size += len(chunk)
                total += len(chunk)
                if info.filename == "xl/sharedStrings.xml":
                    strings += chunk.count(b"<si>") + chunk.count(b"<si ")
                    if strings > MAX_SHARED_STRING_COUNT:
                        raise FileProblem("file_inflated_too_large",
                                          f"该 Excel 文件的文字表有超过 {MAX_SHARED_STRING_COUNT} 条不同的文字，可能已损坏或是恶意构造的文件："
                                          "请另存为 CSV 或拆分成几个文件后再导入",
                                          f"This Excel file's text table holds more than {MAX_SHARED_STRING_COUNT} "
                                          "distinct texts: it may be damaged or built to attack. Save it as CSV or "
                                          "split it, and import again")
                if size > limit:
                    raise _too_large(zh, en, limit)
                if total > MAX_INFLATED:
                    raise _too_large("", "content", MAX_INFLATED)


def _xlsx_sheets(data):
    """Each visible worksheet as (title, rows, hidden row numbers), and how many formula cells were
    saved without a result. A workbook often starts with a 填表说明 sheet: the header decides.

    Rows are streamed (openpyxl's read-only mode: little memory however big the file), every row
    there is (some programs write a wrong <dimension>). What read-only mode does not give is read
    from the sheet's XML, streamed too: a value merged over several cells (a village written once
    for its people) fills each of them, and rows hidden by hand or by a filter are known."""
    import zipfile

    from openpyxl import load_workbook
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        _check_package(archive)
        # Each sheet's facts (and its row count) before openpyxl opens it: openpyxl reads a sheet
        # without a <dimension> to its end just to size it.
        facts = {}
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                with archive.open(name) as part:
                    facts[name] = _sheet_xml_facts(part)
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except FileProblem:
        raise
    except Exception:  # openpyxl raises many kinds (zip, XML, key errors) for a file that is not .xlsx
        raise FileProblem("file_unreadable", "无法读取该 Excel 文件（请确认是 .xlsx 格式）",
                          "Cannot read this Excel file (is it .xlsx?)")
    out, uncalculated = [], 0
    for sheet in book.worksheets:
        if sheet.sheet_state != "visible":
            continue
        sheet.reset_dimensions()
        # (an odd package layout: the rows still stream, without these facts)
        merged, hidden, blank_formulas, wide = facts.get(sheet._worksheet_path.lstrip("/"), ([], set(), 0, True))
        uncalculated += blank_formulas
        if wide:  # a cell right of the limit: rows are cut one column past it (a value there is refused)
            rows = _trimmed(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1))
        else:  # each row as wide as its last cell (read-only mode would pad every row to max_col)
            rows = sheet.iter_rows(values_only=True)
        out.append((sheet.title, _fill_merged(rows, merged), hidden))
    return out, uncalculated


def _xls_sheets(data):
    """Each visible worksheet of an old Excel (.xls, BIFF) file as (title, rows, hidden row numbers).
    An .xls is not compressed, so what it holds is bounded by the upload's size; xlrd reads a sheet
    whole. Dates become dates (the file's own 1900/1904 system), whole numbers ints, merged cells
    fill every cell of their range, and hidden rows are known."""
    import xlrd
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    except xlrd.biffh.XLRDError as err:
        if "encrypt" in str(err).lower():
            raise FileProblem("file_encrypted", "该 Excel 文件设置了打开密码：请在 Excel 中取消密码后另存再导入",
                              "This Excel file is password-protected: remove the password in Excel, save it and import") from None
        raise FileProblem("file_unreadable", "无法读取该 Excel 文件（请确认是 .xls 或 .xlsx 格式）",
                          "Cannot read this Excel file (is it .xls or .xlsx?)") from None
    except Exception:  # xlrd raises many kinds (struct, index, assertion) for a damaged file
        raise FileProblem("file_unreadable", "无法读取该 Excel 文件（请确认是 .xls 或 .xlsx 格式）",
                          "Cannot read this Excel file (is it .xls or .xlsx?)") from None
    out = []
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            if getattr(sheet, "visibility", 0) != 0:
                continue
            if sheet.nrows > MAX_ROWS:
                raise _too_many_rows()
            hidden = {r + 1 for r, info in sheet.rowinfo_map.items() if getattr(info, "hidden", 0)}
            merged = [(rlo + 1, clo + 1, rhi, chi) for rlo, rhi, clo, chi in sheet.merged_cells]
            out.append((sheet.name, _fill_merged(_xls_rows(sheet, book.datemode), merged), hidden))
    except FileProblem:
        raise
    except Exception:
        raise FileProblem("file_unreadable", "无法读取该 Excel 文件（请确认是 .xls 或 .xlsx 格式）",
                          "Cannot read this Excel file (is it .xls or .xlsx?)") from None
    return out


def _xls_rows(sheet, datemode):
    import xlrd
    for r in range(sheet.nrows):
        row = []
        for c in range(min(sheet.row_len(r), MAX_COLUMNS + 1)):
            kind, value = sheet.cell_type(r, c), sheet.cell_value(r, c)
            if kind == xlrd.XL_CELL_DATE:
                try:
                    value = xlrd.xldate_as_datetime(value, datemode)
                    value = value.date() if value.time() == datetime.min.time() else value
                except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                    pass
            elif kind == xlrd.XL_CELL_NUMBER and float(value).is_integer() and abs(value) < 1e15:
                value = int(value)
            elif kind == xlrd.XL_CELL_BOOLEAN:
                value = bool(value)
            elif kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
                value = None
            row.append(value)
        while row and row[-1] is None:
            row.pop()
        yield tuple(row)


def _trimmed(rows):
    """The rows without the empty cells at their right end (read-only mode pads every row)."""
    for row in rows:
        end = len(row)
        while end and row[end - 1] is None:
            end -= 1
        yield row[:end] if end < len(row) else row


_MERGE = re.compile(rb'<mergeCell ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
_HIDDEN_ROW = re.compile(rb'<row\b[^>]*?\bhidden="(?:1|true)"[^>]*>')
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_CELL = re.compile(rb"<c\b[^>]*>(.*?)</c>", re.S)
_WIDE_CELL = re.compile(rb'<c r="(?:[A-Z]{3}|I[W-Z]|[J-Z][A-Z])\d')  # column IW (257) or further right


def _column(letters):
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _xml_pieces(stream, size=_MB):
    """A sheet's XML in pieces of about ``size`` bytes, each cut after a tag's ``>`` and never inside a
    cell (``<c …>…</c>``), so that the patterns below see whole tags and whole cells."""
    rest = b""
    while chunk := stream.read(size):
        buffer = rest + chunk
        cut = buffer.rfind(b">") + 1
        open_cell = max(buffer.rfind(b"<c "), buffer.rfind(b"<c>"))
        if open_cell > buffer.rfind(b"</c>"):
            cut = min(cut, open_cell)
        if cut <= 0 and len(buffer) > 64 * size:  # no tag end in 64 MB: not a sheet anyone wrote
            raise FileProblem("file_unreadable", "无法读取该 Excel 文件（请确认是 .xlsx 格式）",
                              "Cannot read this Excel file (is it .xlsx?)")
        yield buffer[:cut]
        rest = buffer[cut:]
    if rest:
        yield rest


def _sheet_xml_facts(stream):
    """(merged ranges as (first row, first col, last row, last col), hidden row numbers, formula
    cells without a calculated value, whether a cell lies right of MAX_COLUMNS) from a worksheet's
    XML, read as a stream of pieces."""
    merged, hidden, blank, wide, rows = [], set(), 0, False, 0
    for xml in _xml_pieces(stream):
        rows += xml.count(b"<row ") + xml.count(b"<row>")
        if rows > MAX_ROWS:  # refused here, before a row is parsed (the rows' own count catches gaps)
            raise _too_many_rows()
        if b"<mergeCell " in xml:
            merged += [(int(r1), _column(c1), int(r2), _column(c2)) for c1, r1, c2, r2 in _MERGE.findall(xml)]
        if b"hidden=" in xml:
            hidden |= {int(_ROW_NUMBER.search(m[0])[1]) for m in _HIDDEN_ROW.finditer(xml) if _ROW_NUMBER.search(m[0])}
        # A formula written by a program (openpyxl, exports) has no <v> until Excel or WPS saves the file.
        if b"<f" in xml:
            blank += sum(1 for m in _CELL.finditer(xml) if b"<f" in m[1] and not re.search(rb"<v>[^<]", m[1]))
        wide = wide or _WIDE_CELL.search(xml) is not None
    return merged, hidden, blank, wide


def _fill_merged(rows, merged):
    """The rows with each merged range's value copied into every cell of the range."""
    by_row = {}
    for rng in merged:
        for r in range(rng[0], rng[2] + 1):
            by_row.setdefault(r, []).append(rng)
    values = {}
    for number, row in enumerate(rows, start=1):
        ranges = by_row.get(number)
        if not ranges:
            yield row
            continue
        if number not in {rng[0] for rng in ranges} and all(_blank(v) for v in row):
            yield row  # a merged cell drawn past the last person does not make this empty row a person
            continue
        row = list(row)
        for first_row, first_col, last_row, last_col in ranges:
            if number == first_row:
                values[first_row, first_col] = row[first_col - 1] if first_col <= len(row) else None
            value = values.get((first_row, first_col))
            row.extend([None] * (last_col - len(row)))
            for c in range(first_col - 1, last_col):
                row[c] = value
        yield row


def _match(cell, aliases):
    key = squash(cell)
    if not key:
        return None
    # 金额万元 / 合同价元: the unit written without brackets is not part of the column's name.
    keys = [key] + [key[:-len(u)] for u in ("万元", "元") if key.endswith(u) and len(key) > len(u)]
    for k in keys:
        for name, words in aliases.items():
            if k in words:
                return name
    return None


_UNIT_ONLY = re.compile(r"[(\[【]?\s*(?:单位)?[:：]?\s*(?:人民币)?(万元|元)\s*[)\]】]?")
_SHEET_UNIT = re.compile(r"(?:金额)?单位[:：]\s*(?:人民币)?(万元|元)")


def unit_of(cell):
    """The money unit a header cell names: 万元 (金额（万元）, 预算(万元), 万元), 元 (金额（元）), or None."""
    if _blank(cell):
        return None
    words = unicodedata.normalize("NFKC", str(cell))
    if "万元" in words:
        return "万元"
    if re.search(r"[(\[【]\s*(人民币)?元|^元|元\s*$", words.strip()):
        return "元"
    return None


def _unit_only(cell):
    """The unit (万元 or 元) of a header cell that names only the unit (万元, （元）) under a group header
    that names the column; None for any other cell."""
    if _blank(cell):
        return None
    m = _UNIT_ONLY.fullmatch(unicodedata.normalize("NFKC", str(cell)).strip())
    return m[1] if m else None


def _column_units(rows, fields):
    """{field: unit} read from each column's header cells: the column's own words first, then the
    unit under it or the group over it (资金来源（万元） over 中央 | 省级…). In a CSV a merged group
    is written in its first column only, so an empty group cell takes the group to its left."""
    out = {}
    for col, name in fields.items():
        found = None
        for level in range(len(rows) - 1, -1, -1):
            row = rows[level]
            value = row[col] if col < len(row) else None
            if _blank(value) and level < len(rows) - 1:
                left = col
                while left > 0 and _blank(row[left - 1] if left - 1 < len(row) else None):
                    left -= 1
                lower = rows[-1]
                grouped = left > 0 and left - 1 < len(lower) and not _blank(lower[left - 1])  # a group, not a name merged down
                value = row[left - 1] if grouped and left - 1 < len(row) else None
            found = unit_of(value)
            if found:
                break
        if found:
            out[name] = found
    return out


def closest(header, aliases, among=None):
    """The field whose known header is nearest to ``header`` (a column the system does not know), for
    a hint: 工程名 → project name, 实施主体 → managing unit. None when nothing is near (below half alike)."""
    key = squash(header)
    if not key:
        return None
    best, score = None, 0.5
    for name, words in aliases.items():
        if among is not None and name not in among:
            continue
        for word in words:
            if not word or not re.search(r"[\u3400-\u9fff]", word):
                continue
            ratio = difflib.SequenceMatcher(None, key, word).ratio()
            if key in word or word in key:
                ratio = max(ratio, 0.6)
            if ratio > score:
                best, score = name, ratio
    return best


def _header(candidates, aliases):
    """Find the header among the first rows: one row, or two (a merged group row above or below).
    Returns (index of the last header row, {column index: field}, {field: header text}, {field: money
    unit its header names}, number of header rows)."""
    best = ((0, 0), None, None, None)
    for i, row in enumerate(candidates):
        options = [(i, [row])]
        if i + 1 < len(candidates):
            options.append((i + 1, [row, candidates[i + 1]]))
        for last, rows in options:
            fields, texts = {}, {}
            width = max(len(r) for r in rows)
            # The lower row names each column; the upper one groups them and names a column only
            # where the lower cell is empty (姓名 merged down over both rows). So 发放金额 over
            # 应发 | 代扣 | 实发金额 is read from 实发金额, never from 应发.
            for level in range(len(rows) - 1, -1, -1):
                for col in range(width):
                    if col in fields:
                        continue
                    cell = rows[level][col] if col < len(rows[level]) else None
                    unit = None
                    if level < len(rows) - 1:
                        below = rows[-1][col] if col < len(rows[-1]) else None
                        # (a lower cell that only says 万元 leaves naming the column to the group above)
                        unit = _unit_only(below)
                        if not _blank(below) and squash(below) != squash(cell) and not unit:
                            continue
                    name = _match(cell, aliases)
                    if name and name not in texts:
                        # 金额 over 万元 is the column 金额（万元） in the report
                        fields[col], texts[name] = name, str(cell).strip() + (f"（{unit}）" if unit else "")
            # On a tie the two-row reading wins (its lower row is the more specific name), and of two
            # two-row readings the later one (a title above a group row above the column names).
            if (len(fields), len(rows)) >= best[0] and fields:
                best = ((len(fields), len(rows)), last, fields, texts, _column_units(rows, fields))
    return best[1], best[2] or {}, best[3] or {}, (best[4] if len(best) > 4 else {}), best[0][1]


def read(filename, data, aliases, required, names=None):
    """Parse a file into rows of raw cells keyed by field. ``aliases``: {field: set of squashed
    header spellings}; ``required``: fields the header must have; ``names``: {field: (zh, en)} for
    messages."""
    if not data:
        raise FileProblem("file_empty", "文件是空的", "The file is empty")
    name = (filename or "").lower()
    uncalculated = 0
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" and "EncryptedPackage".encode("utf-16-le") in data[:1 << 20]:
        raise FileProblem("file_encrypted", "该 Excel 文件设置了打开密码：请在 Excel 中取消密码后另存为 .xlsx 再导入",
                          "This Excel file is password-protected: remove the password in Excel, save as .xlsx and import")
    _not_a_table(data, name)
    if data[:4] == b"PK\x03\x04" or name.endswith((".xlsx", ".xlsm")):
        (sources, uncalculated), encoding = _xlsx_sheets(data), "xlsx"
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or name.endswith(".xls"):
        sources, encoding = _xls_sheets(data), "xls"
    else:
        source, encoding = _csv_rows(data)
        sources = [(None, source, set())]
    best, complete = None, []
    for title, source, hidden in sources:
        source = _bounded(source)
        candidates = []
        for row in source:
            candidates.append(list(row))
            if len(candidates) >= HEADER_SCAN_ROWS:
                break
        last, fields, texts, units, depth = _header(candidates, aliases)
        # A copied template (only the header, nothing under it) is not a second data sheet.
        has_rows = last is not None and (len(candidates) >= HEADER_SCAN_ROWS
                                         or any(not _blank(c) for r in candidates[last + 1:] for c in r))
        if last is not None and all(f in texts for f in required) and has_rows:
            complete.append(title)
        if best is None or len(fields) > len(best[3]):
            best = (source, candidates, last, fields, texts, hidden, units, depth)
    if best is None:
        raise FileProblem("file_empty", "文件是空的", "The file is empty")
    if len(complete) > 1:  # one sheet per village, say: importing only one of them would lose the rest
        names = "、".join(complete)
        raise FileProblem("several_sheets", f"工作簿中有多个数据表（{names}），请合并为一个表或分别导入",
                          f"The workbook has several data sheets ({names}); merge them or import one at a time")
    source, candidates, last, fields, texts, hidden, units, depth = best
    missing = [f for f in required if f not in texts]
    if last is None or missing:
        shown = [(names or {}).get(f, (f, f)) for f in (missing or required)]
        hints = _hints(candidates, last, fields, aliases, missing, names or {})
        raise FileProblem("header_missing", f"找不到表头或缺少必需的列：{'、'.join(zh for zh, _ in shown)}。"
                          f"{hints[0]}如果表格用了别的列名，请在“对应列”中指定每一列是哪一项",
                          f"No header row found, or required columns are missing: {', '.join(en for _, en in shown)}. "
                          f"{hints[1]}If the file names its columns differently, say which is which under 'Match columns'",
                          headers=_headers(candidates, last, fields, aliases), missing=shown)
    unknown = [str(c).strip() for i, c in enumerate(candidates[last])
               if i not in fields and squash(c) and squash(c) not in ROW_NUMBER_COLUMNS]
    rows, hidden_rows = [], []
    number = last + 1
    for raw in _chain(candidates[last + 1:], source):
        number += 1
        cells = {f: (raw[i] if i < len(raw) else None) for i, f in fields.items()}
        if all(_blank(v) for v in cells.values()):
            continue
        if _marked(raw) and (_is_total(raw) or _is_footer(raw)):
            continue
        if number in hidden:
            hidden_rows.append(number)
        rows.append((number, cells))
    if hidden_rows:
        # Neither importing nor leaving out rows the clerk cannot see is safe: let them decide.
        shown = "、".join(str(n) for n in hidden_rows[:10]) + ("等" if len(hidden_rows) > 10 else "")
        raise FileProblem("hidden_rows", f"第 {shown} 行被隐藏或被筛选掉了（共 {len(hidden_rows)} 行）：请取消隐藏，"
                          "删除不应导入的行后再导入", f"Rows {', '.join(str(n) for n in hidden_rows[:10])} are hidden or "
                          f"filtered out ({len(hidden_rows)} in all): unhide them, delete the ones not to import, and import again")
    title = " ".join(dict.fromkeys(text(c) for row in candidates[:last] for c in row if not _blank(c)))
    above = " ".join(text(c) for row in candidates[:last + 1 - depth] for c in row if not _blank(c))
    stated = _SHEET_UNIT.search(above)
    return Table(columns=texts, rows=rows, encoding=encoding, unknown_columns=unknown, title=title,
                 uncalculated=uncalculated, headers=_headers(candidates, last, fields, aliases), units=units,
                 unit=stated[1] if stated else None)


def _hints(candidates, last, fields, aliases, missing, names):
    """(zh, en): which of the file's unknown columns may be each missing field (工程名 may be 项目名称)."""
    if last is None or not missing:
        return "", ""
    pairs = []
    for i, c in enumerate(candidates[last]):
        if i in fields or _blank(c) or squash(c) in ROW_NUMBER_COLUMNS:
            continue
        near = closest(c, aliases, among=missing)
        if near is not None and near not in [p[1] for p in pairs]:
            pairs.append((str(c).strip(), near))
    if not pairs:
        return "", ""
    zh = "；".join(f"文件中的“{text}”可能就是“{names.get(f, (f, f))[0]}”" for text, f in pairs)
    en = "; ".join(f"the file's '{text}' may be {names.get(f, (f, f))[1]}" for text, f in pairs)
    return f"（{zh}）", f"({en[0].upper()}{en[1:]}.) "


def _headers(candidates, last, fields, aliases=None):
    """The header row as the clerk wrote it, each column with the field it was read as (or None) and,
    for a column not read, the field its name is nearest to (``suggested``, a hint for the mapping).
    No header found: the first row with the most text cells (the likeliest header) is offered."""
    if last is None:
        texts = [[c for c in row if isinstance(c, str) and c.strip()] for row in candidates]
        if not texts or not max(map(len, texts)):
            return []
        last = max(range(len(texts)), key=lambda i: (len(texts[i]), -i))
    out, seen = [], set()
    for i, c in enumerate(candidates[last]):
        words = str(c).strip()[:60] if not _blank(c) else ""
        if not squash(words) or squash(words) in seen or squash(words) in ROW_NUMBER_COLUMNS:
            continue
        seen.add(squash(words))
        entry = {"text": words, "field": fields.get(i)}
        if entry["field"] is None and aliases:
            taken = set(fields.values())
            entry["suggested"] = closest(words, {k: v for k, v in aliases.items() if k not in taken})
        out.append(entry)
    return out[:MAX_COLUMNS]


# What clerks upload by mistake instead of a table: named as what it is.
_NOT_TABLES = ((b"%PDF", "PDF 文件", "a PDF"), (b"\xff\xd8\xff", "图片（JPEG）", "a picture (JPEG)"),
               (b"\x89PNG", "图片（PNG）", "a picture (PNG)"), (b"GIF8", "图片（GIF）", "a picture (GIF)"),
               (b"II*\x00", "图片（TIFF）", "a picture (TIFF)"),
               (b"MM\x00*", "图片（TIFF）", "a picture (TIFF)"), (b"{\\rtf", "RTF 文档", "an RTF document"),
               (b"Rar!", "RAR 压缩包", "a RAR archive"), (b"7z\xbc\xaf", "7z 压缩包", "a 7z archive"))


def _not_a_table(data, name):
    """Refuse a picture, a PDF, a Word file or an archive by what it is, not as an unreadable table."""
    what = next(((zh, en) for magic, zh, en in _NOT_TABLES if data.startswith(magic)), None)
    if what is None and data[:2] == b"BM" and data[6:10] == b"\x00\x00\x00\x00" and len(data) > 26:
        what = ("图片（BMP）", "a picture (BMP)")
    if what is None and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        what = ("图片（WebP）", "a picture (WebP)")
    if what is None and data[4:8] == b"ftyp":
        what = ("图片或视频（如手机拍的 HEIC）", "a picture or video (a phone's HEIC, say)")
    if what is None and data[:4] == b"PK\x03\x04":
        head = data[:1 << 16]
        if b"word/" in head and b"xl/" not in head:
            what = ("Word 文档", "a Word document")
        elif b"ppt/" in head and b"xl/" not in head:
            what = ("PowerPoint 演示文稿", "a PowerPoint file")
    if what is None and data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" and \
            "WordDocument".encode("utf-16-le") in data[:1 << 20] and "Workbook".encode("utf-16-le") not in data[:1 << 20]:
        what = ("Word 文档（.doc）", "a Word document (.doc)")
    if what is not None:
        zh, en = what
        raise FileProblem("file_not_a_table", f"上传的是{zh}，不是表格：请上传 Excel（.xlsx、.xls）或 CSV 文件。"
                          "纸质或拍照的名单需要先录入成表格", f"This file is {en}, not a table: upload an Excel (.xlsx, .xls) "
                          "or CSV file. A list on paper or in a photo must be typed into a table first")


def _too_many_rows():
    return FileProblem("too_many_rows", f"表格超过 {MAX_ROWS} 行（空行也算）：请删除多余的空行，或拆分成几个文件后再导入",
                       f"The sheet has more than {MAX_ROWS} rows (blank ones count): delete unused rows or split the "
                       "file, and import again")


def _bounded(rows):
    """The rows, refusing the file past MAX_ROWS rows or at a value right of MAX_COLUMNS."""
    for number, row in enumerate(rows, start=1):
        if number > MAX_ROWS:
            raise _too_many_rows()
        if len(row) > MAX_COLUMNS and any(not _blank(c) for c in row[MAX_COLUMNS:]):
            raise FileProblem("too_many_columns", f"第 {number} 行在第 {MAX_COLUMNS} 列之后还有内容：请删除多余的列后再导入",
                              f"Row {number} has values right of column {MAX_COLUMNS}: delete the unused columns and "
                              "import again")
        yield row


def _chain(first, rest):
    yield from first
    yield from rest


def _blank(value):
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    bare = value.strip()
    # A cell of only invisible characters (the Ctrl-Z an old program leaves at the end of a file) is empty.
    return not bare or (len(bare) < 4 and not _INVISIBLE.sub("", bare).strip())


_TOTAL = re.compile(r"^(合计|总计|小计|共计|总笔数|总金额|成功笔数|失败笔数|笔数合计|total)[:：\s]*", re.I)
_SUBTOTAL = re.compile(r"^.{1,16}(合计|总计|小计|共计)[:：]?$")  # 钱王社区小计, 本页合计
# The signature line under a table: 制表人：王芳  审核人：李明  分管领导：  (盖章)
_FOOTER = re.compile(r"^(制表|填表|填报|审核|复核|审批|经办|负责|分管|主管|会计|出纳|领导|单位|村委会|居委会)"
                     r"(人|领导|负责人|单位|日期|时间)?\s*[:：]|[（(]?(盖章|签字|签章)[)）]?$")
_LONG_NUMBER = re.compile(r"\d{15}")


_TOTAL_OR_FOOTER_MARK = re.compile(r"[计：:章字]|total", re.I)  # cheap test first: most rows have none


def _is_total(raw):
    """A totals line is not data: 合计/总计/小计 at its start, or 钱王社区小计 / 本页合计 in any cell of a
    line with no ID or card number on it (a payment whose note says 补发上月合计 is still a payment)."""
    if any(isinstance(cell, str) and _TOTAL.match(text(cell)) for cell in raw[:3]):
        return True
    cells = [text(c) for c in raw if not _blank(c)]
    return any(_SUBTOTAL.match(c) for c in cells) and not any(_LONG_NUMBER.search(c) for c in cells)


def _marked(raw):
    """Whether the line could be a total or a signature line at all (one regex over the whole line)."""
    return _TOTAL_OR_FOOTER_MARK.search("\x1f".join(c for c in raw if isinstance(c, str))) is not None


def _is_footer(raw):
    """The signature and date lines under a table, without an ID or card number on them."""
    cells = [text(c) for c in raw if not _blank(c)]
    return any(_FOOTER.search(c) for c in cells) and not any(_LONG_NUMBER.search(c) for c in cells)


# ---------------------------------------------------------------- cell parsers

def text(value):
    """A cell as clean text: NFKC, trimmed, inner runs of spaces made one ('' when blank)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", " ", _INVISIBLE.sub("", unicodedata.normalize("NFKC", str(value)))).strip().lstrip("'")


def person_name(value):
    """Chinese names lose their inner spaces (张 三 → 张三); foreign names keep one; the middle dot of
    a minority or foreign name is written one way (•, ・, ., ﹒ → ·)."""
    value = re.sub(r"(?<=[\u3400-\u9fff])\s*[•・.﹒‧·]\s*(?=[\u3400-\u9fff])", "·", text(value))
    return re.sub(r"(?<=[\u3400-\u9fff·])\s+(?=[\u3400-\u9fff·])", "", value)


def code_text(value):
    """An ID/card/phone cell. A number Excel stored in floating point has lost digits: say so."""
    # Excel keeps 15 significant digits: a longer number typed into a number cell has lost its tail.
    if isinstance(value, float) and abs(value) >= 1e15 or isinstance(value, int) and len(str(value)) > 15:
        raise CellProblem("digits_lost", "该号码被 Excel 存成了数字，已丢失末尾位数（请把该列设为文本后重新填写）",
                          "Excel stored this number as a number and lost its last digits (format the column as text)")
    value = text(value)
    if re.fullmatch(r"\d(\.\d+)?[eE]\+\d+", value):
        raise CellProblem("digits_lost", "该号码是科学计数法（如 3.30112E+17），末尾位数已丢失，请把该列设为文本",
                          "The number is in scientific notation (e.g. 3.30112E+17) and lost digits; format as text")
    return value


def decimal(value, places=2):
    if isinstance(value, bool):
        raise CellProblem("not_a_number", "不是数字", "Not a number")
    if isinstance(value, float):
        # A number cell shows its value rounded (269.675 as 269.68): the clerk means what they see.
        number = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    elif isinstance(value, (int, Decimal)):
        number = Decimal(str(value))
    else:
        raw = text(value)
        cleaned = re.sub(r"[,，¥￥元整\s]|人民币|RMB", "", raw, flags=re.I)
        wan = cleaned.endswith("万") and len(cleaned) > 1  # 86万元, 12.5万: the cell says its unit
        try:  # (plain digits only, as the API takes them: 1e5 is not 100,000 yuan)
            number = plain_decimal(cleaned[:-1]) * WAN if wan else plain_decimal(cleaned)
        except Refused as problem:
            if problem.code == "scientific_notation":
                raise CellProblem(problem.code, problem.zh, problem.en)
            if re.search("[零壹贰叁肆伍陆柒捌玖拾佰仟]", raw):
                raise CellProblem("capital_numerals", f"“{raw}”用了大写数字：请写成阿拉伯数字（如 150.00）",
                                  f"'{raw}' is written in capital numerals: write it in digits (e.g. 150.00)")
            raise CellProblem("not_a_number", f"“{raw}”不是数字", f"'{raw}' is not a number")
    if not number.is_finite():
        raise CellProblem("not_a_number", "不是数字", "Not a number")
    if number < 0:
        raise CellProblem("negative", "不能为负数", "Must not be negative")
    quantized = number.quantize(Decimal(1).scaleb(-places))
    if quantized != number and abs(quantized - number) >= Decimal("0.000001"):
        raise CellProblem("too_many_decimals", f"最多 {places} 位小数", f"At most {places} decimal places")
    if quantized >= Decimal(10) ** (14 - places):
        raise CellProblem("too_large", "数值过大", "The number is too large")
    return quantized


WAN = Decimal(10000)


def scaled(value, unit):
    """A money cell of a column headed in ``unit`` (万元) as yuan, exactly: 86.5 → 865000.00. A 万元
    amount has at most 6 decimals (to the fen); a cell that names its own unit (86万元) is read as it says."""
    if unit != "万元" or (isinstance(value, str) and "万" in value):
        return value
    number = decimal(value, places=6)
    if not isinstance(value, float):  # (a float is what Excel shows; typed text is taken at its word)
        try:
            number = Decimal(re.sub(r"[,，¥￥元整\s]|人民币|RMB", "", text(value), flags=re.I))
        except InvalidOperation:
            pass
    yuan = number * WAN
    if yuan != yuan.quantize(Decimal("0.01")):
        raise CellProblem("too_many_decimals", "以万元为单位最多 6 位小数（到分）",
                          "An amount in 万元 (10,000 yuan) has at most 6 decimal places (to the fen)")
    return yuan.quantize(Decimal("0.01"))


_DATE_PATTERNS = (re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?\.?(?:[\sT].*)?$"),
                  re.compile(r"^(\d{4})(\d{2})(\d{2})$"))


def day(value):
    """A date from a date cell, an Excel serial number, or text in the usual spellings; its year
    1900–2100, as a month's or a year's (1026 or 0206 is a slip of the keyboard for 2026, and would
    be imported as a line no cockpit year shows)."""
    found = _any_day(value)
    if not 1900 <= found.year <= 2100:
        raise CellProblem("bad_date", f"“{found.isoformat()}”的年份不对：日期应在 1900 年到 2100 年之间",
                          f"'{found.isoformat()}' has a wrong year: dates are between 1900 and 2100")
    return found


def _any_day(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _serial(value)
    raw = text(value)
    if re.fullmatch(r"\d{5}(\.\d+)?", raw):
        return _serial(float(raw))
    tight = re.sub(r"(?<=[年月./-])\s+(?=\d)", "", raw)  # 2026. 3. 5 / 2026年 3月 5日 (a time after the day stays apart)
    for pattern in _DATE_PATTERNS:
        m = pattern.match(tight)
        if m:
            try:
                return date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                break
    if _month(raw):
        raise CellProblem("date_month_only", f"“{raw}”只有年月，这一列要写到日（如 2026-03-05）",
                          f"'{raw}' is a month; this column needs the day (e.g. 2026-03-05)")
    raise CellProblem("bad_date", f"“{raw}”不是有效日期（如 2026-03-05）", f"'{raw}' is not a valid date (e.g. 2026-03-05)")


_MONTH = re.compile(r"^(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*月?份?|(\d{2})月?)$")


def _month(raw):
    """(year, month) of a cell that names a month only — 2026年3月, 2026-03, 2026/3, 2026.03, 202603 —
    or None."""
    m = _MONTH.match(raw)
    if not m:
        return None
    year, month = int(m[1]), int(m[2] or m[3])
    return (year, month) if 1900 <= year <= 2100 and 1 <= month <= 12 else None


def month_start(value):
    """A date, or a month alone (a planned start, an acquisition, a lease's first month) as its first day."""
    found = None if isinstance(value, (date, int, float)) else _month(text(value))
    return date(*found, 1) if found else day(value)


_YEAR = re.compile(r"^(\d{4})\s*年?(?:度)?$")


def year_start(value):
    """A date, a month alone, or a year alone (an old asset's acquisition: 2010年) as its first day."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1900 <= value <= 2100 and value == int(value):
        return date(int(value), 1, 1)
    found = None if isinstance(value, (date, int, float)) else _YEAR.match(text(value))
    return date(int(found[1]), 1, 1) if found and 1900 <= int(found[1]) <= 2100 else month_start(value)


def month_end(value):
    """A date, or a month alone (a planned end, a lease's last month) as its last day."""
    found = None if isinstance(value, (date, int, float)) else _month(text(value))
    if not found:
        return day(value)
    year, month = found
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def _serial(number):
    if not 20000 <= number <= 80000:  # 1954 … 2119
        raise CellProblem("bad_date", "不是有效日期", "Not a valid date")
    return EXCEL_EPOCH + timedelta(days=int(number))


_CN_QUARTER = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}


def period(value, year=None):
    """A payment period in one form: 2026, 2026-03, 2026-Q1, 2026-H1. ``year`` (from the sheet's
    title) completes a month written alone (5月)."""
    if isinstance(value, (datetime, date)):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 20000 <= value <= 80000:
        d = _serial(value)
        return f"{d.year:04d}-{d.month:02d}"
    if isinstance(value, float) and f"{value:.4f}".endswith(".1000"):
        # 2026.10 typed into a number cell is kept as 2026.1: October and January look the same.
        raise CellProblem("period_ambiguous", f"“{value:g}”可能是1月也可能是10月（Excel 把 2026.10 存成了 2026.1）："
                          "请写成 2026-10 或把该列设为文本", f"'{value:g}' may be January or October (Excel keeps "
                          "2026.10 as 2026.1): write 2026-10 or format the column as text")
    raw = text(value)
    s = raw.replace(" ", "").upper()
    m = re.fullmatch(r"(\d{1,2})月份?", s)
    if m and year and 1 <= int(m[1]) <= 12:
        return f"{year}-{int(m[1]):02d}"
    m = re.fullmatch(r"(\d{4})[-/.年]?(\d{1,2})(?:月份?)?[-~—至到](\d{1,2})月份?", s)
    if m:  # 2026年1-3月, 2026.4-6, 2026年7至12月
        return _month_range(raw, m[1], int(m[2]), int(m[3]))
    m = re.fullmatch(r"(\d{4})年?(?:度)?", s)
    if m:
        return m[1]
    m = re.fullmatch(r"(\d{4})(?:[-/.年]?)(\d{1,2})月?(?:份)?", s) or re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.]\d{1,2}", s)
    if m and 1 <= int(m[2]) <= 12:
        return f"{m[1]}-{int(m[2]):02d}"
    m = re.fullmatch(r"(\d{4})[-年]?(?:第)?([一二三四1-4])季度?|(\d{4})[-]?Q([1-4])", s)
    if m:
        return f"{m[1] or m[3]}-Q{_CN_QUARTER[m[2] or m[4]]}"
    m = re.fullmatch(r"(\d{4})[-年]?(上|下)半年|(\d{4})[-]?H([12])", s)
    if m:
        return f"{m[1] or m[3]}-H{1 if (m[2] == '上' or m[4] == '1') else 2}"
    raise CellProblem("bad_period", f"“{raw}”不是有效期间（如 2026、2026-03、2026年第一季度、2026上半年）",
                      f"'{raw}' is not a period (e.g. 2026, 2026-03, 2026-Q1, 2026-H1)")


_RANGES = {(1, 3): "Q1", (4, 6): "Q2", (7, 9): "Q3", (10, 12): "Q4", (1, 6): "H1", (7, 12): "H2"}


def _month_range(raw, year, first, last):
    """Months 1-3 are the first quarter, 1-6 the first half, 1-12 the year; a range that is none of
    those (1-2月) is refused rather than stored as something else."""
    if first == last and 1 <= first <= 12:
        return f"{year}-{first:02d}"
    if (first, last) == (1, 12):
        return year
    if (first, last) in _RANGES:
        return f"{year}-{_RANGES[first, last]}"
    raise CellProblem("bad_period", f"“{raw}”不是一个月、一个季度、半年或全年：请按月分行，或写 2026年第一季度、2026上半年",
                      f"'{raw}' is not a month, quarter, half or year: one row per month, or 2026-Q1, 2026-H1")


STATUS_WORDS = {
    # The words of township ledgers and of the bank's payment return files (代发回盘).
    "paid": {"已发放", "发放成功", "成功", "已支付", "已兑付", "已到账", "到账", "已拨付", "已发", "成功发放", "到账成功",
             "交易成功", "已入账", "入账成功", "支付成功", "代发成功", "扣款成功", "处理成功", "正常", "paid", "success"},
    "failed": {"失败", "发放失败", "支付失败", "兑付失败", "交易失败", "入账失败", "代发失败", "处理失败", "failed", "fail"},
    "returned": {"退回", "已退回", "退票", "被退回", "银行退回", "退回银行", "已退票", "退汇", "已退汇", "returned"},
    "pending": {"待发放", "未发放", "待支付", "处理中", "发放中", "待发", "待处理", "未支付", "pending"},
}
_STATUS = {squash(w): k for k, words in STATUS_WORDS.items() for w in words}


def status_reason(value):
    """'失败（账户冻结）' → ('failed', '账户冻结'); '已发放' → ('paid', None)."""
    raw = text(value)
    m = re.fullmatch(r"(.+?)\s*[(（]\s*(.+?)\s*[)）]", raw)
    if m and squash(m[1]) in _STATUS:
        return _STATUS[squash(m[1])], m[2]
    return status(value), None


def status(value):
    raw = text(value)
    found = _STATUS.get(squash(raw))
    if found is None:
        raise CellProblem("bad_status", f"“{raw}”不是有效状态（已发放/发放失败/已退回/待发放）",
                          f"'{raw}' is not a status (paid/failed/returned/pending)")
    return found


def yes_no(value):
    raw = squash(text(value))
    if raw in ("是", "y", "yes", "true", "1", "√", "✓"):
        return True
    if raw in ("", "否", "n", "no", "false", "0", "×"):
        return False
    raise CellProblem("bad_yes_no", "请填“是”或“否”", "Fill in yes or no")


def year(value):
    raw = text(value).replace("年度", "").replace("年", "")
    if not re.fullmatch(r"\d{4}", raw) or not 2000 <= int(raw) <= 2100:
        raise CellProblem("bad_year", f"“{raw}”不是有效年度", f"'{raw}' is not a year")
    return int(raw)
