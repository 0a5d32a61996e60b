"""The subsidy kinds of the import engine (backend/imports): policies, beneficiaries, payments
(disbursements), public notices, death and public-employee lists — each parsed, checked against the
register and written as an upsert on its natural key, so the same file again changes nothing.
"""
import difflib
import hashlib
import re
from decimal import Decimal

from sqlalchemy import select, update

from ..core import partitions, pii
from ..core.bulk import bulk_insert
from ..core.lookups import among, slices
from ..core.models import Region
from ..extensions import db
from ..imports import engine, tables
from ..imports.engine import Skip as _Skip, cell as _cell, regions_below as _regions_below
from ..imports.engine import card as _card, id_number as _id_number, name as _name, past_day as _past_day
from ..imports.engine import phone as _phone, short as _short, shown as _shown
from ..imports.tables import CellProblem, squash
from .models import NOTICE_FINDINGS, Beneficiary, DeathRecord, Disbursement, NoticeEntry, PublicEmployee, SubsidyCase, SubsidyPolicy


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


# ---------------------------------------------------------------- the subsidy kinds' common ground

class Importer(engine.Importer):
    """A subsidy kind: read with the names in SPECS_ALIASES, written into the subsidy tables."""
    audit_prefix = "subsidy"

    @classmethod
    def aliases(cls):
        return {name: set(words) for name, words in SPECS_ALIASES[cls.kind].items()}

    @classmethod
    def required(cls):
        return REQUIRED[cls.kind]

    @classmethod
    def names(cls):
        return FIELD_NAMES

    def people(self, parsed):
        """Beneficiaries named by ID number in ``parsed``: {id_hash: (id, region_id, name, card…)}."""
        hashes = list({row["id_hash"] for _, row in parsed})
        found = {}
        for part in slices(hashes):
            for b in db.session.execute(select(Beneficiary.id_hash, Beneficiary.id, Beneficiary.region_id,
                                               Beneficiary.name, Beneficiary.card_enc, Beneficiary.card_hash,
                                               Beneficiary.card_mask).where(among(Beneficiary.id_hash, part))):
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
        self.duplicates(parsed, lambda row: row["key"], "同名同年度政策", "same policy and year", ("name", "year"))

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
        self.duplicates(parsed, lambda row: row["id_hash"], "同一身份证号", "same ID number", ("id_number",))
        self.existing = {}
        hashes = [row["id_hash"] for _, row in parsed]
        for part in slices(hashes):
            for b in db.session.execute(select(Beneficiary).where(among(Beneficiary.id_hash, part))).scalars():
                self.existing[b.id_hash] = b
        for number, row in parsed:
            b = self.existing.get(row["id_hash"])
            if b is not None and not db.session.get(Region, b.region_id).path.startswith(self.region.path):
                masked = engine.shown("id_number", row["id_number"])
                self.report.add(number, "id_number", "registered_elsewhere",
                                f"身份证号“{masked}”的人已登记在其他乡镇，请联系上级调整",
                                f"The person with ID number '{masked}' is registered in another township; ask the "
                                "county to move them", row["id_number"])

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
        self.duplicates(parsed, lambda row: row["row_key"], "同一对象、政策、期间、金额和日期",
                        "same person, policy, period, amount and date",
                        ("id_number", "policy", "period", "amount", "voucher", "paid_on"))
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
        partitions.ensure(partitions.years_of({row["period"] for row in new}))  # a new year's partition first
        bulk_insert(Disbursement.__table__, new)
        if changes:
            # What they held before, read only for the rows that change (a re-import reads little).
            ids = [c["id"] for c in changes]
            for part in slices(ids):
                for old in db.session.execute(select(Disbursement.id, *(getattr(Disbursement, c) for c in DISBURSEMENT_COLUMNS))
                                              .where(among(Disbursement.id, part))):
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
                        else row["line_key"], "同一对象、政策和期间", "same person, policy and period",
                        ("name", "id_number", "policy", "period"))

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
        for part in slices(keys):
            posted.update((n.line_key, n) for n in db.session.execute(
                select(NoticeEntry).where(among(NoticeEntry.line_key, part))).scalars())
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
        self.duplicates(parsed, lambda row: row["id_hash"], "同一身份证号", "same ID number", ("id_number",))

    def write(self, parsed, batch_id):
        model = self.model
        existing = {}
        hashes = [row["id_hash"] for _, row in parsed]
        for part in slices(hashes):
            for x in db.session.execute(select(model).where(among(model.id_hash, part))).scalars():
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


BENEFICIARY_COLUMNS = ("region_id", "name", "household", "card_enc", "card_hash", "card_mask", "phone_enc", "phone_hash",
                       "phone_mask", "batch_id")
DISBURSEMENT_COLUMNS = ("status", "reason", "card_enc", "card_hash", "card_mask", "paid_on", "quantity", "row_key",
                        "batch_id")


STORED = {"policies": SubsidyPolicy, "beneficiaries": Beneficiary, "disbursements": Disbursement,
          "notices": NoticeEntry, "deaths": DeathRecord, "employees": PublicEmployee}
# What may point at a run's rows: {kind: [(model, column)]}. Rows still pointed at are not deleted.
USERS_OF = {"policies": [(Disbursement, "policy_id"), (NoticeEntry, "policy_id"), (SubsidyCase, "policy_id")],
            "beneficiaries": [(Disbursement, "beneficiary_id"), (NoticeEntry, "beneficiary_id"),
                              (SubsidyCase, "beneficiary_id")],
            "disbursements": [(SubsidyCase, "disbursement_id")]}
IMPORTERS = {"policies": PolicyImporter, "beneficiaries": BeneficiaryImporter, "disbursements": DisbursementImporter,
             "notices": NoticeImporter, "deaths": DeathImporter, "employees": EmployeeImporter}
# The template's example row (a made-up person: 19800101 born, a valid check digit).
_ID = "330112198001011234"[:17]
EXAMPLES = {
    "name": "张建国", "id_number": _ID + pii.id_check_char(_ID), "village": "钱王社区", "bank_card": "6228480012345678901",
    "phone": "13805710000", "household": "0012", "policy": "耕地地力保护补贴", "period": "2026-05", "quantity": "8.5",
    "amount": "1020.00", "status": "已发放", "paid_on": "2026-05-20", "reason": None, "voucher": "LS20260520001",
    "year": 2026, "category": "农业补贴", "standard_amount": "120元/亩", "unit": "元/亩", "legal_basis": "浙财农〔2026〕12号",
    "department": "农业农村局", "excluded": "财政供养人员", "excludes_public_employees": "是", "exclusive_with": None,
    "died_on": "2026-03-01", "employer": "临安区锦城街道办事处", "published_on": "2026-05-10",
}
for _kind, _importer in IMPORTERS.items():  # each a kind of the import engine
    _importer.kind, _importer.title = _kind, KIND_NAMES[_kind]
    _importer.model, _importer.users_of = STORED[_kind], USERS_OF.get(_kind, ())
    _importer.fields = [engine.Field(name, *(("政策名称", "policy name") if (_kind, name) == ("policies", "name")
                                             else FIELD_NAMES[name]), aliases="|".join(sorted(words - {name})),
                                     required=name in REQUIRED[_kind], example=EXAMPLES.get(name))
                        for name, words in SPECS_ALIASES[_kind].items()]
    engine.register(_importer)
