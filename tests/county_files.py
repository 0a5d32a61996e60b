"""A whole synthetic county's files, as its clerks keep them, for the tests of a county moving in.

``county(code, seed)`` builds a county (its 12-digit 统计用区划代码, three townships, twelve villages —
one village name in two townships, as real counties have —, a roster, units, forty projects at every
stage, payments, budget lines and their spending, the collectives' assets, resources and contracts,
subsidy policies, beneficiaries and payments) and keeps each file as a ``Sheet``: its header, rows and
format, so that a test can write it (``sheet.data()``), change one cell to make a refusal case, or
compare what the system shows with what the file said.

The files vary as clerks' files do: GBK CSV, UTF-8 CSV with and without a BOM, .xlsx (openpyxl) and old
.xls (xlwt); title rows, a header merged over two rows (a group row over the funding columns), full-width
digits, Excel dates and serial numbers, 合计/小计 lines and a signature line under the table. Each file
uses the column names clerks use (the importers' aliases, not their field names).

Check characters are computed here, independently of the code under test: the 18th character of a
统一社会信用代码 (GB 32100-2015, with its organisation code's own check, GB 11714) and the 18th of a
resident ID number (GB 11643).
"""
import copy
import csv
import io
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

# The kinds in the order a county brings them in (each needs the ones before it).
ORDER = ("regions", "users", "units", "projects", "project_payments", "funds", "fund_expenditures", "assets",
         "resources", "resource_contracts", "policies", "beneficiaries", "disbursements")

STAGES = ("立项", "招投标", "合同", "施工", "验收", "结算", "审计", "归档")
STAGE_CODES = ("approved", "tendering", "contracted", "construction", "acceptance", "settlement", "audit", "archived")
STAGE_DATE_HEADERS = ("立项日期", "招标日期", "合同签订日期", "开工日期", "竣工验收日期", "结算日期", "审计日期", "归档日期")


# ---------------------------------------------------------------- check characters

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc(division, serial):
    """A 统一社会信用代码 for a company (登记管理部门 9, 类别 1) registered in ``division`` (6 digits)."""
    org = f"{serial:08d}"
    weights = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714: the organisation code's own check character
    check = 11 - sum(int(c) * w for c, w in zip(org, weights)) % 11
    org += {10: "X", 11: "0"}.get(check, str(check))
    body = "91" + division + org
    total = sum(USCC_ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(body))
    return body + USCC_ALPHABET[(31 - total % 31) % 31]


def id_number(division, born, serial):
    """A resident ID number (GB 11643): area, birth date, serial, check character."""
    body = f"{division}{born:%Y%m%d}{serial:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]


def wide(text):
    """Digits typed with a Chinese input method in full-width mode (０１２…)."""
    return str(text).translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})


def excel_serial(day):
    return (day - date(1899, 12, 30)).days


def yuan(amount):
    return f"{Decimal(amount):,.2f}"


# ---------------------------------------------------------------- one file

@dataclass
class Sheet:
    """One clerk's file: ``header`` (the column names as written), ``rows`` (cells: text, numbers or
    dates), written as ``fmt`` — csv-gbk, csv-utf8-bom, csv-utf8, xlsx or xls — with a ``title`` row
    above the header, a ``group`` row above it that spans some columns ({group name: [headers]}), and
    ``footer`` lines under the table (totals, the signature line) that are not data."""
    kind: str
    filename: str
    fmt: str
    header: list
    rows: list
    title: str = None
    group: dict = field(default_factory=dict)
    footer: list = field(default_factory=list)
    between: dict = field(default_factory=dict)  # {i: a line (a 小计) under rows[i]}

    def col(self, name):
        return self.header.index(name)

    def get(self, i, name):
        return self.rows[i][self.col(name)]

    def set(self, i, name, value):
        self.rows[i][self.col(name)] = value
        return self

    def row_number(self, i):
        """The spreadsheet row number a clerk sees for ``rows[i]``."""
        above = sum(1 for k in self.between if k < i)
        return (1 if self.title else 0) + (1 if self.group else 0) + 1 + above + i + 1

    def copy(self, **changes):
        out = copy.deepcopy(self)
        for k, v in changes.items():
            setattr(out, k, v)
        return out

    def without(self, name):
        """The same file without one column."""
        i = self.col(name)
        out = self.copy()
        out.header = self.header[:i] + self.header[i + 1:]
        out.rows = [r[:i] + r[i + 1:] for r in self.rows]
        out.between = {k: r[:i] + r[i + 1:] for k, r in self.between.items()}
        out.footer = [r[:i] + r[i + 1:] for r in self.footer]
        out.group = {g: [h for h in hs if h != name] for g, hs in self.group.items()}
        return out

    def data(self):
        """The file's bytes, as the clerk's program saved it."""
        if self.fmt.startswith("csv"):
            return self._csv()
        return self._xlsx() if self.fmt == "xlsx" else self._xls()

    # -- writers

    def _lines(self):
        """Every line of the sheet, top to bottom, as lists of cells."""
        width = len(self.header)
        lines = []
        if self.title:
            lines.append([self.title] + [None] * (width - 1))
        if self.group:
            upper = []
            for h in self.header:
                name = next((g for g, hs in self.group.items() if h in hs), None)
                upper.append(name if name is not None else h)
            lines.append(upper)
            lines.append([None if not any(h in hs for hs in self.group.values()) else h for h in self.header])
        else:
            lines.append(list(self.header))
        for i, r in enumerate(self.rows):
            lines.append(list(r))
            if i in self.between:
                lines.append(list(self.between[i]) + [None] * (width - len(self.between[i])))
        lines += [list(r) + [None] * (width - len(r)) for r in self.footer]
        return lines

    def _csv(self):
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")  # as Excel saves a CSV
        for line in self._lines():
            writer.writerow(["" if c is None else c.isoformat() if isinstance(c, date) else c for c in line])
        text = out.getvalue()
        if self.fmt == "csv-gbk":
            return text.encode("gbk")
        return text.encode("utf-8-sig" if self.fmt == "csv-utf8-bom" else "utf-8")

    def _merges(self):
        """The merged ranges a clerk draws: the title over the whole width, each group over its columns,
        and each ungrouped header cell down over the two header rows. (first row, first col, last row,
        last col), 0-based."""
        width, top, merges = len(self.header), 0, []
        if self.title:
            merges.append((0, 0, 0, width - 1))
            top = 1
        if self.group:
            for g, hs in self.group.items():
                cols = [self.col(h) for h in hs]
                merges.append((top, min(cols), top, max(cols)))
            for c, h in enumerate(self.header):
                if not any(h in hs for hs in self.group.values()):
                    merges.append((top, c, top + 1, c))
        return merges

    def _xlsx(self):
        from openpyxl import Workbook
        book = Workbook()
        sheet = book.active
        sheet.title = self.filename.rsplit(".", 1)[0][:31]
        for r, line in enumerate(self._lines(), start=1):
            for c, value in enumerate(line, start=1):
                if value is None:
                    continue
                cell = sheet.cell(row=r, column=c, value=value)
                if isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
        for r1, c1, r2, c2 in self._merges():
            if (r1, c1) != (r2, c2):
                sheet.merge_cells(start_row=r1 + 1, start_column=c1 + 1, end_row=r2 + 1, end_column=c2 + 1)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    def _xls(self):
        import xlwt
        book = xlwt.Workbook(encoding="utf-8")
        sheet = book.add_sheet(self.filename.rsplit(".", 1)[0][:31], cell_overwrite_ok=True)
        dated = xlwt.easyxf(num_format_str="YYYY-MM-DD")
        merged = self._merges()
        starts = {(r1, c1): (r2, c2) for r1, c1, r2, c2 in merged if (r1, c1) != (r2, c2)}
        inside = {(r, c) for r1, c1, r2, c2 in merged for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
        for r, line in enumerate(self._lines()):
            for c, value in enumerate(line):
                if (r, c) in starts:
                    r2, c2 = starts[r, c]
                    sheet.write_merge(r, r2, c, c2, value)
                elif (r, c) in inside and value is None:
                    continue
                elif isinstance(value, date):
                    sheet.write(r, c, value, dated)
                elif value is not None:
                    sheet.write(r, c, value)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


# ---------------------------------------------------------------- the county

SYLLABLES = ("青", "溪", "云", "和", "松", "阳", "桐", "岭", "石", "门", "安", "平", "清", "源", "柳", "塘", "白", "鹤",
             "梅", "林", "龙", "泉", "金", "竹", "横", "山", "双", "港", "凤", "凰", "长", "乐", "上", "湖")
WORKS = (("道路交通", "农村公路提升改造工程"), ("农田水利", "山塘水库除险加固工程"), ("美丽乡村", "美丽乡村精品村建设"),
         ("人居环境", "生活污水治理提标工程"), ("公共服务", "文化礼堂新建工程"), ("产业发展", "农产品加工园区配套工程"),
         ("生态保护", "小流域综合治理工程"), ("道路交通", "村道安全生命防护工程"), ("农田水利", "高标准农田建设"),
         ("人居环境", "垃圾分类收集点建设"))
CONTRACTORS = ("城建工程有限公司", "水利水电建设有限公司", "园林绿化工程有限公司", "路桥建设有限责任公司", "建筑工程有限公司")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程"
GIVEN = "建国秀英志强丽娟海燕国华春梅文杰小红明辉玉兰德胜桂芳永刚美玲伟民淑珍"
POLICIES = (("耕地地力保护补贴", "种粮补贴", "120", "元/亩", "区农业农村局", "财政供养人员"),
            ("城乡居民基础养老金", "社会保障", "230", "元/人·月", "区人力社保局", ""),
            ("困难群众临时救助", "社会救助", "1000", "元/人·次", "区民政局", ""))


@dataclass
class County:
    code: str  # 12 digits
    name: str
    townships: list  # [{"code", "name", "villages": [{"code", "name"}]}]
    users: list  # [{"username", "name", "role", "region_code"}]
    projects: list  # [{"ref_no", "name", "township", "village", "stage", "dates": {stage code: date}, …}]
    funds: list
    allocations: list  # what the county decides to allocate before spending ({"township", "doc_no", "name", …})
    people: list
    sheets: dict  # kind → Sheet
    admin_username: str = None

    @property
    def prefix(self):
        return self.code[:6]

    @property
    def villages(self):
        return [v | {"township": t["name"], "township_code": t["code"]} for t in self.townships for v in t["villages"]]

    def user(self, role):
        return next(u for u in self.users if u["role"] == role)

    def write(self, folder):
        """Every file into ``folder``; {kind: path}."""
        from pathlib import Path
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        out = {}
        for kind in ORDER:
            sheet = self.sheets[kind]
            path = folder / sheet.filename
            path.write_bytes(sheet.data())
            out[kind] = path
        return out


def county(code, seed, today=date(2026, 12, 1)):
    """The county ``code`` (6 or 12 digits, not yet loaded) and all its files; the same ``seed`` gives
    the same county. Dates fall in the two years before ``today`` (the tests' pinned clock)."""
    prefix = code[:6]
    rng = random.Random(seed)
    names = _Names(rng)
    county_name = names.place(2) + "县"
    year = today.year
    # -- divisions: 3 townships (a 镇, a 乡, a 街道) of 4 villages; 新华村 in the first two.
    townships = []
    for t, suffix in enumerate(("镇", "乡", "街道")):
        tcode = f"{prefix}{101 + t:03d}000"
        villages = []
        for v in range(4):
            vname = "新华村" if v == 0 and t < 2 else names.place(2) + ("社区" if suffix == "街道" and v < 2 else "村")
            villages.append({"code": f"{prefix}{101 + t:03d}{201 + v:03d}", "name": vname})
        townships.append({"code": tcode, "name": names.place(2) + suffix, "villages": villages})
    sheets = {}
    sheets["regions"] = _regions(prefix, county_name, townships, year)
    users = _users(prefix, townships, rng, names)
    sheets["users"] = _roster(prefix, county_name, users, townships, rng)
    sheets["units"] = _units(county_name, townships)
    projects = _projects(prefix, townships, rng, names, today)
    sheets["projects"] = _register(county_name, projects, year)
    sheets["project_payments"] = _payments(projects, rng, today)
    funds = _funds(prefix, townships, rng, today)
    sheets["funds"] = _budget_lines(county_name, funds, year)
    allocations = _allocations(funds, projects, today)
    sheets["allocations"] = _allocation_file(county_name, allocations)  # (not in ORDER: the county test allocates on screen)
    sheets["fund_expenditures"] = _spending(allocations, today)
    sheets["assets"], assets = _assets(prefix, townships, rng, today)
    sheets["resources"], resources = _resources(prefix, townships, rng)
    sheets["resource_contracts"] = _contracts(prefix, resources, assets, rng, names, today)
    sheets["policies"] = _policies(county_name, year)
    people = _people(prefix, townships, rng, names)
    sheets["beneficiaries"] = _beneficiaries(county_name, people, year)
    sheets["disbursements"] = _disbursements(county_name, people, rng, today)
    return County(code=f"{prefix}000000", name=county_name, townships=townships, users=users, projects=projects,
                  funds=funds, allocations=allocations, people=people, sheets=sheets)


class _Names:
    """Place and person names that do not repeat within one county."""

    def __init__(self, rng):
        self.rng, self.used = rng, set()

    def place(self, n):
        while True:
            name = "".join(self.rng.sample(SYLLABLES, n))
            if name not in self.used:
                self.used.add(name)
                return name

    def person(self):
        while True:
            name = self.rng.choice(SURNAMES) + "".join(self.rng.sample(GIVEN, self.rng.choice((1, 2))))
            if name not in self.used:
                self.used.add(name)
                return name


def _regions(prefix, county_name, townships, year):
    """The NBS table's shape: 统计用区划代码, 城乡分类代码 (villages only), 名称 — with the province and the
    city it repeats above the county. GBK CSV with the year in a title line."""
    rows = [["330000000000", "", "浙江省"], ["330100000000", "", "杭州市"], [f"{prefix}000000", "", county_name]]
    for t in townships:
        rows.append([t["code"], "", t["name"]])
        for v in t["villages"]:
            rows.append([v["code"], "111" if v["name"].endswith("社区") else "220", v["name"]])
    return Sheet("regions", f"{year - 1}年统计用区划代码.csv", "csv-gbk", ["统计用区划代码", "城乡分类代码", "名称"], rows,
                 title=f"{year - 1}年统计用区划代码和城乡划分代码（{county_name}）")


def _users(prefix, townships, rng, names):
    users = [{"username": f"x{prefix}county", "name": names.person(), "role": "county", "role_zh": "县级财政",
              "region_code": f"{prefix}000000"}]
    for i, t in enumerate(townships, start=1):
        users.append({"username": f"x{prefix}lead{i}", "name": names.person(), "role": "township_lead",
                      "role_zh": "乡镇财政所负责人", "region_code": t["code"], "township": t["name"]})
        users.append({"username": f"x{prefix}insp{i}", "name": names.person(), "role": "inspector", "role_zh": "巡查员",
                      "region_code": t["code"], "township": t["name"]})
    for n, u in enumerate(users):
        u["phone"] = f"139{rng.randrange(10 ** 8):08d}" if n % 3 else None
    return users


def _roster(prefix, county_name, users, townships, rng):
    """An old .xls: a merged title, 序号/姓名/账号/角色/所属地区/手机号码, the county's code as a number cell
    (as Excel keeps it), townships by name, full-width digits in a phone, and the signature line."""
    rows = []
    for n, u in enumerate(users, start=1):
        region = int(u["region_code"]) if u["role"] == "county" else u["township"]
        phone = u["phone"] or ""
        if phone and n % 2:
            phone = wide(phone[:3]) + " " + phone[3:7] + " " + phone[7:]
        rows.append([n, u["name"], u["username"], u["role_zh"], region, phone])
    return Sheet("users", f"{county_name}财政系统人员名单.xls", "xls", ["序号", "姓名", "账号", "角色", "所属地区", "手机号码"],
                 rows, title=f"{county_name}财政系统账号开通名单",
                 footer=[["制表人：" + users[0]["name"], None, None, "审核人：", None, None]])


def _units(county_name, townships):
    """UTF-8 CSV with a BOM (WPS's CSV): each township's 财政所 and 人民政府 / 街道办事处, a school, and each
    village's committee."""
    rows = []
    for t in townships:
        street = t["name"].endswith("街道")
        rows.append([len(rows) + 1, f"{t['name']}财政所", "乡镇财政所", t["name"], "", ""])
        rows.append([len(rows) + 1, f"{t['name']}{'办事处' if street else '人民政府'}",
                     "街道办事处" if street else "乡镇人民政府", t["name"], "", ""])
        rows.append([len(rows) + 1, f"{t['name']}中心小学", "学校", t["name"], "", ""])
        for v in t["villages"]:
            committee = "居民委员会" if v["name"].endswith("社区") else "村民委员会"
            rows.append([len(rows) + 1, f"{v['name']}{committee}", "村民委员会" if committee == "村民委员会" else "其他",
                         t["name"], v["name"], ""])
    return Sheet("units", f"{county_name}管理单位名录.csv", "csv-utf8-bom",
                 ["序号", "单位名称", "单位类型", "乡镇街道", "村（社区）", "单位负责人"], rows,
                 title=f"{county_name}管理单位名录（{len(rows)}家）")


def _projects(prefix, townships, rng, names, today):
    projects = []
    for n in range(40):
        t = townships[n % 3]
        v = t["villages"][(n // 3) % 4] if n % 5 else None  # every fifth project is the township's own
        category, work = WORKS[n % len(WORKS)]
        stage = STAGE_CODES[n % 8]
        reached = STAGE_CODES[:STAGE_CODES.index(stage) + 1]
        # The stages' dates, in order, the last at least a month before today.
        day = today - timedelta(days=700 - 9 * n)
        dates = {}
        for s in reached:
            dates[s] = day
            day += timedelta(days=rng.randrange(10, 40))
        budget = Decimal(rng.randrange(20, 400)) * 10000
        levels = rng.sample(("中央", "省级", "市级", "县级", "乡级", "自筹"), rng.choice((1, 2, 3)))
        shares, left = {}, budget
        for level in levels[:-1]:
            part = (left * Decimal(rng.randrange(20, 60)) / 100).quantize(Decimal("1000"))
            shares[level], left = part, left - part
        shares[levels[-1]] = left
        contracted = STAGE_CODES.index(stage) >= 2
        known = contracted or (stage == "tendering" and n % 2)  # the winning bidder, before the contract
        company = (names.place(2) + CONTRACTORS[n % len(CONTRACTORS)]) if known else None
        place = v["name"] if v else t["name"]
        title = f"{dates['approved'].year}年{place}{work}"
        while any(p["name"] == title for p in projects):
            title += "（二期）"
        projects.append({
            "ref_no": f"{prefix}-{dates['approved'].year}-{n + 1:04d}", "name": title,
            "township": t["name"], "village": v["name"] if v else None, "category": category, "stage": stage,
            "dates": dates, "budget": budget, "shares": shares, "contractor": company,
            "uscc": uscc(prefix, 4_000_000 + n * 137) if company else None,
            "contract_amount": (budget * Decimal("0.95")).quantize(Decimal("0.01")) if contracted else None,
            "unit": f"{v['name']}村民委员会" if v and v["name"].endswith("村") and n % 2 else f"{t['name']}财政所",
            "planned_start_on": dates["approved"] + timedelta(days=60),
            "planned_end_on": dates["approved"] + timedelta(days=420)})
    return projects


FUND_HEADERS = ("中央资金", "省级资金", "市级资金", "县级资金", "乡镇资金", "自筹资金")


def _register(county_name, projects, year):
    """The project register, .xlsx: a title, a header over two rows (资金来源（元） merged over the six
    sources, every other column merged down), stage dates as Excel dates, some as serial numbers or
    text, money with full-width digits here and there, and the 总预算 left blank on some rows (the
    sources' sum)."""
    header = ["序号", "项目编号", "项目名称", "乡镇", "村", "建设单位", "项目类别", "总投资", *FUND_HEADERS, "施工单位",
              "统一社会信用代码", "合同价", "计划开工", "计划完工", "项目状态", *STAGE_DATE_HEADERS]
    rows = []
    for n, p in enumerate(projects):
        shares = {h: "" for h in FUND_HEADERS}
        for level, amount in p["shares"].items():
            shares[{"乡级": "乡镇资金", "自筹": "自筹资金"}.get(level, level + "资金")] = int(amount)
        budget = "" if n % 6 == 5 else (wide(yuan(p["budget"])) if n % 4 == 3 else int(p["budget"]))
        dates = []
        for s, _ in zip(STAGE_CODES, STAGE_DATE_HEADERS):
            d = p["dates"].get(s)
            dates.append("" if d is None else excel_serial(d) if n % 9 == 4 else
                         f"{d.year}年{d.month}月{d.day}日" if n % 9 == 7 else d)
        rows.append([n + 1, p["ref_no"], p["name"], p["township"], p["village"] or "", p["unit"], p["category"],
                     budget, *shares.values(), p["contractor"] or "", p["uscc"] or "",
                     "" if p["contract_amount"] is None else float(p["contract_amount"]),
                     p["planned_start_on"], p["planned_end_on"], STAGES[STAGE_CODES.index(p["stage"])], *dates])
    return Sheet("projects", f"{county_name}{year}年项目登记表.xlsx", "xlsx", header, rows,
                 title=f"{county_name}基层财政项目登记表（截至{year}年11月）", group={"资金来源（元）": list(FUND_HEADERS)},
                 footer=[["合计", None, f"{len(rows)}个项目"]])


def _payments(projects, rng, today):
    """Contract payments, GBK CSV: projects from the contract stage on, one or two payments each, a
    合计 line and the signature line."""
    rows, total = [], Decimal(0)
    for p in projects:
        if p["contract_amount"] is None:
            continue
        p["payments"] = []
        start = p["dates"]["contracted"]
        for k in range(1 if p["stage"] == "contracted" else 2):
            paid_on = min(start + timedelta(days=10 + 40 * k), today - timedelta(days=1))
            amount = (p["contract_amount"] * Decimal("0.3")).quantize(Decimal("0.01"))
            voucher = f"记-{paid_on:%Y%m}-{len(rows) + 1:03d}"
            source = next(iter(p["shares"])) + "资金"
            p["payments"].append({"voucher": voucher, "amount": amount, "paid_on": paid_on})
            rows.append([len(rows) + 1, p["ref_no"], p["name"], paid_on.strftime("%Y/%m/%d"),
                         wide(yuan(amount)) if len(rows) % 5 == 2 else yuan(amount), p["contractor"], voucher, source])
            total += amount
    return Sheet("project_payments", "项目合同支付明细.csv", "csv-gbk",
                 ["序号", "项目编号", "项目名称", "付款日期", "支付金额（元）", "收款单位", "凭证号", "资金来源"], rows,
                 title="项目资金支付明细表", footer=[["合计", "", "", "", yuan(total), "", "", ""],
                                               ["制表人：", "", "", "审核人：", "", "", "", ""]])


def _funds(prefix, townships, rng, today):
    funds = []
    for t in townships:
        for k, (doc, name, category, level) in enumerate((
                ("浙财农〔{y}〕{n}号", "农村公路养护省级补助资金", "一般性转移支付", "省级"),
                ("{c}财预〔{y}〕{n}号", "美丽乡村建设县级奖补资金", "专项转移支付", "县级"),
                ("{c}财农〔{y}〕{n}号", "高标准农田建设补助资金", "专项转移支付", "中央"))):
            issued = today - timedelta(days=200 - 30 * k - 7 * townships.index(t))
            funds.append({"township": t["name"], "doc_no": doc.format(y=issued.year, n=10 + k * 7, c=t["name"][0]),
                          "name": name, "category": category, "level": level,
                          "amount": Decimal(rng.randrange(30, 120)) * 10000, "issued_on": issued,
                          "arrived_on": issued + timedelta(days=5 + k) if k < 2 else None,
                          "receipt_no": f"HZ-{prefix}-{len(funds) + 1:03d}" if k < 2 else ""})
    return funds


def _budget_lines(county_name, funds, year):
    """Budget lines, old .xls: a title, 乡镇 per row, dates as Excel dates, a 小计 line after each
    township and a 合计 line at the end."""
    rows, between = [], {}
    for n, f in enumerate(funds):
        rows.append([f["township"], f["doc_no"], f["name"], f["category"], f["level"], float(f["amount"]),
                     f["issued_on"], f["arrived_on"] or "", f["receipt_no"]])
        if n + 1 == len(funds) or funds[n + 1]["township"] != f["township"]:
            mine = [g["amount"] for g in funds if g["township"] == f["township"]]
            between[n] = [f"{f['township']}小计", None, None, None, None, float(sum(mine)), None, None, None]
    return Sheet("funds", f"{county_name}{year}年资金指标下达表.xls", "xls",
                  ["乡镇（街道）", "指标文号", "资金名称", "资金类别", "来源级次", "金额（元）", "下达日期", "到账日期", "回执号"],
                  rows, title=f"{county_name}{year}年上级转移支付资金指标下达情况表",
                  footer=[["合计", None, None, None, None, float(sum(f["amount"] for f in funds)), None, None, None],
                          ["填表人：", None, None, "分管领导：", None, None, None, None, None]], between=between)


def _allocations(funds, projects, today):
    """What the county allocates of each arrived fund before its spending is imported: part to a project
    of that township (the first one under construction), the rest to the township's own use; each with
    the spending that follows."""
    out = []
    for f in funds:
        if f["arrived_on"] is None:
            continue
        project = next((p for p in projects if p["township"] == f["township"] and p["stage"] == "construction"), None)
        on = f["arrived_on"] + timedelta(days=3)
        half = (f["amount"] / 2).quantize(Decimal("0.01"))
        if project is not None:
            out.append({**_fund_key(f), "target": "project", "project_ref": project["ref_no"], "amount": half,
                        "allocated_on": on, "spent": [(on + timedelta(days=10), (half * Decimal("0.4")).quantize(Decimal("0.01")),
                                                       project["contractor"])]})
        out.append({**_fund_key(f), "target": "own", "purpose": "村道日常养护", "amount": f["amount"] - half,
                    "allocated_on": on, "spent": [(on + timedelta(days=20), Decimal("12345.60"), "乡镇财政所零星支出")]})
    return out


def _allocation_file(county_name, allocations):
    """The same allocations as a clerk's file, GBK CSV: amounts in 万元 (the header says so), the
    project by its number, the township's own use with its purpose, dates written 2026.3.5."""
    rows = []
    for a in allocations:
        on = a["allocated_on"]
        rows.append([a["township"], a["doc_no"], a["name"], "项目" if a["target"] == "project" else "乡镇自用",
                     a.get("project_ref", ""), a.get("purpose", ""), f"{a['amount'] / 10000:f}".rstrip("0").rstrip("."),
                     f"{on.year}.{on.month}.{on.day}"])
    return Sheet("allocations", f"{county_name}资金分配表.csv", "csv-gbk",
                 ["乡镇", "指标文号", "资金名称", "分配去向", "项目编号", "用途", "分配金额（万元）", "分配日期"], rows,
                 title=f"{county_name}上级资金分配情况表")


def _fund_key(f):
    return {"township": f["township"], "doc_no": f["doc_no"], "name": f["name"], "arrived_on": f["arrived_on"]}


def _spending(allocations, today):
    """Spending against the allocated funds, UTF-8 CSV without a BOM: dates with slashes and in Chinese,
    some amounts in full-width digits, and the project number where the money went to a project."""
    rows = []
    for a in allocations:
        for day, amount, payee in a["spent"]:
            written = day.isoformat() if len(rows) % 2 else f"{day.year}年{day.month}月{day.day}日"
            rows.append([a["township"], a["doc_no"], a["name"], written,
                         wide(str(amount)) if len(rows) % 3 == 1 else str(amount), payee,
                         f"记-{day:%m}-{len(rows) + 1:03d}", a.get("project_ref", ""), "工程进度款" if a.get("project_ref") else "日常支出"])
    return Sheet("fund_expenditures", "资金支出明细账.csv", "csv-utf8",
                 ["乡镇", "文号", "资金名称", "支付日期", "支出金额", "收款单位", "凭证号", "项目编号", "摘要"], rows)


def _assets(prefix, townships, rng, today):
    """The collectives' asset register, .xlsx: a village per row (新华村 written after its township, as
    there are two), values with thousands separators, acquisition dates as Excel dates."""
    rows, assets = [], []
    for t in townships:
        for v in t["villages"]:
            for k, (name, category, status) in enumerate((("村文化礼堂", "公益性", "在用"), ("村集体标准厂房", "经营性", "出租"))):
                original = Decimal(rng.randrange(20, 300)) * 10000
                net = (original * Decimal("0.8")).quantize(Decimal("0.01"))
                number = f"ZC-{v['code'][-6:]}-{k + 1:02d}"
                village = t["name"] + v["name"] if v["name"] == "新华村" else v["name"]
                assets.append({"asset_no": number, "name": v["name"] + name, "village": v, "township": t["name"]})
                rows.append([village, number, v["name"] + name, category, yuan(original), float(net),
                             f"{v['name']}{k + 1}号", status, today - timedelta(days=900 + 30 * k)])
    return Sheet("assets", "村集体资产登记表.xlsx", "xlsx",
                 ["村（社区）", "资产编码", "资产名称", "资产类别", "原值(元)", "净值(元)", "坐落位置", "使用状态", "取得日期"],
                 rows, title="农村集体资产清查登记表"), assets


def _resources(prefix, townships, rng):
    """Resources, GBK CSV: land, forest and water by village code (as the 三资 platform exports), areas in
    mu, some in full-width digits."""
    rows, resources = [], []
    for t in townships:
        for v in t["villages"]:
            for k, (name, kind) in enumerate((("后山林地", "林地"), ("村东水塘", "水面"))):
                area = Decimal(rng.randrange(50, 900)) / 10
                number = f"ZY-{v['code'][-6:]}-{k + 1:02d}"
                resources.append({"resource_no": number, "name": v["name"] + name, "village": v, "township": t["name"]})
                rows.append([v["code"], number, v["name"] + name, kind, wide(str(area)) if k else str(area), f"{v['name']}{name[:2]}"])
    return Sheet("resources", "村集体资源台账.csv", "csv-gbk", ["村代码", "资源编号", "资源名称", "资源类型", "面积（亩）", "坐落"],
                 rows, title="村集体资源登记台账"), resources


def _contracts(prefix, resources, assets, rng, names, today):
    """Lease and contracting agreements, old .xls: the forest contracted out, the factory let, by the
    resource's or asset's number, with the term's dates as Excel dates."""
    rows = []
    for r in resources[::2]:
        starts = today - timedelta(days=rng.randrange(100, 700))
        rows.append([r["village"]["code"], f"HT-{r['resource_no'][3:]}", "承包", r["resource_no"],
                     names.place(2) + "农业专业合作社", starts, starts + timedelta(days=3651),
                     float(rng.randrange(5, 50) * 1000), ""])
    for a in assets[1::2][:6]:
        starts = today - timedelta(days=rng.randrange(100, 700))
        rows.append([a["village"]["code"], f"HT-{a['asset_no'][3:]}", "租赁", a["asset_no"], names.place(2) + "食品有限公司",
                     starts, starts + timedelta(days=1825), float(rng.randrange(5, 30) * 10000),
                     float(40000)])
    return Sheet("resource_contracts", "村集体资产资源承包租赁合同.xls", "xls",
                 ["村代码", "合同编号", "承包/租赁", "标的", "承包方", "起始日期", "截止日期", "年租金", "底价"], rows,
                 title="承包租赁合同登记表")


def _policies(county_name, year):
    """The policy list, UTF-8 CSV with a BOM; the year only in its title."""
    rows = [[n + 1, name, category, standard, unit, f"浙财〔{year}〕{n + 3}号", dept, excluded]
            for n, (name, category, standard, unit, dept, excluded) in enumerate(POLICIES)]
    return Sheet("policies", f"{county_name}惠民惠农补贴政策清单.csv", "csv-utf8-bom",
                 ["序号", "补贴名称", "补贴类别", "补贴标准", "计量单位", "文件依据", "主管部门", "不享受对象"], rows,
                 title=f"{county_name}{year}年惠民惠农财政补贴政策清单")


def _people(prefix, townships, rng, names):
    people = []
    for t in townships:
        for v in t["villages"]:
            for k in range(2):
                born = date(1940 + rng.randrange(50), rng.randrange(1, 13), rng.randrange(1, 29))
                people.append({"name": names.person(), "id_number": id_number(prefix, born, len(people) + 11),
                               "township": t["name"], "village": v["name"],
                               "card": f"62170{rng.randrange(10 ** 13):013d}", "phone": f"138{rng.randrange(10 ** 8):08d}",
                               "household": f"{v['code'][-3:]}{k + 1:02d}"})
    return people


def _beneficiaries(county_name, people, year):
    """The beneficiary roll, .xlsx: 乡镇 and 村 per person, ID numbers as text, cards in full-width digits
    with spaces on some rows."""
    rows = []
    for n, p in enumerate(people):
        card = p["card"] if n % 4 else wide(p["card"][:4]) + " " + p["card"][4:]
        rows.append([n + 1, p["township"], p["village"], p["name"], p["id_number"], card, p["phone"] if n % 3 else "",
                     p["household"]])
    return Sheet("beneficiaries", f"{county_name}补贴对象花名册.xlsx", "xlsx",
                 ["序号", "乡镇", "村", "姓名", "身份证号码", "银行卡号", "联系电话", "户号"], rows,
                 title=f"{county_name}{year}年惠民惠农补贴对象花名册")


def _disbursements(county_name, people, rng, today):
    """Payments, GBK CSV with the bank's words: 耕地地力保护补贴 once a year, the pension each month of a
    quarter; one payment failed (账户冻结); a 合计 line."""
    rows = []
    for n, p in enumerate(people):
        mu = Decimal(rng.randrange(20, 150)) / 10
        rows.append([p["township"], p["village"], p["name"], p["id_number"], "耕地地力保护补贴", f"{today.year}年",
                     str((mu * 120).quantize(Decimal("0.01"))), p["card"], "已发放", (today - timedelta(days=60)).isoformat()])
        if n % 3 == 0:
            for month in (9, 10, 11):
                failed = n == 3 and month == 11
                rows.append([p["township"], p["village"], p["name"], p["id_number"], "城乡居民基础养老金",
                             f"{today.year}-{month:02d}", "230.00", p["card"], "发放失败（账户冻结）" if failed else "成功",
                             "" if failed else date(today.year, month, 20).strftime("%Y/%m/%d")])
    return Sheet("disbursements", f"{county_name}惠农补贴发放明细.csv", "csv-gbk",
                 ["乡镇", "所属村", "姓名", "身份证号", "补贴项目", "发放期间", "实发金额", "银行卡号", "发放状态", "发放日期"],
                 rows, title=f"{county_name}{today.year}年惠民惠农补贴“一卡通”发放明细",
                 footer=[["合计", "", f"{len(rows)}笔", "", "", "", "", "", "", ""]])
