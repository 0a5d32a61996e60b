"""Reading the spreadsheets clerks already have: .xlsx or CSV (UTF-8 with or without BOM, GBK/GB18030,
comma, tab or semicolon), title rows above the header, header rows merged over two lines, totals at
the bottom, full-width digits, stray spaces and Excel date serials.

``read(filename, data, aliases)`` → Table(header, rows, encoding) where each row is
(spreadsheet row number, {field: raw cell}) — the number is the one the clerk sees in Excel.
"""
import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

HEADER_SCAN_ROWS = 12
EXCEL_EPOCH = date(1899, 12, 30)


class FileProblem(Exception):
    """The file as a whole cannot be read (wrong type, no header found...)."""

    def __init__(self, code, zh, en):
        super().__init__(en)
        self.code, self.zh, self.en = code, zh, en


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


def squash(text):
    """A header or a name compared loosely: NFKC, no spaces, no punctuation around it."""
    text = unicodedata.normalize("NFKC", str(text or ""))
    bare = re.sub(r"[(\[【][^)\]】]*[)\]】]", "", text)  # 面积(亩), 金额(元), 身份证号(18位)
    text = bare if bare.strip() else text
    return re.sub(r"[\s()\[\]【】:*/\\_\-]", "", text).lower()


def _decode(data):
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" export
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gbk"
    except UnicodeDecodeError:
        raise FileProblem("file_encoding", "无法识别文件编码（请另存为 UTF-8 或 GBK 的 CSV，或 .xlsx）",
                          "Cannot read the file's encoding (save it as UTF-8 or GBK CSV, or .xlsx)")


def _csv_rows(data):
    text, encoding = _decode(data)
    sample = text[:20000]
    delimiter = max((",", "\t", ";"), key=lambda d: sample.count(d))
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), encoding


def _xlsx_sheets(data):
    """Each worksheet's rows (a workbook often starts with a 填表说明 sheet: the header decides)."""
    from openpyxl import load_workbook
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (zip, XML, key errors) for a file that is not .xlsx
        raise FileProblem("file_unreadable", "无法读取该 Excel 文件（请确认是 .xlsx 格式）",
                          "Cannot read this Excel file (is it .xlsx?)")
    return [(sheet.title, sheet.iter_rows(values_only=True)) for sheet in book.worksheets
            if sheet.sheet_state == "visible"]


def _match(cell, aliases):
    key = squash(cell)
    if not key:
        return None
    for name, words in aliases.items():
        if key in words:
            return name
    return None


def _header(candidates, aliases):
    """Find the header among the first rows: one row, or two (a merged group row above or below).
    Returns (index of the last header row, {column index: field}, {field: header text})."""
    best = (0, None, None, None)
    for i, row in enumerate(candidates):
        options = [(i, [row])]
        if i + 1 < len(candidates):
            options.append((i + 1, [row, candidates[i + 1]]))
        for last, rows in options:
            fields, texts = {}, {}
            width = max(len(r) for r in rows)
            for col in range(width):
                for r in reversed(rows):  # the lower row names the column; the upper one groups
                    cell = r[col] if col < len(r) else None
                    name = _match(cell, aliases)
                    if name and name not in texts:
                        fields[col], texts[name] = name, str(cell).strip()
                        break
            if len(fields) > best[0]:
                best = (len(fields), last, fields, texts)
    return best[1], best[2] or {}, best[3] or {}


def read(filename, data, aliases, required, names=None):
    """Parse a file into rows of raw cells keyed by field. ``aliases``: {field: set of squashed
    header spellings}; ``required``: fields the header must have; ``names``: {field: (zh, en)} for
    messages."""
    if not data:
        raise FileProblem("file_empty", "文件是空的", "The file is empty")
    name = (filename or "").lower()
    if data[:4] == b"PK\x03\x04" or name.endswith((".xlsx", ".xlsm")):
        sources, encoding = _xlsx_sheets(data), "xlsx"
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or name.endswith(".xls"):
        raise FileProblem("file_xls", "不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV",
                          "Old .xls files are not supported; save as .xlsx or CSV in Excel")
    else:
        source, encoding = _csv_rows(data)
        sources = [(None, source)]
    best, complete = None, []
    for title, source in sources:
        source = iter(source)
        candidates = []
        for row in source:
            candidates.append(list(row))
            if len(candidates) >= HEADER_SCAN_ROWS:
                break
        last, fields, texts = _header(candidates, aliases)
        if last is not None and all(f in texts for f in required):
            complete.append(title)
        if best is None or len(fields) > len(best[3]):
            best = (source, candidates, last, fields, texts)
    if best is None:
        raise FileProblem("file_empty", "文件是空的", "The file is empty")
    if len(complete) > 1:  # one sheet per village, say: importing only one of them would lose the rest
        names = "、".join(complete)
        raise FileProblem("several_sheets", f"工作簿中有多个数据表（{names}），请合并为一个表或分别导入",
                          f"The workbook has several data sheets ({names}); merge them or import one at a time")
    source, candidates, last, fields, texts = best
    missing = [f for f in required if f not in texts]
    if last is None or missing:
        shown = [(names or {}).get(f, (f, f)) for f in (missing or required)]
        raise FileProblem("header_missing", f"找不到表头或缺少必需的列：{'、'.join(zh for zh, _ in shown)}",
                          f"No header row found, or required columns are missing: {', '.join(en for _, en in shown)}")
    unknown = [str(c).strip() for i, c in enumerate(candidates[last]) if i not in fields and squash(c)]
    rows = []
    number = last + 1
    for raw in _chain(candidates[last + 1:], source):
        number += 1
        cells = {f: (raw[i] if i < len(raw) else None) for i, f in fields.items()}
        if all(_blank(v) for v in cells.values()):
            continue
        if _is_total(raw):
            continue
        rows.append((number, cells))
    title = " ".join(text(c) for row in candidates[:last] for c in row if not _blank(c))
    return Table(columns=texts, rows=rows, encoding=encoding, unknown_columns=unknown, title=title)


def _chain(first, rest):
    yield from first
    yield from rest


def _blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


_TOTAL = re.compile(r"^(合计|总计|小计|共计|total)[:：\s]*", re.I)


def _is_total(raw):
    """A totals line at the bottom (合计/总计/小计) is not data."""
    for cell in raw[:3]:
        if isinstance(cell, str) and _TOTAL.match(unicodedata.normalize("NFKC", cell).strip()):
            return True
    return False


# ---------------------------------------------------------------- cell parsers

def text(value):
    """A cell as clean text: NFKC, trimmed, inner runs of spaces made one ('' when blank)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(value))).strip().lstrip("'")


def person_name(value):
    """Chinese names lose their inner spaces (张 三 → 张三); foreign names keep one."""
    value = text(value)
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
    if isinstance(value, (int, float, Decimal)):
        number = Decimal(str(value))
    else:
        raw = text(value)
        cleaned = re.sub(r"[,，¥￥元\s]|人民币|RMB", "", raw, flags=re.I)
        try:
            number = Decimal(cleaned)
        except InvalidOperation:
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


_DATE_PATTERNS = (re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:\s.*)?$"),
                  re.compile(r"^(\d{4})(\d{2})(\d{2})$"))


def day(value):
    """A date from a date cell, an Excel serial number, or text in the usual spellings."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _serial(value)
    raw = text(value)
    if re.fullmatch(r"\d{5}(\.\d+)?", raw):
        return _serial(float(raw))
    for pattern in _DATE_PATTERNS:
        m = pattern.match(raw)
        if m:
            try:
                return date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                break
    raise CellProblem("bad_date", f"“{raw}”不是有效日期（如 2026-03-05）", f"'{raw}' is not a valid date (e.g. 2026-03-05)")


def _serial(number):
    if not 20000 <= number <= 80000:  # 1954 … 2119
        raise CellProblem("bad_date", "不是有效日期", "Not a valid date")
    return EXCEL_EPOCH + timedelta(days=int(number))


_CN_QUARTER = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}


def period(value):
    """A payment period in one form: 2026, 2026-03, 2026-Q1, 2026-H1."""
    if isinstance(value, (datetime, date)):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 20000 <= value <= 80000:
        d = _serial(value)
        return f"{d.year:04d}-{d.month:02d}"
    raw = text(value)
    s = raw.replace(" ", "").upper()
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


STATUS_WORDS = {
    "paid": {"已发放", "发放成功", "成功", "已支付", "已兑付", "已到账", "到账", "已拨付", "paid", "success"},
    "failed": {"失败", "发放失败", "支付失败", "兑付失败", "failed", "fail"},
    "returned": {"退回", "已退回", "退票", "被退回", "returned"},
    "pending": {"待发放", "未发放", "待支付", "处理中", "发放中", "pending"},
}
_STATUS = {squash(w): k for k, words in STATUS_WORDS.items() for w in words}


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
