"""Files built to attack the import, made at test time (nothing large is kept in the repository):
spreadsheets whose parts inflate far past their size on disk. Used by tests/test_hostile_files.py
and bench/hostile_files.py."""
import io
import zipfile

_MB = 1024 * 1024
CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                 b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                 b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
                 b'"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
                 b'main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxml'
                 b'formats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" '
                 b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
            b'2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            b'<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                 b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                 b'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship '
                 b'Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"'
                 b' Target="sharedStrings.xml"/></Relationships>')
SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
              b'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>\xe5\xa7\x93\xe5\x90'
              b'\x8d</t></is></c><c r="B1" t="inlineStr"><is><t>\xe8\xba\xab\xe4\xbb\xbd\xe8\xaf\x81\xe5\x8f\xb7</t>'
              b'</is></c></row>')
SHEET_TAIL = b"</sheetData></worksheet>"
NO_STRINGS = (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
              b'2006/main" count="0" uniqueCount="0"></sst>')


def _write(out, name, pieces):
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    with out.open(info, "w", force_zip64=True) as part:
        for piece in pieces:
            part.write(piece)


def _repeat(unit, total):
    block = unit * max(1, _MB // len(unit))
    written = 0
    while written < total:
        yield block
        written += len(block)


def xlsx(sheet=(SHEET_HEAD, SHEET_TAIL), strings=(NO_STRINGS,)):
    """A minimal .xlsx whose sheet and text table are the given pieces (streamed into the zip)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for name, data in (("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", RELS),
                           ("xl/workbook.xml", WORKBOOK), ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)):
            out.writestr(name, data)
        _write(out, "xl/worksheets/sheet1.xml", sheet)
        _write(out, "xl/sharedStrings.xml", strings)
    return buffer.getvalue()


def sheet_bomb(inflated_mb=200):
    """A sheet of ``inflated_mb`` MB of identical rows (a few hundred KB on disk)."""
    row = b'<row><c t="inlineStr"><is><t>A</t></is></c><c t="inlineStr"><is><t>B</t></is></c></row>'
    return xlsx(sheet=(SHEET_HEAD, *_repeat(row, inflated_mb * _MB), SHEET_TAIL))


def strings_bomb(inflated_mb=200):
    """A text table (sharedStrings.xml) of ``inflated_mb`` MB of tiny strings: held whole in memory
    by any reader, it is the bomb that costs the most memory per byte."""
    head = (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
            b'2006/main">')
    return xlsx(strings=(head, *_repeat(b"<si><t>x</t></si>", inflated_mb * _MB), b"</sst>"))


def lying(data, part="xl/worksheets/sheet1.xml", claimed=1000):
    """``data`` with the sizes of ``part`` in the zip's headers rewritten to ``claimed`` bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    info = source.getinfo(part)
    raw = bytearray(data)
    true = info.file_size
    # zip64 extra fields hold the real sizes when force_zip64 was used: rewrite every copy.
    for old in (true.to_bytes(8, "little"), true.to_bytes(4, "little")):
        width = len(old)
        start = 0
        while (at := raw.find(old, start)) != -1:
            raw[at:at + width] = claimed.to_bytes(width, "little")
            start = at + width
    return bytes(raw)


def far_row(row=1048576):
    """One header row and a single cell in the sheet's last row: a reader fills in a million rows."""
    cell = f'<row r="{row}"><c r="A{row}" t="inlineStr"><is><t>x</t></is></c></row>'.encode()
    return xlsx(sheet=(SHEET_HEAD, cell, SHEET_TAIL))


def wide_rows(rows=50000):
    """Rows each with one empty styled cell in the last column (XFD): 16,384 cells a row to a
    reader that pads rows."""
    unit = b'<row><c r="XFD2" s="0"/></row>'
    return xlsx(sheet=(SHEET_HEAD, unit * rows, SHEET_TAIL))


def wide_value():
    """A value in column IW (257), right of the columns read."""
    cell = b'<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c><c r="IW2" t="inlineStr"><is><t>y</t></is></c></row>'
    return xlsx(sheet=(SHEET_HEAD, cell, SHEET_TAIL))
