"""Each kind's template (导入模板): an Excel workbook with the header and an example row on its first
sheet and the rules of every column, in Chinese and English, on its second — what a clerk fills in
when the office has no file of its own yet. The example row is recognised and left out if a clerk
leaves it in."""
import io

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill

from .engine import Field


def fields_of(importer):
    """The kind's fields, in the template's column order (required ones first)."""
    fields = list(importer.fields) or [Field(name, zh, en, required=name in importer.required())
                                       for name, (zh, en) in importer.names().items() if name in importer.aliases()]
    return sorted(fields, key=lambda f: not f.required)


def workbook(importer):
    """The template as .xlsx bytes."""
    fields = fields_of(importer)
    book = Workbook()
    sheet = book.active
    sheet.title = "导入模板"
    bold, grey = Font(bold=True), Font(italic=True, color="808080")
    must = PatternFill("solid", fgColor="FDE9D9")
    for col, f in enumerate(fields, start=1):
        head = sheet.cell(row=1, column=col, value=f.zh)
        head.font = bold
        if f.required:
            head.fill = must
        head.comment = Comment(f"{f.en}{'（必填 required）' if f.required else ''}\n{f.rule[0]}", "基财智控")
        example = sheet.cell(row=2, column=col, value=f.example)
        example.font = grey
        if isinstance(f.example, str):
            example.number_format = "@"  # an ID or a card number stays text, not 3.30112E+17
        sheet.column_dimensions[head.column_letter].width = max(12, min(40, 2 * len(f.zh) + 6,
                                                                        len(str(f.example or "")) + 4))
    sheet.freeze_panes = "A2"
    rules = book.create_sheet("填写说明")
    header = ["列名", "Column", "是否必填", "也可写作（其他列名）", "填写规则", "Rule", "示例"]
    rules.append(header)
    for cell in rules[1]:
        cell.font = bold
    for f in fields:
        rules.append([f.zh, f.en, "必填 required" if f.required else "选填 optional",
                      "、".join(w for w in f.aliases.split("|") if w and w != f.zh), f.rule[0], f.rule[1],
                      None if f.example is None else str(f.example)])
    rules.append([])
    rules.append(["第一行是表头，第二行是示例（导入时自动跳过示例行）。表头上方可以有标题行，列的顺序不限。"
                  "同一文件再次导入不会重复写入；有任何一行出错则整个文件都不导入，并给出逐行报告。"])
    rules.append(["Row 1 is the header and row 2 an example (left out when imported). Title rows above the header "
                  "and any column order are fine. Importing the same file again writes nothing twice; if any row "
                  "has a problem nothing is imported and a per-row report says what to fix."])
    for col, width in zip("ABCDEFG", (16, 18, 12, 36, 40, 40, 24)):
        rules.column_dimensions[col].width = width
    for row in rules.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
