"""三资 import kinds on the import engine (backend/imports/): ``assets``, ``resources`` and
``resource_contracts``, each for a township (or above), the village looked up by code or name inside
it. Natural keys: an asset is its village + 资产编号 when the file gives one, else village + name +
location; a resource likewise with 资源编号; a contract is its village + 合同编号, else village + what
it lets out + counterparty + start. A contract without a schedule in the file gets one instalment a
year (services.annual_schedule). All or nothing, idempotent, withdrawable (the engine's contract).
"""
import re

from sqlalchemy import select

from .. import jobs
from ..extensions import db
from ..imports import engine, tables
from ..imports.engine import Field, Importer, cell, money, name, regions_below, register, short
from ..imports.tables import CellProblem, squash
from . import services
from .models import (ASSET_CATEGORIES, ASSET_STATUSES, CONTRACT_KINDS, RESOURCE_KINDS, Asset, ContractReceipt,
                     Resource, ResourceContract)


def _stem(key):
    return re.sub(r"(股份经济合作社|经济合作社|村民委员会|居民委员会|村委会|居委会|社区|村)$", "", key) or key


class VillageLookup:
    """The village of a row, inside the importing region: its code, its name, the name with the
    township before it or a group (组) after it, or without its 村/社区 (the subsidy importer's rules).
    A township written before the village (上源镇新华村) is where the village is looked for: two
    villages of one name in two townships are told apart, and a village of another township is
    the row's error, not silently taken."""

    def prepare(self, table):
        self.villages()

    def villages(self):
        below = regions_below(self.region)
        villages = [r for r in below if r.level == "village"]
        self.by_code = {v.code: v for v in villages}
        self.by_name, self.by_stem = {}, {}
        for v in villages:
            self.by_name.setdefault(squash(v.name), []).append(v)
            self.by_stem.setdefault(_stem(squash(v.name)), []).append(v)
        # Longest first: a township whose name starts another's (石门 / 石门街道) is not taken for it.
        self.towns = sorted(((squash(r.name), r) for r in below if r.level == "township"), key=lambda x: -len(x[0]))

    def village(self, value):
        text = tables.text(value)
        key = squash(text)
        if key in self.by_code:
            return self.by_code[key]
        town = next((t for name, t in self.towns if len(key) > len(name) and key.startswith(name)), None)
        found = self._find(key)
        if town is not None:
            rest = self._find(key[len(squash(town.name)):])
            inside = [v for v in rest or found if v.path.startswith(town.path)]
            if not inside and (rest or found):
                raise CellProblem("village_not_in_township", f"{town.name}没有“{text[len(town.name):] or text}”这个村",
                                  f"{town.name} has no village '{text}' (a village of that name is in another township)")
            found = inside
        unique = list({v.id: v for v in found}.values())
        if len(unique) == 1:
            return unique[0]
        if unique:
            raise CellProblem("village_ambiguous", f"“{text}”在本辖区有多个同名村，请写村代码或乡镇+村名",
                              f"Several villages here are called '{text}'; give the village code or township + village")
        listed = "、".join(sorted(v.name for vs in self.by_name.values() for v in vs)[:30])
        raise CellProblem("unknown_village", f"本辖区没有“{text}”这个村（本辖区的村：{listed}）",
                          f"No village '{text}' in this region (its villages: {listed})")

    def _find(self, key):
        return (self.by_name.get(key) or [v for n, vs in self.by_name.items() if key.endswith(n) for v in vs]
                or [v for n, vs in self.by_name.items() if key.startswith(n) for v in vs]
                or [v for n, vs in self.by_name.items() if n in key for v in vs]
                or [v for s, vs in self.by_stem.items() if _stem(key) == s for v in vs])


# The other words registers use for each value (a county's ledgers were kept in several programs).
VALUE_WORDS = {
    "经营性": "经营类|经营性资产|经营用", "非经营性": "非经营类|非经营性资产", "公益性": "公益类|公益性资产|公共服务类",
    "在用": "使用中|正常使用|正常|自用|在使用|使用", "闲置": "空置|闲置中|未使用|未用|停用",
    "出租": "出租中|已出租|租出|租赁中|对外出租", "处置": "已处置|报废|已报废|出售|已出售|拆除|已拆除|毁损",
    "耕地": "水田|旱地|农田|田", "园地": "果园|茶园|桑园", "林地": "山林|林|山地|竹林|经济林|公益林",
    "水面": "水域|池塘|鱼塘|山塘|水塘|养殖水面|水库", "荒地": "四荒地|荒山|荒坡|未利用地|荒滩",
    "建设用地": "集体建设用地|经营性建设用地|宅基地|厂房用地",
    "承包": "发包|承包经营|家庭承包|对外发包|其他方式承包", "租赁": "出租|租用|租赁经营|对外出租",
}


def one_of(values, what_zh, what_en):
    words = {squash(w): v for v in values for w in VALUE_WORDS.get(v, "").split("|") if w}

    def parse(value):
        text = tables.text(value)
        for v in values:
            if squash(text) == squash(v):
                return v
        if squash(text) in words:
            return words[squash(text)]
        raise CellProblem(f"bad_{what_en.replace(' ', '_')}", f"{what_zh}应为：{'、'.join(values)}",
                          f"The {what_en} must be one of {', '.join(values)}")
    return parse


def area(value):
    amount = tables.decimal(value)
    if amount <= 0:
        raise CellProblem("area_not_positive", "面积应大于 0（亩）", "The area must be more than 0 mu")
    return amount


def positive(value):
    amount = money(value)
    if amount <= 0:
        raise CellProblem("amount_not_positive", "金额应大于 0", "The amount must be more than 0")
    return amount


VILLAGE = Field("village", "村（社区）", "village", aliases="村名|村|社区|村集体|村股份经济合作社|所属村|村代码|村(社区)|村社|集体经济组织|所属集体|村(居)|村居", required=True,
                example="钱王社区", rule=("本乡镇内的村名或村代码", "A village of this township, by name or code"))


def _key(*parts):
    return tuple(squash(p) if isinstance(p, str) else p for p in parts)


@register
class AssetImporter(VillageLookup, Importer):
    kind = "assets"
    title = ("村集体资产", "Collective assets")
    model = Asset
    users_of = [(ResourceContract, "asset_id")]
    fields = [
        VILLAGE,
        Field("asset_no", "资产编号", "asset number", aliases="编码|资产编码|卡片编号|资产卡片号|卡片号", example="ZC-2019-001",
              rule=("给了编号就按编号对应已登记的资产", "When given, the number identifies the asset")),
        Field("name", "资产名称", "name", aliases="名称", required=True, example="村文化礼堂"),
        Field("category", "资产类别", "category", aliases="类别|资产类型|资产性质|资产分类", required=True, example="公益性",
              rule=("经营性、非经营性或公益性", "经营性, 非经营性 or 公益性")),
        Field("original_value", "原值", "original value", aliases="原值(元)|账面原值|资产原值|原价|购置价|资产原价", required=True, money=True, example="1200000"),
        Field("net_value", "净值", "net value", aliases="净值(元)|账面净值|资产净值|账面价值|净额", required=True, money=True, example="980000"),
        Field("location", "坐落位置", "location", aliases="位置|地址|坐落|坐落地点|存放地点|所在位置", example="钱王社区横街12号"),
        Field("status", "使用状态", "status", aliases="状态|资产状态|使用情况|现状", example="在用", rule=("在用、闲置、出租或处置", "在用, 闲置, 出租 or 处置")),
        Field("acquired_on", "取得日期", "acquired on", aliases="购建日期|形成日期|入账日期|购置日期|建成日期|取得时间|购建时间", example="2019-06-30",
              rule=("可只写年月或年份（2019年6月 记为该月1日，2010年 记为当年1月1日）", "A month or a year alone is its first day")),
    ]

    def parse_row(self, n, c):
        r = self.report
        row = {"village": cell(self.village, n, c, "village", r, required=True),
               "asset_no": cell(short, n, c, "asset_no", r, max_len=40),
               "name": cell(name, n, c, "name", r, required=True, max_len=120),
               "category": cell(one_of(ASSET_CATEGORIES, "资产类别", "category"), n, c, "category", r, required=True),
               "original_value": cell(money, n, c, "original_value", r, required=True),
               "net_value": cell(money, n, c, "net_value", r, required=True),
               "location": cell(short, n, c, "location", r, max_len=200),
               "status": cell(one_of(ASSET_STATUSES, "使用状态", "status"), n, c, "status", r) or "在用",
               "acquired_on": cell(tables.year_start, n, c, "acquired_on", r)}
        if not r.row_bad and row["net_value"] > row["original_value"]:
            r.add(n, "net_value", "net_over_original", "净值不能大于原值", "The net value cannot exceed the original value",
                  c.get("net_value"))
            r.row_bad = True
        return row

    def natural(self, row):
        v = row["village"].id
        return _key(v, "no", row["asset_no"]) if row["asset_no"] else _key(v, row["name"], row["location"] or "")

    def check(self, parsed):
        self.duplicates(parsed, self.natural, "同一村同一资产", "same asset of the same village",
                        lambda row: ("village", "asset_no") if row["asset_no"] else ("village", "name", "location"))
        self.existing = {}
        ids = {row["village"].id for _, row in parsed}
        for a in db.session.execute(select(Asset).where(Asset.region_id.in_(ids))).scalars():
            if a.asset_no:
                self.existing.setdefault(_key(a.region_id, "no", a.asset_no), a)
            self.existing.setdefault(_key(a.region_id, a.name, a.location or ""), a)

    COLUMNS = ("category", "original_value", "net_value", "status", "acquired_on", "location", "asset_no")

    def write(self, parsed, batch_id):
        counts = [0, 0, 0]
        for _, row in parsed:
            found = self.existing.get(self.natural(row))
            data = {k: row[k] for k in ("asset_no", "name", "category", "original_value", "net_value", "location",
                                         "status", "acquired_on")}
            if found is None:
                services.create_asset(None, {**data, "region_id": row["village"].id}, batch_id=batch_id)
                counts[0] += 1
                continue
            changed = {k: v for k, v in data.items() if v is not None and getattr(found, k) != v}
            if not changed:
                counts[2] += 1
                continue
            self.remember(found, sorted(set(changed) | {"batch_id"}))
            services.update_asset(found, None, changed, batch_id=batch_id)
            counts[1] += 1
        return counts


@register
class ResourceImporter(VillageLookup, Importer):
    kind = "resources"
    title = ("村集体资源", "Collective resources")
    model = Resource
    users_of = [(ResourceContract, "resource_id")]
    fields = [
        VILLAGE,
        Field("resource_no", "资源编号", "resource number", aliases="编码|地块编号|宗地编号|资源编码|地块编码", example="ZY-001"),
        Field("name", "资源名称", "name", aliases="名称|地块名称|资源名|地块名", required=True, example="东山坞林地"),
        Field("kind", "资源类型", "kind", aliases="类型|地类|资源类别|资源种类|土地类型|资源性质", required=True, example="林地",
              rule=("、".join(RESOURCE_KINDS), ", ".join(RESOURCE_KINDS))),
        Field("area", "面积(亩)", "area", aliases="面积|亩数|面积亩|面积(亩)|土地面积|资源面积|承包面积", required=True, example="35.5"),
        Field("location", "坐落位置", "location", aliases="位置|坐落|四至|坐落位置|地块位置|所在位置", example="东山坞"),
    ]

    def parse_row(self, n, c):
        r = self.report
        return {"village": cell(self.village, n, c, "village", r, required=True),
                "resource_no": cell(short, n, c, "resource_no", r, max_len=40),
                "name": cell(name, n, c, "name", r, required=True, max_len=120),
                "kind": cell(one_of(RESOURCE_KINDS, "资源类型", "kind"), n, c, "kind", r, required=True),
                "area": cell(area, n, c, "area", r, required=True),
                "location": cell(short, n, c, "location", r, max_len=200)}

    def natural(self, row):
        v = row["village"].id
        return _key(v, "no", row["resource_no"]) if row["resource_no"] else _key(v, row["name"], row["location"] or "")

    def check(self, parsed):
        self.duplicates(parsed, self.natural, "同一村同一资源", "same resource of the same village",
                        lambda row: ("village", "resource_no") if row["resource_no"] else ("village", "name", "location"))
        self.existing = {}
        ids = {row["village"].id for _, row in parsed}
        for x in db.session.execute(select(Resource).where(Resource.region_id.in_(ids))).scalars():
            if x.resource_no:
                self.existing.setdefault(_key(x.region_id, "no", x.resource_no), x)
            self.existing.setdefault(_key(x.region_id, x.name, x.location or ""), x)

    def write(self, parsed, batch_id):
        counts = [0, 0, 0]
        for _, row in parsed:
            found = self.existing.get(self.natural(row))
            data = {k: row[k] for k in ("resource_no", "name", "kind", "area", "location")}
            if found is None:
                services.create_resource(None, {**data, "region_id": row["village"].id}, batch_id=batch_id)
                counts[0] += 1
                continue
            changed = {k: v for k, v in data.items() if v is not None and getattr(found, k) != v}
            if not changed:
                counts[2] += 1
                continue
            self.remember(found, sorted(set(changed) | {"batch_id"}))
            services.update_resource(found, None, changed, batch_id=batch_id)
            counts[1] += 1
        return counts


@register
class ContractImporter(VillageLookup, Importer):
    kind = "resource_contracts"
    title = ("承包/租赁合同", "Lease and contracting agreements")
    model = ResourceContract
    users_of = [(ContractReceipt, "contract_id")]
    fields = [
        VILLAGE,
        Field("contract_no", "合同编号", "contract number", aliases="合同号|编号|合同编码|协议编号", example="HT-2024-003"),
        Field("kind", "方式", "kind", aliases="承包/租赁|发包方式|合同类型|经营方式|流转方式|合同方式", required=True, example="承包",
              rule=("承包或租赁", "承包 or 租赁")),
        Field("subject", "标的名称", "subject", aliases="资源名称|资产名称|标的|发包/出租标的|标的物|承包标的|租赁标的|发包内容", required=True,
              example="东山坞林地", rule=("本村已登记的资源或资产名称（或编号）", "A registered resource or asset of the village (name or number)")),
        Field("counterparty", "承包/承租方", "counterparty", aliases="承包方|承租方|乙方|承包人|承租人|承包户|承租单位|承包单位|受让方", required=True,
              example="临安山核桃专业合作社"),
        Field("starts_on", "开始日期", "starts on", aliases="起始日期|合同开始|起租日|开始时间|起始时间|合同起始日期|承包起始日期|起租日期", required=True, example="2024-01-01",
              rule=("可只写年月（2024年1月 记为该月1日）", "A month alone is its first day")),
        Field("ends_on", "结束日期", "ends on", aliases="截止日期|终止日期|终止时间|合同终止日期|合同结束|到期日|结束时间|截止时间|合同到期日|到期日期|承包截止日期", required=True, example="2033-12-31",
              rule=("可只写年月（2033年12月 记为该月最后一天）", "A month alone is its last day")),
        Field("annual_amount", "年租金(元)", "annual amount", aliases="年租金|年承包费|每年金额|年收入|年租金额|年承包金|租金(元/年)|承包费(元/年)|年度租金", required=True, money=True, example="12000"),
        Field("floor_amount", "底价(元/年)", "floor", aliases="底价|最低价|保底价|起拍价|底价(元/年)", money=True, example="10000"),
    ]

    def parse_row(self, n, c):
        r = self.report
        row = {"village": cell(self.village, n, c, "village", r, required=True),
               "contract_no": cell(short, n, c, "contract_no", r, max_len=40),
               "kind": cell(one_of(CONTRACT_KINDS, "方式", "kind"), n, c, "kind", r, required=True),
               "subject": cell(short, n, c, "subject", r, required=True, max_len=120),
               "counterparty": cell(name, n, c, "counterparty", r, required=True, max_len=120),
               "starts_on": cell(tables.month_start, n, c, "starts_on", r, required=True),
               "ends_on": cell(tables.month_end, n, c, "ends_on", r, required=True),
               "annual_amount": cell(positive, n, c, "annual_amount", r, required=True),
               "floor_amount": cell(positive, n, c, "floor_amount", r)}
        if not r.row_bad and row["ends_on"] < row["starts_on"]:
            r.add(n, "ends_on", "term_order", "结束日期早于开始日期", "The term ends before it starts", c.get("ends_on"))
            r.row_bad = True
        return row

    def natural(self, row):
        v = row["village"].id
        if row["contract_no"]:
            return _key(v, "no", row["contract_no"])
        return _key(v, row["subject"], row["counterparty"], row["starts_on"])

    def check(self, parsed):
        self.duplicates(parsed, self.natural, "同一村同一合同", "same contract of the same village",
                        lambda row: ("village", "contract_no") if row["contract_no"] else
                        ("village", "subject", "counterparty", "starts_on"))
        ids = {row["village"].id for _, row in parsed}
        subjects = {}
        for model in (Resource, Asset):
            number = Resource.resource_no if model is Resource else Asset.asset_no
            for x_id, region_id, x_name, x_no in db.session.execute(
                    select(model.id, model.region_id, model.name, number).where(model.region_id.in_(ids))):
                for k in {squash(x_name), squash(x_no or "")} - {""}:
                    subjects.setdefault((region_id, k), []).append((model, x_id))
        for number, row in parsed:
            found = subjects.get((row["village"].id, squash(row["subject"])), [])
            if len(found) != 1:
                zh = "本村没有登记这项资源/资产，请先导入资源或资产" if not found else "本村有多项同名资源/资产，请写编号"
                en = ("No registered resource or asset of this village has this name; import it first" if not found
                      else "Several resources or assets of this village have this name; give its number")
                self.report.add(number, "subject", "subject_unknown" if not found else "subject_ambiguous", zh, en,
                                row["subject"])
                continue
            model, ident = found[0]
            row["resource_id" if model is Resource else "asset_id"] = ident
        self.existing = {}
        for x in db.session.execute(select(ResourceContract).where(ResourceContract.region_id.in_(ids))).scalars():
            if x.contract_no:
                self.existing.setdefault(_key(x.region_id, "no", x.contract_no), x)
            self.existing.setdefault(_key(x.region_id, services.subject_name(x), x.counterparty, x.starts_on), x)

    def write(self, parsed, batch_id):
        counts = [0, 0, 0]
        for _, row in parsed:
            found = self.existing.get(self.natural(row))
            data = {k: row[k] for k in ("contract_no", "kind", "counterparty", "starts_on", "ends_on", "annual_amount",
                                         "floor_amount")}
            data.update({k: row[k] for k in ("resource_id", "asset_id") if row.get(k)})
            if found is None:
                services.create_contract(None, {**data, "region_id": row["village"].id}, batch_id=batch_id)
                counts[0] += 1
                continue
            changed = {k: v for k, v in data.items() if v is not None and getattr(found, k) != v}
            if not changed:
                counts[2] += 1
                continue
            # A changed term or amount regenerates the yearly schedule (services.update_contract);
            # withdrawing the run puts the fields back, the schedule follows at the next edit.
            self.remember(found, sorted(set(changed) - {"resource_id", "asset_id"} | {"batch_id"}))
            services.update_contract(found, None, changed, batch_id=batch_id)
            counts[1] += 1
        return counts


@register
class ReceiptImporter(VillageLookup, Importer):
    """Money already received under the contracts (实收), so that a county moving in does not see
    every running contract overdue from its first day. A receipt is its contract + 凭证号."""
    kind = "contract_receipts"
    title = ("合同收款", "Contract receipts")
    model = ContractReceipt
    users_of = []
    fields = [
        VILLAGE,
        Field("contract_no", "合同编号", "contract number", aliases="合同号|编号|合同编码|协议编号", example="HT-2024-003",
              rule=("合同编号，或不填而写标的名称和承包/承租方", "The contract number, or the subject and counterparty")),
        Field("subject", "标的名称", "subject", aliases="资源名称|资产名称|标的|标的物|承包标的|租赁标的", example="东山坞林地"),
        Field("counterparty", "承包/承租方", "counterparty", aliases="承包方|承租方|乙方|承包人|承租人|交款人|缴款人|付款方",
              example="临安山核桃专业合作社"),
        Field("received_on", "收款日期", "received on", aliases="收款时间|到账日期|缴款日期|交款日期|入账日期|日期",
              required=True, example="2026-01-15"),
        Field("amount", "收款金额(元)", "amount", aliases="金额|收款金额|实收金额|实收|收入金额|缴款金额|交款金额",
              required=True, money=True, example="12000"),
        Field("voucher_no", "凭证号", "voucher number", aliases="凭证编号|收据号|票据号|收款凭证号|记账凭证号",
              required=True, example="记-2026-015"),
        Field("note", "备注", "note", aliases="说明|摘要", example="2026年度租金"),
    ]

    def parse_row(self, n, c):
        r = self.report
        row = {"village": cell(self.village, n, c, "village", r, required=True),
               "contract_no": cell(short, n, c, "contract_no", r, max_len=40),
               "subject": cell(short, n, c, "subject", r, max_len=120),
               "counterparty": cell(name, n, c, "counterparty", r, max_len=120),
               "received_on": cell(engine.past_day, n, c, "received_on", r, required=True),
               "amount": cell(positive, n, c, "amount", r, required=True),
               "voucher_no": cell(short, n, c, "voucher_no", r, required=True, max_len=40),
               "note": cell(short, n, c, "note", r, max_len=200)}
        if not r.row_bad and not row["contract_no"] and not (row["subject"] and row["counterparty"]):
            r.add(n, "contract_no", "contract_unnamed", "请填写合同编号，或同时填写标的名称和承包/承租方",
                  "Give the contract number, or its subject and counterparty")
            r.row_bad = True
        return row

    def check(self, parsed):
        ids = {row["village"].id for _, row in parsed}
        contracts = {}
        for x in db.session.execute(select(ResourceContract).where(ResourceContract.region_id.in_(ids))).scalars():
            if x.contract_no:
                contracts.setdefault(_key(x.region_id, "no", x.contract_no), []).append(x)
            contracts.setdefault(_key(x.region_id, services.subject_name(x), x.counterparty), []).append(x)
        for number, row in parsed:
            v = row["village"].id
            key = _key(v, "no", row["contract_no"]) if row["contract_no"] else \
                _key(v, row["subject"], row["counterparty"])
            found = contracts.get(key, [])
            if len(found) != 1:
                self.report.add(number, "contract_no", "contract_unknown" if not found else "contract_ambiguous",
                                "本村没有这份合同，请先导入合同" if not found else "本村有多份这样的合同，请写合同编号",
                                "No contract of this village matches; import the contracts first" if not found
                                else "Several contracts of this village match; give the contract number",
                                row["contract_no"] or row["subject"])
                continue
            row["contract"] = found[0]
        self.duplicates([(n, row) for n, row in parsed if "contract" in row], self.natural,
                        "同一合同同一凭证号", "same contract and voucher",
                        lambda row: ("village", "contract_no", "voucher_no") if row["contract_no"] else
                        ("village", "subject", "counterparty", "voucher_no"))
        wanted = {row["contract"].id for _, row in parsed if "contract" in row}
        self.existing = {(x.contract_id, squash(x.voucher_no)): x for x in db.session.execute(
            select(ContractReceipt).where(ContractReceipt.contract_id.in_(wanted))).scalars()}

    def natural(self, row):
        return (row["contract"].id, squash(row["voucher_no"]))

    def write(self, parsed, batch_id):
        counts, touched = [0, 0, 0], set()
        for _, row in parsed:
            contract = row["contract"]
            data = {"received_on": row["received_on"], "amount": row["amount"], "note": row["note"]}
            found = self.existing.get(self.natural(row))
            touched.add(contract.region_id)
            if found is None:
                db.session.add(ContractReceipt(contract_id=contract.id, voucher_no=row["voucher_no"], batch_id=batch_id,
                                               **data))
                counts[0] += 1
                continue
            changed = {k: v for k, v in data.items() if v is not None and getattr(found, k) != v}
            if not changed:
                counts[2] += 1
                continue
            self.remember(found, sorted(set(changed) | {"batch_id"}))
            for k, v in {**changed, "batch_id": batch_id}.items():
                setattr(found, k, v)
            counts[1] += 1
        db.session.flush()
        jobs.touch(regions=sorted(touched))
        return counts


__all__ = ["AssetImporter", "ResourceImporter", "ContractImporter", "ReceiptImporter"]
