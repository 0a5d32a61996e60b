"""An .xlsx written as it is sent: the first bytes leave with the first rows, not after the last one.

An .xlsx is a zip of XML parts. A zip can be written front to back without seeking — each part's
sizes follow its data (a "data descriptor"), and the directory comes last — and Python's zipfile does
exactly that when its file cannot seek. So the sheets are compressed and sent while the rows are
read, and the small parts that depend on the number of sheets (the workbook, its relationships, the
content types) follow them. A million-row export starts downloading at once, keeps a proxy's read
timeout from firing, and holds one batch of rows in memory, with no spool file on disk.

What is written is the subset of SpreadsheetML an export needs: text as inline strings (no shared
string table to hold in memory), numbers, money as ``#,##0.00``, dates as ``yyyy-mm-dd`` (Excel's
serial day), bold header rows frozen at the top, column widths. Excel, WPS, LibreOffice and
openpyxl read it.
"""
import datetime
import zipfile
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

MAX_ROWS = 1_048_576  # Excel's rows per sheet
MAX_SHEET_BYTES = 1_500_000_000  # a sheet's XML stays under zip's 2 GiB non-ZIP64 limit
FLUSH_AT = 64 * 1024

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
EPOCH = datetime.date(1899, 12, 30)

# The cell styles of styles.xml, by position: plain, bold (headers), money, date.
PLAIN, BOLD, MONEY, DATE = 0, 1, 2, 3
STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{MAIN}"><numFmts count="2"><numFmt numFmtId="164" formatCode="#,##0.00"/><numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"""


class _Pipe:
    """zipfile's output: it cannot seek, so zipfile writes data descriptors; what it wrote is taken
    away in pieces."""

    def __init__(self):
        self.parts, self.size = [], 0

    def write(self, data):
        self.parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self):
        pass

    def take(self):
        data = b"".join(self.parts)
        self.parts, self.size = [], 0
        return data


def column_letter(i):
    """0 → A, 25 → Z, 26 → AA."""
    name = ""
    i += 1
    while i:
        i, rest = divmod(i - 1, 26)
        name = chr(65 + rest) + name
    return name


def text(value):
    """A string as an inline-string cell's body (control characters an .xlsx cannot hold dropped)."""
    return escape(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


class Cell:
    """A typed cell: ``Cell(Decimal("1.50"), MONEY)``, ``Cell(date, DATE)``, ``Cell("名称", BOLD)``."""
    __slots__ = ("value", "style")

    def __init__(self, value, style=PLAIN):
        self.value, self.style = value, style


def _cell(ref, value):
    style = PLAIN
    if isinstance(value, Cell):
        value, style = value.value, value.style
    if value is None:
        return ""
    s = f' s="{style}"' if style else ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"{s}><v>{int(value)}</v></c>'
    if isinstance(value, (int, float, Decimal)):
        return f'<c r="{ref}"{s}><v>{value}</v></c>'
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return f'<c r="{ref}"{s}><v>{(value - EPOCH).days}</v></c>'
    return f'<c r="{ref}" t="inlineStr"{s}><is><t xml:space="preserve">{text(value)}</t></is></c>'


def workbook(rows, header=(), widths=(), title="Sheet"):
    """Yield the .xlsx's bytes. ``rows`` yields rows (lists of values or Cells); they go on sheet 1
    and, past Excel's limit, sheets 2, 3 …, each starting with the ``header`` rows (bold, frozen).
    ``widths`` are the columns' widths in characters."""
    pipe = _Pipe()
    names = []
    with zipfile.ZipFile(pipe, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as book:
        part, used, size = None, 0, 0

        def put(row):
            nonlocal used, size
            used += 1
            xml = (f'<row r="{used}">' + "".join(_cell(f"{column_letter(i)}{used}", v) for i, v in enumerate(row))
                   + "</row>").encode()
            part.write(xml)
            size += len(xml)

        def open_sheet():
            nonlocal part, used, size
            n = len(names) + 1
            names.append(title[:25] if n == 1 else f"{title[:25]}{n}")
            part = book.open(f"xl/worksheets/sheet{n}.xml", "w")
            frozen = len(header)
            pane = (f'<pane ySplit="{frozen}" topLeftCell="A{frozen + 1}" activePane="bottomLeft" state="frozen"/>'
                    if frozen else "")
            cols = "".join(f'<col min="{i + 1}" max="{i + 1}" width="{w}" customWidth="1"/>'
                           for i, w in enumerate(widths))
            head = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}" '
                    f'xmlns:r="{REL}"><sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews>'
                    f'<sheetFormatPr defaultRowHeight="15"/>{f"<cols>{cols}</cols>" if cols else ""}<sheetData>')
            part.write(head.encode())
            used, size = 0, len(head)
            for names_row in header:
                put([Cell(v, BOLD) for v in names_row])

        def close_sheet():
            part.write(b"</sheetData></worksheet>")
            part.close()

        open_sheet()
        for row in rows:
            if used >= MAX_ROWS or size >= MAX_SHEET_BYTES:
                close_sheet()
                open_sheet()
            put(row)
            if pipe.size >= FLUSH_AT:
                yield pipe.take()
        close_sheet()
        _write_package(book, names)
    yield pipe.take()


def _write_package(book, names):
    sheets = "".join(f'<sheet name={quoteattr(name)} sheetId="{i}" r:id="rId{i}"/>'
                     for i, name in enumerate(names, 1))
    book.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                  f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>{sheets}</sheets></workbook>')
    rels = "".join(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                   for i in range(1, len(names) + 1))
    book.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                  f'<Relationships xmlns="{PKG_REL}">{rels}<Relationship Id="rId{len(names) + 1}" '
                  f'Type="{REL}/styles" Target="styles.xml"/></Relationships>')
    book.writestr("xl/styles.xml", STYLES)
    book.writestr("_rels/.rels", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                  f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" Type="{REL}/officeDocument" '
                  f'Target="xl/workbook.xml"/></Relationships>')
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{SHEET_TYPE}"/>'
                        for i in range(1, len(names) + 1))
    book.writestr("[Content_Types].xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                  '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                  '<Default Extension="xml" ContentType="application/xml"/>'
                  '<Override PartName="/xl/workbook.xml" '
                  'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                  '<Override PartName="/xl/styles.xml" '
                  'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                  f'{overrides}</Types>')
