"""The import engine's kind ``departments``: a county's departments (农业农村局, 民政局 …) from a file —
部门名称, 部门代码, the county it belongs to (所属地区, a code or a name at or under the region the file
is imported for; may be left out when that is a county), the subsidy policies it owns (主管政策:
names, several separated by 、 or ；, a year in brackets to name one year's policy) and 状态 (启用/停用).

A department is found by its code, else by its county and name (so a file renames one by its code, or
gives a code to one added by hand). Each row's policies become the department's by hand
(``DepartmentPolicy``), those it owned by hand and the row leaves out are released to the match by
name; a blank 主管政策 says nothing about them. Who owned each policy before is kept
(``DepartmentPolicyImport``), so withdrawing the run puts it back. The same file again changes nothing.
"""
import re

from sqlalchemy import delete, insert, or_, select, update

from ..core import audit
from ..core.errors import ApiError
from ..core.models import Region, User
from ..extensions import db
from ..imports import tables
from ..imports.engine import Field, Importer, Skip, cell, name, register
from ..imports.tables import CellProblem, squash
from ..regions.services import Problem, parse_code
from ..subsidies.models import SubsidyPolicy
from .models import Department, DepartmentPolicy, DepartmentPolicyImport, DepartmentTask

CODE_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,30}$")
SEPARATORS = re.compile(r"[、;；,，\n]+")
YEAR_IN = re.compile(r"^(.+?)[(（]\s*(\d{4})\s*年?\s*[)）]$")  # 耕地地力保护补贴（2026）
ACTIVE_WORDS = {"启用": True, "在用": True, "正常": True, "是": True, "有效": True, "active": True, "1": True,
                "停用": False, "撤销": False, "否": False, "无效": False, "inactive": False, "0": False}


def _code(value):
    text = tables.text(value)
    if not CODE_RE.match(text):
        raise CellProblem("code_malformed", "部门代码为1–30位字母、数字或 _ . -",
                          "A department code is 1–30 letters, digits or _ . -")
    return text


def _active(value):
    word = tables.text(value).lower()
    if word not in ACTIVE_WORDS:
        raise CellProblem("active_unknown", "状态应为“启用”或“停用”", "The status must be 启用 (active) or 停用 (inactive)")
    return ACTIVE_WORDS[word]


@register
class DepartmentImporter(Importer):
    kind = "departments"
    title = ("部门名录", "Departments")
    roles = ("admin", "county")
    levels = ("province", "city", "county")
    model = Department
    users_of = [(DepartmentTask, "department_id"), (User, "department_id")]
    audit_prefix = "department"
    fields = [
        Field("name", "部门名称", "department name", aliases="部门|单位名称|部门全称|名称|主管部门|部门名", required=True,
              example="农业农村局", rule=("县（区）的部门名称，同一县内不重复", "The department's name, once per county")),
        Field("code", "部门代码", "department code", aliases="代码|部门编码|编码|部门简码|简码|部门编号", required=True,
              example="LA-NYNC", rule=("1–30位字母、数字或 _ . -，全系统唯一；已有的代码会被更新",
                                      "1–30 letters, digits or _ . -, unique; an existing code is updated")),
        Field("region", "所属地区", "region", aliases="地区|区划代码|所属县区|县区|所属区划|县(区)|所在县区|region|regioncode",
              example="330112000000", rule=("县（区）的12位区划代码或名称；按县（区）导入时可不填",
                                            "The county's 12-digit code or name; may be left out when a county imports")),
        Field("policies", "主管政策", "policies owned", aliases="政策|政策名称|补贴政策|负责政策|管理政策|主管补贴政策|补贴项目",
              example="耕地地力保护补贴、农机购置补贴",
              rule=("已有的补贴政策名称，多个用 、 或 ； 分隔，可加年度如“耕地地力保护补贴（2026）”；空着不改",
                    "Names of existing subsidy policies, separated by 、 or ；, a year in brackets for one year; "
                    "blank changes nothing")),
        Field("active", "状态", "status", aliases="是否启用|启用状态|部门状态|status",
              example="启用", rule=("启用或停用（可空，新部门为启用）", "启用 or 停用 (optional; a new one is active)")),
    ]

    def __init__(self, region, report):
        super().__init__(region, report)
        counties = db.session.execute(select(Region).where(
            Region.path.startswith(region.path, autoescape=True), Region.level == "county",
            Region.status == "active")).scalars().all()
        self.by_code = {r.code: r for r in counties}
        self.by_name = {}
        for r in counties:
            self.by_name.setdefault(squash(r.name), []).append(r)
        self._policies = {}  # county id → {squashed name: [(policy id, year)]}

    def county(self, value):
        text = tables.text(value)
        if re.fullmatch(r"\d+", text):
            try:
                code = parse_code(text)
            except Problem as problem:
                raise CellProblem(problem.code, problem.zh, problem.en) from None
            found = self.by_code.get(code)
            if found is None:
                raise CellProblem("region_not_county", f"{code} 不是{self.region.name}内的县（区）：部门设在县（区）",
                                  f"{code} is not a county within {self.region.name}: departments belong to counties")
            return found
        found = self.by_name.get(squash(text), [])
        if len(found) != 1:
            raise CellProblem("region_not_county" if not found else "region_ambiguous",
                              f"{self.region.name}内没有名为“{text[:20]}”的县（区）（也可填12位区划代码）" if not found
                              else f"有 {len(found)} 个县（区）叫“{text}”：请填12位区划代码",
                              f"No county named '{text[:20]}' within {self.region.name} (or give its code)" if not found
                              else f"{len(found)} counties are named '{text}': give the 12-digit code")
        return found[0]

    def policies_of(self, county):
        """{squashed name: [(policy id, year)]} of the policies that apply in ``county``."""
        known = self._policies.get(county.id)
        if known is None:
            above = county.path.strip("/").split("/")
            known = self._policies[county.id] = {}
            for pid, pname, year in db.session.execute(
                    select(SubsidyPolicy.id, SubsidyPolicy.name, SubsidyPolicy.year)
                    .join(Region, Region.id == SubsidyPolicy.region_id)
                    .where(Region.path.startswith(county.path, autoescape=True) | Region.code.in_(above))):
                known.setdefault(squash(pname), []).append((pid, year))
        return known

    def policy_ids(self, value, county):
        known = self.policies_of(county)
        out, unknown = set(), []
        for word in (w.strip() for w in SEPARATORS.split(tables.text(value))):
            if not word:
                continue
            year = None
            dated = YEAR_IN.match(word)
            if dated:
                word, year = dated.group(1).strip(), int(dated.group(2))
            found = [pid for pid, y in known.get(squash(word), []) if year is None or y == year]
            if found:
                out.update(found)
            else:
                unknown.append(f"{word}（{year}）" if year else word)
        if unknown:
            listed = "、".join(unknown[:5])
            raise CellProblem("policy_unknown", f"{county.name}没有这些补贴政策：{listed}（请先导入政策清单，或检查名称）",
                              f"{county.name} has no such subsidy policies: {listed} (import the policies first, or "
                              "check the names)")
        return out

    def parse_row(self, n, c):
        r = self.report
        row = {"name": cell(name, n, c, "name", r, required=True, max_len=60),
               "code": cell(_code, n, c, "code", r, required=True),
               "active": cell(_active, n, c, "active", r)}
        if self.region.level == "county" and tables._blank(c.get("region")):
            row["region"] = self.region
        else:
            row["region"] = cell(self.county, n, c, "region", r, required=True)
        row["policies"] = None
        if row["region"] is not None and not tables._blank(c.get("policies")):
            row["policies"] = cell(self.policy_ids, n, c, "policies", r, county=row["region"])
        if r.row_bad:
            raise Skip
        return row

    def check(self, parsed):
        self.duplicates(parsed, lambda row: row["code"], "部门代码相同", "same department code", ("code",))
        self.duplicates(parsed, lambda row: (row["region"].id, row["name"]), "同一县（区）的部门名称相同",
                        "same department name in the same county", ("region", "name"))
        claimed = {}
        for n, row in parsed:
            for pid in row["policies"] or ():
                if pid in claimed and claimed[pid] != n:
                    self.report.add(n, "policies", "policy_twice", f"同一政策已在第 {claimed[pid]} 行归属其他部门",
                                    f"Row {claimed[pid]} already gives this policy to another department")
                    break
                claimed[pid] = n
        codes = [row["code"] for _, row in parsed]
        pairs = {(row["region"].id, row["name"]) for _, row in parsed}
        stored = db.session.execute(select(Department).where(or_(
            Department.code.in_(codes), Department.region_id.in_({p[0] for p in pairs})))).scalars().all() if parsed else []
        by_code = {d.code: d for d in stored}
        by_name = {(d.region_id, d.name): d for d in stored}
        for n, row in parsed:
            mine, named = by_code.get(row["code"]), by_name.get((row["region"].id, row["name"]))
            if mine is not None and mine.region_id != row["region"].id:
                self.report.add(n, "code", "code_taken", f"代码 {row['code']} 已被{mine.region.name}的“{mine.name}”使用",
                                f"The code {row['code']} belongs to '{mine.name}' of {mine.region.name}", row["code"])
            elif mine is not None and named is not None and named.id != mine.id:
                self.report.add(n, "name", "department_exists",
                                f"{row['region'].name}已有名为“{row['name']}”的部门（代码 {named.code}）",
                                f"{row['region'].name} already has a department '{row['name']}' (code {named.code})",
                                row["name"])
            row["target"] = mine or named

    def write(self, parsed, batch_id):
        counts = [0, 0, 0]
        for _, row in parsed:
            dept = row["target"]
            if dept is None:
                dept = Department(region_id=row["region"].id, name=row["name"], code=row["code"],
                                  active=True if row["active"] is None else row["active"], batch_id=batch_id)
                db.session.add(dept)
                db.session.flush()
                self._own(dept, row["policies"], batch_id)
                audit.record(self.actor, "department.create", subject=dept, name=dept.name, code=dept.code,
                             import_id=batch_id)
                counts[0] += 1
                continue
            wanted = {"name": row["name"], "code": row["code"]}
            if row["active"] is not None:
                wanted["active"] = row["active"]
            changed = [c for c, v in wanted.items() if getattr(dept, c) != v]
            owned = self._own(dept, row["policies"], batch_id)
            if not changed and not owned:
                counts[2] += 1
                continue
            self.remember(dept, (*changed, "batch_id"))
            before = {c: getattr(dept, c) for c in changed}
            for c in changed:
                setattr(dept, c, wanted[c])
            dept.batch_id = batch_id
            audit.record(self.actor, "department.update", subject=dept, before=before,
                         after={c: wanted[c] for c in changed}, policies_changed=owned, import_id=batch_id)
            counts[1] += 1
        db.session.flush()
        return counts

    def _own(self, dept, policy_ids, batch_id):
        """Make ``policy_ids`` the department's by hand, release those it owned by hand and the row
        leaves out (None: say nothing). Returns how many policies changed hands."""
        if policy_ids is None:
            return 0
        rows = {pid: (dep, batch) for pid, dep, batch in db.session.execute(select(
            DepartmentPolicy.policy_id, DepartmentPolicy.department_id, DepartmentPolicy.batch_id).where(
            or_(DepartmentPolicy.policy_id.in_(policy_ids), DepartmentPolicy.department_id == dept.id)))}
        released = [pid for pid, (dep, _) in rows.items() if dep == dept.id and pid not in policy_ids]
        taken = [pid for pid in sorted(policy_ids) if rows.get(pid, (None, None))[0] != dept.id]
        if not released and not taken:
            return 0
        db.session.execute(insert(DepartmentPolicyImport), [
            {"import_id": batch_id, "policy_id": pid, "existed": pid in rows,
             "before_department_id": rows[pid][0] if pid in rows else None,
             "before_batch_id": rows[pid][1] if pid in rows else None} for pid in (*released, *taken)])
        if released:
            db.session.execute(delete(DepartmentPolicy).where(DepartmentPolicy.policy_id.in_(released)))
        values = {"department_id": dept.id, "set_by_id": self.actor.id, "batch_id": batch_id}
        there = [pid for pid in taken if pid in rows]
        if there:
            db.session.execute(update(DepartmentPolicy).where(DepartmentPolicy.policy_id.in_(there)).values(**values)
                               .execution_options(synchronize_session=False))
        new = [pid for pid in taken if pid not in rows]
        if new:
            db.session.execute(insert(DepartmentPolicy), [{"policy_id": pid, **values} for pid in new])
        return len(released) + len(taken)

    @classmethod
    def undo(cls, run, added_ids):
        """Who owned each policy before the run owns it again; refused when ownership changed since
        or a department the run added was since made a policy's owner by hand."""
        changes = db.session.execute(select(DepartmentPolicyImport).where(DepartmentPolicyImport.import_id == run.id)
                                     .order_by(DepartmentPolicyImport.id.desc())).scalars().all()
        now = {pid: batch for pid, batch in db.session.execute(select(DepartmentPolicy.policy_id, DepartmentPolicy.batch_id)
                                                               .where(DepartmentPolicy.policy_id.in_(
                                                                   {c.policy_id for c in changes})))} if changes else {}
        if any(batch != run.id for batch in now.values()):
            raise ApiError(409, "import_changed_since", "该次导入设定的政策归属之后又被修改，不能再撤销",
                           "Who owns the policies this import set has changed since; it can no longer be withdrawn")
        for change in changes:
            db.session.execute(delete(DepartmentPolicy).where(DepartmentPolicy.policy_id == change.policy_id))
            if change.existed:
                db.session.execute(insert(DepartmentPolicy).values(
                    policy_id=change.policy_id, department_id=change.before_department_id, batch_id=change.before_batch_id))
        if added_ids and db.session.scalar(select(DepartmentPolicy.policy_id).where(
                DepartmentPolicy.department_id.in_(added_ids)).limit(1)):
            raise ApiError(409, "import_in_use", "该次导入新增的部门已被指定为政策的主管部门，不能撤销",
                           "A department this import added was since made a policy's owner; it cannot be withdrawn")
