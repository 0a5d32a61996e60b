"""Importing the year's subsidy data, all or nothing.

Every kind of file goes through the same steps: read (tables.py) → parse each row into clean values
→ check the rows against each other and against what is stored → if *any* row has a problem, the
run is rejected with a report naming each row, column and problem and nothing is written → else
the rows are written in bulk (COPY on PostgreSQL). Writing is an upsert on each kind's natural key,
so importing the same file again changes nothing and a later file updates what changed.

The CLI (``flask subsidies-import``) and the tests call ``run``; an upload is kept and queued
(``queue_file``), and the job (``jobs.run_import``) calls ``read`` and ``process``.
"""
import difflib
import hashlib
import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask import current_app
from sqlalchemy import Date, Numeric, delete, insert, select, update

from .. import jobs
from ..core import audit, clock, pii, storage
from ..core.errors import ApiError
from ..core.models import Region
from ..extensions import db
from . import tables
from .models import (NOTICE_FINDINGS, Beneficiary, DeathRecord, Disbursement, NoticeEntry, PublicEmployee, SubsidyCase,
                     SubsidyImport, SubsidyImportChange, SubsidyPolicy)
from .tables import CellProblem, FileProblem, squash


def _aliases(**fields):
    return {name: {squash(w) for w in words.split("|")} | {name} for name, words in fields.items()}


PERSON = dict(
    # 户名 / 持卡人姓名: the account holder, as a bank's return file (代发回盘) names the person; checked
    # against the register like any name, so a card in someone else's name is reported, not taken.
    name="姓名|名字|补贴对象|对象姓名|补贴对象姓名|领取人|领取人姓名|收款人|收款人姓名|享受人|享受人姓名|人员姓名|户主姓名|死者姓名|"
         "户名|持卡人姓名|持卡人|账户名称|账户名|收款人户名|name",
    id_number="身份证号|身份证号码|公民身份号码|公民身份证号|身份证|证件号码|身份证件号码|证件号|身份证号18位|户主身份证号|"
              "户主身份证号码|补贴对象身份证号|对象身份证号|领取人身份证号|收款人身份证号|享受人身份证号|idnumber|idno",
)
PAYMENT = dict(
    policy="补贴项目|补贴名称|政策名称|补贴政策|补贴政策名称|补贴项目名称|项目名称|补贴种类|policy",
    period="期间|发放期间|所属期间|补贴期间|发放月份|月份|所属月份|期别|年月|发放年月|period",
    quantity="数量|面积|补贴面积|计补面积|亩数|人数|计补数量|补贴数量|quantity",
    amount="金额|发放金额|补贴金额|实发金额|实发|金额元|发放金额元|补贴金额元|公示金额|本次发放金额|实发金额元|交易金额|代发金额|"
           "入账金额|amount",
    bank_card="银行卡号|卡号|银行账号|账号|社保卡号|一卡通账号|一卡通卡号|收款账号|银行卡|存折号|存折账号|收款人账号|"
              "开户账号|银行卡折号|惠农卡号|开户银行卡号|银行卡账号|一卡通|一折通|一折通账号|惠农一卡通|社保卡银行账号|社保卡金融账号|"
              "收款卡号|打卡账号|bankcard",
    year="年度|年份|政策年度|year",
)
PLACE = dict(
    village="村|村名|村名称|所属村|村社区|行政村|行政村名称|村委会|所在村|村居|所属村社区|村组|社区|所属社区|社区名称|"
            "村居委会|居委会|村居名称|所属村居|village",
    # The township the village is in: a county's file names it, and the village is looked up there.
    township="乡镇|乡镇街道|镇街|镇街道|所属乡镇|乡镇名称|所属乡镇街道|所在乡镇|街道|镇|乡|township",
)
SPECS_ALIASES = {
    "policies": _aliases(
        name="政策名称|补贴名称|补贴项目|补贴政策|项目名称|补贴项目名称|name",
        category="类别|补贴类别|政策类别|补贴类型|category",
        standard_amount="标准|补贴标准|标准金额|补贴标准元|standardamount",
        unit="单位|计量单位|标准单位|计补单位|unit",
        legal_basis="政策依据|依据|文件依据|文件|legalbasis",
        department="主管部门|部门|发放部门|责任部门|牵头部门|department",
        year="年度|年份|政策年度|year",
        excluded="不享受对象|排除对象|除外对象|不予补贴对象|不得享受对象|不享受人员|excluded",
        excludes_public_employees="财政供养人员不享受|排除公职人员|公职人员不享受|excludespublicemployees",
        exclusive_with="互斥政策|不得同时享受|互斥|不得同时享受政策|exclusivewith"),
    "beneficiaries": _aliases(
        **PERSON, **PLACE,
        bank_card=PAYMENT["bank_card"],
        phone="电话|手机|手机号|手机号码|联系电话|联系方式|phone",
        household="户号|家庭户号|户编号|户口编号|家庭编号|household"),  # not 户主: that column holds 是/否 or a name
    "disbursements": _aliases(
        **PERSON, **PAYMENT, **PLACE,
        status="状态|发放状态|支付状态|兑付状态|交易状态|处理状态|代发状态|入账状态|status",
        paid_on="发放日期|支付日期|到账日期|发放时间|兑付日期|日期|交易日期|入账日期|处理日期|交易时间|paidon",
        reason="原因|失败原因|退回原因|备注|reason",
        voucher="凭证号|流水号|发放流水号|交易流水号|支付流水号|voucher"),
    "notices": _aliases(
        **PERSON, **PLACE, **{k: PAYMENT[k] for k in ("policy", "period", "quantity", "amount", "year")},
        published_on="公示日期|公示时间|publishedon"),
    "deaths": _aliases(**PERSON, died_on="死亡日期|死亡时间|注销日期|diedon"),
    "employees": _aliases(**PERSON, employer="工作单位|单位名称|所在单位|单位|employer"),
}
REQUIRED = {
    # The year may instead be in the title ("2026年惠农补贴政策清单"): see PolicyImporter.prepare.
    "policies": ("name", "category", "standard_amount"),
    "beneficiaries": ("name", "id_number", "village"),
    # The policy and the period may instead be in the title ("2026年耕地地力保护补贴发放清册"), the
    # period also in a year column: see PaymentImporter.prepare.
    "disbursements": ("id_number", "amount"),
    "notices": ("id_number", "amount"),
    "deaths": ("name", "id_number", "died_on"),
    "employees": ("name", "id_number"),
}
KIND_NAMES = {"policies": ("补贴政策清单", "policy list"), "beneficiaries": ("补贴对象", "beneficiaries"),
              "disbursements": ("补贴发放", "disbursements"), "notices": ("公示名单", "public notice"),
              "deaths": ("死亡人员名单", "death list"), "employees": ("财政供养人员名单", "public-employee list")}
PII_FIELDS = ("id_number", "bank_card", "phone")
FIELD_NAMES = {
    "name": ("姓名", "name"), "id_number": ("身份证号", "ID number"), "village": ("村", "village"),
    "township": ("乡镇", "township"),
    "bank_card": ("银行卡号", "bank card"), "phone": ("电话", "phone"), "household": ("户号", "household"),
    "policy": ("补贴项目", "policy"), "period": ("期间", "period"), "quantity": ("数量", "quantity"),
    "amount": ("金额", "amount"), "status": ("状态", "status"), "paid_on": ("发放日期", "paid date"),
    "reason": ("原因", "reason"), "voucher": ("凭证号", "voucher"), "year": ("年度", "year"),
    "category": ("类别", "category"), "standard_amount": ("标准", "standard"), "unit": ("单位", "unit"),
    "legal_basis": ("政策依据", "legal basis"), "department": ("主管部门", "department"),
    "excluded": ("不享受对象", "excluded"), "excludes_public_employees": ("财政供养人员不享受", "excludes public employees"),
    "exclusive_with": ("互斥政策", "exclusive with"), "died_on": ("死亡日期", "date of death"),
    "employer": ("工作单位", "employer"), "published_on": ("公示日期", "published on"),
}
PUBLIC_EMPLOYEE_WORDS = ("财政供养", "公职", "公务员", "机关事业", "事业单位", "行政事业", "吃财政")


@dataclass
class Report:
    columns: dict
    limit: int
    errors: list = field(default_factory=list)
    count: int = 0
    row_bad: bool = False  # the row being parsed has a problem

    def add(self, row, name, code, zh, en, value=None):
        self.count += 1
        if len(self.errors) < self.limit:
            column = self.columns.get(name) or (FIELD_NAMES.get(name, (name,))[0] if name else None)
            self.errors.append({"row": row, "column": column, "field": name, "code": code,
                                "message": {"zh": zh, "en": en}, "value": _shown(name, value)})


def _shown(name, value):
    """What the report shows of a bad cell: personal numbers masked (the report is stored)."""
    if value is None:
        return None
    text = tables.text(value)[:60] if not isinstance(value, str) else value[:60]
    if name in PII_FIELDS:
        digits = pii.plain(text)
        return pii.mask_card(digits) if len(digits) > 8 else "*" * len(digits)
    return text


# ---------------------------------------------------------------- parsing one row

def _cell(parser, row, cells, name, report, required=False, **kw):
    """One cell parsed. A problem is reported and the row marked bad (``report.row_bad``), and
    parsing goes on, so the report names every problem of the row at once; the row is then left out."""
    value = cells.get(name)
    if tables._blank(value):
        if required:
            zh, en = FIELD_NAMES[name]
            report.add(row, name, "required", f"{zh}不能为空", f"{en.capitalize()} is required")
            report.row_bad = True
        return None
    try:
        return parser(value, **kw)
    except CellProblem as problem:
        report.add(row, name, problem.code, problem.zh, problem.en, value)
        report.row_bad = True
        return None


class _Skip(Exception):
    """This row already has a problem reported."""


def _id_number(value):
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


def _past_day(value):
    """A date that has happened (a payment or a death is not dated in the future)."""
    day = tables.day(value)
    if day > clock.today():
        raise CellProblem("date_in_future", f"日期 {day.isoformat()} 还没有到", f"The date {day.isoformat()} is in the future")
    return day


def _card(value):
    normal = pii.normalize_card(tables.code_text(value))
    if normal is None:
        raise CellProblem("card_malformed", "银行卡号应为12至19位数字", "A bank card number has 12 to 19 digits")
    return normal


def _phone(value):
    normal = pii.normalize_phone(tables.code_text(value))
    if normal is None:
        raise CellProblem("phone_malformed", "电话号码格式不正确（11位手机号或带区号的固话）",
                          "The phone number is malformed (11-digit mobile or a landline with area code)")
    return normal


# What a name looks like after a GBK file was read as another encoding: the replacement character,
# 锟斤拷 / 烫烫烫, or runs of accented Latin letters (ÑîÔÂÏÉ).
_MOJIBAKE = re.compile("\ufffd|锟斤拷|烫烫|屯屯|[\u00c0-\u00ff]{2,}")


def _name(value, max_len=40):
    name = tables.person_name(value)
    if not name or len(name) > max_len:
        raise CellProblem("bad_name", f"名称为空或超过{max_len}个字", f"Empty or longer than {max_len} characters")
    if _MOJIBAKE.search(name):
        raise CellProblem("name_garbled", "姓名是乱码：文件的编码可能不对（请用 Excel 另存为 UTF-8 的 CSV 或 .xlsx）",
                          "The name is garbled: the file's encoding may be wrong (save it from Excel as UTF-8 CSV or .xlsx)")
    if name[0] in "=+-@":  # a spreadsheet formula (or one dressed as a name), never a person's name
        raise CellProblem("name_formula", "姓名不能以 = + - @ 开头（像是公式，不是姓名）",
                          "A name cannot start with = + - @ (that is a formula, not a name)")
    return name


def _short(value, max_len):
    text = tables.text(value)
    if len(text) > max_len:
        raise CellProblem("too_long", f"超过{max_len}个字", f"Longer than {max_len} characters")
    return text or None


def _standard(value):
    """'120', '120元/亩' or '¥1,200.50/人·年' → (amount, unit or None)."""
    if isinstance(value, (int, float, Decimal)):
        return tables.decimal(value), None
    text = tables.text(value)
    # 每人每月150元 / 每亩120元: the unit written around the amount.
    m = re.fullmatch(r"每(人|亩|户|头|只|吨|公斤|平方米)(?:每)?(月|年|次|季度?)?\s*[¥￥]?\s*([\d,，.]+)\s*元", text)
    if m:
        return tables.decimal(m[3]), f"元/{m[1]}" + (f"·{m[2]}" if m[2] else "")
    m = re.match(r"^[¥￥]?\s*([\d,，.]+)\s*(元?\s*/.*|元.*)?$", text)
    if not m:
        raise CellProblem("standard_not_an_amount", f"“{text}”不是一个金额：补贴标准请填金额（如 120、120元/亩、每人每月150元）；"
                          "按目录或分档计算的政策请填最高档标准", f"'{text}' is not an amount: give the standard as an amount "
                          "(120, 120元/亩, 每人每月150元); for a policy paid by a schedule, its highest rate")
    unit = (m[2] or "").strip() or None
    return tables.decimal(m[1]), unit


# ---------------------------------------------------------------- the run

class Rejected(Exception):
    pass


def _replay(client_uuid, actor):
    """The run an earlier request with this ``client_uuid`` made (409 if someone else's)."""
    if not client_uuid:
        return None
    earlier = db.session.execute(select(SubsidyImport).where(SubsidyImport.client_uuid == str(client_uuid))
                                 ).scalar_one_or_none()
    if earlier is not None and earlier.created_by_id != actor.id:
        raise ApiError(409, "client_uuid_reused", "该请求编号已被用于其他操作",
                       "This client_uuid was already used for a different request",
                       fields=[{"path": "form_and_files.client_uuid", "message": "already used"}])
    return earlier


def run(kind, region, actor, filename, data, client_uuid=None):
    """Import one file for ``region`` (a township or above in the actor's scope) here and now (the
    CLI, the job). Returns the ``SubsidyImport`` — accepted, or rejected with its report (and then
    nothing else is written).

    The file is read before the first query: a caller that holds no transaction (the CLI) then holds
    no lock while a large or hostile file is read (SQLite's write lock is taken at a writing
    transaction's first statement)."""
    table = read(kind, filename, data)
    earlier = _replay(client_uuid, actor)
    if earlier is not None:
        return earlier
    return process(_new_run(kind, region, actor, filename, data, client_uuid), region, actor, table)


def queue_file(kind, region, actor, filename, data, client_uuid):
    """Keep an uploaded file (storage) and queue its import: the run is ``queued`` until the job
    (``subsidies.jobs.run_import``) has imported it after this transaction commits. A replayed
    ``client_uuid`` returns the first run, whatever its state."""
    earlier = _replay(client_uuid, actor)
    if earlier is not None:
        return earlier
    key = f"imports/{uuid.uuid4().hex}"
    storage.from_config(current_app.config).put(key, data)
    record = _new_run(kind, region, actor, filename, data, client_uuid, file_key=key)
    db.session.add(record)
    db.session.flush()
    audit.record(actor, "subsidy.import_queued", subject=record, kind=kind, size=len(data))
    from .jobs import run_import
    jobs.after_commit(run_import, record.id)
    return record


def _new_run(kind, region, actor, filename, data, client_uuid, file_key=None):
    """A ``queued`` run of this file (not yet added to the session)."""
    return SubsidyImport(kind=kind, region_id=region.id, filename=(filename or "upload")[:200],
                         sha256=hashlib.sha256(data or b"").hexdigest(), status="queued", created_by_id=actor.id,
                         client_uuid=str(client_uuid) if client_uuid else None, file_key=file_key)


def read(kind, filename, data):
    """The file as a table, or the ``FileProblem`` that stops it. No database work: a job reads a
    large file before it opens its transaction."""
    try:
        return tables.read(filename, data, SPECS_ALIASES[kind], REQUIRED[kind], FIELD_NAMES)
    except FileProblem as problem:
        return problem


def process(record, region, actor, table, progress=None):
    """Check and write ``table`` (from ``read``) as ``record``: accepted, or rejected with its
    report and nothing else written. ``progress(**values)`` hears how far it got."""
    cfg = current_app.config
    record.status = "rejected"
    if isinstance(table, FileProblem):
        problem = table
        record.error_count = 1
        record.errors = [{"row": None, "column": None, "field": None, "code": problem.code,
                          "message": {"zh": problem.zh, "en": problem.en}, "value": None}]
        return _finish(record, actor)
    record.encoding, record.rows = table.encoding, len(table.rows)
    report = Report(table.columns, cfg["SUBSIDY_IMPORT_MAX_ERRORS"])
    if not table.rows:
        report.add(None, None, "no_rows", "文件中没有数据行", "The file has no data rows")
    importer = IMPORTERS[record.kind](region, report)
    if progress is not None:
        importer.progress = lambda checked: progress(phase="checking", rows=len(table.rows), checked=checked,
                                                     problems=report.count)
        importer.progress(0)
    importer.prepare(table)
    parsed = importer.parse(table.rows) if report.count == 0 else []
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
        return _finish(record, actor)
    record.status = "accepted"
    db.session.add(record)
    db.session.flush()
    if progress is not None:
        progress(phase="writing", rows=len(table.rows), checked=len(table.rows), problems=0)
    record.inserted, record.updated, record.unchanged = importer.write(parsed, record.id)
    if importer.changed:  # (an INSERT, not COPY: SQLAlchemy writes the JSON)
        db.session.execute(insert(SubsidyImportChange), [{"import_id": record.id, "row_id": row_id, "before": before}
                                                         for row_id, before in importer.changed])
    record.notes = _notes(table) + importer.notes
    jobs.touch(regions=[record.region_id])  # the subsidy rules look at the region again
    return _finish(record, actor)


def _notes(table):
    if not table.unknown_columns:
        return []
    names = "、".join(table.unknown_columns)
    return [{"code": "columns_not_used", "message": {
        "zh": f"以下列没有导入（系统不认识这些列名）：{names}。如其中有需要的信息，请把列名改成常用写法（如“银行卡号”“联系电话”）",
        "en": f"These columns were not imported (their names are not known): {names}. If one holds needed data, "
              "rename it the usual way (e.g. 银行卡号, 联系电话)"}}]


def _finish(record, actor):
    record.file_key = None  # done with the upload (the job deletes the file once this commits)
    db.session.add(record)
    db.session.flush()
    audit.record(actor, f"subsidy.import_{record.status}", subject=record, kind=record.kind,
                 rows=record.rows, inserted=record.inserted, updated=record.updated, errors=record.error_count)
    return record


def _regions_below(region):
    return db.session.execute(select(Region).where(Region.path.startswith(region.path, autoescape=True))).scalars().all()


class Importer:
    fields = ()

    def __init__(self, region, report):
        self.region, self.report = region, report
        self._blind = {}
        self._memo = {}
        self.notes = []
        self.changed = []  # [(row id, {column: value before})] of stored rows this run overwrites
        self.progress = None  # progress(rows checked), now and then (a job's progress report)

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
        """``parser(value, *args)``, computed once per distinct cell: a person's ID, name and card,
        the policy, the amounts and dates repeat on many rows. Problems are not remembered, so
        every bad row still reports its own."""
        key = (parser, value.__class__, value, args)
        try:
            return self._memo[key]
        except KeyError:
            result = self._memo[key] = parser(value, *args)
            return result
        except TypeError:  # unhashable cell
            return parser(value, *args)

    def prepare(self, table):
        """Fill what the file says once rather than on every row (payments: see PaymentImporter)."""

    def parse(self, rows):
        out = []
        for done, (number, cells) in enumerate(rows):
            if self.progress is not None and done % 2000 == 0:
                self.progress(done)
            self.report.row_bad = False
            try:
                row = self.parse_row(number, cells)
            except _Skip:
                continue
            if not self.report.row_bad:
                out.append((number, row))
        return out

    def check(self, parsed):
        """Checks across rows and against stored data (after every row parsed cleanly)."""

    def duplicates(self, parsed, key_of, what_zh, what_en):
        seen = {}
        for number, row in parsed:
            key = key_of(row)
            if key in seen:
                self.report.add(number, None, "duplicate_row", f"与第 {seen[key]} 行重复（{what_zh}）",
                                f"Duplicates row {seen[key]} ({what_en})")
            else:
                seen[key] = number

    def people(self, parsed):
        """Beneficiaries named by ID number in ``parsed``: {id_hash: (id, region_id, name, card…)}."""
        hashes = list({row["id_hash"] for _, row in parsed})
        found = {}
        for start in range(0, len(hashes), 5000):
            chunk = hashes[start:start + 5000]
            for b in db.session.execute(select(Beneficiary.id_hash, Beneficiary.id, Beneficiary.region_id,
                                               Beneficiary.name, Beneficiary.card_enc, Beneficiary.card_hash,
                                               Beneficiary.card_mask).where(Beneficiary.id_hash.in_(chunk))):
                found[b.id_hash] = b
        return found

    def person_fields(self, number, cells, out):
        out["id_number"] = _cell(lambda v: self.memo(_id_number, v), number, cells, "id_number", self.report,
                                 required=True)
        out["id_hash"] = self.blind(out["id_number"], "id_number")
        return out


# ---------------------------------------------------------------- policies

class PolicyImporter(Importer):
    def prepare(self, table):
        """A list for one year often says the year only in its title ("2026年惠农补贴政策清单"): it is
        then every row's year."""
        if "year" in table.columns:
            return
        found = re.search(r"(20\d{2})\s*年", table.title)
        if found is None:
            self.report.add(None, "year", "header_missing", "缺少“年度”列（或在表格标题中写明年度，如“2026年补贴政策清单”）",
                            "No year column (nor a year in the sheet's title, e.g. 2026年补贴政策清单)")
            return
        table.columns["year"] = f"标题：{found.group(0)}"
        for _, cells in table.rows:
            cells["year"] = found[1]

    def parse_row(self, n, c):
        r = self.report
        row = {"name": _cell(_name, n, c, "name", r, required=True, max_len=100),
               "category": _cell(_short, n, c, "category", r, required=True, max_len=40),
               "year": _cell(tables.year, n, c, "year", r, required=True),
               "legal_basis": _cell(_short, n, c, "legal_basis", r, max_len=300),
               "department": _cell(_short, n, c, "department", r, max_len=60),
               "excluded": _cell(_short, n, c, "excluded", r, max_len=300),
               "unit": _cell(_short, n, c, "unit", r, max_len=20)}
        amount, unit = _cell(_standard, n, c, "standard_amount", r, required=True) or (None, None)
        row["standard_amount"], row["unit"] = amount, row["unit"] or unit or "元"
        flag = _cell(tables.yes_no, n, c, "excludes_public_employees", r)
        row["excludes_public_employees"] = bool(flag) or any(w in (row["excluded"] or "") for w in PUBLIC_EMPLOYEE_WORDS)
        other = _cell(_short, n, c, "exclusive_with", r, max_len=300) or ""
        row["exclusive_with"] = [tables.text(x) for x in re.split(r"[、,，;；/\n]", other) if tables.text(x)]
        row["key"] = (squash(row["name"]), row["year"])
        return row

    def check(self, parsed):
        self.duplicates(parsed, lambda row: row["key"], "同名同年度政策", "same policy and year")

    def write(self, parsed, batch_id):
        existing = {(squash(p.name), p.year): p for p in db.session.execute(
            select(SubsidyPolicy).where(SubsidyPolicy.region_id == self.region.id)).scalars()}
        counts = [0, 0, 0]
        cols = ("category", "standard_amount", "unit", "legal_basis", "department", "excluded",
                "excludes_public_employees", "exclusive_with")
        for _, row in parsed:
            policy = existing.get(row["key"])
            if policy is None:
                db.session.add(SubsidyPolicy(region_id=self.region.id, name=row["name"], year=row["year"],
                                             batch_id=batch_id, **{c: row[c] for c in cols}))
                counts[0] += 1
            elif any(getattr(policy, c) != row[c] for c in cols):
                self.remember(policy, (*cols, "batch_id"))
                for c in cols:
                    setattr(policy, c, row[c])
                policy.batch_id = batch_id
                counts[1] += 1
            else:
                counts[2] += 1
        db.session.flush()
        return counts


# ---------------------------------------------------------------- beneficiaries

class Villages:
    """The villages under the importing region, found by code or name — inside the township the file
    names (a 乡镇 column, or the township written before the village: 锦城街道钱王社区, 锦城街道 钱王社区,
    锦城街道-钱王社区), so that two villages of one name in two townships are told apart and a village
    that exists, but not in the township the row says, is that row's error."""

    def __init__(self, region):
        below = _regions_below(region)
        villages = [r for r in below if r.level == "village"]
        self.townships = [r for r in below if r.level == "township"]
        self.by_code = {v.code: v for v in villages}
        self.by_name, self.by_stem = {}, {}
        for v in villages:
            self.by_name.setdefault(squash(v.name), []).append(v)
            self.by_stem.setdefault(_village_stem(squash(v.name)), []).append(v)
        self.township_names = {}
        for t in self.townships:
            for key in {squash(t.name), _township_stem(squash(t.name))}:
                self.township_names.setdefault(key, []).append(t)

    def township(self, value):
        """A 乡镇 cell: the township's code, name or name without 街道/镇/乡."""
        text = tables.text(value)
        key = squash(text)
        found = ([t for t in self.townships if t.code == key] or self.township_names.get(key)
                 or self.township_names.get(_township_stem(key)) or [])
        if len(found) == 1:
            return found[0]
        known = "、".join(sorted(t.name for t in self.townships)[:30])
        raise CellProblem("unknown_township", f"本辖区没有“{text}”这个乡镇（街道）（本辖区的乡镇：{known or '无'}）",
                          f"No township '{text}' in this region (its townships: {known or 'none'})")

    def __call__(self, value, township=None):
        text = tables.text(value)
        key = squash(text)
        if key in self.by_code:
            return self._inside(self.by_code[key], township, text)
        found = self.by_name.get(key) or self.by_stem.get(_village_stem(key))
        if not found:
            # 锦城街道钱王社区: the township before the village (the longest township name that starts it).
            for name in sorted(self.township_names, key=len, reverse=True):
                if len(key) > len(name) and key.startswith(name) and len(self.township_names[name]) == 1:
                    written = self.township_names[name][0]
                    rest = self._find(key[len(name):])
                    if not rest:
                        continue
                    if township is not None and written.id != township.id:
                        raise CellProblem("township_mismatch", f"“{text}”中的乡镇“{written.name}”与乡镇列的“{township.name}”不一致",
                                          f"'{text}' names township {written.name}, the township column {township.name}")
                    township, found = written, rest
                    break
            else:
                found = self._find(key)
        inside = [v for v in found if township is None or v.path.startswith(township.path)]
        if len(inside) == 1:
            return inside[0]
        if len(inside) > 1:
            raise CellProblem("village_ambiguous", f"“{text}”在本辖区有多个同名村，请写村代码或乡镇+村名（如“锦城街道钱王社区”），"
                              "或加一列“乡镇”", f"Several villages here are called '{text}'; give the village code, "
                              "township + village (锦城街道钱王社区), or a township column")
        if found:  # the village exists, in another township than the row says
            elsewhere = "、".join(sorted({self._township_of(v) for v in found}))
            raise CellProblem("village_not_in_township", f"“{township.name}”没有“{text}”这个村（同名村在：{elsewhere}）",
                              f"Township {township.name} has no village '{text}' (a village of that name is in {elsewhere})")
        known = sorted({v.name for vs in self.by_name.values() for v in vs
                        if township is None or v.path.startswith(township.path)})
        listed = "、".join(known[:30]) + ("等" if len(known) > 30 else "")
        where_zh, where_en = (f"“{township.name}”", township.name) if township is not None else ("本辖区", "this region")
        raise CellProblem("unknown_village", f"{where_zh}没有“{text}”这个村（{where_zh}的村：{listed}）",
                          f"No village '{text}' in {where_en} (its villages: {listed})")

    def _find(self, key):
        # 钱王社区, 锦城街道钱王社区 or 钱王社区3组: the village's own name, with more before it or a
        # group (组) after it.
        return (self.by_name.get(key) or [v for name, vs in self.by_name.items() if key.endswith(name) for v in vs]
                or [v for name, vs in self.by_name.items() if key.startswith(name) for v in vs]
                or [v for name, vs in self.by_name.items() if name in key for v in vs]  # 锦城街道钱王社区3组
                # 钱王村 or 钱王 for 钱王社区: the same name without its 村/社区/居委会
                or [v for stem, vs in self.by_stem.items() if _village_stem(key) == stem for v in vs]
                or [v for v in self.by_code.values() if v.code == key])

    def _inside(self, village, township, text):
        if township is not None and not village.path.startswith(township.path):
            raise CellProblem("village_not_in_township", f"“{township.name}”没有“{text}”这个村（它在{self._township_of(village)}）",
                              f"Township {township.name} has no village '{text}' (it is in {self._township_of(village)})")
        return village

    def _township_of(self, village):
        return next((t.name for t in self.townships if village.path.startswith(t.path)), village.name)


def _township_stem(key):
    return re.sub(r"(街道办事处|街道|镇|乡)$", "", key) or key


class BeneficiaryImporter(Importer):
    def __init__(self, region, report):
        super().__init__(region, report)
        self.villages = Villages(region)
        self.columns = set()

    def prepare(self, table):
        self.columns = set(table.columns)

    def parse_row(self, n, c):
        r = self.report
        row = self.person_fields(n, c, {"name": _cell(_name, n, c, "name", r, required=True)})
        township = _cell(self.villages.township, n, c, "township", r)
        row["village"] = _cell(lambda v: self.memo(self.villages, v, township), n, c, "village", r, required=True)
        row["bank_card"] = _cell(_card, n, c, "bank_card", r)
        row["phone"] = _cell(_phone, n, c, "phone", r)
        row["household"] = _cell(_short, n, c, "household", r, max_len=60)
        return row

    def check(self, parsed):
        self.duplicates(parsed, lambda row: row["id_hash"], "同一身份证号", "same ID number")
        self.existing = {}
        hashes = [row["id_hash"] for _, row in parsed]
        for start in range(0, len(hashes), 5000):
            for b in db.session.execute(select(Beneficiary).where(Beneficiary.id_hash.in_(hashes[start:start + 5000]))).scalars():
                self.existing[b.id_hash] = b
        for number, row in parsed:
            b = self.existing.get(row["id_hash"])
            if b is not None and not db.session.get(Region, b.region_id).path.startswith(self.region.path):
                self.report.add(number, "id_number", "registered_elsewhere", "此人已登记在其他乡镇，请联系上级调整",
                                "This person is registered in another township; ask the county to move them",
                                row["id_number"])

    def write(self, parsed, batch_id):
        counts = [0, 0, 0]
        kept = {"bank_card": 0, "phone": 0, "household": 0}
        for _, row in parsed:
            b = self.existing.get(row["id_hash"])
            card_hash = self.blind(row["bank_card"], "bank_card") if row["bank_card"] else None
            phone_hash = self.blind(row["phone"], "phone") if row["phone"] else None
            if b is None:
                id_enc, id_hash, id_mask = pii.seal(row["id_number"], "id_number")
                card = pii.seal(row["bank_card"], "bank_card")
                phone = pii.seal(row["phone"], "phone")
                db.session.add(Beneficiary(
                    region_id=row["village"].id, name=row["name"], id_enc=id_enc, id_hash=id_hash, id_mask=id_mask,
                    card_enc=card[0], card_hash=card[1], card_mask=card[2], phone_enc=phone[0], phone_hash=phone[1],
                    phone_mask=phone[2], household=row["household"], batch_id=batch_id))
                counts[0] += 1
                continue
            changed = False
            self.remember(b, BENEFICIARY_COLUMNS)  # dropped again below if nothing changes
            household = row["household"] or b.household  # not given: kept, like the card and phone
            if not row["household"] and b.household:
                kept["household"] += 1
            for attr, value in (("region_id", row["village"].id), ("name", row["name"]), ("household", household)):
                if getattr(b, attr) != value:
                    setattr(b, attr, value)
                    changed = True
            # A card or phone the file does not give (no such column, or an empty cell) is kept as
            # stored: a roster of names and villages must not wipe the cards the payments go to.
            if card_hash and b.card_hash != card_hash:
                b.card_enc, b.card_hash, b.card_mask = pii.seal(row["bank_card"], "bank_card")
                changed = True
            elif not card_hash and b.card_hash:
                kept["bank_card"] += 1
            if phone_hash and b.phone_hash != phone_hash:
                b.phone_enc, b.phone_hash, b.phone_mask = pii.seal(row["phone"], "phone")
                changed = True
            elif not phone_hash and b.phone_hash:
                kept["phone"] += 1
            if changed:
                b.batch_id = batch_id
                counts[1] += 1
            else:
                self.changed.pop()
                counts[2] += 1
        for name, n in kept.items():
            if n:
                zh, en = FIELD_NAMES[name]
                self.notes.append({"code": "values_kept", "message": {
                    "zh": f"{n} 人的{zh}文件中没有给出（{'没有该列' if name not in self.columns else '单元格为空'}），保留了系统中已有的{zh}",
                    "en": f"The file gives no {en} for {n} people ({'no such column' if name not in self.columns else 'empty cells'}); "
                          f"the stored {en} was kept"}})
        db.session.flush()
        return counts


def _village_stem(key):
    return re.sub(r"(村民委员会|居民委员会|村委会|居委会|社区|村)$", "", key) or key


# ---------------------------------------------------------------- payments and the public notice

class PolicyLookup:
    """Policies a region may pay: issued by it, above it or below it; found by name and year."""

    def __init__(self, region):
        above = [p for p in region.path.strip("/").split("/")]
        rows = db.session.execute(
            select(SubsidyPolicy.id, SubsidyPolicy.name, SubsidyPolicy.year, SubsidyPolicy.unit)
            .join(Region, Region.id == SubsidyPolicy.region_id)
            .where(Region.path.startswith(region.path, autoescape=True) | Region.code.in_(above))).all()
        self.by_name, self.written, self.units = {}, {}, {}
        for pid, name, year, unit in rows:
            self.by_name.setdefault(squash(name), {})[year] = pid
            self.written[squash(name)] = name
            self.units[pid] = unit or ""

    def names(self):
        return set(self.by_name)

    def near(self, key, n=3):
        """The policies a clerk probably meant: names that hold what they wrote, or hold it whole
        (养老金 → 城乡居民基础养老金), then names that are close (耕地保护补贴 → 耕地地力保护补贴)."""
        if not key:
            return []
        scored = []
        for name in self.by_name:
            ratio = difflib.SequenceMatcher(None, key, name).ratio()
            bare = re.sub(r"(补贴|补助|资金|津贴)$", "", key)
            contained = len(bare) >= 2 and (bare in name or name in key)
            if contained or ratio >= 0.6:
                scored.append((not contained, -ratio, name))
        return [name for *_, name in sorted(scored)[:n]]

    def __call__(self, value, year):
        text = tables.text(value)
        # "2026年耕地地力保护补贴": the year written before the name.
        key = squash(text)
        years = self.by_name.get(key) or self.by_name.get(re.sub(r"^\d{4}年?度?", "", key))
        if not years:
            near = [self.written[k] for k in self.near(re.sub(r"^\d{4}年?度?", "", key))]
            hint_zh = f"，是不是“{'”或“'.join(near)}”？" if near else "（请先导入政策清单）"
            hint_en = f"; did you mean {' or '.join(near)}?" if near else " (import the policy list first)"
            raise CellProblem("unknown_policy", f"没有名为“{text}”的补贴政策{hint_zh}", f"No policy called '{text}'{hint_en}")
        if year not in years:
            raise CellProblem("policy_year_missing", f"“{text}”没有 {year} 年度的政策", f"'{text}' has no policy for {year}")
        return years[year]


_MONTHS = {"": 12, "-Q1": 3, "-Q2": 3, "-Q3": 3, "-Q4": 3, "-H1": 6, "-H2": 6}


class PaymentImporter(Importer):
    """Shared by disbursements and notices: policy + person + period + amount."""

    def __init__(self, region, report):
        super().__init__(region, report)
        self.policies = PolicyLookup(region)
        self._villages = None  # read when a row names its village

    title_year = None

    def prepare(self, table):
        """A file for one policy often names it (and the year or month) only in its title, and an
        annual subsidy's file has a 年度 column instead of a period: fill those in for every row."""
        r = self.report
        year = re.search(r"(20\d{2})\s*年", table.title)
        self.title_year = year[1] if year else None  # completes a month written alone (5月)
        if "policy" not in table.columns:
            names = sorted(self.policies.names(), key=len, reverse=True)
            named = next((n for n in names if squash(n) in squash(table.title)), None)
            if named is None:
                r.add(None, "policy", "header_missing", "缺少“补贴项目”列（或在表格标题中写明补贴名称）",
                      "No policy column (or name the policy in the sheet's title)")
                return
            table.columns["policy"] = f"标题：{named}"
            for _, cells in table.rows:
                cells["policy"] = named
        if "period" not in table.columns:
            source = "year" if "year" in table.columns else None
            found = re.search(r"(\d{4})\s*年\s*(?:\d{1,2}\s*(?:月份?)?\s*[-~—至到]\s*\d{1,2}\s*月|(\d{1,2})\s*月"
                              r"|第?([一二三四1-4])季度|([上下])半年)?", table.title)
            if source is None and found is None:
                r.add(None, "period", "header_missing", "缺少“期间”列（或“年度”列，或在标题中写明年月）",
                      "No period column (nor a year column, nor a year or month in the title)")
                return
            table.columns["period"] = table.columns.get("year") or f"标题：{found.group(0)}"
            title_period = found.group(0).replace(" ", "") if found else None
            for _, cells in table.rows:
                cells["period"] = cells.get("year") if source else title_period

    def payment_fields(self, n, c, amount=tables.decimal):
        r = self.report
        row = self.person_fields(n, c, {"name": _cell(lambda v: self.memo(_name, v), n, c, "name", r)
                                        if "name" in c else None})
        return self.payment_values(n, c, row, amount)

    def payment_values(self, n, c, row, amount=tables.decimal):
        r = self.report
        row["period"] = _cell(lambda v: self.memo(tables.period, v, self.title_year), n, c, "period", r, required=True)
        year = _cell(tables.year, n, c, "year", r) or (int(row["period"][:4]) if row["period"] else None)
        row["policy_id"] = (_cell(lambda v: self.memo(self.policies, v, year), n, c, "policy", r, required=True)
                            if year else None)
        row["amount"] = _cell(lambda v: self.memo(amount, v), n, c, "amount", r, required=True)
        quantity = _cell(lambda v: self.memo(tables.decimal, v, 3), n, c, "quantity", r)
        if quantity is None:
            # A per-month policy (元/人·月) paid for a quarter, a half or a year covers that many months.
            months = _MONTHS.get((row["period"] or "")[4:], 1)
            monthly = row["policy_id"] is not None and "月" in self.policies.units.get(row["policy_id"], "")
            quantity = Decimal(months if monthly else 1)
        row["quantity"] = quantity
        row["village"] = self.place(n, c)
        return row

    def place(self, n, c):
        """The village a row names (with its township), or None when the file has no village column."""
        if tables._blank(c.get("village")):
            if not tables._blank(c.get("township")):
                _cell(self.villages.township, n, c, "township", self.report)
            return None
        township = _cell(lambda v: self.memo(self.villages.township, v), n, c, "township", self.report)
        return _cell(lambda v: self.memo(self.villages, v, township), n, c, "village", self.report)

    @property
    def villages(self):
        if self._villages is None:
            self._villages = Villages(self.region)
        return self._villages

    def check_people(self, parsed):
        self.found = found = self.people(parsed)
        for number, row in parsed:
            person = found.get(row["id_hash"])
            if person is None:
                self.report.add(number, "id_number", "unknown_beneficiary", "该身份证号不在补贴对象名单中（请先导入补贴对象）",
                                "This ID number is not among the beneficiaries (import them first)", row["id_number"])
            elif not self.in_region(person.region_id):
                self.report.add(number, "id_number", "out_of_scope", "此人不属于本辖区", "This person is outside this region",
                                row["id_number"])
            elif row["name"] and self.memo(squash, row["name"]) != self.memo(squash, person.name):
                self.report.add(number, "name", "name_mismatch", f"姓名与身份证号登记的“{pii.mask_name(person.name)}”不符",
                                f"The name does not match the one registered for this ID ({pii.mask_name(person.name)})",
                                row["name"])
            elif row.get("village") is not None and row["village"].id != person.region_id:
                # Paid as a villager of one village, registered in another: a moved person whose
                # register was not updated, or a payment booked to the wrong person.
                registered = self.region_name(person.region_id)
                self.report.add(number, "village", "village_mismatch",
                                f"村与此人在补贴对象名单中登记的“{registered}”不符（如已迁居，请先更新补贴对象名单）",
                                f"The village differs from the one this person is registered in ({registered}); if they "
                                "moved, update the beneficiary list first", row["village"].name)

    def region_name(self, region_id):
        return db.session.get(Region, region_id).name  # (the session's identity map keeps each region once)

    def in_region(self, region_id):
        if not hasattr(self, "_inside"):
            self._inside = {r.id for r in _regions_below(self.region)}
        return region_id in self._inside


class DisbursementImporter(PaymentImporter):
    def parse_row(self, n, c):
        r = self.report
        row = self.payment_fields(n, c)
        row["bank_card"] = _cell(lambda v: self.memo(_card, v), n, c, "bank_card", r)
        row["paid_on"] = _cell(lambda v: self.memo(_past_day, v), n, c, "paid_on", r)
        state, said = _cell(lambda v: self.memo(tables.status_reason, v), n, c, "status", r) or (None, None)
        row["status"] = state or ("paid" if row["paid_on"] else "pending")
        row["reason"] = _cell(lambda v: self.memo(_short, v, 200), n, c, "reason", r) or said  # 失败（账户冻结）
        if row["status"] == "paid" and row["amount"] == 0:
            r.add(n, "amount", "paid_zero", "已发放的金额不能为 0", "A paid payment cannot be 0", c.get("amount"))
            raise _Skip
        row["voucher"] = _cell(lambda v: self.memo(_short, v, 40), n, c, "voucher", r)
        if row["status"] == "paid" and row["paid_on"] is None and tables._blank(c.get("paid_on")):
            r.add(n, "paid_on", "paid_without_date", "状态为已发放的记录需要发放日期", "A paid payment needs its paid date")
            raise _Skip
        row["open_key"] = f"{row['policy_id']}|{row['id_hash']}|{row['period']}|{row['amount']}|{row['voucher'] or ''}"
        row["row_key"] = _key(row["open_key"], row["paid_on"])
        return row

    def check(self, parsed):
        self.duplicates(parsed, lambda row: row["row_key"], "同一对象、政策、期间、金额和日期", "same person, policy, period, amount and date")
        self.check_people(parsed)

    def write(self, parsed, batch_id):
        found = self.found
        policy_ids = {row["policy_id"] for _, row in parsed}
        periods = {row["period"] for _, row in parsed}
        by_key, open_rows = {}, {}
        stmt = (select(Disbursement.id, Disbursement.row_key, Disbursement.policy_id, Disbursement.beneficiary_id,
                       Disbursement.period, Disbursement.amount, Disbursement.voucher, Disbursement.paid_on,
                       Disbursement.status, Disbursement.reason, Disbursement.card_hash)
                .where(Disbursement.policy_id.in_(policy_ids), Disbursement.period.in_(periods)))
        for d in db.session.execute(stmt):
            by_key[d.row_key] = d
            if d.paid_on is None:
                open_rows.setdefault((d.policy_id, d.beneficiary_id, d.period, d.amount, d.voucher or ""), []).append(d)
        new, changes, unchanged = [], [], 0
        sealed_cards = {}
        other_cards = 0
        for _, row in parsed:
            person = found[row["id_hash"]]
            if row["bank_card"]:
                card_hash = self.blind(row["bank_card"], "bank_card")
                if card_hash == person.card_hash:
                    card = (person.card_enc, person.card_hash, person.card_mask)
                else:
                    other_cards += 1
                    card = sealed_cards.get(row["bank_card"])
                    if card is None:
                        card = sealed_cards[row["bank_card"]] = pii.seal(row["bank_card"], "bank_card")
            else:
                card = (person.card_enc, person.card_hash, person.card_mask)
            values = {"status": row["status"], "reason": row["reason"], "card_hash": card[1]}
            old = by_key.get(row["row_key"])
            if old is None and row["paid_on"] is not None:
                waiting = open_rows.get((row["policy_id"], person.id, row["period"], row["amount"], row["voucher"] or ""))
                if waiting:
                    old = waiting.pop(0)  # a pending or failed payment now paid: the same payment, updated
            if old is None:
                new.append({"region_id": person.region_id, "policy_id": row["policy_id"], "beneficiary_id": person.id,
                            "period": row["period"], "quantity": row["quantity"], "amount": row["amount"],
                            "card_enc": card[0], "card_hash": card[1], "card_mask": card[2], "status": row["status"],
                            "reason": row["reason"], "paid_on": row["paid_on"], "voucher": row["voucher"],
                            "row_key": row["row_key"], "batch_id": batch_id})
            elif (old.status, old.reason, old.card_hash, old.paid_on, old.row_key) != (
                    values["status"], values["reason"], values["card_hash"], row["paid_on"], row["row_key"]):
                changes.append({"id": old.id, **values, "card_enc": card[0], "card_mask": card[2], "paid_on": row["paid_on"],
                                "quantity": row["quantity"], "row_key": row["row_key"], "batch_id": batch_id})
            else:
                unchanged += 1
        bulk_insert(Disbursement.__table__, new)
        if changes:
            # What they held before, read only for the rows that change (a re-import reads little).
            ids = [c["id"] for c in changes]
            for start in range(0, len(ids), 5000):
                for old in db.session.execute(select(Disbursement.id, *(getattr(Disbursement, c) for c in DISBURSEMENT_COLUMNS))
                                              .where(Disbursement.id.in_(ids[start:start + 5000]))):
                    self.remember(old, DISBURSEMENT_COLUMNS)
            db.session.execute(update(Disbursement), changes)
        if other_cards:
            self.notes.append({"code": "other_cards", "message": {
                "zh": f"{other_cards} 笔发放用的银行卡不是补贴对象登记的卡（已照文件记录；一卡多人由风险规则核查）",
                "en": f"{other_cards} payments went to a card other than the one registered for the person (recorded as "
                      "the file says; one card for several people is checked by the risk rules)"}})
        return [len(new), len(changes), unchanged]


def _key(open_key, paid_on):
    return hashlib.sha256(f"{open_key}|{paid_on or ''}".encode()).hexdigest()


class NoticeImporter(PaymentImporter):
    """The public notice (公示) as it was posted. Its names and ID numbers are often masked (张*明,
    330112********1234): a line is matched to a beneficiary by the digits it shows, its name and its
    village. A line that matches nobody (or several people), or that holds an impossible value (a
    negative amount), is not a reason to refuse the notice: it is kept as posted with its finding,
    named in the run's notes and raised as a warning (subsidy_notice_mismatch)."""

    def parse_row(self, n, c):
        r = self.report
        row = {"name": _cell(lambda v: self.memo(_posted_name, v), n, c, "name", r) if "name" in c else None}
        row.update(_cell(lambda v: self.memo(_posted_id, v), n, c, "id_number", r)
                   or {"id_number": None, "id_hash": None, "id_pattern": None, "id_shown": None,
                       "finding": "id_missing"})
        if row["id_number"]:
            row["id_hash"] = self.blind(row["id_number"], "id_number")
        self.payment_values(n, c, row, amount=_signed_amount)
        row["published_on"] = _cell(tables.day, n, c, "published_on", r)
        return row

    def check(self, parsed):
        self.found = self.people([(n, row) for n, row in parsed if row["id_hash"]])
        for _, row in parsed:
            row["person"] = None
            if row["finding"] is None:
                row["person"], row["finding"] = self.match(row)
            if row["finding"] is None and row["amount"] is not None and row["amount"] < 0:
                row["finding"] = "negative_amount"
            row["posted_key"] = _key(
                f"notice|{row['policy_id']}|{row['period']}|{_bare(row['name'] or '')}|{row['id_hash'] or row['id_shown']}|"
                f"{row['village'].id if row['village'] is not None else ''}", None)
            row["line_key"] = None if row["person"] is not None else row["posted_key"]
        self.duplicates(parsed, lambda row: (row["policy_id"], row["person"].id, row["period"]) if row["person"] is not None
                        else row["line_key"], "同一对象、政策和期间", "same person, policy and period")

    def match(self, row):
        """(the beneficiary, None) for a line that names exactly one person in scope, else (None or the
        person, the finding's code)."""
        if row["id_hash"]:
            person = self.found.get(row["id_hash"])
            if person is None:
                return None, "unknown_beneficiary"
            if not self.in_region(person.region_id):
                return None, "out_of_scope"
            if row["name"] and not _name_fits(row["name"], person.name):
                return None, "name_mismatch"
            if row["village"] is not None and row["village"].id != person.region_id:
                return None, "village_mismatch"
            return person, None
        if not row["name"] or len(re.sub(r"\*", "", row["id_pattern"])) < 4:
            return None, "unmatched"  # too little shown to tell who it is
        fits = [p for p in self.candidates(row["village"], row["name"][0])
                if _name_fits(row["name"], p.name) and _id_fits(row["id_pattern"], p)]
        if len(fits) == 1:
            return fits[0], None
        return None, "ambiguous" if fits else "unmatched"

    def candidates(self, village, first):
        """The beneficiaries of ``village`` (or of the whole region) whose name starts with ``first``."""
        key = (village.id if village is not None else None, first)
        if not hasattr(self, "_candidates"):
            self._candidates = {}
        if key not in self._candidates:
            where = ([Beneficiary.region_id == village.id] if village is not None
                     else [Beneficiary.region_id.in_(sorted(self.inside))])
            self._candidates[key] = db.session.execute(
                select(Beneficiary.id, Beneficiary.id_hash, Beneficiary.region_id, Beneficiary.name, Beneficiary.id_enc,
                       Beneficiary.id_mask).where(*where, Beneficiary.name.startswith(first, autoescape=True))).all()
        return self._candidates[key]

    @property
    def inside(self):
        self.in_region(None)
        return self._inside

    def write(self, parsed, batch_id):
        policies = {row["policy_id"] for _, row in parsed}
        existing = {(n.policy_id, n.beneficiary_id, n.period): n for n in db.session.execute(
            select(NoticeEntry).where(NoticeEntry.policy_id.in_(policies), NoticeEntry.beneficiary_id.is_not(None))).scalars()}
        keys = [row["posted_key"] for _, row in parsed]  # (a line kept unmatched before, matched now, is found by it)
        posted = {}
        for start in range(0, len(keys), 5000):
            posted.update((n.line_key, n) for n in db.session.execute(
                select(NoticeEntry).where(NoticeEntry.line_key.in_(keys[start:start + 5000]))).scalars())
        counts, new, findings = [0, 0, 0], [], {}
        for number, row in parsed:
            person = row["person"]
            if row["finding"]:
                findings.setdefault(row["finding"], []).append(number)
            if person is not None:
                old = existing.get((row["policy_id"], person.id, row["period"])) or posted.get(row["posted_key"])
                region_id = person.region_id
            else:
                old = posted.get(row["posted_key"])
                region_id = row["village"].id if row["village"] is not None else self.region.id
            values = {"region_id": region_id, "beneficiary_id": person.id if person is not None else None,
                      "quantity": row["quantity"], "amount": row["amount"], "published_on": row["published_on"],
                      "posted_name": row["name"], "posted_id": row["id_shown"], "finding": row["finding"],
                      "line_key": row["line_key"]}
            if old is None:
                new.append({"policy_id": row["policy_id"], "period": row["period"], "batch_id": batch_id, **values})
            elif any(getattr(old, k) != v for k, v in values.items()):
                self.remember(old, NOTICE_COLUMNS)
                for k, v in values.items():
                    setattr(old, k, v)
                old.batch_id = batch_id
                counts[1] += 1
            else:
                counts[2] += 1
        db.session.flush()  # (a line now matched gives up its line_key before a new line could take it)
        bulk_insert(NoticeEntry.__table__, new)
        counts[0] = len(new)
        for code, rows in findings.items():
            zh, en = NOTICE_FINDINGS[code]
            shown = "、".join(str(n) for n in rows[:20]) + ("等" if len(rows) > 20 else "")
            self.notes.append({"code": f"notice_{code}", "rows": rows[:200], "message": {
                "zh": f"第 {shown} 行（共 {len(rows)} 行）：{zh}。已按公示原样保存，并列入风险预警（公示与实发不符）",
                "en": f"Rows {', '.join(str(n) for n in rows[:20])} ({len(rows)} in all): {en}. Kept as posted and "
                      "raised as a warning (notice differs from payment)"}})
        return counts


NOTICE_COLUMNS = ("region_id", "beneficiary_id", "quantity", "amount", "published_on", "posted_name", "posted_id",
                  "finding", "line_key", "batch_id")


def _posted_name(value):
    """A name as a notice shows it: whole, or masked (张*明, 张**, 欧阳*)."""
    return _name(re.sub("[＊×]", "*", tables.text(value)))


def _posted_id(value):
    """An ID number as a notice shows it: whole (checked like any), or masked (330112********1234).
    {id_number: the whole number or None, id_pattern: 18 characters with * where hidden, id_shown: what
    is kept (never a whole number), finding: None or why the number cannot be used}."""
    raw = re.sub("[＊]", "*", tables.code_text(value)).replace(" ", "")
    if "*" in raw:
        shown = raw[:24]
        head, tail = re.match(r"^([0-9Xx]*)", raw)[1], re.search(r"([0-9Xx]*)$", raw)[1]
        pattern = (raw.upper() if len(raw) == 18 else
                   (head + "*" * max(0, 18 - len(head) - len(tail)) + tail).upper()[:18])
        return {"id_number": None, "id_hash": None, "id_pattern": pattern, "id_shown": shown, "finding": None}
    try:
        normal = _id_number(raw)
    except CellProblem:
        digits = pii.plain(raw)
        return {"id_number": None, "id_hash": None, "id_pattern": None, "id_shown": _shown("id_number", digits),
                "finding": "id_invalid"}
    return {"id_number": normal, "id_hash": None, "id_pattern": None, "id_shown": pii.mask_id(normal), "finding": None}


def _signed_amount(value):
    """An amount as posted: a negative one is kept (it is a finding, not a reason to refuse the notice)."""
    text = tables.text(value) if isinstance(value, str) else value
    if isinstance(text, str) and re.match(r"^\s*[-－−]", text):
        return -tables.decimal(re.sub(r"^\s*[-－−]", "", text))
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool) and value < 0:
        return -tables.decimal(-value)
    return tables.decimal(value)


def _name_fits(posted, name):
    """Whether a registered name fits a posted one: equal, or equal where the posted one is not masked
    (张*明 fits 张三明; 张* fits any name of two to four characters starting with 张)."""
    posted, name = _bare(posted), _bare(name)
    if "*" not in posted:
        return posted == name
    if re.fullmatch(r"[^*]+\*", posted) and 2 <= len(name) <= len(posted) + 2 and name.startswith(posted[:-1]):
        return True
    return len(posted) == len(name) and all(p == "*" or p == c for p, c in zip(posted, name))


def _bare(name):
    return re.sub(r"[\s·•・.﹒‧]", "", tables.text(name))  # (squash would drop the * of a masked name)


def _id_fits(pattern, person):
    """Whether a beneficiary's ID number has the digits a masked one shows: compared with the stored
    mask first (first six and last four digits), decrypted only when the notice shows more."""
    mask = person.id_mask or ""
    for i, ch in enumerate(pattern):
        if ch != "*" and i < len(mask) and mask[i] != "*" and mask[i].upper() != ch:
            return False
    if all(ch == "*" or (i < len(mask) and mask[i] != "*") for i, ch in enumerate(pattern)):
        return True
    full = pii.decrypt(person.id_enc, "id_number").upper()
    return len(full) == len(pattern) and all(p == "*" or p == c for p, c in zip(pattern, full))


# ---------------------------------------------------------------- reference lists

class ListImporter(Importer):
    """Death and public-employee lists: a person by ID number with one extra fact."""
    model = None
    extra = None

    def parse_row(self, n, c):
        row = self.person_fields(n, c, {"name": _cell(_name, n, c, "name", self.report, required=True)})
        row[self.extra] = self.parse_extra(n, c)
        return row

    def check(self, parsed):
        self.duplicates(parsed, lambda row: row["id_hash"], "同一身份证号", "same ID number")

    def write(self, parsed, batch_id):
        model = self.model
        existing = {}
        hashes = [row["id_hash"] for _, row in parsed]
        for start in range(0, len(hashes), 5000):
            for x in db.session.execute(select(model).where(model.id_hash.in_(hashes[start:start + 5000]))).scalars():
                existing[x.id_hash] = x
        counts, new = [0, 0, 0], []
        for _, row in parsed:
            old = existing.get(row["id_hash"])
            if old is None:
                enc, digest, mask = pii.seal(row["id_number"], "id_number")
                new.append({"region_id": self.region.id, "name": row["name"], "id_enc": enc, "id_hash": digest,
                            "id_mask": mask, self.extra: row[self.extra], "batch_id": batch_id})
            elif (old.name, getattr(old, self.extra)) != (row["name"], row[self.extra]):
                self.remember(old, ("name", self.extra, "batch_id"))
                old.name = row["name"]
                setattr(old, self.extra, row[self.extra])
                old.batch_id = batch_id
                counts[1] += 1
            else:
                counts[2] += 1
        bulk_insert(model.__table__, new)
        counts[0] = len(new)
        return counts


class DeathImporter(ListImporter):
    model, extra = DeathRecord, "died_on"

    def parse_extra(self, n, c):
        return _cell(_past_day, n, c, "died_on", self.report, required=True)


class EmployeeImporter(ListImporter):
    model, extra = PublicEmployee, "employer"

    def parse_extra(self, n, c):
        return _cell(_short, n, c, "employer", self.report, max_len=100)


IMPORTERS = {"policies": PolicyImporter, "beneficiaries": BeneficiaryImporter, "disbursements": DisbursementImporter,
             "notices": NoticeImporter, "deaths": DeathImporter, "employees": EmployeeImporter}


# ---------------------------------------------------------------- withdrawing a run (撤销)

BENEFICIARY_COLUMNS = ("region_id", "name", "household", "card_enc", "card_hash", "card_mask", "phone_enc", "phone_hash",
                       "phone_mask", "batch_id")
DISBURSEMENT_COLUMNS = ("status", "reason", "card_enc", "card_hash", "card_mask", "paid_on", "quantity", "row_key",
                        "batch_id")


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


STORED = {"policies": SubsidyPolicy, "beneficiaries": Beneficiary, "disbursements": Disbursement,
          "notices": NoticeEntry, "deaths": DeathRecord, "employees": PublicEmployee}
# What may point at a run's rows: {kind: [(model, column)]}. Rows still pointed at are not deleted.
USERS_OF = {"policies": [(Disbursement, "policy_id"), (NoticeEntry, "policy_id"), (SubsidyCase, "policy_id")],
            "beneficiaries": [(Disbursement, "beneficiary_id"), (NoticeEntry, "beneficiary_id"),
                              (SubsidyCase, "beneficiary_id")],
            "disbursements": [(SubsidyCase, "disbursement_id")]}


def withdraw(run, actor, reason, client_uuid):
    """Take an accepted run back whole: the rows it added are deleted and the rows it changed get
    their values from before it (kept by ``run``) — a file imported by mistake (the wrong column
    read as the amount, payments wrongly marked paid) is undone, then the right one imported.
    Refused (409, nothing changed) when a later import has changed its rows since, or when other
    data already points at the rows it added. The same ``client_uuid`` again returns the run."""
    db.session.refresh(run, with_for_update=True)  # two withdrawals at once: the second waits, then sees the first
    other = db.session.scalar(select(SubsidyImport.id).where(SubsidyImport.withdraw_uuid == str(client_uuid),
                                                             SubsidyImport.id != run.id))
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
    model = STORED[run.kind]
    changes = db.session.execute(select(SubsidyImportChange).where(SubsidyImportChange.import_id == run.id)).scalars().all()
    touched = {c.row_id for c in changes}
    mine = db.session.execute(select(model.id).where(model.batch_id == run.id)).scalars().all()
    ids = [i for i in mine if i not in touched]  # the rows it added
    if len(ids) != run.inserted or not touched <= set(mine):
        raise _refused("import_changed_since", "该次导入的数据已被之后的导入修改，不能再撤销",
                       "A later import has changed this import's rows; it can no longer be withdrawn")
    for other, column in USERS_OF.get(run.kind, ()):
        for start in range(0, len(ids), 5000):
            if db.session.scalar(select(other.id).where(getattr(other, column).in_(ids[start:start + 5000])).limit(1)):
                raise _refused("import_in_use", "该次导入的数据已被其他数据引用（如发放记录或村民反映），不能撤销",
                               "Other data (payments, villagers' cases) already refers to this import's rows; "
                               "it cannot be withdrawn")
    for start in range(0, len(ids), 5000):
        db.session.execute(delete(model).where(model.id.in_(ids[start:start + 5000])))
    if changes:  # the rows it changed get their values back
        db.session.execute(update(model), [{"id": c.row_id, **{k: _thawed(model, k, v) for k, v in c.before.items()}}
                                           for c in changes])
    run.status, run.withdrawn_at, run.withdrawn_by_id = "withdrawn", clock.now(), actor.id
    run.withdrawn_reason, run.withdraw_uuid = reason, str(client_uuid)
    audit.record(actor, "subsidy.import_withdrawn", subject=run, kind=run.kind, deleted=len(ids), reason=reason)
    jobs.touch(regions=[run.region_id])
    return run


def _refused(code, zh, en):
    return ApiError(409, code, zh, en)


# ---------------------------------------------------------------- bulk writing

def bulk_insert(table, rows):
    """Insert many rows: PostgreSQL's COPY (several times faster than INSERT), else executemany."""
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        db.session.execute(insert(table), rows)
        return
    columns = list(rows[0])
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor:
        # psycopg's write_row dumps and escapes each value in C: ~3× faster than joining text here.
        with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
