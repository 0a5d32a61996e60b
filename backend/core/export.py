"""Export of every list, in one place: the same filtered SELECT a list pages through, streamed to the
client as CSV (UTF-8 with a BOM, so Excel and WPS open Chinese correctly) or as Excel (.xlsx).

    GET /api/v1/<list>/export?format=csv|xlsx&<the list's own filters>

How it stays small for a million rows:

- the rows are read in batches by key (``BATCH`` rows a query, seeking past the last row seen
  through the list's own order, like ``pagination``'s ``after``), never with OFFSET and never all at
  once; the ORM's identity map holds its rows weakly, so a batch is freed once it is written;
- CSV is written a batch at a time into the response (``stream_with_context``);
- Excel is written as it is sent (``xlsx_stream``): the sheet's XML is compressed into the zip while
  the rows are read, each part's sizes after its data and the zip's directory last, so the first
  bytes leave with the first batch and nothing is spooled to disk.

Every text cell goes through ``spreadsheets.safe_cell`` (a cell that starts with = + - @, a tab or a
CR is prefixed with ' so Excel shows it as text). Money is a number with two decimals in Excel
(``#,##0.00``; the Decimal is written exactly) and the same two-decimal figure as text in CSV.
Headers are Chinese and English: ``项目名称 Project`` in CSV (one header row, so the file reads
back as a table), a Chinese row over an English row in Excel.

The route builds the SELECT (and so answers 400/403/404 before the download starts); the rows are
turned into cells while the answer streams, after the request's transaction has been committed."""
import csv
import io
from collections import namedtuple
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote

from apiflask.fields import String
from apiflask.validators import OneOf
from flask import Response, g, stream_with_context

from ..extensions import db
from . import clock, xlsx_stream
from .pagination import _beyond, _keys
from .spreadsheets import safe_cell

FORMATS = ("csv", "xlsx")
BATCH = 2000
CENT = Decimal("0.01")
MIMETYPES = {"csv": "text/csv",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@dataclass(frozen=True)
class Column:
    """One column: its Chinese and English header, and the kind of value (text, money, number,
    date, datetime, bool)."""
    zh: str
    en: str
    kind: str = "text"
    width: int = 14


def col(zh, en, kind="text", width=14):
    return Column(zh, en, kind, width)


def format_field(description="csv or xlsx"):
    return String(required=True, validate=OneOf(FORMATS, error="csv 或 xlsx / csv or xlsx"),
                  metadata={"description": description})


def export_query(base, name, **extra):
    """The export's query schema: the list's own filters (``base``; paging fields are ignored) and
    a required ``format``."""
    return type(name, (base,), {"format": format_field(), **extra})


def batches(stmt, size=BATCH):
    """Every row of the ordered ``stmt``, a list of up to ``size`` rows at a time, by key: each
    query seeks past the last row of the one before (the order made total by the entity's id). A
    statement of one entity or column gives its values; of several columns, rows named as they are."""
    keys = _keys(stmt, stmt.column_descriptions[0].get("entity"))
    stmt = stmt.order_by(None).order_by(*(k.clause for k in keys))
    width = len(stmt.column_descriptions)
    paged = stmt.add_columns(*(k.expr for k in keys)).limit(size)
    named = namedtuple("Row", [c["name"] for c in stmt.column_descriptions], rename=True)
    last = None
    while True:
        rows = db.session.execute(paged if last is None else paged.where(_beyond(keys, last))).all()
        if not rows:
            return
        last = list(rows[-1][width:])
        yield [row[0] if width == 1 else named._make(row[:width]) for row in rows]
        if len(rows) < size:
            return


def respond(fmt, columns, rows, name_zh, name_en, header="both"):
    """The streamed download. ``rows`` is a callable returning an iterable of row batches (lists of
    value lists in ``columns`` order); it runs while the answer streams. ``header="zh"`` keeps a
    Chinese-only header row (the audit log's original CSV)."""
    body = _streaming(_csv(columns, rows, header) if fmt == "csv" else _xlsx(columns, rows, name_zh))
    stamp = clock.today().isoformat()
    return Response(stream_with_context(body), mimetype=MIMETYPES[fmt], headers={
        "Content-Disposition": f"attachment; filename=\"{name_en}-{stamp}.{fmt}\"; "
                               f"filename*=UTF-8''{quote(f'{name_zh}-{stamp}.{fmt}', safe='')}",
        "Cache-Control": "no-store"})


def _streaming(body):
    """The file's reads run after the request's own transaction was committed: they take no write lock
    on SQLite (a reveal's request does, for its audit entry, until it commits; see backend/__init__)."""
    g.streaming_answer = True
    yield from body


def csv_value(kind, value):
    if value is None:
        return ""
    if kind == "money":
        return Decimal(value).quantize(CENT)  # a number: csv writes "1234.50", safe_cell leaves it
    if kind == "date":
        return value.isoformat()
    if kind == "datetime":
        return china_time(value)
    if kind == "bool":
        return "是" if value else "否"
    return safe_cell(value)


def china_time(value):
    return clock.as_utc(value).astimezone(clock.CHINA).strftime("%Y-%m-%d %H:%M:%S")


def _header(columns, header):
    return [c.zh if header == "zh" else f"{c.zh} {c.en}" for c in columns]


def _csv(columns, rows, header):
    out = io.StringIO()
    writer = csv.writer(out)
    kinds = [c.kind for c in columns]
    writer.writerow(_header(columns, header))
    yield ("\ufeff" + _taken(out)).encode()
    for batch in rows():
        for row in batch:
            writer.writerow([csv_value(k, v) for k, v in zip(kinds, row)])
        yield _taken(out).encode()


def _taken(out):
    text = out.getvalue()
    out.seek(0)
    out.truncate()
    return text


def _xlsx(columns, rows, title):
    kinds = [c.kind for c in columns]
    cells = ([_xlsx_cell(k, v) for k, v in zip(kinds, row)] for batch in rows() for row in batch)
    return xlsx_stream.workbook(cells, header=([c.zh for c in columns], [c.en for c in columns]),
                                widths=[c.width for c in columns], title=title)


def _xlsx_cell(kind, value):
    if value is None:
        return None
    if kind == "money":
        return xlsx_stream.Cell(Decimal(value).quantize(CENT), xlsx_stream.MONEY)
    if kind == "date":
        return xlsx_stream.Cell(value, xlsx_stream.DATE)
    if kind == "datetime":
        return china_time(value)
    if kind == "bool":
        return "是" if value else "否"
    if kind == "number":
        return value
    return safe_cell(value)  # (control characters an .xlsx cannot hold are dropped as it is written)


def placed(region_ids, cache=None):
    """County, township and the region's own name per region id (from what the process knows of
    the regions, ``tree``; an export keeps one dict of the rows' cells, bounded by ``PLACES_KEPT``)."""
    from .tree import names as region_names, places
    cache = {} if cache is None else cache
    ids = set(region_ids)
    missing = ids - cache.keys()
    if missing:
        if len(cache) > PLACES_KEPT:
            cache.clear()
        names = region_names(missing)
        named = places(missing)
        for rid in missing:
            p = named.get(rid) or {}
            cache[rid] = ((p.get("county") or {}).get("name", ""), (p.get("township") or {}).get("name", ""),
                          names.get(rid, ""))
    return cache


PLACES_KEPT = 50_000


PLACE_COLUMNS = (col("县（市、区）", "County"), col("乡镇（街道）", "Township"), col("地区", "Region"))

