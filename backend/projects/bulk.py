"""The write path of the project imports (unit list, project register, contract payments): checked
rows in, rows out in bulk (COPY on PostgreSQL), with every project's lifecycle chain built as it
would have been had the project been entered stage by stage — the earlier stages at their real
dates, marked ``imported`` — so ``lifecycle.verify`` holds for imported projects like for any other.

Plain functions that flush, never commit; the importers (``importer.py``) and the benchmark call
them. New rows' ids are drawn before writing (a sequence on PostgreSQL; on SQLite the run already
holds the write lock) so that the projects, their events and their codes go in as three COPYs.
"""
import hashlib
import json
from datetime import datetime, time

from sqlalchemy import bindparam, insert, select, text, update

from ..core import audit, clock
from ..extensions import db
from ..core.bulk import bulk_insert, gc_paused as _gc_paused, new_ids
from ..core.lookups import among, slices
from ..qrcodes.codes import new_code
from ..qrcodes.models import QrCode
from . import lifecycle
from .companies import company_key
from .models import LifecycleEvent, Project, ProjectPayment, Unit


def day_start(day):
    """The moment a dated event is put at: noon China time of that day (a register has days, not
    hours; noon is the same calendar day in UTC too, so no reader shows the day before)."""
    return datetime.combine(day, time(12), tzinfo=clock.CHINA)


def _update_rows(model, rows):
    """UPDATE many rows by id: ``rows`` = [{"id": …, column: value…}] all with the same columns."""
    if not rows:
        return
    connection = db.session.connection()
    table = model.__table__
    if connection.dialect.name != "postgresql" or len(rows) < 200:
        columns = [c for c in rows[0] if c != "id"]
        stmt = (update(table).where(table.c.id == bindparam("_id"))
                .values({c: bindparam(f"_{c}") for c in columns}))
        db.session.execute(stmt, [{f"_{k}": v for k, v in row.items()} for row in rows])
        return
    # PostgreSQL: COPY the new values into a temporary table and UPDATE … FROM it (one statement
    # instead of a round trip per row).
    columns = list(rows[0])
    temp = f"tmp_upd_{table.name}"
    types = ", ".join(f"{c} {table.c[c].type.compile(dialect=connection.dialect)}" for c in columns)
    db.session.execute(text(f"DROP TABLE IF EXISTS {temp}"))
    db.session.execute(text(f"CREATE TEMPORARY TABLE {temp} ({types}) ON COMMIT DROP"))
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY {temp} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
    sets = ", ".join(f"{c} = {temp}.{c}" for c in columns if c != "id")
    db.session.execute(text(f"UPDATE {table.name} SET {sets} FROM {temp} WHERE {table.name}.id = {temp}.id"))
    db.session.execute(text(f"DROP TABLE {temp}"))


class Chain:
    """Lifecycle events for many projects at once, hashed like ``lifecycle.append``."""

    def __init__(self, actor_id):
        self.actor_id = actor_id
        self.rows = []
        self.heads = {}  # project id → (head hash, count)
        self._stamps = {}  # moment → (UTC datetime, its stamp as hashed): register dates repeat

    def _moment(self, at):
        found = self._stamps.get(at)
        if found is None:
            utc = clock.as_utc(at)
            found = self._stamps[at] = (utc, json.dumps(lifecycle._stamp(utc)))
        return found

    def start(self, project_id, head="", count=0):
        self.heads[project_id] = (head or lifecycle.GENESIS, count)

    def add(self, project_id, kind, at, payload, actor_id=None):
        """Hash exactly as ``lifecycle.event_hash`` does — the same JSON text, built from parts so
        that the payload is serialised once, for the hash and for COPY (the tests verify every
        imported chain with ``lifecycle.verify``)."""
        prev, count = self.heads[project_id]
        seq = count + 1
        actor = self.actor_id if actor_id is None else actor_id
        utc, stamp = self._moment(at)
        text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        body = f'["{prev}",{int(project_id)},{seq},{json.dumps(kind, ensure_ascii=False)},{stamp},' \
               f'{"null" if actor is None else int(actor)},{text}]'
        digest = hashlib.sha256(body.encode()).hexdigest()
        self.rows.append({"project_id": project_id, "seq": seq, "kind": kind, "occurred_at": utc,
                          "actor_id": actor, "payload": payload, "prev_hash": prev, "hash": digest, "_text": text})
        self.heads[project_id] = (digest, seq)

    def write(self):
        """The events, in bulk. (JSON payloads: COPY takes their text.)"""
        if not self.rows:
            return
        columns = ("project_id", "seq", "kind", "occurred_at", "actor_id", "payload", "prev_hash", "hash")
        if db.session.connection().dialect.name == "postgresql":
            # No ids (nothing points at an event: the column's default numbers them inside COPY);
            # the payload goes as the JSON text already hashed (a json column reads text).
            bulk_insert(LifecycleEvent.__table__, [{**{c: r[c] for c in columns}, "payload": r["_text"]}
                                                   for r in self.rows])
        else:
            db.session.execute(insert(LifecycleEvent), [{c: r[c] for c in columns} for r in self.rows])


# ---------------------------------------------------------------- units

def write_units(rows, batch_id, actor, remember):
    """rows: [{"existing": Unit|None, "name", "kind", "region_id", "address", "head_name"}].
    New units get their QR codes. Returns [inserted, updated, unchanged]."""
    from ..qrcodes import services as qrcodes
    inserted = updated = unchanged = 0
    columns = ("name", "kind", "region_id", "address", "head_name")
    for row in rows:
        unit = row["existing"]
        if unit is None:
            unit = Unit(**{c: row[c] for c in columns}, batch_id=batch_id, created_at=clock.now())
            db.session.add(unit)
            db.session.flush()
            qrcodes.issue("unit", unit.id, unit.region_id, actor)
            inserted += 1
            continue
        changed = [c for c in columns if getattr(unit, c) != row[c]]
        if not changed:
            unchanged += 1
            continue
        remember(unit, changed + ["batch_id"])
        for c in changed:
            setattr(unit, c, row[c])
        unit.batch_id = batch_id
        updated += 1
    db.session.flush()
    return [inserted, updated, unchanged]


# ---------------------------------------------------------------- projects

# What an existing project's row may get from a later register, and is compared.
PROJECT_COLUMNS = ("name", "category", "unit_id", "region_id", "budget", "funding_sources", "contractor",
                   "contractor_uscc", "contract_amount", "planned_start_on", "planned_end_on")


def _ref_numbers(rows):
    """Fill ``ref_no`` where the file gave none: the next numbers of each township-year prefix."""
    want = {}
    for row in rows:
        if not row.get("ref_no"):
            want.setdefault(f"{row['region_code'][:9]}-{row['stage_dates']['approved'].year}-", []).append(row)
    for prefix, group in want.items():
        taken = set(db.session.execute(select(Project.ref_no).where(Project.ref_no.startswith(prefix))).scalars())
        n = len(taken)
        for row in group:
            while True:
                n += 1
                candidate = f"{prefix}{n:04d}"
                if candidate not in taken:
                    break
            row["ref_no"] = candidate


def _stage_events(chain, project_id, stages_from, row, contractor_payload=True):
    """The ``stage_changed`` events for the stages a register says were reached, at their dates."""
    from .services import STAGES
    dates = row["stage_dates"]
    for frm, to in zip(STAGES, STAGES[1:]):
        if to not in dates or STAGES.index(to) <= STAGES.index(stages_from):
            continue
        payload = {"from": frm, "to": to, "imported": True}
        if to in row.get("undated", ()):
            payload["date_unknown"] = True  # blank in the register: no later than the next stage's date
        if to == "contracted" and contractor_payload and row.get("contractor"):
            payload["contractor"] = row["contractor"]
            if row.get("contract_amount") is not None:
                payload["contract_amount"] = str(row["contract_amount"])
        chain.add(project_id, "stage_changed", day_start(dates[to]), payload)


def write_projects(rows, batch_id, actor, remember):
    """Write checked register rows (see ``_write_projects``); returns [inserted, updated, unchanged]."""
    with _gc_paused():
        return _write_projects(rows, batch_id, actor, remember)


def _write_projects(rows, batch_id, actor, remember):
    """rows: checked register rows ({"existing": Project|None, "ref_no", "name", "category",
    "unit_id", "unit_name", "region_id", "region_code", "budget", "funding_sources", "contractor",
    "contractor_uscc", "contract_amount", "planned_start_on", "planned_end_on", "stage",
    "stage_dates": {stage: date}}). New projects go in with their whole history and a QR code; a
    project already stored gets what changed (a later stage adds its stage events; a corrected
    contractor is a ``contractor_corrected`` event). Returns [inserted, updated, unchanged]."""
    now = clock.now()
    actor_id = getattr(actor, "id", None)
    fresh = [r for r in rows if r["existing"] is None]
    _ref_numbers(fresh)
    ids = new_ids(Project, len(fresh))
    chain = Chain(actor_id)
    projects, codes = [], []
    for pid, row in zip(ids, fresh):
        dates = row["stage_dates"]
        chain.start(pid)
        chain.add(pid, "created", day_start(dates["approved"]), {
            "name": row["name"], "budget": str(row["budget"]), "unit": row["unit_name"], "imported": True})
        _stage_events(chain, pid, "approved", row)
        code = new_code()
        chain.add(pid, "code_issued", now, {"code": code})
        head, count = chain.heads[pid]
        projects.append({
            "id": pid, "ref_no": row["ref_no"], "name": row["name"], "category": row["category"],
            "region_id": row["region_id"], "unit_id": row["unit_id"], "stage": row["stage"],
            "budget": row["budget"], "funding_sources": row["funding_sources"], "contractor": row.get("contractor"),
            "contractor_uscc": row.get("contractor_uscc"), "contractor_key": company_key(row.get("contractor")),
            "contract_amount": row.get("contract_amount"), "planned_start_on": row.get("planned_start_on"),
            "planned_end_on": row.get("planned_end_on"), "progress_pct": 0, "created_at": now,
            "updated_at": now, "stage_changed_at": clock.as_utc(day_start(dates[row["stage"]])),
            "chain_head": head, "event_count": count, "batch_id": batch_id})
        codes.append({"code": code, "subject_type": "project", "subject_id": pid, "region_id": row["region_id"],
                      "status": "active", "created_at": now})
    _insert_projects(projects)
    bulk_insert(QrCode.__table__, codes)
    chain.write()
    updated, unchanged = _update_projects([r for r in rows if r["existing"] is not None], batch_id, actor, remember)
    if fresh:
        audit.record(actor, "project.import", subject=None, batch_id=batch_id, projects=len(fresh))
    return [len(fresh), updated, unchanged]


def _insert_projects(projects):
    if not projects:
        return
    if db.session.connection().dialect.name == "postgresql":
        from psycopg.types.json import Json
        bulk_insert(Project.__table__, [{**p, "funding_sources": Json(p["funding_sources"])} for p in projects])
    else:
        db.session.execute(insert(Project), projects)


def _update_projects(rows, batch_id, actor, remember):
    """The stored projects a register names again: only what changed is written (and remembered
    for a withdrawal); a later stage adds its events, an earlier one was refused by the check."""
    from .services import STAGES, lock
    updated = unchanged = 0
    for row in rows:
        project = lock(row["existing"].id)
        changed = [c for c in PROJECT_COLUMNS if _differs(getattr(project, c), row.get(c))]
        later = STAGES.index(row["stage"]) > STAGES.index(project.stage)
        if not changed and not later:
            unchanged += 1
            continue
        remember(project, changed + ["batch_id"] + (["stage", "stage_changed_at"] if later else []))
        if "contractor" in changed and project.contractor:
            lifecycle.append(project, "contractor_corrected", actor, {
                "from": project.contractor, "to": row.get("contractor"),
                "reason": f"项目登记表导入更正（批次 {batch_id}）", "imported": True})
        for c in changed:
            setattr(project, c, row.get(c))
        if later:
            chain = Chain(getattr(actor, "id", None))
            chain.start(project.id, project.chain_head, project.event_count)
            _stage_events(chain, project.id, project.stage, row)
            for event in chain.rows:
                lifecycle.append(project, event["kind"], actor, event["payload"], at=event["occurred_at"])
            project.stage = row["stage"]
            project.stage_changed_at = clock.as_utc(day_start(row["stage_dates"][row["stage"]]))
        project.batch_id = batch_id
        project.updated_at = clock.now()
        updated += 1
    db.session.flush()
    return updated, unchanged


def _differs(stored, new):
    if isinstance(stored, list) or isinstance(new, list):
        return (stored or []) != (new or [])
    return stored != new


# ---------------------------------------------------------------- payments

PAYMENT_COLUMNS = ("amount", "paid_on", "payee", "funding_source")


def write_payments(rows, batch_id, actor, remember):
    """Write checked payment rows (see ``_write_payments``); returns [inserted, updated, unchanged]."""
    with _gc_paused():
        return _write_payments(rows, batch_id, actor, remember)


def _write_payments(rows, batch_id, actor, remember):
    """rows: checked payment rows ({"existing": payment id or None, "project_id", "paid_on",
    "amount", "payee", "voucher_no", "funding_source", and for existing ones the stored values
    "stored": {column: value}}). Each project that got payments gets one ``payments_imported``
    event on its timeline (how many, how much, from which run). Returns [inserted, updated, unchanged]."""
    now = clock.now()
    actor_id = getattr(actor, "id", None)
    fresh = [r for r in rows if r["existing"] is None]
    insert_rows = [{"project_id": r["project_id"], "amount": r["amount"], "paid_on": r["paid_on"],
                    "payee": r["payee"], "payee_key": company_key(r["payee"]), "voucher_no": r["voucher_no"],
                    "funding_source": r["funding_source"], "note": None, "created_by_id": actor_id,
                    "created_at": now, "batch_id": batch_id} for r in fresh]
    bulk_insert(ProjectPayment.__table__, insert_rows)
    updates = []
    unchanged = 0
    for r in rows:
        if r["existing"] is None:
            continue
        changed = [c for c in PAYMENT_COLUMNS if r["stored"][c] != r[c]]
        if not changed:
            unchanged += 1
            continue
        remember(r["stored_row"], changed + ["payee_key", "batch_id"])
        updates.append({"id": r["existing"], **{c: r[c] for c in PAYMENT_COLUMNS},
                        "payee_key": company_key(r["payee"]), "batch_id": batch_id})
    _update_rows(ProjectPayment, updates)
    # One timeline entry per project: what this run added and changed.
    per_project = {}
    for r in fresh:
        entry = per_project.setdefault(r["project_id"], {"count": 0, "total": 0, "updated": 0,
                                                          "first": r["paid_on"], "last": r["paid_on"]})
        entry["count"] += 1
        entry["total"] += r["amount"]
        entry["first"], entry["last"] = min(entry["first"], r["paid_on"]), max(entry["last"], r["paid_on"])
    by_id = {u["id"]: u for u in updates}
    for r in rows:
        if r["existing"] in by_id:
            entry = per_project.setdefault(r["project_id"], {"count": 0, "total": 0, "updated": 0,
                                                              "first": r["paid_on"], "last": r["paid_on"]})
            entry["updated"] += 1
    _append_payment_events(per_project, batch_id, actor_id, now)
    return [len(fresh), len(updates), unchanged]


def _append_payment_events(per_project, batch_id, actor_id, now):
    if not per_project:
        return
    chain = Chain(actor_id)
    ids = sorted(per_project)
    for part in slices(ids):
        stmt = select(Project.id, Project.chain_head, Project.event_count).where(among(Project.id, part))
        if db.session.connection().dialect.name == "postgresql":
            stmt = stmt.with_for_update()  # appends through the API wait for this run
        for pid, head, count in db.session.execute(stmt):
            chain.start(pid, head, count)
    for pid in ids:
        e = per_project[pid]
        chain.add(pid, "payments_imported", now, {
            "count": e["count"], "total": str(e["total"]), "updated": e["updated"], "first_paid_on": e["first"].isoformat(),
            "last_paid_on": e["last"].isoformat(), "batch_id": batch_id, "imported": True})
    chain.write()
    _update_rows(Project, [{"id": pid, "chain_head": chain.heads[pid][0], "event_count": chain.heads[pid][1],
                            "updated_at": now} for pid in ids])
    # The ORM may hold these projects: let it read the new heads.
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Project) and obj.id in per_project:
            db.session.expire(obj, ["chain_head", "event_count", "updated_at"])
