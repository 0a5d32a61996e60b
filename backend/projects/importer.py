"""The project kinds of the import engine (backend/imports): a county moving in brings its unit list
(``units``), its project register (``projects``: stage and the date each stage was reached, budget by
funding source, contractor with its 统一社会信用代码) and its contract payments (``project_payments``).
Each is parsed, checked against what is stored and written in bulk by ``bulk.py``, as an upsert on its
natural key, so the same file again changes nothing.
"""
from decimal import Decimal

from sqlalchemy import select

from ..core.lookups import among, slices
from ..core.models import Region, RegionChange, User
from ..extensions import db
from ..imports import tables
from ..imports.engine import Field, Importer, Skip, cell, name, past_day, register, short
from ..imports.models import ImportRun
from ..imports.tables import CellProblem, squash
from . import bulk
from .companies import UsccError, normalize_uscc
from ..qrcodes.models import QrCode
from .models import LifecycleEvent, Project, ProjectPayment, Unit
from .schemas import CATEGORIES, MAX_MONEY, UNIT_KINDS
from .services import FUNDING_LEVELS, FUNDING_NAMES, STAGE_NAMES, STAGES

ROLES = ("township_lead", "county", "admin")


def _actor(batch_id):
    run = db.session.get(ImportRun, batch_id)
    return db.session.get(User, run.created_by_id)


def uscc(value):
    try:
        return normalize_uscc(tables.code_text(value))
    except UsccError as err:
        if err.kind == "checksum":
            raise CellProblem("uscc_checksum", "统一社会信用代码校验位不符（GB 32100-2015），可能有输错的字符",
                              "The USCC's check character does not match (GB 32100-2015): a character may be mistyped")
        raise CellProblem("uscc_malformed", "统一社会信用代码应为18位数字或大写字母（不含 I、O、Z、S、V）",
                          "A USCC is 18 digits and capital letters (no I, O, Z, S, V)")


def positive_money(value):
    amount = tables.decimal(value)
    if amount <= 0 or amount > MAX_MONEY:
        raise CellProblem("amount_not_positive", "金额应大于0", "The amount must be more than 0")
    return amount


def share(value):
    """A funding line's amount: blank or 0 means none from that level."""
    amount = tables.decimal(value)
    if amount < 0 or amount > MAX_MONEY:
        raise CellProblem("amount_negative", "金额不能为负数", "The amount cannot be negative")
    return amount


_STAGE_WORDS = {squash(zh): code for code, (zh, en) in STAGE_NAMES.items()}
_STAGE_WORDS.update({squash(code): code for code in STAGES})
_STAGE_WORDS.update({squash(w): code for w, code in (
    ("已立项", "approved"), ("招标", "tendering"), ("招投标中", "tendering"), ("已签合同", "contracted"),
    ("合同签订", "contracted"), ("签订合同", "contracted"), ("在建", "construction"), ("施工中", "construction"),
    ("开工", "construction"), ("已验收", "acceptance"), ("竣工验收", "acceptance"), ("已结算", "settlement"),
    ("已审计", "audit"), ("已归档", "archived"), ("完工归档", "archived"),
    # The words of county ledgers: 前期 is approved, 已完工 / 已竣工 is finished and at acceptance.
    ("前期", "approved"), ("前期工作", "approved"), ("前期准备", "approved"), ("立项中", "approved"),
    ("招标中", "tendering"), ("已招标", "tendering"), ("已中标", "tendering"), ("待签合同", "tendering"),
    ("已开工", "construction"), ("正在施工", "construction"), ("建设中", "construction"), ("实施中", "construction"),
    ("已完工", "acceptance"), ("完工", "acceptance"), ("已竣工", "acceptance"), ("竣工", "acceptance"),
    ("完工待验收", "acceptance"), ("待验收", "acceptance"), ("已竣工验收", "acceptance"), ("验收中", "acceptance"),
    ("竣工结算", "settlement"), ("已决算", "settlement"), ("竣工决算", "settlement"), ("结算中", "settlement"),
    ("审计中", "audit"), ("已完成审计", "audit"), ("已移交", "archived"), ("已交付", "archived"))})
NOT_STARTED = "not_started"  # 未开工: approved, tendering or contracted — the furthest with a date
_STAGE_WORDS.update({squash(w): NOT_STARTED for w in ("未开工", "尚未开工", "待开工", "未动工")})


# The short words of a county's unit list: 财政所, 镇政府, 村集体, 村委会 …
_UNIT_KIND_WORDS = {squash(w): kind for kind, words in (
    ("乡镇财政所", "财政所|镇财政所|乡财政所|街道财政所|财政办"),
    ("乡镇人民政府", "政府|人民政府|镇政府|乡政府|镇人民政府|乡人民政府"),
    ("街道办事处", "街道|街道办"),
    ("村股份经济合作社", "村集体|集体经济组织|村集体经济组织|经济合作社|村经济合作社|股份经济合作社|村股份合作社|股份合作社"),
    ("村民委员会", "村委会|村委|居委会|社区居委会|居民委员会"),
    ("学校", "小学|中学|中心小学|幼儿园"),
    ("卫生院", "乡镇卫生院|社区卫生服务中心|卫生服务中心")) for w in words.split("|")}


def stage(value):
    found = _STAGE_WORDS.get(squash(tables.text(value)))
    if found is None:
        names = "、".join(zh for zh, _ in STAGE_NAMES.values())
        raise CellProblem("stage_unknown", f"阶段应为：{names}（或 在建、已完工、未开工 等）",
                          f"The stage must be one of: {', '.join(STAGES)}")
    return found


def category(value):
    text = tables.text(value)
    if text not in CATEGORIES:
        raise CellProblem("category_unknown", f"项目类别应为：{'、'.join(CATEGORIES)}",
                          f"The category must be one of: {'、'.join(CATEGORIES)}")
    return text


STAGE_DATE_FIELDS = {"approved": "approved_on", "tendering": "tendering_on", "contracted": "contracted_on",
                     "construction": "construction_on", "acceptance": "acceptance_on",
                     "settlement": "settlement_on", "audit": "audit_on", "archived": "archived_on"}
STAGE_DATE_ALIASES = {"approved": "立项日期|立项时间|批复日期|批复时间", "tendering": "招投标日期|招标日期|开标日期|招投标时间|招标时间|开标时间",
                      "contracted": "合同日期|合同签订日期|签订日期|签约日期|合同签订时间|签订时间",
                      "construction": "开工日期|施工日期|实际开工日期|开工时间|实际开工时间",
                      "acceptance": "验收日期|竣工验收日期|竣工日期|验收时间|竣工验收时间|竣工时间|完工日期|完工时间",
                      "settlement": "结算日期|竣工结算日期|结算时间",
                      "audit": "审计日期|审计完成日期|审计时间", "archived": "归档日期|归档时间"}
FUNDING_ALIASES = {"central": "中央资金|中央财政资金|中央补助|中央|中央补助资金|中央财政|中央专项",
                   "province": "省级资金|省级财政资金|省补助|省级补助|省级|省补资金|省级补助资金|省财政",
                   "city": "市级资金|市级财政资金|市补助|市级补助|市级|市补资金|市级补助资金|市财政",
                   "county": "县级资金|县级财政资金|区级资金|县区级资金|县补助|区级配套|县级|区级|县级配套|县(区)级|县区配套|区财政|县财政",
                   "township": "乡级资金|乡镇资金|乡镇财政资金|镇级资金|乡级|乡镇级|乡镇配套|镇级|乡镇财政|街道资金",
                   "self": "自筹资金|自筹|村自筹|其他资金|村级自筹|乡镇自筹|社会资金|其他"}

_FUNDING_WORDS = {squash(w): level for level, words in FUNDING_ALIASES.items() for w in words.split("|")}


def funding_source(value):
    """A payment's funding source as written; a bare level word (省级, 中央, 区级, 乡镇自筹) is given its
    name in the register (省级资金, 中央资金, 县级资金, 自筹资金), so that both read the same."""
    text = short(value, 60)
    level = _FUNDING_WORDS.get(squash(text or ""))
    if level is not None and not text.endswith("资金"):
        return FUNDING_NAMES[level][0] + "资金"
    return text


TOWNSHIP = Field("township", "乡镇", "township", aliases="乡镇街道|乡镇名称|所属乡镇|镇街|街道",
                 example="锦城街道", rule=("在县（区）导入时必填；在乡镇导入时可不填", "Needed when importing for a county"))
VILLAGE = Field("village", "村", "village", aliases="村社区|行政村|村名|所属村|村居|社区",
                example="钱王社区", rule=("须是该乡镇下的村（社区）；可不填", "A village of that township; optional"))


class _Places:
    """Townships and villages below the import's region, by name."""

    def __init__(self, region):
        self.region = region
        below = db.session.execute(select(Region).where(
            Region.path.startswith(region.path, autoescape=True))).scalars().all()
        self.townships = {squash(r.name): r for r in below if r.level == "township"}
        self.villages = {}
        for r in below:
            if r.level == "village":
                self.villages.setdefault(squash(r.name), []).append(r)
        self.by_id = {r.id: r for r in below}
        # A register written before next year's division table renamed a village still names it the old way.
        self.former = {}
        if self.villages:
            renamed = db.session.execute(select(RegionChange).where(
                RegionChange.kind == "rename", RegionChange.region_id.in_([r.id for r in below if r.level == "village"]))).scalars()
            for change in renamed:
                self.former.setdefault(squash(change.old_name), []).append(self.by_id[change.region_id])

    def township(self, report, n, raw):
        if self.region.level == "township":
            if raw and squash(tables.text(raw)) not in (squash(self.region.name), ""):
                report.add(n, "township", "township_elsewhere", f"乡镇“{tables.text(raw)}”不是本次导入的{self.region.name}",
                           f"“{tables.text(raw)}” is not {self.region.name}, the township of this import", raw)
                return None
            return self.region
        if raw is None or not tables.text(raw):
            report.add(n, "township", "required", "乡镇不能为空（在县区导入时需注明乡镇）",
                       "The township is required when importing for a county", raw)
            return None
        town = self.townships.get(squash(tables.text(raw)))
        if town is None:
            report.add(n, "township", "township_not_found", f"{self.region.name}下没有乡镇“{tables.text(raw)}”",
                       f"No township “{tables.text(raw)}” in {self.region.name}", raw)
        return town

    def village(self, report, n, town, raw):
        """The village of that name in ``town``; 'village_not_in_township' when it is elsewhere or nowhere."""
        if raw is None or not tables.text(raw):
            return None
        text = tables.text(raw)
        for v in self.villages.get(squash(text), []) + self.former.get(squash(text), []):
            if v.parent_id == town.id:
                return v
        elsewhere = [self.by_id.get(v.parent_id) for v in self.villages.get(squash(text), [])]
        where = "、".join(t.name for t in elsewhere if t is not None)
        report.add(n, "village", "village_not_in_township",
                   f"{town.name}下没有村（社区）“{text}”" + (f"（它在{where}）" if where else ""),
                   f"{town.name} has no village “{text}”" + (" (it is in another township)" if where else ""), raw)
        return None


# ---------------------------------------------------------------- units

@register
class UnitImporter(Importer):
    kind = "units"
    title = ("管理单位名录", "Management units")
    roles = ROLES
    model = Unit
    # A new unit has its QR code at once (qr_codes.subject_id): a run that added units is not
    # withdrawn (the codes would point at nothing); a run that only changed units is.
    users_of = [(Project, "unit_id"), (QrCode, "subject_id")]
    audit_prefix = "project"
    fields = [
        Field("name", "单位名称", "unit name", aliases="管理单位|管理单位名称|单位|名称", required=True,
              example="钱王社区居民委员会", rule=("同一乡镇（村）内单位名称只能出现一次", "Each name once per place")),
        Field("unit_kind", "单位类型", "unit kind", aliases="类型|单位类别|类别", example="村民委员会",
              rule=("：".join(["可填", "、".join(UNIT_KINDS)]), "One of the listed kinds; blank is 其他")),
        TOWNSHIP, VILLAGE,
        Field("address", "地址", "address", aliases="单位地址|详细地址", example="杭州市临安区锦城街道"),
        Field("head_name", "负责人", "head", aliases="单位负责人|联系人|负责人姓名", example="李华"),
    ]

    def __init__(self, region, report):
        super().__init__(region, report)
        self.places = _Places(region)

    def parse_row(self, n, c):
        r = self.report
        row = {"name": cell(name, n, c, "name", r, required=True, max_len=100),
               "address": cell(short, n, c, "address", r, max_len=200),
               "head_name": cell(short, n, c, "head_name", r, max_len=32)}
        kind = cell(short, n, c, "unit_kind", r, max_len=32) or "其他"
        kind = _UNIT_KIND_WORDS.get(squash(kind), kind)
        if kind not in UNIT_KINDS:
            r.add(n, "unit_kind", "unit_kind_unknown", f"单位类型应为：{'、'.join(UNIT_KINDS)}",
                  f"The unit kind must be one of: {'、'.join(UNIT_KINDS)}", kind)
            raise Skip
        row["kind"] = kind
        town = self.places.township(r, n, c.get("township"))
        if town is None:
            raise Skip
        village = self.places.village(r, n, town, c.get("village"))
        if c.get("village") and village is None:
            raise Skip
        row["region_id"] = (village or town).id
        return row

    def check(self, parsed):
        self.duplicates(parsed, lambda row: (row["region_id"], squash(row["name"] or "")), "同一地方同名单位",
                        "same name in the same place", ("township", "village", "name"))

    def write(self, parsed, batch_id):
        region_ids = list({row["region_id"] for _, row in parsed})
        stored = {}
        for unit in db.session.execute(select(Unit).where(Unit.region_id.in_(region_ids))).scalars():
            stored[(unit.region_id, squash(unit.name))] = unit
        rows = [{**row, "existing": stored.get((row["region_id"], squash(row["name"])))} for _, row in parsed]
        return bulk.write_units(rows, batch_id, _actor(batch_id), self.remember)


# ---------------------------------------------------------------- the project register

@register
class ProjectImporter(Importer):
    kind = "projects"
    title = ("项目登记表", "Project register")
    roles = ROLES
    model = Project
    # An imported project has its timeline and code at once: withdrawing a run that added projects
    # is refused (the lifecycle is append-only); a run that only changed projects is withdrawable.
    users_of = [(LifecycleEvent, "project_id"), (ProjectPayment, "project_id")]
    audit_prefix = "project"
    fields = [
        Field("ref_no", "项目编号", "project number", aliases="项目代码|项目编码|项目号|项目序号|项目库编号|工程编号",
              example="330185001-2025-0001", rule=("可不填；填了就是项目的唯一编号，再次导入时按编号更新",
                                                   "Optional; when given it identifies the project on later imports")),
        Field("name", "项目名称", "project name", aliases="项目|工程名称|工程项目名称|建设项目名称|项目工程名称|工程项目|项目全称",
              required=True,
              example="2025年钱王社区农村公路提升改造工程",
              rule=("没有项目编号时，同一乡镇内项目名称只能出现一次", "Without a number, each name once per township")),
        Field("unit", "管理单位", "managing unit", aliases="项目单位|建设单位|业主单位|管理单位名称|实施单位|项目实施单位|项目建设单位|项目业主|项目主管单位|责任单位",
              required=True,
              example="锦城街道财政所", rule=("须是系统中已有的管理单位（先导入单位名录）", "A unit already stored")),
        TOWNSHIP, VILLAGE,
        Field("category", "项目类别", "category", aliases="类别|项目类型|项目分类|建设类别|工程类别", example="道路交通",
              rule=("可填：" + "、".join(CATEGORIES), "One of the listed categories; blank is 其他")),
        Field("budget", "总预算", "budget", aliases="预算|项目预算|总投资|预算金额|总预算元|预算金额元|计划总投资|概算|总概算|项目总投资|投资额|预算总额",
              money=True, example="1200000.00",
              rule=("等于各资金来源之和；可不填（按各来源合计）", "Equals the funding lines' sum; blank means their sum")),
        *[Field(f"fund_{level}", FUNDING_NAMES[level][0] + ("资金" if level != "self" else "资金"),
                f"{FUNDING_NAMES[level][1].lower()} funds", aliases=FUNDING_ALIASES[level], money=True,
                example={"province": "600000.00", "county": "600000.00"}.get(level))
          for level in FUNDING_LEVELS],
        Field("contractor", "承建单位", "contractor", aliases="施工单位|中标单位|承包单位|承建单位名称|乙方|中标人|中标企业|施工企业|施工方|承建方|承建商|中标供应商|施工单位名称|中标单位名称",
              example="杭州临安城建工程有限公司", rule=("合同及以后阶段必填", "Required from the contract stage on")),
        Field("contractor_uscc", "统一社会信用代码", "contractor USCC", aliases="承建单位统一社会信用代码|信用代码|社会信用代码|施工单位统一社会信用代码|中标单位统一社会信用代码|统一信用代码|组织机构代码",
              example="91110000600037341L", rule=("18位，校验位须正确（GB 32100-2015）", "18 characters with a valid check")),
        Field("contract_amount", "合同金额", "contract amount", aliases="合同价|中标金额|合同金额元|合同价款|中标价|中标价格|合同总价|签约金额|合同额",
              money=True, example="1150000.00"),
        Field("planned_start_on", "计划开工日期", "planned start", aliases="计划开工|计划开始日期|计划开工时间|拟开工日期|计划开工年月", example="2025-03-01",
              rule=("可只写年月（2025年3月 记为该月1日）", "A month alone is its first day")),
        Field("planned_end_on", "计划完工日期", "planned end", aliases="计划完工|计划竣工日期|计划结束日期|计划完工时间|计划竣工|拟完工日期|计划完工年月", example="2025-12-31",
              rule=("可只写年月（2025年12月 记为该月最后一天）", "A month alone is its last day")),
        Field("stage", "当前阶段", "stage", aliases="阶段|项目阶段|项目状态|状态|建设状态|建设进度|实施进度|进展情况|项目进度|工程进度", required=True, example="施工",
              rule=("可填：" + "、".join(zh for zh, _ in STAGE_NAMES.values()), "One of the stages")),
        *[Field(STAGE_DATE_FIELDS[s], STAGE_DATE_ALIASES[s].split("|")[0], f"{s} date",
                aliases=STAGE_DATE_ALIASES[s], required=(s == "approved"),
                example={"approved": "2025-01-10", "tendering": "2025-02-01", "contracted": "2025-02-20",
                         "construction": "2025-03-05"}.get(s),
                rule=("当前阶段的日期必填，各日期先后有序；之前某阶段未填日期的，按下一阶段的日期记入并注明",
                      "The current stage's date is required, all in order; a blank earlier stage is put at the "
                      "next stage's date, marked as such")
                if s == "approved" else ("", ""))
          for s in STAGES],
    ]

    def __init__(self, region, report):
        super().__init__(region, report)
        self.places = _Places(region)
        below = [r.id for r in self.places.by_id.values()]
        self.units = {}
        for unit in db.session.execute(select(Unit).where(Unit.region_id.in_(below))).scalars():
            self.units.setdefault(squash(unit.name), []).append(unit)

    def parse_row(self, n, c):
        r = self.report
        row = {"ref_no": cell(short, n, c, "ref_no", r, max_len=32),
               "name": cell(name, n, c, "name", r, required=True, max_len=120),
               "category": cell(category, n, c, "category", r) or "其他",
               "contractor": cell(name, n, c, "contractor", r, max_len=120),
               "contractor_uscc": cell(uscc, n, c, "contractor_uscc", r),
               "contract_amount": cell(positive_money, n, c, "contract_amount", r),
               "planned_start_on": cell(tables.month_start, n, c, "planned_start_on", r),
               "planned_end_on": cell(tables.month_end, n, c, "planned_end_on", r),
               "stage": cell(stage, n, c, "stage", r, required=True)}
        budget = cell(positive_money, n, c, "budget", r)
        lines = []
        for level in FUNDING_LEVELS:
            amount = cell(share, n, c, f"fund_{level}", r)
            if amount:
                lines.append({"source": FUNDING_NAMES[level][0] + "资金", "level": level, "amount": str(amount)})
        dates = {s: cell(past_day, n, c, STAGE_DATE_FIELDS[s], r) for s in STAGES}
        if row["stage"] == NOT_STARTED:  # 未开工: as far as the dates before construction go
            row["stage"] = next((s for s in ("contracted", "tendering") if dates[s]), "approved")
        town = self.places.township(r, n, c.get("township"))
        village = self.places.village(r, n, town, c.get("village")) if town is not None else None
        if r.row_bad or town is None or (c.get("village") and village is None):
            raise Skip
        total = sum((Decimal(x["amount"]) for x in lines), Decimal("0"))
        if lines and budget is not None and total != budget:
            r.add(n, "budget", "funding_mismatch", f"各资金来源合计 {total:,.2f} 元，与总预算 {budget:,.2f} 元不符",
                  f"The funding lines add up to {total:,.2f}, the budget is {budget:,.2f}", c.get("budget"))
        if budget is None and not lines:
            r.add(n, "budget", "required", "总预算或各资金来源至少填一项", "Give the budget or its funding lines")
        row["budget"], row["funding_sources"] = budget if budget is not None else total, lines
        if row["contractor_uscc"] and not row["contractor"]:
            r.add(n, "contractor", "required", "填了统一社会信用代码，请同时填写承建单位",
                  "A USCC needs the contractor's name")
        if STAGES.index(row["stage"]) >= STAGES.index("contracted") and not row["contractor"]:
            r.add(n, "contractor", "contractor_required", "合同及以后阶段的项目须填写承建单位",
                  "A project at the contract stage or later needs its contractor")
        start, end = row["planned_start_on"], row["planned_end_on"]
        if start and end and end < start:
            r.add(n, "planned_end_on", "planned_dates_order", "计划完工日期早于计划开工日期",
                  "The planned end is before the planned start", c.get("planned_end_on"))
        reached = STAGES[:STAGES.index(row["stage"]) + 1]
        # The current stage needs its date; a stage passed on the way may be blank (a county's ledger
        # has 立项 and 开工 but seldom 招标 or 合同 dates): it is put at the next date known, marked so.
        if dates[row["stage"]] is None and row["stage"] != "approved":  # 立项日期: a required column
            s = row["stage"]
            r.add(n, STAGE_DATE_FIELDS[s], "stage_date_missing", f"项目已到“{STAGE_NAMES[s][0]}”，"
                  f"请填写{STAGE_DATE_ALIASES[s].split('|')[0]}", f"The project reached {s}: give the {s} date")
        for s in STAGES[len(reached):]:
            if dates[s] is not None:
                r.add(n, STAGE_DATE_FIELDS[s], "stage_date_beyond", f"项目当前在“{STAGE_NAMES[row['stage']][0]}”，"
                      f"不应有{STAGE_DATE_ALIASES[s].split('|')[0]}",
                      f"The project is at {row['stage']}: it has no {s} date yet", c.get(STAGE_DATE_FIELDS[s]))
        previous = None
        for s in reached:
            if dates[s] is None:
                continue
            if previous is not None and dates[s] < dates[previous]:
                r.add(n, STAGE_DATE_FIELDS[s], "stage_dates_order",
                      f"{STAGE_DATE_ALIASES[s].split('|')[0]} {dates[s]} 早于{STAGE_DATE_ALIASES[previous].split('|')[0]} {dates[previous]}",
                      f"The {s} date {dates[s]} is before the {previous} date {dates[previous]}", c.get(STAGE_DATE_FIELDS[s]))
            previous = s
        row["stage_dates"], row["undated"], later = {}, set(), None
        for s in reversed(reached):
            if dates[s] is None and later is not None:
                row["undated"].add(s)
            later = dates[s] or later
            if later is not None:
                row["stage_dates"][s] = later
        place = village or town
        row["region_id"], row["region_code"], row["township_id"] = place.id, place.code, town.id
        units = self.units.get(squash(tables.text(c.get("unit")) or ""), [])
        # The unit of that name that manages the place (a township's office or the village's own).
        managing = [u for u in units if place.path.startswith(self.places.by_id[u.region_id].path)]
        if not units:
            r.add(n, "unit", "unit_not_found", f"没有管理单位“{tables.text(c.get('unit'))}”（请先导入单位名录）",
                  f"No unit “{tables.text(c.get('unit'))}” (import the unit list first)", c.get("unit"))
        elif not managing:
            r.add(n, "unit", "unit_region_mismatch", f"管理单位“{units[0].name}”不管辖{place.name}",
                  f"The unit “{units[0].name}” does not manage {place.name}", c.get("unit"))
        else:
            row["unit_id"], row["unit_name"] = managing[0].id, managing[0].name
        return row

    def check(self, parsed):
        self.duplicates(parsed, lambda row: ("ref", row["ref_no"]) if row["ref_no"] else
                        ("name", row["township_id"], squash(row["name"])), "同一项目", "same project",
                        lambda row: ("ref_no",) if row["ref_no"] else ("township", "name"))
        refs = [row["ref_no"] for _, row in parsed if row["ref_no"]]
        by_ref = {}
        for part in slices(refs):
            for p in db.session.execute(select(Project).where(among(Project.ref_no, part))).scalars():
                by_ref[p.ref_no] = p
        names = list({row["name"] for _, row in parsed if not row["ref_no"]})
        by_name = {}
        for part in slices(names):
            for p in db.session.execute(select(Project).join(Region, Region.id == Project.region_id).where(
                    among(Project.name, part),
                    Region.path.startswith(self.region.path, autoescape=True))).scalars():
                by_name.setdefault((squash(p.name)), []).append(p)
        for n, row in parsed:
            if row["ref_no"]:
                found = by_ref.get(row["ref_no"])
                if found is not None and found.region_id not in self.places.by_id:
                    self.report.add(n, "ref_no", "ref_no_elsewhere", f"项目编号“{row['ref_no']}”已被其他地区的项目使用",
                                    f"The project number '{row['ref_no']}' belongs to a project outside this region",
                                    row["ref_no"])
                    continue
            else:
                town = self.places.by_id[row["township_id"]]
                found = [p for p in by_name.get(squash(row["name"]), [])
                         if p.region.path.startswith(town.path)]
                found = found[0] if found else None
            row["existing"] = found
            if found is not None and STAGES.index(row["stage"]) < STAGES.index(found.stage):
                self.report.add(n, "stage", "stage_behind",
                                f"系统中该项目已到“{STAGE_NAMES[found.stage][0]}”，登记表写的是“{STAGE_NAMES[row['stage']][0]}”",
                                f"The project is already at {found.stage} here; the register says {row['stage']}")

    def write(self, parsed, batch_id):
        rows = [row for _, row in parsed]
        return bulk.write_projects(rows, batch_id, _actor(batch_id), self.remember)

    def written(self, run):
        from .. import jobs
        jobs.touch(regions=[run.region_id])


# ---------------------------------------------------------------- contract payments

@register
class PaymentImporter(Importer):
    kind = "project_payments"
    title = ("项目合同支付", "Project payments")
    roles = ROLES
    model = ProjectPayment
    users_of = []
    audit_prefix = "project"
    fields = [
        Field("ref_no", "项目编号", "project number", aliases="项目代码|项目编码|项目号|工程编号",
              example="330185001-2025-0001", rule=("项目编号或项目名称至少填一项", "The project's number or its name")),
        Field("project", "项目名称", "project name", aliases="项目|工程名称|工程项目名称|建设项目名称|工程项目", example="2025年钱王社区农村公路提升改造工程"),
        Field("paid_on", "支付日期", "paid on", aliases="付款日期|日期|拨付日期|支付时间|付款时间|拨款日期|记账日期", required=True, example="2025-06-01"),
        Field("amount", "支付金额", "amount", aliases="金额|付款金额|拨付金额|支付金额元|本次支付|本次付款|付款额|支付额",
              required=True, money=True, example="300000.00"),
        Field("payee", "收款单位", "payee", aliases="收款人|收款方|收款单位名称|收款户名|收款人名称|收款单位全称|收款人全称|施工单位|中标单位", required=True,
              example="杭州临安城建工程有限公司"),
        Field("voucher_no", "凭证号", "voucher", aliases="凭证编号|记账凭证号|支付凭证号|凭证|会计凭证号|凭证字号", required=True, example="记-2025-0601",
              rule=("同一项目内凭证号只能出现一次；再次导入按（项目，凭证号）更新", "Once per project")),
        Field("funding_source", "资金来源", "funding source", aliases="资金性质|资金渠道|资金来源渠道|来源", required=True,
              example="省级资金", rule=("中央资金、省级资金、市级资金、县级资金、乡镇资金或自筹资金（中央、省级、区级、乡镇自筹等写法均可）",
                                       "Central, province, city, county, township or self-raised funds")),
    ]

    def parse_row(self, n, c):
        r = self.report
        row = {"ref_no": cell(short, n, c, "ref_no", r, max_len=32),
               # (read as the register reads a project's name, so that the same name written with
               # spaces — 2025年 上源镇 道路工程 — finds the project stored without them)
               "project": cell(name, n, c, "project", r, max_len=120),
               "paid_on": cell(past_day, n, c, "paid_on", r, required=True),
               "amount": cell(positive_money, n, c, "amount", r, required=True),
               "payee": cell(name, n, c, "payee", r, required=True, max_len=120),
               "voucher_no": cell(short, n, c, "voucher_no", r, required=True, max_len=40),
               "funding_source": cell(funding_source, n, c, "funding_source", r, required=True)}
        if not row["ref_no"] and not row["project"]:
            r.add(n, "project", "required", "项目编号或项目名称至少填一项", "Give the project's number or its name")
        return row

    def check(self, parsed):
        from .services import PAYABLE_STAGES
        if not parsed:
            return
        refs = list({row["ref_no"] for _, row in parsed if row["ref_no"]})
        names = list({row["project"] for _, row in parsed if not row["ref_no"]})
        inside = Region.path.startswith(self.region.path, autoescape=True)
        cols = (Project.id, Project.ref_no, Project.name, Project.stage)
        by_ref, by_name = {}, {}
        for part in slices(refs):
            for p in db.session.execute(select(*cols).join(Region, Region.id == Project.region_id).where(
                    inside, among(Project.ref_no, part))):
                by_ref[p.ref_no] = p
        for part in slices(names):
            for p in db.session.execute(select(*cols).join(Region, Region.id == Project.region_id).where(
                    inside, among(Project.name, part))):
                by_name.setdefault(p.name, []).append(p)
        for n, row in parsed:
            if row["ref_no"]:
                project = by_ref.get(row["ref_no"])
                what = row["ref_no"]
            else:
                matches = by_name.get(row["project"], [])
                if len(matches) > 1:
                    self.report.add(n, "project", "project_ambiguous", f"有 {len(matches)} 个项目叫“{row['project']}”，请填写项目编号",
                                    f"{len(matches)} projects are called “{row['project']}”: give the project number", row["project"])
                    continue
                project = matches[0] if matches else None
                what = row["project"]
            if project is None:
                self.report.add(n, "ref_no" if row["ref_no"] else "project", "project_not_found",
                                f"{self.region.name}没有项目“{what}”（请先导入项目登记表）",
                                f"No project “{what}” in {self.region.name} (import the project register first)", what)
                continue
            if project.stage not in PAYABLE_STAGES and project.stage != "archived":
                self.report.add(n, "project", "payment_stage", f"项目还在“{STAGE_NAMES[project.stage][0]}”阶段，签订合同前不能有支付",
                                f"The project is at {project.stage}: no payments before the contract", what)
                continue
            row["project_id"] = project.id
        ok = [(n, row) for n, row in parsed if "project_id" in row]
        self.duplicates(ok, lambda row: (row["project_id"], row["voucher_no"]), "同一项目同一凭证号", "same project and voucher",
                        lambda row: ("ref_no" if row["ref_no"] else "project", "voucher_no"))
        # The stored payments of these projects, by (project, voucher): the natural key.
        ids = list({row["project_id"] for _, row in ok})
        self.stored = {}
        for part in slices(ids):
            for pay in db.session.execute(select(ProjectPayment.id, ProjectPayment.project_id, ProjectPayment.voucher_no,
                                                 ProjectPayment.amount, ProjectPayment.paid_on, ProjectPayment.payee,
                                                 ProjectPayment.funding_source, ProjectPayment.payee_key,
                                                 ProjectPayment.batch_id)
                                          .where(among(ProjectPayment.project_id, part))):
                self.stored[(pay.project_id, pay.voucher_no)] = pay

    def write(self, parsed, batch_id):
        rows = []
        for _, row in parsed:
            pay = self.stored.get((row["project_id"], row["voucher_no"]))
            rows.append({**row, "existing": pay.id if pay else None, "stored_row": pay,
                         "stored": {c: getattr(pay, c) for c in bulk.PAYMENT_COLUMNS} if pay else None})
        return bulk.write_payments(rows, batch_id, _actor(batch_id), self.remember)

    def written(self, run):
        from .. import jobs
        jobs.touch(regions=[run.region_id])

