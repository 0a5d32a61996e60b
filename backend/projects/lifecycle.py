"""The lifecycle timeline: append-only events chained by SHA-256.

Each event's hash covers the previous event's hash and its own content; the project row holds the
head hash and the count. Editing any event, deleting one (a gap in ``seq``) or deleting the last one
(the head no longer matches) is detected by ``verify``.
"""
import hashlib
import json
from datetime import timezone

from sqlalchemy import select

from ..core import clock
from ..core.models import User
from ..extensions import db
from .models import LifecycleEvent, Project

GENESIS = "0" * 64

# What an anonymous visitor may see of each kind of event; kinds not listed are internal.
PUBLIC_FIELDS = {
    "created": ("name", "budget", "imported"),
    "stage_changed": ("from", "to", "imported", "date_unknown"),
    "payment_recorded": ("amount", "paid_on", "funding_source"),
    "contractor_corrected": ("from", "to"),
    "payments_imported": ("count", "total"),
}


def _stamp(moment):
    return clock.as_utc(moment).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(prev_hash, project_id, seq, kind, occurred_at, actor_id, payload):
    body = json.dumps([prev_hash, project_id, seq, kind, _stamp(occurred_at), actor_id, payload],
                      sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def append(project, kind, actor=None, payload=None, at=None):
    """Add an event at the head of the project's chain. The caller holds the project row lock
    (``select ... for update``) when concurrent appends are possible."""
    payload = payload or {}
    at = at or clock.now()
    seq = project.event_count + 1
    prev = project.chain_head or GENESIS
    actor_id = getattr(actor, "id", None)
    event = LifecycleEvent(project_id=project.id, seq=seq, kind=kind, occurred_at=at,
                           actor_id=actor_id, payload=payload, prev_hash=prev,
                           hash=event_hash(prev, project.id, seq, kind, at, actor_id, payload))
    db.session.add(event)
    project.chain_head = event.hash
    project.event_count = seq
    project.updated_at = clock.now()
    db.session.flush()
    return event


def verify(project, events=None):
    """Problems found in one project's chain (empty list = intact)."""
    if events is None:
        events = db.session.execute(select(LifecycleEvent).where(
            LifecycleEvent.project_id == project.id).order_by(LifecycleEvent.seq)).scalars().all()
    problems = []
    prev = GENESIS
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            problems.append(f"seq {expected_seq}: missing (found {event.seq}) — an event was deleted")
            break
        if event.prev_hash != prev:
            problems.append(f"seq {event.seq}: prev_hash does not match the previous event")
        if event.hash != event_hash(event.prev_hash, event.project_id, event.seq, event.kind,
                                    event.occurred_at, event.actor_id, event.payload):
            problems.append(f"seq {event.seq}: content does not match its hash — the row was edited")
        prev = event.hash
    if not problems:
        if len(events) != project.event_count or prev != (project.chain_head or GENESIS):
            problems.append(f"head: project records {project.event_count} events ending in "
                            f"{(project.chain_head or '')[:12]}, chain has {len(events)} — "
                            "the newest event was deleted or the head was altered")
    return problems


def verify_all(batch=500):
    """{project_id: problems} for every broken chain, reading events project by project in batches."""
    broken = {}
    last_id = 0
    while True:
        projects = db.session.execute(select(Project).where(Project.id > last_id)
                                      .order_by(Project.id).limit(batch)).scalars().all()
        if not projects:
            return broken
        ids = [p.id for p in projects]
        grouped = {pid: [] for pid in ids}
        for event in db.session.execute(select(LifecycleEvent).where(
                LifecycleEvent.project_id.in_(ids)).order_by(
                LifecycleEvent.project_id, LifecycleEvent.seq)).scalars():
            grouped[event.project_id].append(event)
        for project in projects:
            problems = verify(project, grouped[project.id])
            if problems:
                broken[project.id] = problems
        last_id = ids[-1]
        db.session.expunge_all()


def events(project, public, limit=None):
    """The timeline as dicts, newest first. The public view keeps only public kinds and fields and
    names no one; the full view names the actor and shows the hash."""
    stmt = (select(LifecycleEvent, User.display_name)
            .outerjoin(User, User.id == LifecycleEvent.actor_id)
            .where(LifecycleEvent.project_id == project.id).order_by(LifecycleEvent.seq.desc()))
    if public:
        stmt = stmt.where(LifecycleEvent.kind.in_(PUBLIC_FIELDS))
    if limit:
        stmt = stmt.limit(limit)
    out = []
    for event, actor_name in db.session.execute(stmt):
        item = {"seq": event.seq, "kind": event.kind, "occurred_at": clock.as_utc(event.occurred_at)}
        if public:
            keep = PUBLIC_FIELDS[event.kind]
            item["payload"] = {k: v for k, v in event.payload.items() if k in keep}
        else:
            item.update(payload=event.payload, actor=actor_name, hash=event.hash)
        out.append(item)
    return out
