"""Running the rules: each hit updates one warning per (rule, subject) — never a second one.

A scan is idempotent: with nothing changed it writes nothing. New hits open warnings; changed
evidence updates them; a warning whose cause is gone is resolved; a dismissed or rectified warning
reopens only when its facts (the fingerprint, without time-only fields) change.
"""
import hashlib
import json

from flask import current_app
from sqlalchemy import Text, cast, or_, select, text, update
from sqlalchemy.exc import IntegrityError

from .. import jobs
from ..core import audit, clock, tree
from ..core.errors import ApiError
from ..core.lookups import among, slices
from ..core.models import Region
from ..extensions import db, stored_json
from ..notifications.services import about, notify, people_above
from ..projects import lifecycle
from ..projects import services as projects
from ..projects.models import Project
from .models import RiskWarning
from .rules import RULES, Context


def fingerprint(rule, evidence):
    facts = {k: v for k, v in evidence.items() if k not in rule.VOLATILE}
    return hashlib.sha256(json.dumps(facts, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _event(warning, kind, actor=None, **extra):
    """Warnings about a project land on its timeline."""
    if warning.project_id is None:
        return
    rule = RULES[warning.rule_code]
    lifecycle.append(projects.lock(warning.project_id), kind, actor, {
        "warning_id": warning.id, "rule": rule.CODE, "level": warning.level,
        "rule_name_zh": rule.NAME_ZH, "rule_name_en": rule.NAME_EN, **extra})


def scan(codes=None, now=None, projects=None, regions=None):
    """Run the rules (all, or ``codes``) over everything, or over ``projects`` only (ids: the rules
    about projects), or over ``regions`` only (ids: each region and everything below it). Each is
    idempotent, and a scoped scan touches no warning outside its scope. Returns
    {rule: {opened, updated, resolved, reopened}}."""
    ctx = Context(config=current_app.config, now=now or clock.now())
    if projects is not None:
        ctx.projects = tuple(sorted({int(i) for i in projects}))
        if not ctx.projects:
            return {}
    in_regions = None
    if regions is not None:
        paths = db.session.execute(select(Region.path).where(Region.id.in_({int(i) for i in regions}))).scalars().all()
        if not paths:
            return {}
        ctx.regions = select(Region.id).where(or_(*[Region.path.startswith(p, autoescape=True) for p in paths]))
        in_regions = set(db.session.execute(ctx.regions).scalars())
    if db.session.connection().dialect.name == "postgresql":
        # Rules aggregate whole tables (a year of payments): keep this transaction's sorts and
        # hashes in memory rather than spilling to disk.
        db.session.execute(text("SET LOCAL work_mem = '256MB'"))
        # The payments are partitioned by year (core/partitions.py): group and join them partition
        # by partition (a year's rows at a time, each from its own indexes) rather than as one stream.
        db.session.execute(text("SET LOCAL enable_partitionwise_aggregate = on"))
        db.session.execute(text("SET LOCAL enable_partitionwise_join = on"))
    report = {}
    for code in codes or list(RULES):
        rule = RULES[code]
        if ctx.projects is not None and not getattr(rule, "PER_PROJECT", False):
            continue  # about people or townships: region and full scans run it
        counts = dict(opened=0, updated=0, resolved=0, reopened=0)
        # What is stored, as plain rows (a township's subsidy rules keep thousands of warnings and a
        # steady scan changes none): a warning is loaded as an object only when it must change. Its
        # evidence comes as the stored text, compared with the hit's evidence written the same way
        # (decoding 70,000 stored documents cost more than the rule's own query at a province's size).
        existing = {row.subject_key: row for row in db.session.execute(
            select(RiskWarning.id, RiskWarning.subject_key, RiskWarning.status, EVIDENCE_TEXT,
                   RiskWarning.hold_fingerprint).where(RiskWarning.rule_code == code, *_in_scope(ctx)))}
        seen, fresh = set(), []
        for hit in rule.find(ctx):
            if (ctx.projects is not None and hit.project_id not in ctx.projects) or (
                    in_regions is not None and hit.region_id not in in_regions):
                continue  # outside this scan's scope: another scan's business
            seen.add(hit.subject_key)
            stored = existing.get(hit.subject_key)
            if stored is not None and stored.status == "open" and stored.evidence == stored_json(hit.evidence):
                continue  # unchanged (most hits of a steady scan: no fingerprint to hash)
            print_ = fingerprint(rule, hit.evidence)
            if stored is not None and stored.status != "open" and stored.hold_fingerprint == print_:
                continue  # settled at these very facts
            warning = db.session.get(RiskWarning, stored.id) if stored is not None else None
            if warning is None:
                fresh.append(dict(rule_code=code, subject_key=hit.subject_key, subject_type=hit.subject_type,
                                  project_id=hit.project_id, region_id=hit.region_id, level=rule.LEVEL,
                                  status="open", evidence=hit.evidence, fingerprint=print_,
                                  first_seen_at=ctx.now, last_seen_at=ctx.now))
            elif warning.status == "open":
                if warning.evidence != hit.evidence:
                    warning.evidence, warning.fingerprint, warning.last_seen_at = hit.evidence, print_, ctx.now
                    counts["updated"] += 1
            elif warning.hold_fingerprint != print_:  # resolved or dismissed, and the facts differ
                warning.status, warning.evidence, warning.fingerprint = "open", hit.evidence, print_
                warning.last_seen_at, warning.resolved_at, warning.resolved_reason = ctx.now, None, None
                warning.hold_fingerprint = None
                db.session.flush()
                _event(warning, "risk_raised", reopened=True)
                _tell_leads([warning], rule)
                counts["reopened"] += 1
        counts["opened"] = _open(fresh, rule)
        for key, stored in existing.items():
            if key not in seen and stored.status == "open":
                resolve(db.session.get(RiskWarning, stored.id), "cause_gone", ctx.now)
                counts["resolved"] += 1
        db.session.flush()
        report[code] = counts
    ctx.close()
    return report


# The same text means the same evidence; different text (written by another version, keys in
# another order) falls through to comparing the decoded documents below, which decides.
EVIDENCE_TEXT = cast(RiskWarning.evidence, Text).label("evidence")


def _in_scope(ctx):
    if ctx.projects is not None:
        return [RiskWarning.project_id.in_(ctx.projects)]
    if ctx.regions is not None:
        return [RiskWarning.region_id.in_(ctx.regions)]
    return []


def resolve(warning, reason, at=None, actor=None, hold=False):
    """Close a warning (销号): its cause is gone, or it was rectified (``hold`` keeps it closed
    until the facts change)."""
    warning.status, warning.resolved_at, warning.resolved_reason = "resolved", at or clock.now(), reason
    warning.hold_fingerprint = warning.fingerprint if hold else None
    db.session.flush()
    _event(warning, "risk_resolved", actor, reason=reason)


def _open(fresh, rule):
    """Store a scan's new warnings of one rule (``fresh``: each one's columns) together — one INSERT
    of many rows, not one each: a county's first fund file opens tens of thousands —, put them on
    their projects' timelines, and tell the leads: one message per warning, or one per township
    when a scan opens ``GROUPED_FROM`` or more there (a list of 300 idle funds is one thing to look
    at, not 300 messages). Returns how many it opened."""
    if not fresh:
        return 0
    try:
        with db.session.begin_nested():
            opened = [RiskWarning(**columns) for columns in fresh]
            db.session.add_all(opened)
    except IntegrityError:
        # Another scan opened some of them meanwhile (a periodic scan beside one after a write, or
        # two workers): those are its own to tell of; the others are still this scan's.
        keys, taken = [columns["subject_key"] for columns in fresh], set()
        for part in slices(keys):
            taken.update(db.session.scalars(select(RiskWarning.subject_key).where(
                RiskWarning.rule_code == rule.CODE, among(RiskWarning.subject_key, part))))
        opened = [RiskWarning(**columns) for columns in fresh if columns["subject_key"] not in taken]
        db.session.add_all(opened)
        db.session.flush()
    for warning in opened:
        _event(warning, "risk_raised")
    by_township = {}
    # (the regions as the database has them in this transaction: who is told must not hang on
    # what the process's region cache last saw)
    placed = tree.places({w.region_id for w in opened}, cached=False)
    for warning in opened:
        township = (placed.get(warning.region_id) or {}).get("township")
        by_township.setdefault(township["id"] if township else warning.region_id, []).append(warning)
    for township_id, warnings in by_township.items():
        if len(warnings) < GROUPED_FROM:
            for warning in warnings:
                _tell_leads([warning], rule)
        else:
            _tell_leads(warnings, rule, db.session.get(Region, township_id))
    return len(opened)


GROUPED_FROM = 4


def _tell_leads(warnings, rule, region=None):
    """The township lead hears of every warning that (re)opens; the county's supervisors of a red
    one, once in its life (``county_told_at``: a warning that resolves and reopens is not news to
    them twice). One warning is one message linking to it; many new warnings of one rule in one
    township (``region``) are one message linking to the township's open warnings of that rule."""
    if len(warnings) == 1:
        warning = warnings[0]
        region = db.session.get(Region, warning.region_id)
        # Named by its project and township (a subsidy warning, about a person, by its village).
        project = db.session.get(Project, warning.project_id) if warning.project_id else None
        zh, en = about(project.name if project else "", region)
        title = (f"新风险预警：{rule.NAME_ZH}：{zh}", f"New risk warning: {rule.NAME_EN}: {en}")
        link = f"/risks/{warning.id}"
    else:
        zh, en = about("", region)
        title = (f"新风险预警：{rule.NAME_ZH} {len(warnings)} 条：{zh}",
                 f"New risk warnings: {rule.NAME_EN}, {len(warnings)}: {en}")
        link = f"/risks?rule={rule.CODE}&region={region.id}"
    people = people_above(region, ("township_lead",))
    if rule.LEVEL == "red" and getattr(rule, "TELLS_COUNTY", True) and _county_not_told(warnings):
        people += people_above(region, ("county",))
    notify(people, "risk_raised", *title, link)


def _county_not_told(warnings):
    """Mark the warnings as told to the county; False when every one already was (by this scan or
    another one running at the same time: the conditional UPDATE lets exactly one of them through).
    The ids go in the slices one statement binds (``core.lookups``)."""
    ids, told = [w.id for w in warnings], 0
    for part in slices(ids):
        told += db.session.execute(update(RiskWarning).where(
            among(RiskWarning.id, part), RiskWarning.county_told_at.is_(None))
            .values(county_told_at=clock.now()).execution_options(synchronize_session="fetch")).rowcount
    return told > 0


def dismiss(warning, actor, reason):
    """A supervisor marks a false positive; it stays dismissed until the facts change."""
    if warning.status != "open":
        raise ApiError(409, "warning_not_open", "该预警不是待处理状态", "This warning is not open")
    warning.status, warning.dismissed_at, warning.dismissed_by_id = "dismissed", clock.now(), actor.id
    warning.dismissed_reason, warning.hold_fingerprint = reason, warning.fingerprint
    db.session.flush()
    _event(warning, "risk_dismissed", actor, reason=reason)
    audit.record(actor, "risk.dismiss", subject=warning, reason=reason)
    jobs.scanned(regions=[warning.region_id])  # the cockpit counts open warnings
    return warning
