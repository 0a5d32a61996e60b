"""Fund files on the import engine: ``funds`` (a budget-line file: 文号, 资金名称, 类别, 来源级次, 金额,
下达日期, optional 到账日期 and 回执号) and ``fund_expenditures`` (the 文号 of the fund, 支出日期, 金额,
收款人, 凭证号, optional project number), and between them ``allocations`` (the 文号 of the fund, to a
project, a subsidy policy or the township's own use, 金额, 分配日期). A file is imported for a
township, or for a county with a 乡镇 column naming each row's township.

Natural keys: a fund is (township, 文号, 资金名称); an allocation is (fund, its project | policy |
purpose); an expenditure is (fund, 凭证号). The same file
twice changes nothing; a later file updates what changed. The invariants of the register hold for
files too: a fund's amount never drops below what was allocated, expenditures never add up to more
than was allocated (nor, per project, more than that project's allocation), nothing is spent before
it arrived.
"""
import difflib
import re
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import func, select

from ..core.models import Region
from ..extensions import db
from ..imports import tables
from ..imports.engine import KINDS, Field, Importer, Skip, cell, name, past_day, register, short
from ..imports.tables import CellProblem, squash
from ..projects.models import Project
from . import services
from .models import CATEGORIES, SOURCE_LEVELS, TARGETS, Fund, FundAllocation, FundExpenditure

ZERO = Decimal("0.00")
TOWNSHIP = Field("township", "乡镇", "township", aliases="乡镇|街道|乡镇街道|乡镇(街道)|乡镇名称|所属乡镇|镇街|预算单位|乡镇(街道)名称",
                 example="锦城街道", rule=("按县（区）导入时必填：本县的乡镇（街道）名称", "When a county imports: the township's name"))


_BRACKETS = str.maketrans("〔【〖[〕】〗]", "(((())))")


def doc_key(value):
    """A 文号 or a fund name as the file and the register are matched on: the same document whether
    its year sits in 〔〕, [], 【】 or full-width （） (the screen keeps what was typed; a file is read
    half-width), spaces aside. The year inside is kept: 〔2025〕8号 is not 〔2026〕8号."""
    return re.sub(r"\s+", "", tables.text(value)).translate(_BRACKETS)


def _positive(value):
    amount = tables.decimal(value)
    if amount <= 0:
        raise CellProblem("amount_not_positive", "金额必须大于 0", "The amount must be more than 0")
    return amount


class _FundFile(Importer):
    """What both fund kinds share: the township of each row."""
    roles = ("township_lead", "county", "admin")
    levels = ("county", "township")
    audit_prefix = "fund"

    def __init__(self, region, report):
        super().__init__(region, report)
        below = db.session.execute(select(Region).where(Region.path.startswith(region.path, autoescape=True),
                                                        Region.level == "township")).scalars().all()
        self.townships = {squash(r.name): r for r in below} | {r.code: r for r in below}

    def township(self, value):
        text = tables.text(value)
        found = self.townships.get(squash(text))
        if found is None:
            names = sorted({r.name for r in self.townships.values()})
            # A one-character slip (锦成街道 for 锦城街道) is named first: the clerk need not read the list.
            near = difflib.get_close_matches(text, names, n=1, cutoff=0.7)
            guess_zh, guess_en = (f"，是不是“{near[0]}”？", f"; did you mean '{near[0]}'?") if near else ("", "")
            listed = "、".join(names[:30])
            raise CellProblem("unknown_township", f"本辖区没有“{text}”这个乡镇（街道）{guess_zh}（本辖区：{listed}）",
                              f"No township '{text}' in this region{guess_en} (its townships: {listed})")
        return found

    def row_township(self, n, c):
        if self.region.level == "township":
            given = tables.text(c.get("township")) if not tables._blank(c.get("township")) else ""
            if given and squash(given) not in (squash(self.region.name), self.region.code):
                self.report.add(n, "township", "other_township", f"这是{self.region.name}的导入，不能导入其他乡镇的数据",
                                f"This import is for {self.region.name}; rows of another township do not belong here",
                                c.get("township"))
                self.report.row_bad = True
            return self.region
        return cell(self.township, n, c, "township", self.report, required=True)


@register
class FundImporter(_FundFile):
    kind = "funds"
    title = ("资金指标", "Budget lines")
    model = Fund
    users_of = [(FundAllocation, "fund_id"), (FundExpenditure, "fund_id")]
    fields = [
        TOWNSHIP,
        Field("doc_no", "文号", "document number", aliases="指标文号|文件号|发文字号|文件文号|指标文件号|下达文号|文号|资金文号|指标文件文号", required=True,
              example="浙财农〔2026〕12号", rule=("上级下达资金的文件文号", "The number of the upper level's document")),
        Field("name", "资金名称", "fund name", aliases="指标名称|资金项目|项目名称|资金项目名称|指标项目|资金用途|专项名称", required=True,
              example="农村公路养护省级补助资金", rule=("同一乡镇同一文号下的资金名称只出现一次",
                                                       "A fund name once per document number and township")),
        Field("category", "类别", "category", aliases="资金类别|资金性质|转移支付类别|转移支付类型|指标类别|资金类型", required=True,
              example="一般性转移支付", rule=("一般性转移支付、专项转移支付或乡镇自有资金",
                                              "General transfer, special transfer or the township's own funds")),
        Field("source_level", "来源级次", "source level", aliases="资金来源|来源|级次|下达级次|资金级次|资金来源级次|来源级别|资金层级", required=True,
              example="省级", rule=("中央、省、市、县或乡", "Central, province, city, county or township")),
        Field("amount", "金额", "amount", aliases="指标金额|下达金额|金额(元)|资金金额|金额元|下达指标|指标数|下达数|分配金额|安排金额",
              required=True, money=True, example="860000.00",
              rule=("元，大于 0，最多两位小数（表头写“万元”时按万元读入）", "Yuan, more than 0, at most two decimals (万元 when the header says so)")),
        Field("issued_on", "下达日期", "issued on", aliases="下达时间|发文日期|文件日期|指标下达日期|下达日|文件下达日期|发文时间", required=True,
              example="2026-10-17", rule=("上级下达的日期，不晚于今天", "The day the upper level issued it, not after today")),
        Field("arrived_on", "到账日期", "arrived on", aliases="登记日期|到账时间|到帐日期|到帐时间|收到日期|到位日期|资金到位日期|到位时间|接收日期|登记时间",
              example="2026-10-22", rule=("可空；不早于下达日期", "Optional; not before the issue date")),
        Field("receipt_no", "回执号", "receipt number", aliases="回执编号|信息接收回执号|接收回执号|回执|信息接收回执|回执单号",
              example="HZLA-2026-0533", rule=("信息接收回执上的编号（可空）", "The number on the receipt (optional)")),
    ]

    def parse_row(self, n, c):
        r = self.report
        township = self.row_township(n, c)
        row = {"township": township,
               "doc_no": cell(short, n, c, "doc_no", r, required=True, max_len=60),
               "name": cell(name, n, c, "name", r, required=True, max_len=100),
               "category": cell(self.category, n, c, "category", r, required=True),
               "source_level": cell(self.source_level, n, c, "source_level", r, required=True),
               "amount": cell(_positive, n, c, "amount", r, required=True),
               "issued_on": cell(past_day, n, c, "issued_on", r, required=True),
               "arrived_on": cell(past_day, n, c, "arrived_on", r),
               "receipt_no": cell(short, n, c, "receipt_no", r, max_len=60)}
        if row["issued_on"] and row["arrived_on"] and row["arrived_on"] < row["issued_on"]:
            r.add(n, "arrived_on", "arrived_before_issued", "到账日期早于下达日期", "Arrived before it was issued",
                  c.get("arrived_on"))
            r.row_bad = True
        if township is None or r.row_bad:
            raise Skip
        row["key"] = (township.id, doc_key(row["doc_no"]), doc_key(row["name"]))
        return row

    @staticmethod
    def category(value):
        code = services.category_of(tables.text(value))
        if code is None:
            known = "、".join(zh for zh, _ in CATEGORIES.values())
            raise CellProblem("unknown_category", f"类别应为：{known}", f"The category must be one of: {known}")
        return code

    @staticmethod
    def source_level(value):
        code = services.source_level_of(tables.text(value))
        if code is None:
            known = "、".join(zh for zh, _ in SOURCE_LEVELS.values())
            raise CellProblem("unknown_source_level", f"来源级次应为：{known}", f"The source level must be one of: {known}")
        return code

    def stored(self, parsed):
        """The stored funds this file names, by key, with their allocated total and first use."""
        townships = {row["township"].id for _, row in parsed}
        if not townships:
            return {}
        funds = db.session.execute(select(Fund).where(Fund.region_id.in_(townships))).scalars().all()
        use = {fid: (total, first) for fid, total, first in db.session.execute(
            select(FundAllocation.fund_id, func.sum(FundAllocation.amount), func.min(FundAllocation.allocated_on))
            .where(FundAllocation.fund_id.in_([f.id for f in funds])).group_by(FundAllocation.fund_id))} if funds else {}
        return {(f.region_id, doc_key(f.doc_no), doc_key(f.name)): (f, *use.get(f.id, (ZERO, None))) for f in funds}

    def check(self, parsed):
        self.duplicates(parsed, lambda row: row["key"], "同一乡镇、文号和资金名称", "same township, document and fund name",
                        ("township", "doc_no", "name"))
        self._stored = self.stored(parsed)
        for n, row in parsed:
            found = self._stored.get(row["key"])
            if found is None:
                continue
            fund, allocated, first_use = found
            if row["amount"] < (allocated or ZERO):
                self.report.add(n, "amount", "below_allocated", f"该资金已分配 {allocated:,.2f} 元，金额不能改得更少",
                                f"{allocated:,.2f} yuan of this fund is already allocated; the amount cannot be less",
                                str(row["amount"]))
            arrived = row["arrived_on"] or fund.arrived_on
            if first_use and arrived and arrived > first_use:
                self.report.add(n, "arrived_on", "arrived_after_use", f"该资金 {first_use.isoformat()} 已开始分配，到账日期不能晚于此日",
                                f"This fund was allocated from {first_use.isoformat()}; it cannot have arrived later",
                                str(row["arrived_on"]))

    def write(self, parsed, batch_id):
        stored = getattr(self, "_stored", None) or self.stored(parsed)
        counts = [0, 0, 0]
        cols = ("category", "source_level", "amount", "issued_on")
        for _, row in parsed:
            found = stored.get(row["key"])
            if found is None:
                db.session.add(Fund(region_id=row["township"].id, doc_no=row["doc_no"], name=row["name"],
                                    arrived_on=row["arrived_on"], receipt_no=row["receipt_no"], batch_id=batch_id,
                                    **{c: row[c] for c in cols}))
                counts[0] += 1
                continue
            fund = found[0]
            # A file without an arrival says nothing about it: the registered arrival stays.
            wanted = {c: row[c] for c in cols}
            if row["arrived_on"]:
                wanted["arrived_on"] = row["arrived_on"]
            if row["receipt_no"]:
                wanted["receipt_no"] = row["receipt_no"]
            changed = [c for c, v in wanted.items() if getattr(fund, c) != v]
            if not changed:
                counts[2] += 1
                continue
            self.remember(fund, (*changed, "batch_id"))
            for c in changed:
                setattr(fund, c, wanted[c])
            fund.batch_id = batch_id
            counts[1] += 1
        db.session.flush()
        return counts


@register
class FundExpenditureImporter(_FundFile):
    kind = "fund_expenditures"
    title = ("资金支出", "Fund expenditures")
    model = FundExpenditure
    users_of = ()
    fields = [
        TOWNSHIP,
        Field("doc_no", "文号", "document number", aliases="指标文号|文件号|资金文号|指标文件号|发文字号|下达文号", required=True,
              example="浙财农〔2026〕12号", rule=("支出所用资金的文号（须已登记）", "The document number of the fund spent (registered)")),
        Field("fund_name", "资金名称", "fund name", aliases="指标名称|资金项目|资金项目名称", example="农村公路养护省级补助资金",
              rule=("同一文号下有多笔资金时必填", "Needed when one document has several funds")),
        Field("spent_on", "支出日期", "spent on", aliases="支付日期|付款日期|日期|记账日期|记帐日期|支出时间|支付时间|拨付日期", required=True,
              example="2026-11-19", rule=("不早于到账日期，不晚于今天", "Not before the arrival, not after today")),
        Field("amount", "金额", "amount", aliases="支出金额|支付金额|金额(元)|付款金额|实际支出|支出数|拨付金额", required=True,
              money=True, example="320000.50", rule=("元，大于 0；合计不超过已分配金额", "Yuan, more than 0; in all not more than allocated")),
        Field("payee", "收款人", "payee", aliases="收款单位|收款人名称|收款方|收款人全称|收款单位名称|收款户名|收款单位全称", required=True,
              example="杭州临安城建工程有限公司", rule=("", "")),
        Field("voucher_no", "凭证号", "voucher number", aliases="凭证编号|记账凭证号|记帐凭证号|凭证|支付凭证号|会计凭证号|凭证字号", required=True,
              example="记-2026-11-087", rule=("同一资金下每个凭证号只出现一次", "Each voucher number once per fund")),
        Field("project_ref", "项目编号", "project number", aliases="项目|项目号|项目代码|项目编码|工程编号",
              example="", rule=("可空；须是这笔资金已分配到的项目", "Optional; a project the fund was allocated to")),
        Field("note", "摘要", "note", aliases="备注|用途|说明|支出摘要|摘要说明|支出内容", example="", rule=("", "")),
    ]

    def __init__(self, region, report):
        super().__init__(region, report)
        ids = [r.id for r in {r.id: r for r in self.townships.values()}.values()]
        funds = db.session.execute(select(Fund).where(Fund.region_id.in_(ids))).scalars().all() if ids else []
        self.funds = defaultdict(list)
        self.by_doc = defaultdict(list)
        for f in funds:
            self.funds[(f.region_id, doc_key(f.doc_no))].append(f)
            self.by_doc[doc_key(f.doc_no)].append(f)
        self.township_by_id = {r.id: r for r in self.townships.values()}
        self.projects = {}

    def row_township(self, n, c):
        """A county's file may leave 乡镇 out: a document number (with its fund name, if given)
        registered in one township only says whose row it is."""
        if self.region.level != "township" and tables._blank(c.get("township")) \
                and not tables._blank(c.get("doc_no")):
            found = self.by_doc.get(doc_key(c.get("doc_no")), [])
            if not tables._blank(c.get("fund_name")):
                found = [f for f in found if squash(f.name) == squash(tables.text(c.get("fund_name")))]
            towns = {f.region_id for f in found}
            if len(towns) == 1:
                return self.township_by_id[towns.pop()]
        return super().row_township(n, c)

    def parse_row(self, n, c):
        r = self.report
        township = self.row_township(n, c)
        row = {"doc_no": cell(short, n, c, "doc_no", r, required=True, max_len=60),
               "fund_name": cell(name, n, c, "fund_name", r, max_len=100),
               "spent_on": cell(past_day, n, c, "spent_on", r, required=True),
               "amount": cell(_positive, n, c, "amount", r, required=True),
               "payee": cell(name, n, c, "payee", r, required=True, max_len=120),
               "voucher_no": cell(short, n, c, "voucher_no", r, required=True, max_len=40),
               "project_ref": cell(short, n, c, "project_ref", r, max_len=32),
               "note": cell(short, n, c, "note", r, max_len=200)}
        if township is None or row["doc_no"] is None:
            raise Skip
        fund = self.fund(n, c, township, row)
        if fund is None:
            raise Skip
        if fund.arrived_on is None:
            r.add(n, "doc_no", "fund_not_registered", "该资金尚未登记到账，不能导入支出",
                  "This fund is not registered as arrived; expenditures cannot be imported", c.get("doc_no"))
            r.row_bad = True
        elif row["spent_on"] and row["spent_on"] < fund.arrived_on:
            r.add(n, "spent_on", "spent_before_arrival", f"支出日期早于到账日期（{fund.arrived_on.isoformat()}）",
                  f"Spent before the fund arrived ({fund.arrived_on.isoformat()})", c.get("spent_on"))
            r.row_bad = True
        if row["project_ref"]:
            project = self.project(row["project_ref"])
            if project is None:
                r.add(n, "project_ref", "unknown_project", f"本辖区没有编号为“{row['project_ref']}”的项目",
                      f"No project numbered '{row['project_ref']}' in this region", row["project_ref"])
                r.row_bad = True
            row["project_id"] = project and project.id
        if r.row_bad:
            raise Skip
        row["fund"] = fund
        row["key"] = (fund.id, row["voucher_no"])
        return row

    def fund(self, n, c, township, row):
        found = self.funds.get((township.id, doc_key(row["doc_no"])), [])
        if row["fund_name"]:
            found = [f for f in found if squash(f.name) == squash(row["fund_name"])]
        if len(found) == 1:
            return found[0]
        if not found:
            self.report.add(n, "doc_no", "unknown_fund",
                            f"{township.name}没有文号为“{row['doc_no']}”{'、名称为“' + row['fund_name'] + '”' if row['fund_name'] else ''}的资金指标（请先导入资金指标）",
                            f"{township.name} has no budget line '{row['doc_no']}'"
                            f"{' named ' + repr(row['fund_name']) if row['fund_name'] else ''} (import the budget lines first)",
                            c.get("doc_no"))
        else:
            self.report.add(n, "fund_name", "fund_ambiguous", "该文号下有多笔资金，请填写资金名称",
                            "This document has several funds; give the fund name", c.get("fund_name"))
        self.report.row_bad = True
        return None

    def project(self, ref):
        if ref not in self.projects:
            self.projects[ref] = db.session.execute(
                select(Project).join(Region, Region.id == Project.region_id)
                .where(Project.ref_no == ref, Region.path.startswith(self.region.path, autoescape=True))).scalar_one_or_none()
        return self.projects[ref]

    def check(self, parsed):
        self.duplicates(parsed, lambda row: row["key"], "同一资金、同一凭证号", "same fund and voucher",
                        ("township", "doc_no", "fund_name", "voucher_no"))
        fund_ids = list({row["fund"].id for _, row in parsed})
        if not fund_ids:
            return
        allocs = db.session.execute(select(FundAllocation).where(FundAllocation.fund_id.in_(fund_ids))
                                    .order_by(FundAllocation.id)).scalars().all()
        by_fund = defaultdict(list)
        for a in allocs:
            by_fund[a.fund_id].append(a)
        stored = {(e.fund_id, e.voucher_no): e for e in db.session.execute(
            select(FundExpenditure).where(FundExpenditure.fund_id.in_(fund_ids))).scalars()}
        self._stored = stored
        # What each fund and allocation has spent, less the rows this file restates (they are replaced).
        restated = {row["key"] for _, row in parsed}
        spent, spent_on_alloc = defaultdict(lambda: ZERO), defaultdict(lambda: ZERO)
        for key, e in stored.items():
            if key not in restated:
                spent[e.fund_id] += e.amount
                if e.allocation_id:
                    spent_on_alloc[e.allocation_id] += e.amount
        for n, row in parsed:
            fund, mine = row["fund"], by_fund[row["fund"].id]
            row["allocation"] = None
            if row.get("project_id"):
                linked = [a for a in mine if a.project_id == row["project_id"]]
                if not linked:
                    self.report.add(n, "project_ref", "project_not_allocated", "这笔资金没有分配给该项目",
                                    "This fund was not allocated to that project", row["project_ref"])
                    continue
                row["allocation"] = linked[0]
            elif len(mine) == 1:
                row["allocation"] = mine[0]
            allocated = sum((a.amount for a in mine), ZERO)
            spent[fund.id] += row["amount"]
            if spent[fund.id] > fund.amount:
                self.report.add(n, "amount", "over_fund", f"支出合计 {spent[fund.id]:,.2f} 元超过资金金额 {fund.amount:,.2f} 元",
                                f"Expenditures add up to {spent[fund.id]:,.2f} yuan, more than the fund's {fund.amount:,.2f}",
                                str(row["amount"]))
            elif spent[fund.id] > allocated:
                self.report.add(n, "amount", "over_allocated", f"支出合计 {spent[fund.id]:,.2f} 元超过已分配的 {allocated:,.2f} 元",
                                f"Expenditures add up to {spent[fund.id]:,.2f} yuan, more than the {allocated:,.2f} allocated",
                                str(row["amount"]))
            elif row["allocation"] is not None:
                a = row["allocation"]
                spent_on_alloc[a.id] += row["amount"]
                if spent_on_alloc[a.id] > a.amount:
                    self.report.add(n, "amount", "over_allocation",
                                    f"该项目的支出合计 {spent_on_alloc[a.id]:,.2f} 元超过分配给它的 {a.amount:,.2f} 元",
                                    f"Spending on this allocation adds up to {spent_on_alloc[a.id]:,.2f} yuan, more than its "
                                    f"{a.amount:,.2f}", str(row["amount"]))

    def write(self, parsed, batch_id):
        stored = self._stored
        counts = [0, 0, 0]
        for _, row in parsed:
            a = row["allocation"]
            wanted = {"spent_on": row["spent_on"], "amount": row["amount"], "payee": row["payee"], "note": row["note"],
                      "allocation_id": a.id if a else None, "project_id": a.project_id if a else None}
            e = stored.get(row["key"])
            if e is None:
                db.session.add(FundExpenditure(fund_id=row["fund"].id, region_id=row["fund"].region_id,
                                               voucher_no=row["voucher_no"], batch_id=batch_id, **wanted))
                counts[0] += 1
                continue
            changed = [k for k, v in wanted.items() if getattr(e, k) != v]
            if not changed:
                counts[2] += 1
                continue
            self.remember(e, (*changed, "batch_id"))
            for k in changed:
                setattr(e, k, wanted[k])
            e.batch_id = batch_id
            counts[1] += 1
        db.session.flush()
        return counts


# ---------------------------------------------------------------- allocations

TARGET_WORDS = {"project": "项目|工程|项目支出|工程项目", "policy": "补贴政策|政策|补贴|惠民补贴|补助政策",
                "own": "乡镇自用|自用|本级|乡镇本级|本级支出|乡镇本级支出|日常支出|其他|其他支出|乡镇统筹|统筹使用"}
_TARGETS = {squash(w): code for code, words in TARGET_WORDS.items() for w in words.split("|")} | {
    squash(zh): code for code, (zh, _) in TARGETS.items()} | {code: code for code in TARGETS}
# The columns that name where an allocation goes (its key beside the fund), by target.
RECIPIENT_FIELDS = {"project": ("project_ref", "project_name"), "policy": ("policy",), "own": ("purpose",)}


def _target(value):
    found = _TARGETS.get(squash(tables.text(value)))
    if found is None:
        raise CellProblem("unknown_target", "分配去向应为：项目、补贴政策或乡镇自用",
                          "The allocation goes to a project, a subsidy policy or the township's own spending")
    return found


@register
class AllocationImporter(FundExpenditureImporter):
    """``allocations``: how each arrived fund was allocated (分配) — to a project (its number or name), a
    subsidy policy (its name), or the township's own spending (a purpose) — so that issued → arrived →
    allocated → spent loads from files. Natural key: (fund, project | policy | purpose). Checked against
    what is left of each fund (the stored allocations this file does not restate, plus the file's),
    never below what is already spent on an allocation, nothing allocated before it arrived."""
    kind = "allocations"
    title = ("资金分配", "Fund allocations")
    model = FundAllocation
    users_of = [(FundExpenditure, "allocation_id")]
    fields = [
        TOWNSHIP,
        Field("doc_no", "文号", "document number", aliases="指标文号|文件号|资金文号|指标文件号|发文字号|下达文号", required=True,
              example="浙财农〔2026〕12号", rule=("所分配资金的文号（须已登记到账）", "The document number of the fund (arrived)")),
        Field("fund_name", "资金名称", "fund name", aliases="指标名称|资金项目|资金项目名称", example="农村公路养护省级补助资金",
              rule=("同一文号下有多笔资金时必填", "Needed when one document has several funds")),
        Field("target", "分配去向", "goes to", aliases="分配对象|去向|资金去向|用途类别|分配类型|安排方向",
              example="项目", rule=("项目、补贴政策或乡镇自用；可不填（按填了项目、政策还是用途判断）",
                                   "Project, subsidy policy or own spending; blank: read from the columns filled")),
        Field("project_ref", "项目编号", "project number", aliases="项目号|项目代码|项目编码|工程编号",
              example="", rule=("分配给项目时填项目编号或项目名称（须是该乡镇的项目）", "For a project: its number or name")),
        Field("project_name", "项目名称", "project name", aliases="项目|工程名称|工程项目名称|建设项目名称",
              example="2026年钱王社区农村公路提升改造工程", rule=("", "")),
        Field("policy", "补贴政策", "subsidy policy", aliases="政策名称|补贴项目|补贴政策名称|补助政策", example="",
              rule=("分配给补贴政策时填政策名称（本乡镇适用的政策）", "For a policy: its name (one that applies here)")),
        Field("purpose", "用途", "purpose", aliases="分配用途|摘要|说明|备注|资金用途|具体用途", example="",
              rule=("乡镇自用时必填（如 村道日常养护）", "Required for own spending (e.g. road upkeep)")),
        Field("amount", "分配金额", "amount", aliases="金额|安排金额|金额(元)|分配数|分配金额元|拨付金额|下拨金额", required=True,
              money=True, example="430000.00", rule=("元，大于 0；一笔资金的分配合计不超过资金金额（表头写“万元”时按万元读入）",
                                                    "Yuan, more than 0; a fund's allocations never add up to more than it")),
        Field("allocated_on", "分配日期", "allocated on", aliases="日期|分配时间|安排日期|下拨日期|拨付日期", required=True,
              example="2026-10-25", rule=("不早于到账日期，不晚于今天", "Not before the arrival, not after today")),
    ]

    def __init__(self, region, report):
        super().__init__(region, report)
        self.by_name, self.policies = {}, {}

    def parse_row(self, n, c):
        r = self.report
        township = self.row_township(n, c)
        row = {"doc_no": cell(short, n, c, "doc_no", r, required=True, max_len=60),
               "fund_name": cell(name, n, c, "fund_name", r, max_len=100),
               "target": cell(_target, n, c, "target", r),
               "project_ref": cell(short, n, c, "project_ref", r, max_len=32),
               "project_name": cell(name, n, c, "project_name", r, max_len=120),
               "policy": cell(name, n, c, "policy", r, max_len=100),
               "purpose": cell(short, n, c, "purpose", r, max_len=200),
               "amount": cell(_positive, n, c, "amount", r, required=True),
               "allocated_on": cell(past_day, n, c, "allocated_on", r, required=True)}
        if township is None or row["doc_no"] is None:
            raise Skip
        fund = self.fund(n, c, township, row)
        if fund is None:
            raise Skip
        if fund.arrived_on is None:
            r.add(n, "doc_no", "fund_not_registered", "该资金尚未登记到账，不能分配",
                  "This fund is not registered as arrived; it cannot be allocated", c.get("doc_no"))
            r.row_bad = True
        elif row["allocated_on"] and row["allocated_on"] < fund.arrived_on:
            r.add(n, "allocated_on", "allocated_before_arrival", f"分配日期早于到账日期（{fund.arrived_on.isoformat()}）",
                  f"Allocated before the fund arrived ({fund.arrived_on.isoformat()})", c.get("allocated_on"))
            r.row_bad = True
        target = row["target"] or ("project" if row["project_ref"] or row["project_name"] else
                                   "policy" if row["policy"] else "own")
        link = None
        if target == "project":
            link = self.allocated_project(n, c, township, row)
        elif target == "policy":
            link = self.allocated_policy(n, c, township, row)
        elif not row["purpose"]:
            r.add(n, "purpose", "purpose_required", "分配给乡镇自用时请填写用途", "Say what the township's own spending is for")
            r.row_bad = True
        if r.row_bad:
            raise Skip
        row.update(fund=fund, target=target, project_id=link if target == "project" else None,
                   policy_id=link if target == "policy" else None)
        row["key"] = (fund.id, target, link if link is not None else squash(row["purpose"]))
        return row

    def allocated_project(self, n, c, township, row):
        """The project of the row, in the fund's township: by its number, else by its name."""
        if row["project_ref"]:
            project = self.project(row["project_ref"])
            what, field = row["project_ref"], "project_ref"
        elif row["project_name"]:
            key = (township.id, squash(row["project_name"]))
            if key not in self.by_name:
                self.by_name[key] = db.session.execute(
                    select(Project).join(Region, Region.id == Project.region_id)
                    .where(Project.name == row["project_name"], Region.path.startswith(township.path, autoescape=True))
                ).scalars().all()
            found = self.by_name[key]
            if len(found) > 1:
                self.report.add(n, "project_name", "project_ambiguous", f"{township.name}有 {len(found)} 个项目叫“{row['project_name']}”，请填写项目编号",
                                f"{len(found)} projects in {township.name} are called '{row['project_name']}': give the number",
                                c.get("project_name"))
                self.report.row_bad = True
                return None
            project, what, field = (found[0] if found else None), row["project_name"], "project_name"
        else:
            self.report.add(n, "project_ref", "project_required", "分配给项目时请填写项目编号或项目名称",
                            "For a project, give its number or its name")
            self.report.row_bad = True
            return None
        if project is not None and not db.session.get(Region, project.region_id).path.startswith(township.path):
            project = None
        if project is None:
            self.report.add(n, field, "project_not_in_township", f"{township.name}没有项目“{what}”（请先导入项目登记表）",
                            f"{township.name} has no project '{what}' (import the project register first)", c.get(field))
            self.report.row_bad = True
            return None
        return project.id

    def allocated_policy(self, n, c, township, row):
        """The subsidy policy of that name that applies in the fund's township (issued by it, above or
        below it); of several years', the one of the allocation's year, else the latest."""
        if not row["policy"]:
            self.report.add(n, "policy", "policy_required", "分配给补贴政策时请填写政策名称", "For a policy, give its name")
            self.report.row_bad = True
            return None
        key = (township.id, squash(row["policy"]))
        if key not in self.policies:
            from ..subsidies.models import SubsidyPolicy
            rows = db.session.execute(select(SubsidyPolicy, Region.path).join(Region, Region.id == SubsidyPolicy.region_id)
                                      .where(SubsidyPolicy.name == row["policy"])).all()
            self.policies[key] = [p for p, path in rows if township.path.startswith(path) or path.startswith(township.path)]
        found = self.policies[key]
        if not found:
            self.report.add(n, "policy", "policy_not_in_township", f"{township.name}没有适用的补贴政策“{row['policy']}”",
                            f"No subsidy policy '{row['policy']}' applies in {township.name}", c.get("policy"))
            self.report.row_bad = True
            return None
        year = row["allocated_on"].year if row["allocated_on"] else None
        return next((p.id for p in found if p.year == year), max(found, key=lambda p: p.year).id)

    def check(self, parsed):
        self.duplicates(parsed, lambda row: row["key"], "同一资金分配给同一去向", "same fund, same recipient",
                        lambda row: ("township", "doc_no", "fund_name", "target", *RECIPIENT_FIELDS[row["target"]]))
        fund_ids = list({row["fund"].id for _, row in parsed})
        self._stored = {}
        if not fund_ids:
            return
        stored = db.session.execute(select(FundAllocation).where(FundAllocation.fund_id.in_(fund_ids))
                                    .order_by(FundAllocation.id)).scalars().all()
        for a in stored:
            key = (a.fund_id, a.target, a.project_id or a.policy_id or squash(a.purpose or ""))
            self._stored.setdefault(key, a)
        spent = dict(db.session.execute(select(FundExpenditure.allocation_id, func.sum(FundExpenditure.amount))
                                        .where(FundExpenditure.fund_id.in_(fund_ids))
                                        .group_by(FundExpenditure.allocation_id)).all())
        restated = {self._stored[row["key"]].id for _, row in parsed if row["key"] in self._stored}
        total = defaultdict(lambda: ZERO)
        for a in stored:
            if a.id not in restated:
                total[a.fund_id] += a.amount
        for n, row in parsed:
            fund, before = row["fund"], self._stored.get(row["key"])
            left = fund.amount - total[fund.id]
            if row["amount"] > left:
                self.report.add(n, "amount", "allocation_over_fund",
                                f"超出资金可分配余额（{fund.doc_no}{fund.name} 尚可分配 {left:,.2f} 元）",
                                f"More than is left of the fund to allocate ({left:,.2f} yuan left)", str(row["amount"]))
            total[fund.id] += row["amount"]
            used = Decimal(spent.get(before.id) or 0) if before is not None else ZERO
            if row["amount"] < used:
                self.report.add(n, "amount", "below_spent", f"这笔分配已支出 {used:,.2f} 元，金额不能改得更少",
                                f"{used:,.2f} yuan of this allocation is already spent; it cannot be less", str(row["amount"]))

    def write(self, parsed, batch_id):
        counts = [0, 0, 0]
        for _, row in parsed:
            wanted = {"amount": row["amount"], "allocated_on": row["allocated_on"]}
            if row["target"] != "own":
                wanted["purpose"] = row["purpose"]
            found = self._stored.get(row["key"])
            if found is None:
                fund = row["fund"]
                db.session.add(FundAllocation(fund_id=fund.id, region_id=fund.region_id, target=row["target"],
                                              project_id=row["project_id"], policy_id=row["policy_id"],
                                              purpose=row["purpose"], batch_id=batch_id,
                                              created_by_id=getattr(self.actor, "id", None), **{
                                                  k: v for k, v in wanted.items() if k != "purpose"}))
                counts[0] += 1
                continue
            changed = [k for k, v in wanted.items() if getattr(found, k) != v]
            if not changed:
                counts[2] += 1
                continue
            self.remember(found, (*changed, "batch_id"))
            for k in changed:
                setattr(found, k, wanted[k])
            found.batch_id = batch_id
            counts[1] += 1
        db.session.flush()
        return counts


# Listed (screen, CLI, templates) in the order a township brings the files: funds, allocations, spending.
KINDS["fund_expenditures"] = KINDS.pop("fund_expenditures")
