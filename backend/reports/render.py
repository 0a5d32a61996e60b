"""A report document as a file: PDF through a Jinja template and WeasyPrint (paged media: a header
and page numbers on every page, tables split across pages with their header repeated, Noto Sans CJK
found through fontconfig), or Excel through openpyxl. Both show the same cells, formatted the same
way: money with thousands separators, from Decimal, never float."""
import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from openpyxl.utils import get_column_letter

from ..core import clock
from ..core.spreadsheets import safe_row

TEMPLATES = Path(__file__).parent / "templates"
_env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))


def cell(value, type_):
    """The text of a cell: ¥-free money with separators and two decimals, a percentage with one."""
    if value is None or value == "":
        return "—" if type_ != "text" else ""
    if type_ == "money":
        return f"{Decimal(value):,.2f}"
    if type_ == "int":
        return f"{int(value):,}"
    if type_ in ("pct", "num"):
        return f"{Decimal(value):,.1f}"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _moment(value):
    return clock.as_utc(value).astimezone(clock.CHINA).strftime("%Y-%m-%d %H:%M")


def footer(doc, meta):
    """What the footer says on every page: cut-off, rows hash, template version, who generated it."""
    return (f"数据截止 Cut-off {_moment(doc['cut_off'])} · SHA-256 {doc['rows_sha256'][:16]}… · "
            f"模板 Template {doc['template_version']} · 生成 By {meta.get('by') or '系统定时 Schedule'}"
            f" · 第{meta.get('version', 1)}版 v{meta.get('version', 1)}")


def svg_bars(chart, width=900, height=260):
    """An inline SVG bar chart (grouped bars, one colour a series), drawn here so the PDF needs no
    browser; values as Decimal, scaled to the largest."""
    if not chart or not chart["labels"]:
        return None
    colours = ("#2f6fd0", "#e39a2d", "#3aa67a", "#c44b4b")
    left, right, top, bottom = 110, 20, 30, 60
    series, labels = chart["series"], chart["labels"]
    top_value = max([Decimal(v or 0) for s in series for v in s["values"]] + [Decimal(1)])
    plot_w, plot_h = width - left - right, height - top - bottom
    group = plot_w / len(labels)
    bar = min(28, group * 0.8 / len(series))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" class="chart" font-family="Noto Sans CJK SC">']
    for i in range(5):
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="10">'
                     f'{_esc(cell(top_value * i / 4, "money" if top_value > 100 else "num"))}</text>')
    for g, label in enumerate(labels):
        x0 = left + group * g + (group - bar * len(series)) / 2
        for s_i, s in enumerate(series):
            v = Decimal(s["values"][g] or 0)
            h = float(v / top_value) * plot_h
            parts.append(f'<rect x="{x0 + bar * s_i:.1f}" y="{top + plot_h - h:.1f}" width="{bar:.1f}" '
                         f'height="{h:.1f}" fill="{colours[s_i % len(colours)]}"/>')
        parts.append(f'<text x="{left + group * g + group / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle" '
                     f'font-size="11">{_esc(label)}</text>')
    for s_i, s in enumerate(series):
        x = left + s_i * 150
        parts.append(f'<rect x="{x}" y="{height - 22}" width="12" height="12" fill="{colours[s_i % len(colours)]}"/>')
        parts.append(f'<text x="{x + 16}" y="{height - 12}" font-size="11">{_esc(s["zh"])} {_esc(s["en"])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _esc(text):
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def html(doc, meta, max_rows=None):
    """The PDF's HTML; a table of more than ``max_rows`` lines shows its first ``max_rows``, its total
    (over every line) and how many lines only the Excel file has."""
    tables = [{**t, "cells": [[cell(r.get(c["key"]), c["type"]) for c in t["columns"]] for r in t["rows"][:max_rows]],
               "left_out": max(0, len(t["rows"]) - max_rows) if max_rows is not None else 0,
               "total_cells": [cell(t["total"].get(c["key"]), c["type"]) if t["total"].get(c["key"]) is not None
                               else "" for c in t["columns"]] if t["total"] else None}
              for t in doc["tables"]]
    return _env.get_template("report.html").render(doc=doc, tables=tables, footer=footer(doc, meta),
                                                   chart=svg_bars(doc["chart"]), generated=_moment(meta["at"]),
                                                   by=meta.get("by") or "系统定时 Schedule",
                                                   states=states_line(doc))


def states_line(doc):
    """Which states the report shows: those kept when its period ended, or those at its generation."""
    if doc.get("states_as_of") is not None:
        at = _moment(doc["states_as_of"])
        return f"状态类指标为期末留存数（{at} 留存） · States as kept at the period's end ({at})"
    return "状态类指标为生成时数 · States as at generation"


def pdf(doc, meta, max_rows=None):
    from weasyprint import HTML  # imported here: only report generation needs it (and its fonts)
    return HTML(string=html(doc, meta, max_rows), base_url=str(TEMPLATES)).write_pdf()


def xlsx(doc, meta):
    """One sheet per table, headers in Chinese and English, numbers as numbers with the same formats;
    the cut-off, hash and template in the first rows (every cell escaped against formula injection).
    Written row by row (openpyxl's write-only workbook): a province's yearly ledger of 200,000 lines
    does not hold a spreadsheet of cell objects in memory."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    book = Workbook(write_only=True)
    formats = {"money": "#,##0.00", "int": "#,##0", "pct": "0.0", "num": "0.0"}
    bold, head_fill, wrap = Font(bold=True), PatternFill("solid", fgColor="E8EEF7"), Alignment(wrap_text=True)

    def styled(sheet, value, font=None, fill=None, alignment=None, number_format=None):
        cell = WriteOnlyCell(sheet, value=value)
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        if alignment is not None:
            cell.alignment = alignment
        if number_format is not None:
            cell.number_format = number_format
        return cell

    for n, table in enumerate(doc["tables"], 1):
        sheet = book.create_sheet(title=f"{n}")
        columns = table["columns"]
        for i, column in enumerate(columns, 1):
            sheet.column_dimensions[get_column_letter(i)].width = 22 if column["type"] == "text" else 16
        sheet.freeze_panes = "A6"
        title = f"{doc['region']['name']} {doc['period']['zh']} {doc['title_zh']} — {table['title_zh']}"
        sheet.append([styled(sheet, safe_row([title])[0], font=Font(bold=True, size=14))])
        sheet.append(safe_row([f"{doc['region']['name']} · {doc['period']['en']} · {doc['title_en']} — {table['title_en']}"]))
        sheet.append(safe_row([footer(doc, meta)]))
        sheet.append(safe_row([f"SHA-256 {doc['rows_sha256']} · {states_line(doc)}"]))
        sheet.append([styled(sheet, v, font=bold, fill=head_fill, alignment=wrap)
                      for v in safe_row([f"{c['zh']} {c['en']}" for c in columns])])
        lines = [(row, None) for row in table["rows"]] + ([(table["total"], bold)] if table["total"] else [])
        for row, font in lines:
            values = safe_row([_xl(row.get(c["key"]), c["type"]) for c in columns])
            sheet.append([styled(sheet, v, font=font, number_format=formats.get(c["type"]))
                          for v, c in zip(values, columns)])
    out = io.BytesIO()
    book.properties.creator = "Jicai 基财智控"
    book.properties.created = book.properties.modified = clock.as_utc(meta["at"]).replace(tzinfo=None)
    book.save(out)
    return out.getvalue()


def _xl(value, type_):
    if value is None:
        return None
    if type_ == "money":
        return Decimal(value).quantize(Decimal("0.01"))
    if type_ == "int" and isinstance(value, Decimal):
        return int(value)
    return value
