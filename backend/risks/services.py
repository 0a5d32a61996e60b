"""Reading warnings for people: views with their rule, explanation and open rectification."""
import logging
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import func, null, select

from ..core import tree
from ..core.pagination import not_null
from ..core.scoping import scoped
from ..extensions import db
from ..projects.models import Project
from ..qrcodes import services as qrcodes
from ..qrcodes.models import QrCode
from .models import LEVELS, RiskWarning, level_first
from .rules import RULES

# What other features tell the engine about warnings, registered with ``provide`` when the app is
# built (the engine imports no feature): "people" {beneficiary id: masked name} for ids (subsidies),
# "open_rectifications" {warning id: rectification id} for warning ids, and "open_rectification"
# () → a column of each warning's open rectification's id, for a SELECT of warnings (rectifications).
LOOKUPS = {}
log = logging.getLogger("jicai.risks")


def provide(name, lookup):
    """Register a feature's lookup (see LOOKUPS)."""
    LOOKUPS[name] = lookup


def _lookup(name, keys):
    return LOOKUPS[name](keys) if keys and name in LOOKUPS else {}


class _Retired:
    """A rule no longer in the code (renamed or retired by an upgrade) whose warnings remain: they
    are shown, listed and exported under its code rather than breaking the list."""
    THRESHOLDS, LABELS = (), {}

    def __init__(self, code, level="yellow"):
        self.CODE, self.LEVEL = code, level
        self.NAME_ZH, self.NAME_EN = f"已停用的规则 {code}", f"Retired rule {code}"
        self.DESCRIPTION_ZH, self.DESCRIPTION_EN = "该规则已不在本版本中", "This rule is not in this version"

    def explain(self, evidence):
        return self.NAME_ZH, self.NAME_EN


def explain(rule, evidence):
    """(zh, en): the rule's sentence about a warning's evidence, or a plain one naming the rule when
    the evidence lacks what the sentence needs (a seeded warning, or one stored by an older version
    with other keys): one such warning must not make the list fail for everyone."""
    try:
        return rule.explain(evidence or {})
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        log.warning("rule %s cannot explain a warning's evidence (%r): shown with the rule's name", rule.CODE, exc)
        return (f"{rule.NAME_ZH}（详情未记录）", f"{rule.NAME_EN} (no details recorded)")


def rule_of(code, level="yellow"):
    return RULES.get(code) or _Retired(code, level)


def rule_view(rule, thresholds=False):
    out = {"code": rule.CODE, "name_zh": rule.NAME_ZH, "name_en": rule.NAME_EN, "level": rule.LEVEL,
           "description_zh": rule.DESCRIPTION_ZH, "description_en": rule.DESCRIPTION_EN}
    if thresholds:
        out["thresholds"] = {key: current_app.config[key] for key in rule.THRESHOLDS}
    return out


# A warning's project as its view names it, joined to the warning (``joined``) or read apart.
PROJECT_BRIEF = (Project.id, Project.name, QrCode.code)
# (Built once: a join's condition costs more to put together than to keep.)
_ITS_PROJECT, _ITS_CODE = Project.id == RiskWarning.project_id, qrcodes.active_of("project", Project.id)


def joined(stmt):
    """A SELECT of warnings that also reads, in the same statement, what each one's view names
    from elsewhere: its project (``PROJECT_BRIEF``, NULLs without) and its open rectification's id
    (NULL without). Its rows are ``(warning, project id, name, code, rectification id)``."""
    column = LOOKUPS.get("open_rectification")
    return stmt.add_columns(*PROJECT_BRIEF, column() if column else null()).outerjoin(
        Project, _ITS_PROJECT).outerjoin(QrCode, _ITS_CODE)


# What a warning's view reads of it (``views``): a page of warnings lists these columns, not the
# entity (``viewed`` makes each row's first ones a warning again, to read them by name).
VIEWED = (RiskWarning.id, RiskWarning.rule_code, RiskWarning.level, RiskWarning.status, RiskWarning.subject_type,
          RiskWarning.subject_key, RiskWarning.project_id, RiskWarning.region_id, RiskWarning.evidence,
          RiskWarning.first_seen_at, RiskWarning.last_seen_at, RiskWarning.resolved_at, RiskWarning.resolved_reason,
          RiskWarning.dismissed_reason)
_VIEWED_KEYS = tuple(column.key for column in VIEWED)


def viewed(rows):
    """``joined`` rows of ``VIEWED`` columns as ``(warning, *the rest)``, the warning's columns
    readable by name as on the entity."""
    n = len(VIEWED)
    return [(SimpleNamespace(**dict(zip(_VIEWED_KEYS, row[:n]))), *row[n:]) for row in rows]


def joined_views(rows):
    """The views of the warnings of ``joined`` rows."""
    warnings = [warning for warning, *_ in rows]
    return views(warnings, projects={pid: (pid, name, code) for _, pid, name, code, _ in rows if pid is not None},
                 rectifications={w.id: rid for w, *_, rid in rows if rid is not None})


def views(warnings, projects=None, rectifications=None):
    """Warnings as the API shows them (their projects with their codes, and open rectifications, in
    two queries; the regions' names are known to the process). ``projects``: the warnings'
    projects, ``{id: (id, name, code)}``, and ``rectifications`` ``{warning id: open rectification
    id}``, when the page already read them (``joined``)."""
    if not warnings:
        return []
    pids = {w.project_id for w in warnings if w.project_id}
    found = projects if projects is not None else {p.id: p for p in db.session.execute(
        select(*PROJECT_BRIEF).outerjoin(QrCode, _ITS_CODE).where(Project.id.in_(pids)))} if pids else {}
    regions = tree.names({w.region_id for w in warnings})
    open_rect = (rectifications if rectifications is not None
                 else _lookup("open_rectifications", [w.id for w in warnings]))
    named = {w.id: _people_of(w) for w in warnings}
    who = _lookup("people", set().union(*named.values()))
    out, described = [], {}  # (a page's warnings come from a few rules: each described once)
    for w in warnings:
        rule = rule_of(w.rule_code, w.level)
        if rule not in described:
            described[rule] = (rule_view(rule), {k: {"zh": zh_, "en": en_} for k, (zh_, en_) in rule.LABELS.items()})
        view, labels = described[rule]
        zh, en = explain(rule, w.evidence)
        project = found.get(w.project_id)
        out.append({
            "id": w.id, "rule": view, "level": w.level, "status": w.status,
            "subject_type": w.subject_type,
            # A warning about a person (subsidy rules: dup:/dead:/employee:/excl:<beneficiary id>:…)
            "person_id": int(w.subject_key.split(":")[1]) if w.subject_type == "beneficiary" else None,
            "people": [{"id": i, "name": who[i]} for i in named[w.id] if i in who],
            "project": {"id": project[0], "name": project[1], "code": project[2]} if project else None,
            "region": {"id": w.region_id, "name": regions.get(w.region_id, "")}, "evidence": w.evidence or {},
            "evidence_labels": labels,
            "explanation_zh": zh, "explanation_en": en, "first_seen_at": w.first_seen_at,
            "last_seen_at": w.last_seen_at, "resolved_at": w.resolved_at, "resolved_reason": w.resolved_reason,
            "dismissed_reason": w.dismissed_reason if w.status == "dismissed" else None,
            "rectification_id": open_rect.get(w.id)})
    return out


def _people_of(w):
    """The beneficiaries a subsidy warning names: its subject, or the people paid on one card (代领)."""
    if w.subject_type == "beneficiary":
        return [int(w.subject_key.split(":")[1])]
    return [int(i) for i in (w.evidence or {}).get("person_ids", [])]


# Red first, then orange, then yellow; newest first within a level (the order of the index
# ``ix_risk_warnings_list``, all keys descending so that a page by key is one index seek). Built
# once: every page of every warnings list orders by it.
ORDER = (*(not_null(first).desc() for first in level_first(RiskWarning.level)),
         RiskWarning.last_seen_at.desc(), RiskWarning.id.desc())


def order(stmt):
    """``stmt`` in the warnings' order (``ORDER``)."""
    return stmt.order_by(*ORDER)


def summary(actor, within=None):
    """Open warnings by level and by rule, in the actor's region (or region ``within`` in it)."""
    stmt = scoped(select(RiskWarning.rule_code, func.count()), RiskWarning, actor, within=within).where(
        RiskWarning.status == "open").group_by(RiskWarning.rule_code)
    counts = dict(db.session.execute(stmt).all())
    by_level = {level: 0 for level in LEVELS}
    for code, n in counts.items():
        by_level[rule_of(code).LEVEL] += n
    return {"by_level": by_level,
            "by_rule": [{**rule_view(rule_of(c)), "count": n} for c, n in sorted(counts.items())]}
