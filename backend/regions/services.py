"""Counting and finding in the region tree (ancestors live in core.tree), and loading the official
division table (统计用区划代码) with the history it makes: renames, mergers, abolitions."""
import re
import unicodedata
from collections import namedtuple

from sqlalchemy import String, any_, bindparam, func, or_, select, text

from ..core import clock
from ..core.models import LEVEL_NAMES, LEVELS, Region, RegionChange
from ..extensions import db
from ..core.bulk import bulk_insert, gc_paused, new_ids


def subtree_count(region, model):
    """How many rows of a region-owned ``model`` lie in the region's subtree."""
    return db.session.scalar(select(func.count()).select_from(model).join(
        Region, model.region_id == Region.id).where(Region.path.startswith(region.path)))


def children_count(region):
    return db.session.scalar(select(func.count()).select_from(Region).where(Region.parent_id == region.id))


def by_code(code):
    return db.session.execute(select(Region).where(Region.code == code)).scalar_one_or_none()


# ---------------------------------------------------------------- the official division table

LEVEL_ORDER = LEVELS
# How a division table names a level: 省/市/县/乡/村, 1–5, or the usual words for them.
LEVEL_WORDS = {
    "province": "1|省|省级|省份|自治区|直辖市|province",
    "city": "2|市|地级|地级市|市级|地区|自治州|盟|city|prefecture",
    "county": "3|县|县级|区|县区|县级市|旗|county|district",
    "township": "4|乡|镇|乡镇|乡级|街道|乡镇街道|苏木|township|town|street",
    "village": "5|村|村级|社区|居委会|村委会|村居|居委会村委会|village|community",
}
_LEVEL_OF_WORD = {word: level for level, words in LEVEL_WORDS.items() for word in words.split("|")}
CODE_RE = re.compile(r"\d{12}")
# 变更说明 that abolish a division: 撤销, 撤并, 并入…, 合并到…, 划归…
_ABOLISH_WORDS = re.compile(r"撤销|撤并|并入|合并|划入|划归|归并|撤村|取消|abolish|merge", re.I)
DIVISION_FIELDS = {
    "code": ("区划代码", "division code"), "name": ("名称", "name"), "level": ("级别", "level"),
    "parent_code": ("上级代码", "parent code"), "urban_rural": ("城乡分类代码", "urban-rural code"),
    "successor": ("并入代码", "successor code"), "note": ("变更说明", "change note"),
    "lat": ("纬度", "latitude"), "lng": ("经度", "longitude"),
}


class Problem(Exception):
    """One cell that cannot be taken (code, zh, en)."""

    def __init__(self, code, zh, en):
        super().__init__(en)
        self.code, self.zh, self.en = code, zh, en


def level_of_code(code):
    """The level a 12-digit statistical code's structure says (2+2+2+3+3 digits)."""
    if code[2:] == "0" * 10:
        return "province"
    if code[4:] == "0" * 8:
        return "city"
    if code[6:] == "0" * 6:
        return "county"
    if code[9:] == "000":
        return "township"
    return "village"


def parent_of_code(code, level):
    """The parent's code by the code's structure, for a division of ``level`` (None for a province)."""
    keep = {"province": 0, "city": 2, "county": 4, "township": 6, "village": 9}[level]
    return code[:keep].ljust(12, "0") if keep else None


_SPACE = re.compile(r"\s+")


def parse_code(value):
    """A division code: 12 digits (a 6- or 9-digit county or township code is padded with zeros, as
    tables written by hand often give them)."""
    if type(value) is str and len(value) == 12 and value.isascii() and value.isdigit() and value[:2] != "00":
        return value  # (the common case, as the statistics office writes it: nothing to clean)
    text = re.sub(r"\s", "", unicodedata.normalize("NFKC", str(value if not isinstance(value, float)
                                                               or not value.is_integer() else int(value))))
    text = text.lstrip("'")
    if re.fullmatch(r"\d{2}|\d{4}|\d{6}|\d{9}", text):
        text = text.ljust(12, "0")
    if not CODE_RE.fullmatch(text) or text[:2] == "00":
        raise Problem("code_malformed", "区划代码应为12位数字（如 330112103201）",
                      "A division code has 12 digits (e.g. 330112103201)")
    return text


def parse_level(value):
    if type(value) is str and value in _LEVEL_OF_WORD:
        return _LEVEL_OF_WORD[value]
    word = re.sub(r"\s", "", unicodedata.normalize("NFKC", str(value))).lower().removesuffix(".0")
    level = _LEVEL_OF_WORD.get(word) or _LEVEL_OF_WORD.get(word.removesuffix("级"))
    if level is None:
        raise Problem("level_unknown", f"不认识的级别“{word[:20]}”（可填 省/市/县/乡/村 或 1–5）",
                      f"Unknown level '{word[:20]}' (use 省/市/县/乡/村 or 1-5)")
    return level


def parse_region_name(value):
    value = str(value)
    name = value if unicodedata.is_normalized("NFKC", value) and not _SPACE.search(value) \
        else _SPACE.sub("", unicodedata.normalize("NFKC", value))
    if not name or len(name) > 64:
        raise Problem("bad_name", "名称为空或超过64个字", "The name is empty or longer than 64 characters")
    if name[0] in "=+-@":
        raise Problem("name_formula", "名称不能以 = + - @ 开头", "A name cannot start with = + - @")
    return name


def parse_note(value):
    """(successor code or None, abolished?) from a 变更说明 such as “并入330112103201白沙村”."""
    text = unicodedata.normalize("NFKC", str(value))
    found = CODE_RE.search(text)
    return (found.group(0) if found else None), bool(_ABOLISH_WORDS.search(text)) or found is not None


def _coordinate(value, low, high, what_zh, what_en):
    try:
        number = float(str(value).strip())
    except ValueError:
        number = None
    if number is None or not (low <= number <= high):
        raise Problem("coordinate_out_of_range", f"{what_zh}应为 {low}–{high} 之间的数字",
                      f"The {what_en} is a number between {low} and {high}")
    return number


def _blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def _latitude(value):
    return _coordinate(value, -90, 90, "纬度", "latitude")


def _longitude(value):
    return _coordinate(value, -180, 180, "经度", "longitude")


# The cells besides code and name, in the order they are read.
_OPTIONAL_CELLS = (("level", parse_level), ("parent_code", parse_code), ("successor", parse_code),
                   ("lat", _latitude), ("lng", _longitude))


class DivisionTable:
    """Loading an official division table (统计用区划代码), all or nothing, for the region ``within``
    (None: the operator at the shell, anywhere). The importer kind ``regions`` and ``flask
    regions-import`` both go through it: ``parse_row`` each row, ``check`` them together against the
    tree, then ``write``. Problems go to ``report.add(row, field, code, zh, en, value)``.

    What a table may say: a row per division (12-digit code, name) with its level (a level column,
    or a 城乡分类代码 that only villages have), or its parent's code, or neither (the code's structure
    says both). A table for a county is the whole county: a township or village of that county that
    is not in it any more is abolished (kept, with the day it ended), a name that changed is a
    rename, a row whose 并入/变更说明 names another division's code is merged into it."""

    def __init__(self, within, report, actor=None, year=None, effective_on=None):
        self.within, self.report, self.actor = within, report, actor
        self.year = year
        self.effective_on = effective_on or clock.today()
        self.changes = []  # RegionChange rows this run wrote one by one (the adds go in bulk)
        self.abolished = []  # regions no longer in the table (for the report's notes)
        self.remembered = []  # (region, {column: value before}) of stored rows this run overwrites

    def _cell(self, n, cells, field, parse, required=False):
        value = cells.get(field)
        if _blank(value):
            if required:
                zh, en = DIVISION_FIELDS[field]
                self.report.add(n, field, "required", f"{zh}不能为空", f"The {en} is required")
                self.bad = True
            return None
        try:
            return parse(value)
        except Problem as problem:
            self.report.add(n, field, problem.code, problem.zh, problem.en, str(value)[:60])
            self.bad = True
            return None

    def parse_row(self, n, cells):
        """One row's clean values, or None when it has a problem (reported)."""
        self.bad = False
        row = {"n": n, "code": self._cell(n, cells, "code", parse_code, required=True),
               "name": self._cell(n, cells, "name", parse_region_name, required=True)}
        for field, parse in _OPTIONAL_CELLS:  # (a column the table does not have is not looked at)
            row[field] = None if cells.get(field) is None else self._cell(n, cells, field, parse)
        row["note"] = None if _blank(cells.get("note")) else str(cells["note"]).strip()[:200]
        row["abolish"] = row["successor"] is not None
        if row["note"]:
            named, abolish = parse_note(row["note"])
            row["successor"] = row["successor"] or named
            row["abolish"] = row["abolish"] or abolish
        if row["level"] is None and not _blank(cells.get("urban_rural")):
            row["level"] = "village"  # only villages carry a 城乡分类代码
        if self.bad:
            return None
        if row["level"] is None and row["parent_code"] is None:
            row["level"] = level_of_code(row["code"])
        if row["level"] is not None and row["parent_code"] is None:
            row["parent_code"] = parent_of_code(row["code"], row["level"])
        return row

    # ------------------------------------------------------------ across rows and the tree

    def _problem(self, row, field, code, zh, en, value=None):
        self.report.add(row["n"], field, code, zh, en, value)
        row["bad"] = True

    def check(self, parsed):
        """Rows against each other and the stored tree: duplicates, parents, levels, successors, scope."""
        by_code = {}
        for row in parsed:
            if row["code"] in by_code:
                self._problem(row, "code", "duplicate_code", f"区划代码“{row['code']}”与第 {by_code[row['code']]['n']} 行重复",
                              f"The code '{row['code']}' repeats row {by_code[row['code']]['n']}", row["code"])
            else:
                by_code[row["code"]] = row
        wanted = set(by_code) | {r["parent_code"] for r in parsed if r["parent_code"]} | \
            {r["successor"] for r in parsed if r["successor"]}
        stored = _regions_by_code(wanted)
        self.by_code, self.stored = by_code, stored
        # Levels first from the parents (a table with only a parent column), top down.
        pending = [r for r in by_code.values() if r["level"] is None]
        for _ in range(len(LEVEL_ORDER)):
            for row in list(pending):
                parent = by_code.get(row["parent_code"]) or stored.get(row["parent_code"])
                level = parent and (parent["level"] if isinstance(parent, dict) else parent.level)
                if level:
                    if level == "village":
                        self._problem(row, "parent_code", "parent_is_village", "村/社区下不能再有下级",
                                      "A village has no divisions below it", row["parent_code"])
                    else:
                        row["level"] = LEVEL_ORDER[LEVEL_ORDER.index(level) + 1]
                    pending.remove(row)
        for row in pending:
            self._problem(row, "parent_code", "parent_missing", f"上级 {row['parent_code']} 不在表中，也未导入",
                          f"The parent {row['parent_code']} is neither in the table nor loaded", row["parent_code"])
        for row in by_code.values():
            if not row.get("bad"):
                self._check_row(row)

    def _check_row(self, row):
        code, level = row["code"], row["level"]
        parent = self.by_code.get(row["parent_code"]) or self.stored.get(row["parent_code"])
        if level != "province":
            parent_level = parent and (parent["level"] if isinstance(parent, dict) else parent.level)
            if parent is None:
                return self._problem(row, "parent_code", "parent_missing",
                                     f"上级 {row['parent_code']} 不在表中，也未导入",
                                     f"The parent {row['parent_code']} is neither in the table nor loaded",
                                     row["parent_code"])
            if parent_level is None or LEVEL_ORDER.index(parent_level) != LEVEL_ORDER.index(level) - 1:
                return self._problem(row, "level", "parent_level",
                                     f"{LEVEL_NAMES[level][0]}的上级应为{LEVEL_NAMES[LEVEL_ORDER[LEVEL_ORDER.index(level) - 1]][0]}",
                                     f"A {level}'s parent is a {LEVEL_ORDER[LEVEL_ORDER.index(level) - 1]}",
                                     row["parent_code"])
        region = self.stored.get(code)
        if region is not None:
            if region.level != level:
                return self._problem(row, "level", "level_changed",
                                     f"{code} 已作为{LEVEL_NAMES[region.level][0]}导入，不能改为{LEVEL_NAMES[level][0]}",
                                     f"{code} is loaded as a {region.level}, not a {level}", code)
            parent_id = region.parent_id
            stored_parent = self.stored.get(row["parent_code"])
            if (stored_parent.id if stored_parent else None) != parent_id:
                return self._problem(row, "parent_code", "parent_changed", f"{code} 已导入在另一个上级之下",
                                     f"{code} is already loaded under another parent", row["parent_code"])
        if not self._in_scope(row, region):
            return self._problem(row, "code", "out_of_scope", "该地区不在您的管辖范围内",
                                 "This region is outside your region", code)
        successor = row["successor"]
        if successor is not None:
            target = self.by_code.get(successor) or self.stored.get(successor)
            target_level = target and (target["level"] if isinstance(target, dict) else target.level)
            if successor == code:
                return self._problem(row, "successor", "successor_self", "不能并入自己", "A division cannot merge into itself",
                                     successor)
            if target is None:
                return self._problem(row, "successor", "successor_missing", f"并入的 {successor} 不在表中，也未导入",
                                     f"The successor {successor} is neither in the table nor loaded", successor)
            if target_level != level:
                return self._problem(row, "successor", "successor_level", "只能并入同一级的地区",
                                     "A division merges into one of the same level", successor)
            if (target.get("abolish") if isinstance(target, dict) else
                    (target.status != "active" and successor not in self.by_code)):
                return self._problem(row, "successor", "successor_abolished", f"并入的 {successor} 本身已撤销",
                                     f"The successor {successor} is itself abolished", successor)

    def _in_scope(self, row, region):
        """Rows at or below the importer's region; above it only as they are (the province and city a
        county table repeats)."""
        if self.within is None:
            return True
        path = region.path if region is not None else None
        if path is None:
            parent = self.stored.get(row["parent_code"])
            chain = [row["code"]]
            code = row["parent_code"]
            while code in self.by_code and parent is None:
                chain.append(code)
                above = self.by_code[code]
                code = above["parent_code"]
                parent = self.stored.get(code)
            path = (parent.path if parent else "/") + "/".join(reversed(chain)) + "/"
        if path.startswith(self.within.path):
            return True
        return region is not None and self.within.path.startswith(path) and region.name == row["name"] \
            and not row["abolish"] and region.status == "active"

    # ------------------------------------------------------------ writing

    def write(self, parsed, batch_id=None):
        """Add, rename, merge, abolish and restore; returns [inserted, updated, unchanged]. New
        regions go in together: their ids drawn in one statement, their paths made here from their
        parents', then one COPY of the regions and one of their "add" history (a province's 20,000
        villages are not 20,000 round trips, nor five)."""
        inserted = updated = unchanged = 0
        rows = sorted((r for r in parsed if not r.get("bad")), key=lambda r: (LEVEL_ORDER.index(r["level"]), r["code"]))
        regions = dict(self.stored)
        fresh = []
        for row in rows:
            region = regions.get(row["code"])
            if region is None:
                fresh.append(row)
                continue
            changed = self._update(region, row, batch_id)
            updated += changed
            unchanged += not changed and not row["abolish"]
        regions.update(self._insert(fresh, regions, batch_id))
        inserted += len(fresh)
        # Merged or abolished in the table (a 并入/变更说明), after every successor exists.
        for row in rows:
            if row["abolish"]:
                region = _loaded(regions[row["code"]])
                successor = regions.get(row["successor"]) if row["successor"] else None
                if self._abolish(region, successor, batch_id, row["note"]):
                    updated += 1
                else:
                    unchanged += 1
        # Gone from the table: every township and village of a county (or village of a township)
        # whose own row the table holds, and that the table no longer lists. Only a county or
        # township stored before this run can have such regions under it (a new one's are all new).
        scopes = []
        for path in sorted(self.stored[r["code"]].path for r in rows
                           if r["level"] in ("county", "township") and r["code"] in self.stored):
            if not scopes or not path.startswith(scopes[-1]):  # (sorted: a county comes before its townships)
                scopes.append(path)
        for start in range(0, len(scopes), 200):
            below = db.session.execute(select(Region.id, Region.code).where(
                or_(*(Region.path.startswith(path, autoescape=True) for path in scopes[start:start + 200])),
                Region.level.in_(("township", "village")), Region.status == "active").order_by(Region.path)).all()
            for ident, code in below:
                if code in self.by_code:
                    continue
                region = db.session.get(Region, ident)
                if self._abolish(region, None, batch_id, None):
                    self.abolished.append(region)
                    updated += 1
        db.session.flush()
        return [inserted, updated, unchanged]

    def _insert(self, rows, regions, batch_id):
        """New regions (``rows`` sorted parents first, so each one's parent is stored or already
        placed): {code: _Added}, with an "add" in each one's history."""
        if not rows:
            return {}
        added, values = {}, []
        valid_from, now = self.effective_on, clock.now()
        if db.session.connection().dialect.name == "postgresql":
            # COPY reads text: the day and the moment written out once, not dumped again for each row.
            valid_from, now = valid_from.isoformat(), now.isoformat()
        for row, ident in zip(rows, _reserve_ids(Region, len(rows))):
            code, name = row["code"], row["name"]
            parent = added.get(row["parent_code"]) or regions.get(row["parent_code"])
            path = (parent.path if parent else "/") + code + "/"
            values.append((ident, code, name, row["level"], parent.id if parent else None, path, row["lat"],
                           row["lng"], "active", valid_from, batch_id))
            added[code] = _Added(ident, code, name, path)
        bulk_insert(Region.__table__, values, _REGION_COLUMNS)
        actor_id, year = getattr(self.actor, "id", None), self.year
        bulk_insert(RegionChange.__table__, [
            (change_id, value[0], "add", value[2], valid_from, year, row["note"], batch_id, actor_id, now)
            for change_id, row, value in zip(_reserve_ids(RegionChange, len(rows)), rows, values)], _ADD_COLUMNS)
        return added

    def _update(self, region, row, batch_id):
        """A stored region as the table now has it: renamed, moved on the map, restored; True when
        anything changed."""
        changed = False
        if region.name != row["name"]:
            self._remember(region)
            self._change(region, "rename", region.name, row["name"], batch_id, row["note"])
            region.name, changed = row["name"], True
        for key in ("lat", "lng"):
            if row[key] is not None and getattr(region, key) != row[key]:
                self._remember(region)
                setattr(region, key, row[key])
                changed = True
        if region.status != "active" and not row["abolish"]:
            self._remember(region)
            self._change(region, "restore", region.name, region.name, batch_id, row["note"])
            region.status, region.valid_until, region.successor_id = "active", None, None
            changed = True
        if changed:
            region.batch_id = batch_id
        return changed

    def _abolish(self, region, successor, batch_id, note):
        if region.status == "abolished" and region.successor_id == (successor.id if successor else None):
            return False
        self._remember(region)
        region.status, region.valid_until = "abolished", self.effective_on
        region.successor_id, region.batch_id = (successor.id if successor else None), batch_id
        self._change(region, "merge" if successor else "abolish", region.name,
                     successor.name if successor else None, batch_id, note, successor=successor)
        return True

    def _remember(self, region):
        if all(r is not region for r, _ in self.remembered):
            self.remembered.append((region, {c: getattr(region, c) for c in
                                             ("name", "lat", "lng", "status", "valid_until", "successor_id",
                                              "batch_id")}))

    def _change(self, region, kind, old, new, batch_id, note, successor=None):
        change = RegionChange(region_id=region.id, kind=kind, old_name=old, new_name=new,
                              successor_id=successor.id if successor else None, effective_on=self.effective_on,
                              year=self.year, note=note, batch_id=batch_id, actor_id=getattr(self.actor, "id", None))
        db.session.add(change)
        self.changes.append(change)
        return change


# A region this run inserted, as much of it as its children and successors need.
_Added = namedtuple("_Added", "id code name path")
_REGION_COLUMNS = ("id", "code", "name", "level", "parent_id", "path", "lat", "lng", "status", "valid_from",
                   "batch_id")
_ADD_COLUMNS = ("id", "region_id", "kind", "new_name", "effective_on", "year", "note", "batch_id", "actor_id", "at")


def _reserve_ids(model, n):
    """``n`` fresh primary keys of ``model``'s table. On PostgreSQL the table is locked against
    other writers until this transaction ends (a division table is loaded rarely, in seconds, and
    two loads at once would only collide) and the block is taken from its sequence with one
    ``setval``: 20,000 ``nextval`` calls cost about as much as writing the rows."""
    if n == 0 or db.session.connection().dialect.name != "postgresql":
        return new_ids(model, n)
    table = model.__table__.name
    db.session.execute(text(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"))
    last = db.session.execute(text(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), nextval(pg_get_serial_sequence('{table}', 'id')) + :more)"),
        {"more": n - 1}).scalar_one()
    return range(last - n + 1, last + 1)


def _loaded(region):
    """The stored Region of a row (one this run inserted is read back only when it must change)."""
    return region if isinstance(region, Region) else db.session.get(Region, region.id)


def _regions_by_code(codes):
    codes = [c for c in codes if c]
    if db.session.connection().dialect.name == "postgresql":
        # One round trip, the codes (12 digits each, checked) as one comma-separated text the server
        # splits: an array of 20,000 strings costs more to send than the lookup itself.
        stmt = select(Region).where(Region.code == any_(func.string_to_array(bindparam("codes", type_=String), ",")))
        return {r.code: r for r in db.session.execute(stmt, {"codes": ",".join(codes)}).scalars()}
    found = {}
    for start in range(0, len(codes), 2000):
        for region in db.session.execute(select(Region).where(Region.code.in_(codes[start:start + 2000]))).scalars():
            found[region.code] = region
    return found


def year_of(title):
    """The table's year from its title (“2024年统计用区划代码和城乡划分代码”), or None."""
    found = re.search(r"(19|20)\d{2}(?=\s*年)", title or "")
    return int(found.group(0)) if found else None


DIVISION_ALIASES = {
    "code": "统计用区划代码|区划代码|行政区划代码|代码|编码|区划编码|行政代码|code",
    "name": "名称|区划名称|单位名称|地区名称|行政区划名称|name",
    "level": "级别|层级|等级|行政级别|区划级别|level",
    "parent_code": "上级代码|上级区划代码|父级代码|上级编码|所属上级代码|parentcode|pcode|parent",
    "urban_rural": "城乡分类代码|城乡分类|城乡属性代码|urbanrural",
    "successor": "并入|并入代码|撤并后代码|合并后代码|并入区划代码|并入地区代码|归并代码|successor|successorcode",
    "note": "变更说明|变更情况|变更|备注|说明|note",
    "lat": "纬度|lat|latitude",
    "lng": "经度|lng|lon|longitude",
}


class _Report:
    """Problems of one run (the engine's report has the same ``add``)."""

    def __init__(self, columns=None, limit=200):
        self.columns, self.limit, self.errors, self.count = columns or {}, limit, [], 0

    def add(self, row, field, code, zh, en, value=None):
        self.count += 1
        if len(self.errors) < self.limit:
            self.errors.append({"row": row, "column": self.columns.get(field), "field": field, "code": code,
                                "message": {"zh": zh, "en": en}, "value": value})


def read_table(filename, data):
    """The division table's rows (spreadsheet row number, {field: cell}) and its title; raises
    ``tables.FileProblem``. CSV in any encoding (GBK too) or .xlsx."""
    from ..imports import tables
    aliases = {name: {tables.squash(w) for w in words.split("|")} | {name}
               for name, words in DIVISION_ALIASES.items()}
    return tables.read(filename, data, aliases, ("code", "name"), DIVISION_FIELDS)


def load_table(filename, data, within=None, actor=None, year=None, batch_id=None):
    """Read, check and (when nothing is wrong) write a division table: (report, counts or None,
    the DivisionTable). Nothing is written when the report has problems."""
    from ..imports.tables import FileProblem
    try:
        table = read_table(filename, data)
    except FileProblem as problem:
        report = _Report()
        report.add(None, None, problem.code, problem.zh, problem.en)
        return report, None, None
    report = _Report(table.columns)
    loader = DivisionTable(within, report, actor, year=year or year_of(table.title))
    with gc_paused():  # (a province's table is tens of thousands of row dicts, none in a cycle)
        parsed = [row for row in (loader.parse_row(n, cells) for n, cells in table.rows) if row is not None]
        if not table.rows:
            report.add(None, None, "no_rows", "文件中没有数据行", "The file has no data rows")
        loader.check(parsed)
        if report.count:
            return report, None, loader
        return report, loader.write(parsed, batch_id), loader


# ---------------------------------------------------------------- by hand, and what the screens show

def _ref(region):
    return None if region is None else {"id": region.id, "code": region.code, "name": region.name,
                                        "level": region.level}


def view(region):
    """A region as the API shows it (with its successor when merged)."""
    return {**{c: getattr(region, c) for c in ("id", "code", "name", "level", "parent_id", "lat", "lng", "status",
                                                "valid_from", "valid_until")},
            "successor": _ref(region.successor)}


def with_ancestors(regions):
    """A page of regions as the API lists them, each with its ancestors (root first), read for the
    whole page in one query."""
    codes = {c for r in regions for c in r.path.strip("/").split("/")[:-1]}
    found = {r.code: _ref(r) for r in db.session.execute(select(Region).where(Region.code.in_(codes))).scalars()} \
        if codes else {}
    return [{**view(r), "ancestors": [found[c] for c in r.path.strip("/").split("/")[:-1] if c in found]}
            for r in regions]


def history(region):
    """The region's changes, latest first."""
    rows = db.session.execute(select(RegionChange).where(RegionChange.region_id == region.id)
                              .order_by(RegionChange.id.desc())).scalars()
    return [{**{c: getattr(ch, c) for c in ("id", "kind", "old_name", "new_name", "effective_on", "year", "note",
                                            "batch_id", "at")}, "successor": _ref(ch.successor)} for ch in rows]


def predecessors(region):
    """The divisions merged into this one."""
    return [_ref(r) for r in db.session.execute(select(Region).where(Region.successor_id == region.id)
                                                .order_by(Region.code)).scalars()]


def create_region(actor, code, name, parent_id):
    """A division added by hand under ``parent_id`` (its level is the one below the parent's; its
    code must sit under the parent's as the official structure has it). Audited."""
    from ..core.errors import bad_field
    from ..core.scoping import ensure_in_scope
    parent = db.session.get(Region, parent_id)
    if parent is None:
        raise bad_field("json.parent_id", "region_not_found", "上级地区不存在", "No such parent region")
    ensure_in_scope(parent, actor, "地区", "region")
    if parent.status != "active":
        raise bad_field("json.parent_id", "parent_abolished", "上级地区已撤销", "The parent region is abolished")
    if parent.level == "village":
        raise bad_field("json.parent_id", "parent_is_village", "村/社区下不能再有下级", "A village has no divisions below it")
    level = LEVEL_ORDER[LEVEL_ORDER.index(parent.level) + 1]
    if level_of_code(code) != level or parent_of_code(code, level) != parent.code:
        raise bad_field("json.code", "code_parent_mismatch",
                        f"区划代码与上级不符：{LEVEL_NAMES[level][0]}的代码应以 {parent.code.rstrip('0') or parent.code[:2]} 开头，并符合12位结构",
                        f"The code does not fit the parent: a {level}'s code starts with the parent's and follows the 12-digit structure")
    if by_code(code) is not None:
        raise bad_field("json.code", "code_taken", "该区划代码已存在", "This division code exists", 409)
    name = name.strip()
    region = Region(code=code, name=name, level=level, parent_id=parent.id, path=parent.path + code + "/",
                    status="active", valid_from=clock.today())
    db.session.add(region)
    db.session.flush()
    db.session.add(RegionChange(region_id=region.id, kind="add", new_name=name, effective_on=clock.today(),
                                actor_id=getattr(actor, "id", None), note="手工添加"))
    from ..core import audit
    audit.record(actor, "region.create", subject=region, region_id=region.id, code=code, name=name)
    return region


def rename_region(actor, region, name, note=None):
    """A new name for ``region`` (kept in its history). Audited; the same name changes nothing."""
    name = name.strip()
    if name == region.name:
        return region
    db.session.add(RegionChange(region_id=region.id, kind="rename", old_name=region.name, new_name=name,
                                effective_on=clock.today(), actor_id=getattr(actor, "id", None), note=note))
    from ..core import audit
    audit.record(actor, "region.rename", subject=region, region_id=region.id, old_name=region.name, new_name=name,
                 note=note)
    region.name = name
    db.session.flush()
    return region
