"""A roster of accounts imported from a spreadsheet (姓名, 用户名/账号, 角色, 地区, 手机), all or nothing.

New accounts get a one-time password each, handed to the import engine as the run's secret: kept
sealed (core.pii) until the person who imported the roster takes it — once: taking it wipes it. Every new account must
choose its own password at the first sign-in. A user name already taken is the same person: their
role, region, name and phone are updated, their password is left alone. Who may import: an
administrator anywhere, a county supervisor within the county and never a role above their own
(refused row by row, like every other problem)."""
import re
import unicodedata

from sqlalchemy import select

from ..core import audit, passwords, pii
from ..core.auth import hash_password, normalize_username
from ..core.models import LEVEL_NAMES, ROLES, Region, User
from ..core.scoping import covers
from ..extensions import db
from ..regions.services import Problem, parse_code
from .services import ROLE_LEVEL, ROLE_RANK

ROSTER_FIELDS = {
    "display_name": ("姓名", "name"), "username": ("用户名", "user name"), "role": ("角色", "role"),
    "region": ("地区", "region"), "phone": ("手机", "phone"),
    "department": ("部门", "department"),  # a department user's department (name or code), in their county
}
ROSTER_ALIASES = {
    "display_name": "姓名|名字|真实姓名|人员姓名|displayname|name",
    "username": "用户名|账号|帐号|登录名|登录账号|用户账号|username|account|login",
    "role": "角色|用户角色|岗位|角色名称|role",
    "region": "地区|区划代码|地区代码|所属地区|所属区划|乡镇|所在乡镇|乡镇街道|单位|所属单位|region|regioncode",
    "phone": "手机|手机号|手机号码|电话|联系电话|phone|mobile",
    "department": "部门|所属部门|主管部门|department",
}
# The Chinese names clerks write for each role, besides ours and the codes.
ROLE_WORDS = {
    "admin": "系统管理员|管理员|admin|administrator",
    "province": "省级财政|省财政|省财政厅|省级|province",
    "city": "市级财政|市财政|市财政局|市级|city",
    "county": "县级财政|县财政|县财政局|区财政局|县区财政|县级|county",
    "township_lead": "乡镇负责人|乡镇财政所负责人|财政所负责人|财政所长|所长|乡镇财政|township_lead|townshiplead|lead",
    "inspector": "巡查员|巡查人员|监管员|检查员|inspector",
    "department": "部门用户|部门人员|部门|业务部门|department",
    "clerk": "乡镇财政专管员|财政专管员|专管员|报账员|clerk",
}
_ROLE_OF_WORD = {w.lower(): role for role, words in ROLE_WORDS.items() for w in words.split("|")}
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.@\-]{2,63}$")


def parse_role(value):
    word = re.sub(r"\s", "", unicodedata.normalize("NFKC", str(value))).lower()
    role = _ROLE_OF_WORD.get(word)
    if role is None:
        raise Problem("role_unknown", f"不认识的角色“{word[:20]}”（可填：{'、'.join(v[0] for v in ROLES.values())}）",
                      f"Unknown role '{word[:20]}' (one of: {', '.join(ROLES)})")
    return role


def parse_username(value):
    name = normalize_username(str(value))
    if not USERNAME_RE.match(name):
        raise Problem("username_malformed", "用户名为3–64位小写字母、数字或 _ . @ -，以字母或数字开头",
                      "A user name is 3-64 lower-case letters, digits or _ . @ -, starting with a letter or digit")
    return name


def parse_display_name(value):
    name = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(value))).strip()
    if not name or len(name) > 64:
        raise Problem("bad_name", "姓名为空或超过64个字", "The name is empty or longer than 64 characters")
    if name[0] in "=+-@":
        raise Problem("name_formula", "姓名不能以 = + - @ 开头（像是公式，不是姓名）",
                      "A name cannot start with = + - @ (that is a formula, not a name)")
    return name


def parse_phone(value):
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    normal = pii.normalize_phone(text)
    if normal is None:
        raise Problem("phone_malformed", "电话号码格式不正确（11位手机号或带区号的固话）",
                      "The phone number is malformed (11-digit mobile or a landline with area code)")
    return normal


def _blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def _changes(user, row):
    """Whether the roster's ``row`` would change the stored ``user`` (a phone left blank changes nothing)."""
    if (user.role, user.region_id, user.display_name) != (row["role"], row["region"].id, row["display_name"]):
        return True
    if user.department_id != row.get("department_id"):
        return True
    return row["phone"] is not None and row["phone"] != (pii.decrypt(user.phone_enc, "phone") if user.phone_enc else None)


class Roster:
    """One roster file for ``importer`` (a User, or the CLI's operator) within ``within`` (their
    region, or a region below it). ``parse_row`` / ``check`` / ``write`` as the import engine asks."""

    def __init__(self, within, report, importer):
        self.within, self.report, self.importer = within, report, importer
        self.remembered = []  # (user, {column: value before}) of accounts this run overwrites
        self.passwords = []  # the new accounts' one-time passwords, for the run to seal and hand back once
        self._regions = None

    def _cell(self, n, cells, field, parse, required=False):
        value = cells.get(field)
        if _blank(value):
            if required:
                zh, en = ROSTER_FIELDS[field]
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
        self.bad = False
        row = {"n": n, "display_name": self._cell(n, cells, "display_name", parse_display_name, required=True),
               "username": self._cell(n, cells, "username", parse_username, required=True),
               "role": self._cell(n, cells, "role", parse_role, required=True),
               "region": self._cell(n, cells, "region", self._region, required=True),
               "phone": self._cell(n, cells, "phone", parse_phone),
               "department": self._cell(n, cells, "department", lambda v: str(v).strip()[:60]), "department_id": None}
        return None if self.bad else row

    def _region(self, value):
        """A region by its code, or by its name within the importer's region (active ones)."""
        text = re.sub(r"\s", "", unicodedata.normalize("NFKC", str(int(value) if isinstance(value, float) else value)))
        if re.fullmatch(r"\d+", text):
            code = parse_code(text)
            region = db.session.execute(select(Region).where(Region.code == code)).scalar_one_or_none()
            if region is None:
                raise Problem("region_not_found", f"没有区划代码为 {code} 的地区", f"No region has the code {code}")
        else:
            if self._regions is None:
                self._regions = {}
                for r in db.session.execute(select(Region).where(
                        Region.path.startswith(self.within.path, autoescape=True),
                        Region.status == "active")).scalars():
                    self._regions.setdefault(r.name, []).append(r)
            found = self._regions.get(text, [])
            if not found:
                raise Problem("region_not_found", f"您的管辖范围内没有名为“{text[:20]}”的地区（也可填12位区划代码）",
                              f"No region named '{text[:20]}' within your region (or give its 12-digit code)")
            if len(found) > 1:
                raise Problem("region_ambiguous", f"有 {len(found)} 个地区叫“{text}”：请填12位区划代码",
                              f"{len(found)} regions are named '{text}': give the 12-digit code")
            region = found[0]
        if region.status != "active":
            raise Problem("region_abolished", f"{region.name}已撤销或并入其他地区", f"{region.name} is abolished or merged")
        return region

    def _problem(self, row, field, code, zh, en, value=None):
        self.report.add(row["n"], field, code, zh, en, value)

    def check(self, parsed):
        seen = {}
        names = [row["username"] for row in parsed]
        existing = {u.username: u for u in db.session.execute(select(User).where(User.username.in_(names))).scalars()} \
            if names else {}
        self.existing = existing
        actor_rank = ROLE_RANK[self.importer.role]
        for row in parsed:
            name, role, region = row["username"], row["role"], row["region"]
            if name in seen:
                self._problem(row, "username", "duplicate_username", f"用户名“{name}”与第 {seen[name]} 行重复",
                              f"The user name '{name}' repeats row {seen[name]}", name)
                continue
            seen[name] = row["n"]
            if not (covers(self.importer, region) and region.path.startswith(self.within.path)):
                self._problem(row, "region", "out_of_scope", "该地区不在您的管辖范围内",
                              "This region is outside your region", region.code)
                continue
            if self.importer.role != "admin" and ROLE_RANK[role] > actor_rank:
                self._problem(row, "role", "role_above_own", f"不能授予高于自己的角色（{ROLES[role][0]}）",
                              f"You cannot grant a role above your own ({role})", ROLES[role][0])
                continue
            if ROLE_LEVEL[role] != region.level:
                self._problem(row, "region", "role_region_level",
                              f"{ROLES[role][0]}须设在「{LEVEL_NAMES[ROLE_LEVEL[role]][0]}」级地区，{region.name}是{LEVEL_NAMES[region.level][0]}",
                              f"Role {role} belongs to a {ROLE_LEVEL[role]}-level region; {region.name} is a {region.level}",
                              region.name)
                continue
            if role == "department" and not self._department(row):
                continue
            user = existing.get(name)
            if user is not None:
                # The importer's own row is let through when it changes nothing: the county's whole
                # roster, with its own supervisor on it, is imported again when people are added.
                if user.id == getattr(self.importer, "id", None) and _changes(user, row):
                    self._problem(row, "username", "own_account", "不能用名单修改自己的账号",
                                  "You cannot change your own account with a roster", name)
                elif self.importer.role != "admin" and not covers(self.importer, user.region):
                    self._problem(row, "username", "username_taken", "该用户名已被您管辖范围以外的账号使用",
                                  "This user name belongs to an account outside your region", name)
                elif self.importer.role != "admin" and ROLE_RANK[user.role] > actor_rank:
                    self._problem(row, "username", "role_above_own", "该账号的角色高于您，不能修改",
                                  "This account's role is above your own", name)

    def _department(self, row):
        """A department user's department, by name or code in their county (row["department_id"])."""
        from ..departments.models import Department
        text = row.get("department")
        if not text:
            self._problem(row, "department", "department_required", "部门用户须填写所属部门",
                          "A department user needs a department")
            return False
        dept = db.session.execute(select(Department).where(
            Department.region_id == row["region"].id, Department.active.is_(True),
            (Department.name == text) | (Department.code == text))).scalars().first()
        if dept is None:
            self._problem(row, "department", "department_unknown", f"{row['region'].name}没有名为“{text[:20]}”的部门",
                          f"{row['region'].name} has no department '{text[:20]}'", text[:60])
            return False
        row["department_id"] = dept.id
        return True

    def write(self, parsed, batch_id):
        """New accounts (each with a one-time password kept encrypted for the importer) and updates;
        returns [inserted, updated, unchanged]."""
        inserted = updated = unchanged = 0
        for row in parsed:
            user = self.existing.get(row["username"])
            phone = row["phone"]
            if user is None:
                secret = passwords.one_time()
                user = User(username=row["username"], display_name=row["display_name"], role=row["role"],
                            region_id=row["region"].id, password_hash=hash_password(secret),
                            department_id=row["department_id"],
                            must_change_password=True, batch_id=batch_id,
                            phone_enc=pii.encrypt(phone, "phone") if phone else None,
                            phone_mask=pii.mask_phone(phone) if phone else None)
                db.session.add(user)
                db.session.flush()
                self.passwords.append({"user_id": user.id, "username": user.username,
                                       "display_name": user.display_name, "role": user.role,
                                       "region": row["region"].name, "one_time_password": secret})
                audit.record(self.importer, "user.create", subject=user, region_id=user.region_id,
                             username=user.username, role=user.role, roster=batch_id)
                inserted += 1
                continue
            before = {"role": user.role, "region_id": user.region_id, "display_name": user.display_name,
                      "phone_mask": user.phone_mask}
            if not _changes(user, row):
                unchanged += 1
                continue
            self.remembered.append((user, {"role": user.role, "region_id": user.region_id,
                                           "display_name": user.display_name, "phone_enc": user.phone_enc,
                                           "phone_mask": user.phone_mask, "batch_id": user.batch_id,
                                           "department_id": user.department_id}))
            user.role, user.region_id, user.region = row["role"], row["region"].id, row["region"]
            user.department_id = row["department_id"]
            user.display_name, user.batch_id = row["display_name"], batch_id
            if phone is not None:
                user.phone_enc, user.phone_mask = pii.encrypt(phone, "phone"), pii.mask_phone(phone)
            audit.record(self.importer, "user.update", subject=user, region_id=user.region_id, username=user.username,
                         before=before, after={"role": user.role, "region_id": user.region_id,
                                               "display_name": user.display_name, "phone_mask": user.phone_mask},
                         roster=batch_id)
            updated += 1
        db.session.flush()
        return [inserted, updated, unchanged]


def read_roster(filename, data):
    """The roster's rows; raises ``tables.FileProblem``."""
    from ..imports import tables
    aliases = {name: {tables.squash(w) for w in words.split("|")} | {name} for name, words in ROSTER_ALIASES.items()}
    return tables.read(filename, data, aliases, ("display_name", "username", "role", "region"), ROSTER_FIELDS)


def load_roster(filename, data, within, importer, batch_id):
    """Read, check and write a roster (before the import engine): (report, counts or None, the
    one-time passwords)."""
    from ..regions.services import _Report
    from ..imports.tables import FileProblem
    try:
        table = read_roster(filename, data)
    except FileProblem as problem:
        report = _Report()
        report.add(None, None, problem.code, problem.zh, problem.en)
        return report, None, []
    report = _Report(table.columns)
    roster = Roster(within, report, importer)
    parsed = [r for r in (roster.parse_row(n, c) for n, c in table.rows) if r is not None]
    if not table.rows:
        report.add(None, None, "no_rows", "文件中没有数据行", "The file has no data rows")
    roster.check(parsed)
    if report.count:
        return report, None, []
    return report, roster.write(parsed, batch_id), roster.passwords
