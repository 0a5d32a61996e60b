"""One import engine for every kind of file, all or nothing.

A file goes through the same steps whatever it holds: read (``tables.read``: .xlsx, .xls or CSV as
clerks have them) → parse each row into clean values (the kind's ``parse_row``) → check the rows
against each other and against what is stored (``check``) → if *any* row has a problem the run is
rejected with a report naming each row, column and problem and nothing is written → else the rows
are written (``write``: an upsert on the kind's natural key, in bulk — COPY on PostgreSQL), so the
same file again changes nothing and a later file updates what changed. An accepted run can be
withdrawn whole.

A kind is a subclass of ``Importer`` with ``@register``: its fields (the names clerks give each
column, for reading, the template and the column-mapping step), who may import it, the table it
writes (rows carry ``batch_id``, the run that wrote them last) and what may point at those rows.
The CLI (``flask import``) calls ``run``; an upload is kept and queued (``queue_file``) and the job
(``jobs.run_import``) calls ``read`` and ``process``.
"""
import bisect
import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask import current_app
from sqlalchemy import Date, Numeric, delete, insert, select, update

from .. import jobs
from ..core import audit, clock, county, pii, storage
from ..core import text as text_rule
from ..core.errors import ApiError
from ..core.lookups import among, slices
from ..core.scoping import covers
from ..core.uploads import file_name
from ..core.models import LEVEL_NAMES, Region
from ..extensions import db
from . import tables
from .models import ColumnMapping, ImportChange, ImportRun
from .tables import CellProblem, FileProblem, squash

KINDS = {}  # kind → Importer subclass, in the order registered
PII_FIELDS = ("id_number", "bank_card", "phone")


@dataclass
class Field:
    """One column a kind reads: its field name, its Chinese and English names, the other names
    clerks give it (``|``-separated), whether every file must have it, an example value for the
    template, and the rule the template's second sheet states. ``money``: an amount of yuan, read as
    万元 (× 10,000) when its header, its group header or the sheet says 万元."""
    name: str
    zh: str
    en: str
    aliases: str = ""
    required: bool = False
    example: object = None
    rule: tuple = ("", "")
    money: bool = False

    def spellings(self):
        words = {squash(w) for w in self.aliases.split("|") if squash(w)}
        return words | {squash(self.zh), self.name, squash(self.en)}


def register(importer):
    """Make a kind importable (class decorator)."""
    KINDS[importer.kind] = importer
    return importer


def kind_of(kind):
    """The importer of ``kind``; 400 ``unknown_kind`` when there is none."""
    try:
        return KINDS[kind]
    except KeyError:
        known = "、".join(KINDS)
        raise ApiError(400, "unknown_kind", f"没有“{kind}”这种导入（可导入：{known}）",
                       f"No import of kind '{kind}' (known: {', '.join(KINDS)})",
                       fields=[{"path": "kind", "message": "unknown kind"}]) from None


@dataclass
class Report:
    columns: dict
    limit: int
    names: dict = field(default_factory=dict)  # field → (zh, en)
    errors: list = field(default_factory=list)
    count: int = 0
    row_bad: bool = False  # the row being parsed has a problem
    units: dict = field(default_factory=dict)  # money field → "万元" when its cells are in 10,000 yuan

    def add(self, row, name, code, zh, en, value=None):
        self.count += 1
        if len(self.errors) < self.limit:
            column = self.columns.get(name) or (self.names.get(name, (name,))[0] if name else None)
            self.errors.append({"row": row, "column": column, "field": name, "code": code,
                                "message": {"zh": zh, "en": en}, "value": shown(name, value)})


def shown(name, value):
    """What the report shows of a bad cell: personal numbers masked (the report is stored)."""
    if value is None:
        return None
    # (a refused character is shown as its code point, never as itself: ⟦U+202E⟧)
    text = tables.text(value)[:60] if not isinstance(value, str) else text_rule.visible(value[:60])
    if name in PII_FIELDS:
        digits = pii.plain(text)
        return pii.mask_card(digits) if len(digits) > 8 else "*" * len(digits)
    return text


# ---------------------------------------------------------------- parsing one cell

def cell(parser, row, cells, name, report, required=False, **kw):
    """One cell parsed. A problem is reported and the row marked bad (``report.row_bad``), and
    parsing goes on, so the report names every problem of the row at once; the row is then left out."""
    value = cells.get(name)
    if tables._blank(value):
        if required:
            zh, en = report.names.get(name, (name, name))
            report.add(row, name, "required", f"{zh}不能为空", f"{en.capitalize()} is required")
            report.row_bad = True
        return None
    try:
        unit = getattr(report, "units", {}).get(name)  # (a loader's own report has no units)
        if unit:
            value = tables.scaled(value, unit)
        return parser(value, **kw)
    except CellProblem as problem:
        report.add(row, name, problem.code, problem.zh, problem.en, value)
        report.row_bad = True
        return None


class Skip(Exception):
    """This row already has a problem reported."""


def id_number(value):
    raw = tables.code_text(value)
    if "*" in raw or "＊" in raw:
        raise CellProblem("id_masked", "身份证号被部分隐藏了（含 *，如公示用的名单）：导入需要完整身份证号的名单",
                          "The ID number is partly hidden (has *, as on a public list): import the list with whole ID numbers")
    normal = pii.normalize_id(raw)  # (a 15-digit first-generation ID becomes its 18-digit form)
    if normal is None:
        raise CellProblem("id_malformed", "身份证号应为18位（最后一位可为X）或15位老证号",
                          "The ID number must be 18 characters (the last may be X), or an old 15-digit one")
    if not pii.id_checksum_ok(normal):
        raise CellProblem("id_checksum", "身份证号校验位不正确（可能有输错的数字）",
                          "The ID number's check digit is wrong (a digit may be mistyped)")
    try:  # digits 7–14 are the birth date: a real day, not in the future
        born = date(int(normal[6:10]), int(normal[10:12]), int(normal[12:14]))
    except ValueError:
        born = None
    if born is None or born > clock.today() or born.year < 1890:
        raise CellProblem("id_birth_date", "身份证号第7–14位的出生日期不存在（可能有输错的数字）",
                          "Digits 7–14 of the ID number are not a real birth date (a digit may be mistyped)")
    return normal


def past_day(value):
    """A date that has happened (a payment or a death is not dated in the future)."""
    day = tables.day(value)
    if day > clock.today():
        raise CellProblem("date_in_future", f"日期 {day.isoformat()} 还没有到", f"The date {day.isoformat()} is in the future")
    return day


def money(value):
    """An amount of yuan that cannot be negative (¥1,234.50, 1234.5元, full-width digits)."""
    amount = tables.decimal(value)
    if amount < 0:
        raise CellProblem("amount_negative", "金额不能为负数", "The amount cannot be negative")
    return amount


def card(value):
    normal = pii.normalize_card(tables.code_text(value))
    if normal is None:
        raise CellProblem("card_malformed", "银行卡号应为12至19位数字", "A bank card number has 12 to 19 digits")
    return normal


def phone(value):
    normal = pii.normalize_phone(tables.code_text(value))
    if normal is None:
        raise CellProblem("phone_malformed", "电话号码格式不正确（11位手机号或带区号的固话）",
                          "The phone number is malformed (11-digit mobile or a landline with area code)")
    return normal


# What a name looks like after a GBK file was read as another encoding: the replacement character,
# 锟斤拷 / 烫烫烫, or runs of accented Latin letters (ÑîÔÂÏÉ).
_MOJIBAKE = re.compile("\ufffd|锟斤拷|烫烫|屯屯|[\u00c0-\u00ff]{2,}")


def name(value, max_len=40):
    """A person's or a thing's name: not empty, not too long, not garbled, not a formula."""
    text = tables.person_name(value)
    if not text or len(text) > max_len:
        raise CellProblem("bad_name", f"名称为空或超过{max_len}个字", f"Empty or longer than {max_len} characters")
    if _MOJIBAKE.search(text):
        raise CellProblem("name_garbled", "名称是乱码：文件的编码可能不对（请用 Excel 另存为 UTF-8 的 CSV 或 .xlsx）",
                          "The name is garbled: the file's encoding may be wrong (save it from Excel as UTF-8 CSV or .xlsx)")
    if text[0] in "=+-@":  # a spreadsheet formula (or one dressed as a name), never a name
        raise CellProblem("name_formula", "名称不能以 = + - @ 开头（像是公式，不是名称）",
                          "A name cannot start with = + - @ (that is a formula, not a name)")
    return text


def short(value, max_len):
    text = tables.text(value)
    if len(text) > max_len:
        raise CellProblem("too_long", f"超过{max_len}个字", f"Longer than {max_len} characters")
    return text or None


# ---------------------------------------------------------------- the importer of a kind

def regions_below(region):
    return db.session.execute(select(Region).where(Region.path.startswith(region.path, autoescape=True))).scalars().all()


class Importer:
    kind = None
    title = ("", "")
    roles = ("township_lead", "county", "admin")
    fields = ()  # [Field]
    model = None  # the table a run writes (rows carry batch_id)
    users_of = ()  # [(model, column)]: rows still pointed at are not deleted by a withdrawal
    audit_prefix = "import"
    levels = ("province", "city", "county", "township")  # the region a file is imported for

    def __init__(self, region, report):
        self.region, self.report = region, report
        self._blind = {}
        self._memo = {}
        self.notes = []
        self.changed = []  # [(row id, {column: value before})] of stored rows this run overwrites
        self.progress = None  # progress(rows checked), now and then (a job's progress report)
        self.secret = None  # what the run hands back once (ImportRun.secret)
        self.actor = None  # who imports (set by the engine)

    @classmethod
    def aliases(cls):
        return {f.name: f.spellings() for f in cls.fields}

    @classmethod
    def required(cls):
        return [f.name for f in cls.fields if f.required]

    @classmethod
    def names(cls):
        return {f.name: (f.zh, f.en) for f in cls.fields}

    def remember(self, row, columns):
        """Keep what ``row`` (an ORM object or a result row) holds in ``columns`` before this run
        overwrites it, so that withdrawing the run can put it back."""
        self.changed.append((row.id, {c: _frozen(getattr(row, c)) for c in columns}))

    def blind(self, value, name):
        key = (value, name)
        found = self._blind.get(key)
        if found is None:
            found = self._blind[key] = pii.blind(value, name)
        return found

    def memo(self, parser, value, *args):
        """``parser(value, *args)``, computed once per distinct cell: names, amounts and dates repeat
        on many rows. Problems are not remembered, so every bad row still reports its own."""
        key = (parser, value.__class__, value, args)
        try:
            return self._memo[key]
        except KeyError:
            result = self._memo[key] = parser(value, *args)
            return result
        except TypeError:  # unhashable cell
            return parser(value, *args)

    def prepare(self, table):
        """Fill what the file says once rather than on every row (e.g. a year in the title)."""

    def is_example(self, cells):
        """The template's example row, left in by the clerk."""
        examples = getattr(self, "_examples", None)
        if examples is None:
            examples = self._examples = {f.name: tables.text(f.example) for f in self.fields if f.example is not None}
        given = {k: tables.text(v) for k, v in cells.items() if not tables._blank(v)}
        return bool(given) and len(given) >= min(3, len(examples)) and all(examples.get(k) == v for k, v in given.items())

    def parse(self, rows):
        self._file_rows = rows  # (the table's own list, in row order: messages quote cells as written)
        out = []
        for done, (number, cells) in enumerate(rows):
            if self.progress is not None and done % 2000 == 0:
                self.progress(done)
            if done < 3 and self.is_example(cells):
                self.notes.append({"code": "example_row_skipped", "message": {
                    "zh": f"第 {number} 行是模板中的示例，没有导入", "en": f"Row {number} is the template's example; not imported"}})
                continue
            self.report.row_bad = False
            try:
                row = self.parse_row(number, cells)
            except Skip:
                continue
            if not self.report.row_bad:
                out.append((number, row))
        return out

    def parse_row(self, number, cells):
        raise NotImplementedError

    def check(self, parsed):
        """Checks across rows and against stored data (after every row parsed cleanly)."""

    def write(self, parsed, batch_id):
        """Write the rows; returns [inserted, updated, unchanged]."""
        raise NotImplementedError

    @classmethod
    def undo(cls, run, added_ids):
        """Withdrawing ``run``: put back what the kind wrote beside its own table (before the rows
        it added, ``added_ids``, are deleted). Raise ApiError to refuse."""

    def written(self, run):
        """After writing: what should look again (the risk rules of the region, by default)."""
        jobs.touch(regions=[run.region_id])

    def duplicates(self, parsed, key_of, what_zh, what_en, fields):
        """Report each row whose key (``key_of(row)``) an earlier row of the file has: the message
        names the earlier row, what the key is, and the key's columns with this row's cells
        (``fields``: the key's field names, or ``fields(row)`` → them when the key depends on the row)."""
        seen = {}
        for number, row in parsed:
            key = key_of(row)
            if key in seen:
                zh, en = self.cells_named(number, fields(row) if callable(fields) else fields)
                self.report.add(number, None, "duplicate_row", f"与第 {seen[key]} 行重复（{what_zh}）" + (zh and f"：{zh}"),
                                f"Duplicates row {seen[key]} ({what_en})" + (en and f": {en}"))
            else:
                seen[key] = number

    def cells_named(self, number, names):
        """(zh, en): the columns ``names`` of row ``number`` with its cells as written — 文号“临财〔2026〕3号”、
        资金名称“…” — for a message; a column the file lacks or a blank cell is left out, a personal
        number masked (the report is stored)."""
        rows = getattr(self, "_file_rows", None) or []
        i = bisect.bisect_left(rows, number, key=lambda r: r[0])
        cells = rows[i][1] if i < len(rows) and rows[i][0] == number else {}
        zh, en = [], []
        for name in names:
            value = cells.get(name)
            if tables._blank(value):
                continue
            if isinstance(value, datetime) and value == datetime.combine(value.date(), datetime.min.time()):
                value = value.date()
            text = shown(name, value.isoformat() if isinstance(value, date) else tables.text(value))
            zh_name, en_name = self.report.names.get(name, (name, name))
            zh.append(f"{self.report.columns.get(name) or zh_name}“{text}”")
            en.append(f"{en_name} '{text}'")
        return "、".join(zh), ", ".join(en)


# ---------------------------------------------------------------- the run

def _replay(client_uuid, actor):
    """The run an earlier request with this ``client_uuid`` made (409 if someone else's)."""
    if not client_uuid:
        return None
    earlier = db.session.execute(select(ImportRun).where(ImportRun.client_uuid == str(client_uuid))).scalar_one_or_none()
    if earlier is not None and earlier.created_by_id != actor.id:
        raise ApiError(409, "client_uuid_reused", "该请求编号已被用于其他操作",
                       "This client_uuid was already used for a different request",
                       fields=[{"path": "form_and_files.client_uuid", "message": "already used"}])
    return earlier


def check_access(kind, region, actor):
    """403 when ``actor``'s role may not import ``kind``; 400 when ``region`` is not a level it is
    imported for."""
    importer = kind_of(kind)
    if actor.role not in importer.roles:
        raise ApiError(403, "role_forbidden", f"您的角色不能导入{importer.title[0]}",
                       f"Your role cannot import {importer.title[1].lower()}")
    if region.level not in importer.levels:
        # The kind's own levels, named: funds are not imported for a province, nor regions for a township.
        zh, en = _levels_named(importer.levels)
        raise ApiError(400, "import_region_level", f"{importer.title[0]}请在{zh}导入",
                       f"Import {importer.title[1].lower()} for {en}",
                       fields=[{"path": "form_and_files.region_id", "message": en}])
    return importer


def _levels_named(levels):
    """('county', 'township') → ('县/区或乡镇/街道', 'a county or a township')."""
    zh = [LEVEL_NAMES[level][0] for level in levels]
    en = [f"a {LEVEL_NAMES[level][1].lower()}" for level in levels]
    if len(levels) == 1:
        return zh[0], en[0]
    return "、".join(zh[:-1]) + "或" + zh[-1], ", ".join(en[:-1]) + " or " + en[-1]


def run(kind, region, actor, filename, data, client_uuid=None):
    """Import one file for ``region`` (in the actor's scope) here and now (the CLI, the tests).
    Returns the ``ImportRun`` — accepted, or rejected with its report (and then nothing else is
    written).

    The saved column names are looked up, then the transaction is ended and the file read: a
    caller then holds no lock while a large or hostile file is read (SQLite's write lock is taken at
    a writing transaction's first statement)."""
    earlier = _replay(client_uuid, actor)
    if earlier is not None:
        return earlier
    saved = saved_columns(kind, region)
    db.session.commit()
    table = read(kind, filename, data, saved)
    return process(_new_run(kind, region, actor, filename, data, client_uuid), region, actor, table)


def queue_file(kind, region, actor, filename, data, client_uuid):
    """Keep an uploaded file (storage) and queue its import: the run is ``queued`` until the job
    (``imports.jobs.run_import``) has imported it after this transaction commits. A replayed
    ``client_uuid`` returns the first run, whatever its state."""
    earlier = _replay(client_uuid, actor)
    if earlier is not None:
        return earlier
    key = f"imports/{uuid.uuid4().hex}"
    storage.from_config(current_app.config).put(key, data)
    record = _new_run(kind, region, actor, filename, data, client_uuid, file_key=key)
    db.session.add(record)
    db.session.flush()
    audit.record(actor, f"{kind_of(kind).audit_prefix}.import_queued", subject=record, kind=kind, size=len(data))
    from .jobs import run_import
    jobs.after_commit(run_import, record.id)
    return record


def _new_run(kind, region, actor, filename, data, client_uuid, file_key=None):
    """A ``queued`` run of this file (not yet added to the session)."""
    return ImportRun(kind=kind, region_id=region.id, filename=file_name(filename) or "upload",
                     sha256=hashlib.sha256(data or b"").hexdigest(), status="queued", created_by_id=actor.id,
                     client_uuid=str(client_uuid) if client_uuid else None, file_key=file_key)


def saved_columns(kind, region):
    """The column names saved for ``kind`` by ``region`` and the regions above it: {squashed header:
    field}; the region's own win over those above."""
    codes = [c for c in region.path.strip("/").split("/") if c]
    rows = db.session.execute(select(Region.path, ColumnMapping.columns).join(Region, Region.id == ColumnMapping.region_id)
                              .where(ColumnMapping.kind == kind, Region.code.in_(codes))).all()
    out = {}
    for _, columns in sorted(rows, key=lambda r: len(r[0])):
        out.update(columns or {})
    return out


def read(kind, filename, data, saved=None):
    """The file as a table, or the ``FileProblem`` that stops it. No database work: a job reads a
    large file before it opens its transaction. ``saved``: the region's own column names."""
    importer = kind_of(kind)
    aliases = importer.aliases()
    for header, name in (saved or {}).items():
        if name in aliases:  # the clerk's name for a column wins over a known name of another field
            for words in aliases.values():
                words.discard(header)
            aliases[name].add(header)
    try:
        return tables.read(filename, data, aliases, importer.required(), importer.names())
    except FileProblem as problem:
        if problem.code == "header_missing":
            _name_its_kind(importer, problem)
        return problem


def _name_its_kind(importer, problem):
    """A file of another kind (the project register chosen as 资金指标) is missing this kind's columns,
    and matching its columns to this kind's fields would import nonsense: when its header has every
    column another kind needs, the problem says which kind the file is, first, and is no longer
    ``header_missing`` but ``wrong_kind`` (naming the kind in ``looks_like``): the screen then offers
    that kind instead of the column-mapping step."""
    texts = [h["text"] for h in problem.headers or []]
    best, most = None, 0
    for other in KINDS.values():
        if other is importer:
            continue
        aliases = other.aliases()
        found = {tables._match(t, aliases) for t in texts} - {None}
        if set(other.required()) <= found and len(found) > most:
            best, most = other, len(found)
    if best is not None:
        problem.code, problem.looks_like = "wrong_kind", best.kind
        # (in place of header_missing's sentence, which ends by inviting the column-matching step)
        zh = "、".join(zh for zh, _ in problem.missing)
        en = ", ".join(en for _, en in problem.missing)
        problem.zh = (f"这个文件像是“{best.title[0]}”，不是“{importer.title[0]}”（没有{importer.title[0]}必需的列：{zh}）："
                      f"如果选错了数据类型，请在“数据类型”中选择“{best.title[0]}”后重新导入。")
        problem.en = (f"This file looks like {best.title[1].lower()}, not {importer.title[1].lower()} (the required "
                      f"columns {en} are missing): if the wrong kind was chosen, choose '{best.title[1]}' and "
                      "import again.")


def unshowable(rows, report):
    """Report each cell whose text holds a character no text keeps (``core.text``: control and
    text-direction characters, the rule of the API's fields; a cell's tabs and line breaks are read
    as spaces). The rows are parsed all the same, so that the report names every problem at once."""
    for number, cells in rows:
        strings = [v for v in cells.values() if isinstance(v, str)]
        if not strings or not text_rule.refused_in("".join(strings), multiline=True):
            continue
        for name, value in cells.items():
            if isinstance(value, str) and not tables._blank(value):  # (a cell of one stray Ctrl-Z is empty)
                try:
                    text_rule.check_characters(value, multiline=True)
                except text_rule.Refused as problem:
                    report.add(number, name, problem.code, problem.zh, problem.en, value)


def process(record, region, actor, table, progress=None):
    """Check and write ``table`` (from ``read``) as ``record``: accepted, or rejected with its
    report and nothing else written. ``progress(**values)`` hears how far it got."""
    cfg = current_app.config
    importer_class = kind_of(record.kind)
    record.status = "rejected"
    if isinstance(table, FileProblem):
        problem = table
        record.error_count = 1
        record.headers = problem.headers
        record.errors = [{"row": None, "column": None, "field": None, "code": problem.code,
                          "message": {"zh": problem.zh, "en": problem.en}, "value": None,
                          **({"looks_like": problem.looks_like} if problem.looks_like else {})}]
        return _finish(record, actor, importer_class)
    record.encoding, record.rows = table.encoding, len(table.rows)
    record.headers = table.headers
    report = Report(table.columns, cfg["IMPORT_MAX_ERRORS"], importer_class.names(),
                    units=money_units(importer_class, table))
    if not table.rows:
        report.add(None, None, "no_rows", "文件中没有数据行", "The file has no data rows")
    importer = importer_class(region, report)
    importer.actor = actor
    if progress is not None:
        importer.progress = lambda checked: progress(phase="checking", rows=len(table.rows), checked=checked,
                                                     problems=report.count)
        importer.progress(0)
    importer.prepare(table)
    blocked = report.count  # (no rows)
    unshowable(table.rows, report)
    parsed = importer.parse(table.rows) if blocked == 0 else []
    if table.rows and not parsed and report.count == 0:  # only the template's example
        report.add(None, None, "no_rows", "文件中没有数据行", "The file has no data rows")
    importer.check(parsed)  # the rows that parsed are checked against each other and the register too
    if report.count:
        if table.uncalculated and any(e["code"] == "required" for e in report.errors):
            report.errors.insert(0, {"row": None, "column": None, "field": None, "code": "formula_without_value",
                                     "message": {"zh": f"文件中有 {table.uncalculated} 个公式单元格没有计算结果（由程序生成的表格常见），"
                                                       "读出来是空的：请用 Excel 或 WPS 打开后保存一次再导入",
                                                 "en": f"{table.uncalculated} formula cells have no calculated value (common in "
                                                       "files written by programs) and read as empty: open the file in Excel "
                                                       "or WPS, save it, and import again"}, "value": None})
            report.count += 1
        record.error_count, record.errors = report.count, report.errors
        return _finish(record, actor, importer_class)
    record.status = "accepted"
    db.session.add(record)
    db.session.flush()
    if progress is not None:
        progress(phase="writing", rows=len(table.rows), checked=len(table.rows), problems=0)
    record.inserted, record.updated, record.unchanged = importer.write(parsed, record.id)
    if importer.changed:  # (an INSERT, not COPY: SQLAlchemy writes the JSON)
        db.session.execute(insert(ImportChange), [{"import_id": record.id, "row_id": row_id, "before": before}
                                                  for row_id, before in importer.changed])
    record.notes = _notes(table, importer_class) + _unit_notes(report, table) + importer.notes
    record.secret = importer.secret
    if record.inserted or record.updated:  # the same file again changes nothing: nothing to look at again
        importer.written(record)
    return _finish(record, actor, importer_class)


def money_units(importer_class, table):
    """{money field: "万元"} for the money columns this file writes in 10,000 yuan: the column's own
    header or its group says so, or the sheet does (单位：万元) and the column names no unit."""
    out = {}
    for f in importer_class.fields:
        if f.money and f.name in table.columns and (table.units.get(f.name) or table.unit) == "万元":
            out[f.name] = "万元"
    return out


def _unit_notes(report, table):
    if not report.units:
        return []
    names = "、".join(table.columns[f] for f in report.units)
    return [{"code": "amounts_in_wan", "message": {
        "zh": f"以下列按万元读入，已换算为元（× 10000）：{names}",
        "en": f"These columns were read in 万元 (10,000 yuan) and converted to yuan (× 10,000): {names}"}}]


def _notes(table, importer_class=None):
    if not table.unknown_columns:
        return []
    fields = importer_class.names() if importer_class else {}
    near = {h["text"]: h.get("suggested") for h in table.headers}
    zh, en = [], []
    for column in table.unknown_columns:
        hint = near.get(column[:60])
        zh.append(f"{column}（最接近的已知列名：{fields[hint][0]}）" if hint in fields else column)
        en.append(f"{column} (closest known header: {fields[hint][0]} / {fields[hint][1]})" if hint in fields else column)
    return [{"code": "columns_not_used", "message": {
        "zh": f"以下列没有导入（系统不认识这些列名）：{'、'.join(zh)}。如其中有需要的信息，请在“对应列”中指定它是哪一项，下次同样的表格会自动识别",
        "en": f"These columns were not imported (their names are not known): {', '.join(en)}. If one holds needed data, "
              "say which field it is under 'Match columns'; the same file will be read that way next time"}}]


def _finish(record, actor, importer_class):
    record.file_key = None  # done with the upload (the job deletes the file once this commits)
    db.session.add(record)
    db.session.flush()
    audit.record(actor, f"{importer_class.audit_prefix}.import_{record.status}", subject=record, kind=record.kind,
                 rows=record.rows, inserted=record.inserted, updated=record.updated, errors=record.error_count)
    return record


# ---------------------------------------------------------------- what a run hands back once

def seal_secret(items):
    """``items`` (a list of dicts, e.g. one-time passwords) sealed for ``ImportRun.secret``."""
    return pii.encrypt(json.dumps(items, ensure_ascii=False), "import_secret")


def take_secret(run, actor):
    """What ``run`` hands back once, to the person who imported it; wiped as it is taken. 403
    ``not_importer``; 404 ``secret_gone`` the second time. Audited."""
    if run.created_by_id != actor.id:
        raise ApiError(403, "not_importer", "只有导入的人可以查看", "Only the person who imported may see this")
    if not run.secret:
        raise ApiError(404, "secret_gone", "已经查看过，不能再次查看（可为用户重置密码）",
                       "Already shown once; it cannot be shown again (reset the user's password instead)")
    items = json.loads(pii.decrypt(run.secret, "import_secret"))
    run.secret = None
    audit.record(actor, "import.secret_taken", subject=run, kind=run.kind, count=len(items))
    return items


# ---------------------------------------------------------------- the column-mapping step

def save_mapping(kind, region, actor, columns):
    """Save which field each of ``columns`` ({header as written: field or null}) is, for ``region``'s
    files of ``kind``. 400 ``unknown_field`` for a field the kind does not have; a field given to two
    headers is 400 ``field_twice``. Returns the mapping."""
    importer = kind_of(kind)
    known = importer.names()
    out, seen = {}, {}
    for header, name in columns.items():
        key = squash(header)
        if not key:
            continue
        if name is None:
            out[key] = None
            continue
        if name not in known:
            raise ApiError(400, "unknown_field", f"“{importer.title[0]}”没有“{name}”这一项",
                           f"{importer.title[1]} has no field '{name}'", fields=[{"path": f"json.columns.{header}",
                                                                                    "message": "unknown field"}])
        if name in seen:
            raise ApiError(400, "field_twice", f"“{known[name][0]}”不能同时对应“{seen[name]}”和“{header}”两列",
                           f"'{known[name][1]}' cannot be both '{seen[name]}' and '{header}'",
                           fields=[{"path": f"json.columns.{header}", "message": "field given twice"}])
        seen[name] = header
        out[key] = name
    mapping = db.session.execute(select(ColumnMapping).where(ColumnMapping.region_id == region.id,
                                                             ColumnMapping.kind == kind)).scalar_one_or_none()
    if mapping is None:
        mapping = ColumnMapping(region_id=region.id, kind=kind, columns={})
        db.session.add(mapping)
    merged = dict(mapping.columns or {})
    for key, name in out.items():
        if name is None:
            merged.pop(key, None)
        else:
            merged[key] = name
    mapping.columns, mapping.updated_by_id, mapping.updated_at = merged, actor.id, clock.now()
    db.session.flush()
    audit.record(actor, "import.mapping_saved", subject=mapping, kind=kind, columns=out)
    return mapping


# ---------------------------------------------------------------- withdrawing a run (撤销)

def _frozen(value):
    """A stored value as JSON keeps it (decimals and dates as text)."""
    return str(value) if isinstance(value, (Decimal, date)) else value


def _thawed(model, column, value):
    kind = model.__table__.c[column].type
    if value is None:
        return None
    if isinstance(kind, Numeric):
        return Decimal(value)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    return value


def _may_withdraw(run, actor):
    """403 ``import_from_above``: a run is withdrawn at its importer's level or above. A county's
    budget lines imported for a township are the county's record of what it issued; the township
    seeing them (its region's run) may not delete them."""
    importer = run.created_by
    if importer is not None and importer.id != actor.id and not covers(actor, importer.region):
        raise ApiError(403, "import_from_above",
                       f"这次导入是{importer.region.name}的{importer.display_name}做的，只能由{importer.region.name}或其上级撤销",
                       f"This import was made by {importer.region.name} ({importer.display_name}); only "
                       f"{importer.region.name} or a level above it may withdraw it")


def withdraw(run, actor, reason, client_uuid):
    """Take an accepted run back whole: the rows it added are deleted and the rows it changed get
    their values from before it — a file imported by mistake (the wrong column read as the amount,
    payments wrongly marked paid) is undone, then the right one imported. Refused (409, nothing
    changed) when a later import has changed its rows since, or when other data already points at
    the rows it added. The same ``client_uuid`` again returns the run."""
    db.session.refresh(run, with_for_update=True)  # two withdrawals at once: the second waits, then sees the first
    other = db.session.scalar(select(ImportRun.id).where(ImportRun.withdraw_uuid == str(client_uuid),
                                                         ImportRun.id != run.id))
    if other is not None:
        raise ApiError(409, "client_uuid_reused", "该请求编号已被用于撤销另一次导入", "This client_uuid already withdrew another import",
                       fields=[{"path": "json.client_uuid", "message": "already used"}])
    if run.status == "withdrawn":
        if run.withdraw_uuid == str(client_uuid):
            return run
        raise _refused("import_withdrawn", "该次导入已经撤销", "This import was already withdrawn")
    if run.status != "accepted":
        raise _refused("import_not_withdrawable", "被拒绝的导入没有写入任何数据，无需撤销",
                       "A rejected import wrote nothing; there is nothing to withdraw")
    _may_withdraw(run, actor)
    importer = kind_of(run.kind)
    model = importer.model
    if model is None:
        raise _refused("import_not_withdrawable", "这种导入不能撤销", "This kind of import cannot be withdrawn")
    changes = db.session.execute(select(ImportChange).where(ImportChange.import_id == run.id)).scalars().all()
    touched = {c.row_id for c in changes}
    mine = db.session.execute(select(model.id).where(model.batch_id == run.id)).scalars().all()
    ids = [i for i in mine if i not in touched]  # the rows it added
    if len(ids) != run.inserted or not touched <= set(mine):
        raise _refused("import_changed_since", "该次导入的数据已被之后的导入修改，不能再撤销",
                       "A later import has changed this import's rows; it can no longer be withdrawn")
    for user, column in importer.users_of:
        for part in slices(ids):
            if db.session.scalar(select(user.id).where(among(getattr(user, column), part)).limit(1)):
                raise _refused("import_in_use", "该次导入的数据已被其他数据引用（如发放记录、支出或村民反映），不能撤销",
                               "Other data (payments, spending, villagers' cases) already refers to this import's rows; "
                               "it cannot be withdrawn")
    importer.undo(run, ids)  # what the kind wrote beside its table, put back first
    for part in slices(ids):
        db.session.execute(delete(model).where(among(model.id, part)))
    if changes:  # the rows it changed get their values back (a place put back takes its county back)
        restored = county.fill(model.__table__, [{"id": c.row_id, **{k: _thawed(model, k, v) for k, v in c.before.items()}}
                                                 for c in changes])
        db.session.execute(update(model), restored)
        county.follow(model.__table__, [r["id"] for r in restored if "county_id" in r])
    run.status, run.withdrawn_at, run.withdrawn_by_id = "withdrawn", clock.now(), actor.id
    run.withdrawn_reason, run.withdraw_uuid = reason, str(client_uuid)
    audit.record(actor, f"{importer.audit_prefix}.import_withdrawn", subject=run, kind=run.kind, deleted=len(ids),
                 reason=reason)
    jobs.touch(regions=[run.region_id])
    return run


def _refused(code, zh, en):
    return ApiError(409, code, zh, en)
